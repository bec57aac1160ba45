using System.Text.RegularExpressions;
using Rmote.TestRig;
using Rmote.Tools;
using Rmote.Transport;

namespace Rmote.Core.Tests;

/// <summary>
/// A shared connection's runtime kept on the host between builds (python/tools/keep.py) and reached through the SSH
/// master's forwarded socket, against the rig's real sshd. What a user would check: the host's log shows no new
/// SSH session for a later connection, the connection works, and a keeper that is gone or frozen costs nothing but
/// the usual start.
/// </summary>
[Collection("ssh")]
public sealed class KeptRuntimeTests(SshFleetFixture rig)
{
    /// <summary>Options no other test uses (a connect timeout of its own): a master and a keeper of this test's own.</summary>
    static SshOptions OptionsFor(SshHost host, int seconds) => SshProtocolTests.OptionsFor(host) with { ConnectTimeout = TimeSpan.FromSeconds(seconds) };

    /// <summary>Sessions the host has started (sshd logs "Starting session: command ..." at LogLevel VERBOSE).</summary>
    static int Sessions(SshHost host) => Regex.Count(host.ReadLog(), "Starting session: command");

    /// <summary>The runtime's pid, its parent's, and whether the runtime runs inside an SSH session of the host (read while connected).</summary>
    static async Task<(int Pid, int Parent, bool InSession)> ConnectAndEchoAsync(SshHost host, SshOptions options)
    {
        await using var proto = await Protocol.FromSshAsync(host.HostName, options);
        Assert.Equal("hi", await proto.CallAsync(Diag.EchoString, "hi"));
        var pid = proto.Info.Pid;
        return (pid, ParentOf(pid), host.SessionPids().Contains(pid));
    }

    static int ParentOf(int pid) => int.Parse(File.ReadAllText($"/proc/{pid}/stat").Split(')')[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);

    [Fact]
    public async Task A_later_connection_reaches_the_kept_runtime_without_a_new_session()
    {
        var host = rig.Hosts[^1];
        var options = OptionsFor(host, 31);
        await ConnectAndEchoAsync(host, options);  // starts the keeper and the master's forward before it closes
        var sessions = Sessions(host);
        var first = await ConnectAndEchoAsync(host, options);
        var second = await ConnectAndEchoAsync(host, options);
        Assert.Equal(sessions, Sessions(host));
        Assert.NotEqual(first.Pid, second.Pid);  // a fresh runtime each time,
        Assert.Equal(first.Parent, second.Parent);  // forked by one keeper,
        Assert.False(first.InSession);  // outside any SSH session of the host
    }

    [Fact]
    public async Task Killing_the_master_fails_pending_calls_and_the_kept_runtime_exits()
    {
        var host = rig.Hosts[^1];
        var options = OptionsFor(host, 34);
        await ConnectAndEchoAsync(host, options);
        var proto = await Protocol.FromSshAsync(host.HostName, options);
        var remotePid = proto.Info.Pid;
        Assert.DoesNotContain(remotePid, host.SessionPids());
        var sleeping = proto.CallAsync(Diag.Sleep, 60.0);
        var controlPath = SshCommand.Build(host.HostName, options).Single(a => a.StartsWith("ControlPath=", StringComparison.Ordinal))["ControlPath=".Length..];
        var masters = Directory.GetDirectories("/proc").Select(Path.GetFileName).Select(n => int.TryParse(n, out var pid) ? pid : 0)
            .Where(pid => ProcessTree.GetCommandLine(pid) == $"ssh: {controlPath} [mux]").ToList();
        Assert.Single(masters);
        ProcessTree.Signal(masters[0], ProcessTree.SIGKILL);
        var lost = await Assert.ThrowsAsync<RemoteConnectionLostException>(() => sleeping.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains(host.HostName, lost.Message);
        await proto.DisposeAsync();
        await LocalProtocolTests.WaitUntil(() => !Directory.Exists($"/proc/{remotePid}"));
    }

    [Fact]
    public async Task A_host_that_refuses_forwarded_sockets_is_not_tried_again_while_the_master_lives()
    {
        var host = rig.Hosts[^1];
        var config = File.ReadAllText(host.ConfigFile);
        await host.StopAsync();
        File.WriteAllText(host.ConfigFile, config + "AllowStreamLocalForwarding no\n");  // as hardened servers set it
        try
        {
            await host.StartAsync();
            var log = new CapturingLogger();
            var options = OptionsFor(host, 35) with { Logger = log };
            await ConnectAndEchoAsync(host, options);  // starts the keeper, and the master's forward to it
            var sessions = Sessions(host);
            Assert.True((await ConnectAndEchoAsync(host, options)).InSession);  // the channel is refused: the usual start
            Assert.Contains("the host refuses forwarded Unix sockets", log.AllText);
            var tries = Regex.Count(log.AllText, "the kept runtime did not answer");
            Assert.Equal(1, tries);
            Assert.True((await ConnectAndEchoAsync(host, options)).InSession);
            Assert.Equal(sessions + 2, Sessions(host));
            Assert.Equal(tries, Regex.Count(log.AllText, "the kept runtime did not answer"));  // not tried again
        }
        finally
        {
            await host.StopAsync();
            File.WriteAllText(host.ConfigFile, config);
            await host.StartAsync();
        }
    }

    [Fact]
    public async Task Without_sharing_no_runtime_is_kept()
    {
        var host = rig.Hosts[^1];
        var options = OptionsFor(host, 32) with { ConnectionPersist = TimeSpan.Zero };
        await ConnectAndEchoAsync(host, options);
        var sessions = Sessions(host);
        Assert.True((await ConnectAndEchoAsync(host, options)).InSession);
        Assert.Equal(sessions + 1, Sessions(host));
    }

    [Fact]
    public async Task A_keeper_that_is_gone_is_started_again()
    {
        var host = rig.Hosts[^1];
        var options = OptionsFor(host, 33);
        await ConnectAndEchoAsync(host, options);
        var keeper = (await ConnectAndEchoAsync(host, options)).Parent;
        ProcessTree.Signal(keeper, ProcessTree.SIGKILL);
        var sessions = Sessions(host);
        Assert.True((await ConnectAndEchoAsync(host, options)).InSession);  // the usual start, which starts a new keeper
        Assert.Equal(sessions + 1, Sessions(host));
        var again = await ConnectAndEchoAsync(host, options);
        Assert.Equal(sessions + 1, Sessions(host));
        Assert.False(again.InSession);
        Assert.NotEqual(keeper, again.Parent);
    }

    [Fact]
    public async Task A_frozen_keeper_costs_the_usual_start_not_the_connection()
    {
        var host = rig.Hosts[^1];
        var options = OptionsFor(host, 2);  // the kept runtime's answer is awaited at most this long
        await ConnectAndEchoAsync(host, options);
        var keeper = (await ConnectAndEchoAsync(host, options)).Parent;
        ProcessTree.Signal(keeper, ProcessTree.SIGSTOP);
        try
        {
            var sessions = Sessions(host);
            Assert.True((await ConnectAndEchoAsync(host, options)).InSession);
            Assert.Equal(sessions + 1, Sessions(host));
        }
        finally
        {
            ProcessTree.Signal(keeper, ProcessTree.SIGCONT);
        }
    }
}
