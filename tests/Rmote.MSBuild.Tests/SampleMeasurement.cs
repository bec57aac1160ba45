using System.Diagnostics;
using System.Globalization;
using Rmote.TestRig;

namespace Rmote.MSBuild.Tests;

/// <summary>
/// The figures of the closing note: samples/MSBuildDeploy's `dotnet msbuild -t:Deploy` to the rig's 3 sshd hosts,
/// cold and no-change. Slow (it builds and publishes the sample), so it runs only with RMOTE_MEASURE=1, after
/// build/deploy-sample.sh has packed Rmote.MSBuild into artifacts/packages.
/// </summary>
[Collection("msbuild-ssh")]
public sealed class SampleMeasurement(SshFleetFixture rig)
{
    [Fact]
    public async Task DeploySampleToThreeSshHosts()
    {
        if (Environment.GetEnvironmentVariable("RMOTE_MEASURE") != "1") return;
        var root = PackedFeed.RepoRoot;
        var h = rig.Hosts;
        var dest = h[0].RemoteSrv.TrimEnd('/') + "/sample-" + Guid.NewGuid().ToString("n")[..6];
        string[] props =
        [
            "-p:RmoteHosts=" + string.Join(" ", h.Select(x => x.Target)), "-p:RmoteIdentityFile=" + h[0].IdentityFile,
            "-p:RmoteKnownHostsFile=" + h[0].KnownHostsFile, "-p:RmoteDeployFolder=" + dest,
        ];
        var report = new List<string>();
        async Task<ProcessResult> Timed(string label, string file, IEnumerable<string> args, IDictionary<string, string>? env = null)
        {
            var sw = Stopwatch.StartNew();
            var e = MsBuild.Env().ToDictionary(kv => kv.Key, kv => kv.Value!);
            foreach (var kv in env ?? new Dictionary<string, string>()) e[kv.Key] = kv.Value;
            var r = await ProcessRunner.RunAsync(file, args, root, e, TimeSpan.FromMinutes(5));
            report.Add($"{label}: {sw.Elapsed.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture)} s (exit {r.ExitCode})");
            Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
            return r;
        }
        var cold = await Timed("cold (restore into a wiped obj/packages, build, publish, deploy to empty hosts)", "bash",
            ["build/deploy-sample.sh", .. props], new Dictionary<string, string> { ["RMOTE_SKIP_PACK"] = "1" });
        string[] again = ["msbuild", "samples/MSBuildDeploy/MSBuildDeploy.csproj", "-restore", "-t:Deploy", "-p:Configuration=Release", "-nologo", .. props];
        var runs = new List<ProcessResult>();
        for (var i = 1; i <= 3; i++) runs.Add(await Timed($"no-change #{i}", "dotnet", again));
        await Timed("cold hosts, warm build (new deploy folder)", "dotnet", [.. again.SkipLast(1), "-p:RmoteDeployFolder=" + dest + "-b"]);
        File.WriteAllText(Path.Combine(root, "artifacts", "msbuild-measure.txt"),
            string.Join("\n", report) + "\n\n--- cold log (default verbosity) ---\n" + cold.StdOut + "\n--- no-change log ---\n" + runs[^1].StdOut);
        foreach (var x in h) Assert.True(File.Exists(Path.Combine(x.SrvRoot, dest[(x.RemoteSrv.TrimEnd('/').Length + 1)..], "shared", "app.conf")));
    }
}
