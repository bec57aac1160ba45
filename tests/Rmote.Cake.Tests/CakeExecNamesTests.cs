using Rmote.Cake.Tests.Support;
using Rmote.TestRig;

namespace Rmote.Cake.Tests;

/// <summary>
/// Issue 18 in a real `dotnet cake` run on the local target: RmoteExec's settings carry MSBuild Exec's names
/// (EchoOff, IgnoreStandardErrorWarningFormat, the custom expressions), and DeployFolder resolves relative remote paths.
/// </summary>
public sealed class CakeExecNamesTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Exec_names_and_a_relative_working_directory_behave_as_in_msbuild()
    {
        var feed = await PackedFeed.GetAsync();
        using var dir = new TempDir("rmote-cake-exec-");
        var deploy = dir.Combine("deploy");
        Directory.CreateDirectory(Path.Combine(deploy, "current"));
        var marker = Guid.NewGuid().ToString("n")[..8];
        var script = dir.WriteFile("build.cake", CakeRunner.AddinLine(feed) + $$"""

            var hosts = new[] { "local" };
            Task("Names").Does(() =>
            {
                RmoteExec(hosts, "echo restarting; echo done | tr a-z A-Z");
                RmoteExec(hosts, "pwd", new RmoteExecSettings().WithWorkingDirectory("current").WithDeployFolder("{{deploy}}"));
                RmoteExec(hosts, "echo 'error XX1234: plain now'", new RmoteExecSettings().WithIgnoreStandardErrorWarningFormat());
                RmoteExec(hosts, "echo 'WARN slow'", new RmoteExecSettings().WithCustomWarningRegularExpression("^WARN"));
                try { RmoteExec(hosts, "echo out-{{marker}}; exit 3 # hidden-{{marker}}", new RmoteExecSettings().WithEchoOff()); }
                catch (Exception e) { Information("CAUGHT-ECHO " + e.Message); }
                try { RmoteExec(hosts, "pwd", new RmoteExecSettings().WithWorkingDirectory("current")); }
                catch (Exception e) { Information("CAUGHT-RELATIVE " + e.Message); }
                RmoteExec(hosts, "echo 'FATAL disk full'", new RmoteExecSettings().WithCustomErrorRegularExpression("^FATAL"));
            });
            RunTarget("Names");
            """);

        var r = await CakeRunner.RunAsync(feed, script);
        var text = CakeRunner.Text(r);
        output.WriteLine(text);

        Assert.NotEqual(0, r.ExitCode);   // the custom error line fails the last alias
        Assert.Contains("[local] restarting", text);
        Assert.Contains("[local] DONE", text);
        Assert.Contains($"[local] {deploy}/current", text);
        Assert.Contains("[local] error XX1234: plain now", text);
        Assert.Contains("[local] WARN slow", text);
        Assert.Contains($"[local] out-{marker}", text);
        Assert.Contains("CAUGHT-ECHO RmoteExec failed on 1 of 1 host(s):", text);
        Assert.Contains("`...` exited with code 3", text);
        Assert.DoesNotContain($"hidden-{marker}", text);
        Assert.Contains("CAUGHT-RELATIVE RmoteExec: WorkingDirectory 'current' is a relative path and there is no deploy folder", text);
        Assert.Contains("RmoteExec failed on 1 of 1 host(s):", text);
        Assert.Contains("`echo 'FATAL disk full'` wrote 1 error line(s) (exit 0): FATAL disk full", text);
    }
}
