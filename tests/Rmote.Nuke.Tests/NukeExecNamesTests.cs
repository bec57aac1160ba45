using Rmote.Nuke;
using Rmote.Nuke.Tests.Support;
using Rmote.TestRig;

namespace Rmote.Nuke.Tests;

/// <summary>Issue 18 in Rmote.Nuke against the rig's hosts: RmoteExec with MSBuild Exec's names, and relative remote paths.</summary>
[Collection("ssh")]
public sealed class NukeExecNamesTests(SshFleetFixture rig)
{
    T Conn<T>(T s) where T : RmoteSettings => s
        .SetHosts(rig.Hosts.Select(h => h.Target))
        .SetIdentity(rig.Fleet.IdentityFile)
        .SetKnownHostsFile(rig.Fleet.KnownHostsFile);

    [Fact]
    public void A_shell_line_an_argv_error_lines_echo_off_and_a_relative_working_directory()
    {
        using var capture = SerilogCapture.Install();
        var rel = "nuke-rel-" + Guid.NewGuid().ToString("n")[..8];
        foreach (var h in rig.Hosts) Directory.CreateDirectory(Path.Combine(h.SrvRoot, rel));
        try
        {
            var shell = RmoteTasks.RmoteExec(s => Conn(s).SetCommand("echo restarting; echo done | tr a-z A-Z"));
            Assert.All(shell, r => Assert.Equal("restarting\nDONE", r.Value!.Stdout));
            var argv = RmoteTasks.RmoteExec(s => Conn(s).SetArguments("printf", "[%s]", "two words; not a shell"));
            Assert.All(argv, r => Assert.Equal("[two words; not a shell]", r.Value!.Stdout));

            var error = Assert.Throws<RmoteTaskException>(() => RmoteTasks.RmoteExec(s => Conn(s).SetCommand("echo 'error XX1234: boom' >&2")));
            Assert.Contains("RmoteExec failed on 3 of 3 host(s)", error.Message);
            Assert.Contains("wrote 1 error line(s) (exit 0): error XX1234: boom", error.Message);
            Assert.Contains(capture.Lines, l => l.StartsWith("Error: ", StringComparison.Ordinal) && l.Contains(rig.Hosts[0].Target) && l.Contains("error XX1234: boom"));
            var ignored = RmoteTasks.RmoteExec(s => Conn(s).SetCommand("echo 'error XX1234: boom'").EnableIgnoreStandardErrorWarningFormat());
            Assert.True(ignored.AllSucceeded);
            var warned = RmoteTasks.RmoteExec(s => Conn(s).SetCommand("echo 'WARN slow'").SetCustomWarningRegularExpression("^WARN"));
            Assert.True(warned.AllSucceeded);
            Assert.Contains(capture.Lines, l => l.StartsWith("Warning: ", StringComparison.Ordinal) && l.Contains(rig.Hosts[0].Target) && l.Contains("WARN slow"));

            var hidden = Assert.Throws<RmoteTaskException>(() => RmoteTasks.RmoteExec(s => Conn(s).SetCommand("echo out; exit 3 # hidden-part").EnableEchoOff()));
            Assert.Contains("`...` exited with code 3", hidden.Message);
            Assert.DoesNotContain("hidden-part", hidden.Message);

            var srv = rig.Hosts[0].RemoteSrv;
            var pwd = RmoteTasks.RmoteExec(s => Conn(s).SetCommand("pwd").SetWorkingDirectory(rel).SetDeployFolder(srv));
            Assert.All(pwd, r => Assert.Equal($"{srv.TrimEnd('/')}/{rel}", r.Value!.Stdout));
            var refused = Assert.Throws<RmoteTaskException>(() => RmoteTasks.RmoteExec(s => Conn(s).SetCommand("pwd").SetWorkingDirectory(rel)));
            Assert.StartsWith($"RmoteExec: WorkingDirectory '{rel}' is a relative path and there is no deploy folder", refused.Message);
        }
        finally
        {
            RmoteTasks.RmoteDisconnect();
        }
    }
}
