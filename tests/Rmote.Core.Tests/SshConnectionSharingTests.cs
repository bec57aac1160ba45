using Rmote.TestRig;
using Rmote.Tools;
using Rmote.Transport;

namespace Rmote.Core.Tests;

/// <summary>Shared SSH connections (ControlMaster/ControlPersist) against the rig's real sshd: what a user sees is
/// whether the host logs a new login, and whether the connection works.</summary>
[Collection("ssh")]
public sealed class SshConnectionSharingTests(SshFleetFixture rig)
{
    static SshOptions OptionsFor(SshHost host) => SshProtocolTests.OptionsFor(host);

    static int Logins(SshHost host) => host.Logins();

    static async Task<int> ConnectAndEchoAsync(SshHost host, SshOptions options)
    {
        await using var proto = await Protocol.FromSshAsync(host.HostName, options);
        Assert.Equal("hi", await proto.CallAsync(Diag.EchoString, "hi"));
        return proto.Info.Pid;
    }

    [Fact]
    public async Task A_second_connection_with_the_same_options_does_not_log_in_again()
    {
        var host = rig.Hosts[0];
        var firstPid = await ConnectAndEchoAsync(host, OptionsFor(host));
        var logins = Logins(host);
        var secondPid = await ConnectAndEchoAsync(host, OptionsFor(host));
        Assert.Equal(logins, Logins(host));
        Assert.NotEqual(firstPid, secondPid);  // a session of its own: a fresh interpreter
    }

    [Fact]
    public async Task Connections_that_start_together_before_any_master_exists_all_work()
    {
        var host = rig.Hosts[1];
        // A connect timeout no other test uses: ssh arguments nobody has a master for yet.
        var options = OptionsFor(host) with { ConnectTimeout = TimeSpan.FromSeconds(23) };
        var pids = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => ConnectAndEchoAsync(host, options)));
        Assert.Equal(6, pids.Distinct().Count());
        var logins = Logins(host);
        await ConnectAndEchoAsync(host, options);  // one of them left a master behind
        Assert.Equal(logins, Logins(host));
    }

    [Fact]
    public async Task Other_ssh_settings_get_a_connection_of_their_own()
    {
        var host = rig.Hosts[1];
        await ConnectAndEchoAsync(host, OptionsFor(host));
        var logins = Logins(host);
        var copy = Path.Combine(Path.GetDirectoryName(host.KnownHostsFile)!, "known_hosts.copy");
        File.Copy(host.KnownHostsFile, copy, overwrite: true);
        await ConnectAndEchoAsync(host, OptionsFor(host) with { KnownHostsFile = copy });
        Assert.Equal(logins + 1, Logins(host));
    }

    [Fact]
    public async Task Without_sharing_every_connection_logs_in()
    {
        var host = rig.Hosts[2];
        var options = OptionsFor(host) with { ConnectionPersist = TimeSpan.Zero };
        var logins = Logins(host);
        await ConnectAndEchoAsync(host, options);
        await ConnectAndEchoAsync(host, options);
        Assert.Equal(logins + 2, Logins(host));
        // ControlPath=none among the user's options turns sharing off as well
        await ConnectAndEchoAsync(host, OptionsFor(host) with { Options = ["-o", "ControlPath=none"] });
        Assert.Equal(logins + 3, Logins(host));
    }

    [Fact]
    public async Task A_shared_connection_that_dropped_is_replaced_by_a_new_login()
    {
        var host = rig.Hosts[0];
        await ConnectAndEchoAsync(host, OptionsFor(host));
        host.KillSessions();  // the host drops every connection, the master's too
        var logins = Logins(host);
        await ConnectAndEchoAsync(host, OptionsFor(host));
        Assert.Equal(logins + 1, Logins(host));
    }

    [Fact]
    public void The_socket_is_named_by_a_hash_of_the_ssh_arguments_in_a_private_folder()
    {
        var argv = SshCommand.Build("web01", new SshOptions { Port = 2222 });
        var path = Assert.Single(argv, a => a.StartsWith("ControlPath=", StringComparison.Ordinal))["ControlPath=".Length..];
        Assert.Equal(SshConnectionSharing.DefaultFolder, Path.GetDirectoryName(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(SshConnectionSharing.DefaultFolder));
        Assert.Contains("ControlPersist=60", argv);
        var other = SshCommand.Build("web01", new SshOptions { Port = 2223 });
        Assert.DoesNotContain("ControlPath=" + path, other);
        Assert.Contains("ControlPath=" + path, SshCommand.Build("web01", new SshOptions { Port = 2222 }));
        Assert.DoesNotContain(SshCommand.Build("web01", new SshOptions { ConnectionPersist = TimeSpan.Zero }), a => a.StartsWith("Control", StringComparison.Ordinal));
    }

    [Fact]
    public void A_negative_persist_time_is_refused_before_ssh_runs()
    {
        var e = Assert.Throws<ArgumentException>(() => { _ = Protocol.FromSshAsync("web01", new SshOptions { ConnectionPersist = TimeSpan.FromSeconds(-1) }); });
        Assert.Contains("ConnectionPersist", e.Message);
    }
}
