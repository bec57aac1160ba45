using System.Diagnostics;
using Rmote.Cake.Tests.Support;
using Rmote.TestRig;

namespace Rmote.Cake.Tests;

/// <summary>
/// samples/Cake/rollout.cake rolling samples/StagingRollout out to two hosts whose PID 1 is systemd: v1, v2, then a v3
/// whose <c>/health</c> answers 503, rolled back so that both hosts serve v2 again.
/// </summary>
public sealed class CakeStagingRolloutSampleTests : IClassFixture<SystemdHostPairFixture>
{
    readonly SystemdHostPairFixture rig;
    readonly ITestOutputHelper output;

    public CakeStagingRolloutSampleTests(SystemdHostPairFixture rig, ITestOutputHelper output)
    {
        this.rig = rig;
        this.output = output;
        output.WriteLine(rig.BootReport);
    }

    [Fact]
    public async Task The_Cake_rollout_deploys_v1_and_v2_to_two_systemd_hosts_and_rolls_a_v3_that_fails_its_health_check_back_to_v2()
    {
        var feed = await PackedFeed.GetAsync();
        using var sample = new StagingRolloutSample(feed, rig.Hosts);
        var cake = Path.Combine(sample.SamplesFolder, "Cake");
        Directory.CreateDirectory(cake);
        var script = Path.Combine(cake, "rollout.cake");
        // The sample pins the version `dotnet pack` makes; this run's feed has its own.
        File.WriteAllLines(script, File.ReadAllLines(Path.Combine(Repo.Root, "samples", "Cake", "rollout.cake"))
            .Select(l => l.StartsWith("#addin nuget:?package=Cake.Rmote", StringComparison.Ordinal) ? CakeRunner.AddinLine(feed) : l));
        // One ssh_config names both hosts with their own key and known_hosts, as a user's ~/.ssh/config would.
        var sshConfig = Path.Combine(cake, "ssh_config");
        File.WriteAllText(sshConfig, string.Concat(rig.Hosts.Select(h =>
            $"Host {h.Name}\n  HostName {h.HostName}\n  Port {h.Port}\n  User root\n  IdentityFile {h.IdentityFile}\n  UserKnownHostsFile {h.KnownHostsFile}\n  StrictHostKeyChecking yes\n")));

        async Task<ProcessResult> RolloutAsync(string version, bool breakHealth = false)
        {
            var clock = Stopwatch.StartNew();
            var r = await CakeRunner.RunAsync(feed, script, "--hosts=" + string.Join(',', rig.Hosts.Select(h => h.Name)), "--ssh-config=" + sshConfig,
                "--ports=" + sample.PortList, "--app-version=" + version, "--break-health=" + (breakHealth ? "true" : "false"), "--health-timeout=10000");
            output.WriteLine($"--- rollout {version} ({clock.Elapsed.TotalSeconds:F1} s, exit {r.ExitCode})");
            output.WriteLine(CakeRunner.Text(r));
            return r;
        }

        try
        {
            var r = await RolloutAsync("1.0.0");
            Assert.True(r.Succeeded, CakeRunner.Text(r));
            for (var i = 0; i < 2; i++) Assert.StartsWith("StagingRollout 1.0.0 (release ", await sample.FetchAsync(i));

            r = await RolloutAsync("2.0.0");
            Assert.True(r.Succeeded, CakeRunner.Text(r));
            var v2 = new List<string>();
            for (var i = 0; i < 2; i++)
            {
                v2.Add(await StagingRolloutSample.CurrentReleaseAsync(rig.Hosts[i]));
                Assert.Equal($"StagingRollout 2.0.0 (release {v2[i]})\n", await sample.FetchAsync(i));
            }

            r = await RolloutAsync("3.0.0", breakHealth: true);
            var text = CakeRunner.Text(r);
            Assert.False(r.Succeeded, text);
            Assert.Contains("RmoteWaitForHealthy failed on 1 of 1 host(s)", text);
            Assert.Contains("HTTP 503 Service Unavailable (expected 200): broken on purpose", text);
            Assert.Contains($"Rolled back to release {v2[0]}: it is live and healthy again.", text);
            Assert.Contains("Rollout of 3.0.0 failed and was rolled back", text);
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
