using Rmote.Fleet;
using Rmote.Nuke;

namespace Rmote.Nuke.Tests;

/// <summary>Nuke's connection settings are <see cref="ConnectionSettings"/>: what a task is given reaches the host's connection as set.</summary>
[Collection("ssh")] // the tasks' connection pool is the process's: see SshCollection
public sealed class NukeConnectionSettingsTests
{
    [Fact]
    public void Connection_settings_reach_the_connection_and_errors_use_the_settings_names()
    {
        // CodeCache off and sharing off are accepted as set; a bad interpreter is named as the setting the user set.
        var e = Assert.Throws<RmoteTaskException>(() => RmoteTasks.RmoteExec(s => s.SetHosts("local").SetCommand("true")
            .DisableCodeCache().SetConnectionPersist(TimeSpan.Zero).SetPython("python3 -i")));
        Assert.Contains("Python 'python3 -i' must be an interpreter name", e.Message);
        Assert.Contains("set Sudo = true", e.Message);
        Assert.DoesNotContain("SshOptions.", e.Message);

        var ok = RmoteTasks.RmoteExec(s => s.SetHosts("local").SetCommand("true").DisableCodeCache().SetConnectionPersist(TimeSpan.Zero));
        Assert.True(ok.AllSucceeded);
    }

    [Fact]
    public void Resetting_a_setting_gives_back_the_default_of_the_one_record()
    {
        var set = new RmoteExecSettings().SetSudo(true).SetHostKeyChecking(HostKeyChecking.AcceptNew).DisableCodeCache();
        var reset = set.ResetSudo().ResetHostKeyChecking().ResetCodeCache();
        var defaults = new HostSpec { Host = HostSpec.LocalName };
        Assert.Equal((defaults.Sudo, defaults.HostKeyChecking, defaults.CodeCache), (reset.Sudo, reset.HostKeyChecking, reset.CodeCache));
        Assert.NotEqual((defaults.Sudo, defaults.HostKeyChecking, defaults.CodeCache), (set.Sudo, set.HostKeyChecking, set.CodeCache));
    }
}
