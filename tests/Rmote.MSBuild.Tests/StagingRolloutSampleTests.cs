using System.Diagnostics;
using Rmote.TestRig;
using Xunit.Abstractions;

namespace Rmote.MSBuild.Tests;

/// <summary>
/// samples/StagingRollout rolled out by <c>dotnet msbuild -t:Deploy</c> to two hosts whose PID 1 is systemd: v1, then
/// v2, then a v3 whose <c>/health</c> answers 503, which the rollout rolls back: both hosts serve v2 again.
/// </summary>
[Collection("msbuild-local")]
public sealed class StagingRolloutSampleTests : IClassFixture<SystemdHostPairFixture>
{
    readonly SystemdHostPairFixture rig;
    readonly PackedFeed feed;
    readonly ITestOutputHelper output;

    public StagingRolloutSampleTests(SystemdHostPairFixture rig, PackedFeed feed, ITestOutputHelper output)
    {
        this.rig = rig;
        this.feed = feed;
        this.output = output;
        output.WriteLine(rig.BootReport);
    }

    async Task<ProcessResult> DeployAsync(StagingRolloutSample sample, string inventory, string version, bool breakHealth = false)
    {
        var clock = Stopwatch.StartNew();
        var r = await MsBuild.RunDotnetAsync(["msbuild", "StagingRollout.csproj", "-restore", "-t:Deploy", "-p:Configuration=Release", "-nologo", "-nodeReuse:false", "-clp:NoSummary",
            "-p:RmoteMSBuildVersion=" + feed.Version, "-p:RestorePackagesPath=", "-p:StagingInventory=" + inventory, "-p:SampleVersion=" + version,
            "-p:SampleBreakHealth=" + (breakHealth ? "true" : "false"), "-p:StagingHealthTimeout=10000"], sample.SampleFolder, TimeSpan.FromMinutes(5));
        output.WriteLine($"--- deploy {version} ({clock.Elapsed.TotalSeconds:F1} s, exit {r.ExitCode})");
        output.WriteLine(TestProject.Log(r));
        File.WriteAllText(Path.Combine(Path.GetTempPath(), $"rmote-staging-rollout-msbuild-{version}.log"), TestProject.Log(r));
        return r;
    }

    [Fact]
    public async Task The_sample_rolls_out_v1_and_v2_to_two_systemd_hosts_and_rolls_a_v3_that_fails_its_health_check_back_to_v2()
    {
        using var sample = new StagingRolloutSample(feed, rig.Hosts);
        var inventory = sample.WriteInventory();
        try
        {
            var r = await DeployAsync(sample, inventory, "1.0.0");
            Assert.Equal(0, r.ExitCode);
            for (var i = 0; i < 2; i++) Assert.StartsWith("StagingRollout 1.0.0 (release ", await sample.FetchAsync(i));

            r = await DeployAsync(sample, inventory, "2.0.0");
            Assert.Equal(0, r.ExitCode);
            var v2 = new List<string>();
            for (var i = 0; i < 2; i++)
            {
                v2.Add(await StagingRolloutSample.CurrentReleaseAsync(rig.Hosts[i]));
                Assert.Equal($"StagingRollout 2.0.0 (release {v2[i]})\n", await sample.FetchAsync(i));
            }

            r = await DeployAsync(sample, inventory, "3.0.0", breakHealth: true);
            var log = TestProject.Log(r);
            Assert.NotEqual(0, r.ExitCode);
            Assert.Contains("error RMT0010: ", log);
            Assert.Contains("Rolling back: release ", log);
            Assert.Contains($"Rolled back to release {v2[0]}: it is live and healthy again.", log);
            Assert.DoesNotContain("StagingRollout 3.0.0 is live", log);
            for (var i = 0; i < 2; i++)
            {
                Assert.Equal(v2[i], await StagingRolloutSample.CurrentReleaseAsync(rig.Hosts[i]));
                Assert.Equal($"StagingRollout 2.0.0 (release {v2[i]})\n", await sample.FetchAsync(i));
            }
        }
        finally
        {
            await sample.StopServiceAsync();
        }
    }
}
