using System.Text;
using Rmote.Cake.Tests.Support;
using Rmote.TestRig;

namespace Rmote.Cake.Tests;

/// <summary>Issue 16 case 11 through a real <c>dotnet cake</c>: Ctrl+C mid-copy leaves no temp file and says so once per host.</summary>
[Collection("ssh")]
public sealed class CakeCancelTests(SshFleetFixture rig, ITestOutputHelper output)
{
    [Fact]
    public async Task CtrlC_mid_copy_removes_the_temp_files_and_names_each_host_once()
    {
        var feed = await PackedFeed.GetAsync();
        var hosts = rig.Hosts.Take(2).ToList();
        var name = "cake-cancel-" + Guid.NewGuid().ToString("n")[..8];
        using var dir = new TempDir("rmote-cake-cancel-");
        var script = dir.WriteFile("build.cake", CakeRunner.AddinLine(feed) + $$"""

            var hosts = Argument<string>("hosts").Split(',');
            Task("Default").Does(() =>
            {
                RmoteCopy(hosts, "{{RandomFiles.LargeFolder}}", "/srv/{{name}}",
                    new RmoteCopySettings().WithIdentity("{{rig.Fleet.IdentityFile}}").WithKnownHostsFile("{{rig.Fleet.KnownHostsFile}}"));
            });
            RunTarget("Default");
            """);
        var text = new StringBuilder();
        string Text() { lock (text) return text.ToString(); }
        using var cake = CakeRunner.StartInOwnGroup(feed, script, text, "--hosts=" + string.Join(',', hosts.Select(h => h.Target)));
        try
        {
            // Mid-copy: every host's temp files hold over 1 MiB (polled; Cake compiles the script first).
            var deadline = DateTime.UtcNow.AddMinutes(3);
            while (!hosts.All(h => DeployTemps.BytesUnder(Path.Combine(h.SrvRoot, name)) > 1 << 20))
            {
                Assert.True(DateTime.UtcNow < deadline && !cake.HasExited, "the copy never started:\n" + Text());
                await Task.Delay(10);
            }
            Assert.True(ProcessTree.SignalGroup(cake.Id, 2)); // SIGINT, as a terminal's Ctrl+C
            // A generous deadline only (no wall-clock bound): an ignored Ctrl+C finishes the copy, so the "copy cancelled"
            // lines and the empty temp folders below are what show the cancel took effect.
            await cake.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
            cake.WaitForExit(); // drains the output events
            var log = Text();
            output.WriteLine($"exit {cake.ExitCode}\n{log}");

            Assert.NotEqual(0, cake.ExitCode);
            foreach (var h in hosts)
            {
                Assert.Empty(DeployTemps.Under(Path.Combine(h.SrvRoot, name)));
                // (big2.bin may have landed before the signal: one or two files in flight)
                Assert.Single(log.Split('\n'), l => System.Text.RegularExpressions.Regex.IsMatch(l,
                    $@"\[{System.Text.RegularExpressions.Regex.Escape(h.Target)}\] copy cancelled: (1 file in flight, its temp file|2 files in flight, their temp files) removed"));
            }
            Assert.DoesNotContain("connection lost", log, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("   at ", log);  // no stack trace
        }
        finally
        {
            if (!cake.HasExited) cake.Kill(entireProcessTree: true);
        }
    }
}
