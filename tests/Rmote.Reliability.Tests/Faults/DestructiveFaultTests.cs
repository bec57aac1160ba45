using System.Diagnostics;
using Rmote.TestRig;
using Rmote.Tools;
using static Rmote.Reliability.Tests.Observed;

namespace Rmote.Reliability.Tests.Faults;

/// <summary>Faults that take a host down: each test owns its host (a private fleet or a network-namespace host).</summary>
public sealed class DestructiveFaultTests
{
    [Fact]
    public async Task Sshd_stopped_mid_call_then_restarted()
    {
        await using var fleet = await SshFleet.StartAsync(2);
        var host = fleet[0];
        await using var bystander = await Protocol.FromSshAsync(fleet[1].HostName, OptionsFor(fleet[1]));
        var proto = await Protocol.FromSshAsync(host.HostName, OptionsFor(host));
        var remotePid = proto.Info.Pid;
        var calls = Enumerable.Range(0, 10).Select(_ => proto.CallAsync(Diag.Sleep, 300.0)).ToArray();
        var sw = Stopwatch.StartNew();
        await host.StopAsync(); // listener and every session killed, like the machine going down
        foreach (var call in calls)
        {
            var lost = await Assert.ThrowsAsync<RemoteConnectionLostException>(() => call.WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.Contains("[host1] connection lost", lost.Message);
            if (call == calls[0])
                Record("sshd stopped mid-call", "SshHost.StopAsync (SIGKILL of sshd and its sessions) with 10 Diag.Sleep(300) calls in flight",
                    $"{lost.GetType().Name} after {sw.Elapsed.TotalSeconds:F1} s: {lost.Message}", "nothing: the interpreter died with its session");
        }
        await proto.DisposeAsync();
        Assert.Empty(await WaitNoChildrenAsync($"-p {host.Port}"));
        Assert.True(await WaitGoneAsync(remotePid));
        Assert.Equal("pong", await bystander.CallAsync(Diag.Ping));

        await host.StartAsync();
        await using var again = await Protocol.FromSshAsync(host.HostName, OptionsFor(host));
        Assert.Equal("pong", await again.CallAsync(Diag.Ping));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Network_cut_mid_transfer_fails_pending_calls_within_a_minute(bool sharedConnection)
    {
        await using var host = await NetNamespaceHost.CreateAsync();
        await using var fleet = await SshFleet.StartAsync(1);
        await using var bystander = await Protocol.FromSshAsync(fleet[0].HostName, OptionsFor(fleet[0]));
        var options = OptionsFor(host) with
        {
            Name = "netns-host", ServerAliveInterval = TimeSpan.FromSeconds(2),
            ConnectionPersist = sharedConnection ? TimeSpan.FromSeconds(60) : TimeSpan.Zero,
        };
        var proto = await Protocol.FromSshAsync(host.HostName, options);
        var remotePid = proto.Info.Pid;
        var data = new byte[8 << 20];
        new Random(3).NextBytes(data);
        Assert.Equal(data.Length, (await proto.CallAsync(Diag.EchoBytes, data)).Length); // the link works

        var transfers = Enumerable.Range(0, 4).Select(_ => proto.CallAsync(Diag.EchoBytes, data)).ToArray();
        var sleeper = proto.CallAsync(Diag.Sleep, 300.0);
        await host.CutLinkAsync();
        var sw = Stopwatch.StartNew();
        var deadline = Task.Delay(TimeSpan.FromSeconds(60));
        try
        {
            // An echo whose reply was already in local buffers (ssh's, the pipe's) may still complete after the cut, with
            // the right bytes; every other call must fail with connection lost. 4 x 8 MiB each way is far more than those
            // buffers hold, so at least one echo is cut mid-transfer.
            var lostTransfers = 0;
            foreach (var call in transfers)
            {
                if (await Task.WhenAny(call, deadline) != call) throw new Xunit.Sdk.XunitException("a call was still pending 60 s after the link was cut");
                if (call.IsCompletedSuccessfully) { Assert.Equal(data.Length, (await call).Length); continue; }
                var lost = await Assert.ThrowsAsync<RemoteConnectionLostException>(() => call);
                Assert.Contains("[netns-host] connection lost", lost.Message);
                lostTransfers++;
            }
            Assert.True(lostTransfers > 0, "all 4 echoes finished: the link was cut after the transfer, not during it");
            if (await Task.WhenAny(sleeper, deadline) != sleeper) throw new Xunit.Sdk.XunitException("the sleep was still pending 60 s after the link was cut");
            var message = (await Assert.ThrowsAsync<RemoteConnectionLostException>(() => sleeper)).Message;
            Assert.Contains("exit code 255", message);
            // ssh's own diagnosis, from its stderr; a shared connection's master logs nowhere, so only its client's exit code tells
            if (!sharedConnection) Assert.Contains("Timeout, server", message);
            Assert.Equal("pong", await bystander.CallAsync(Diag.Ping));
            await proto.DisposeAsync();
            Assert.Empty(await WaitNoChildrenAsync(host.HostName));
            // What the report's "left on the host" cell says: sshd cannot see the dead link (the rig's sshd has no
            // ClientAliveInterval), so the interpreter is still there while the link is down.
            var remoteAlive = ProcessTree.IsAlive(remotePid);
            Assert.True(remoteAlive, "the remote interpreter was gone while the link was still down");
            Record(sharedConnection ? "network cut mid-transfer, shared SSH connection" : "network cut mid-transfer",
                "veth of a network-namespace sshd set down with 4 x 8 MiB echoes and a sleep in flight; ServerAliveInterval = 2 s"
                    + (sharedConnection ? "; ConnectionPersist = 60 s" : "; ConnectionPersist = 0 (off)"),
                $"RemoteConnectionLostException after {sw.Elapsed.TotalSeconds:F1} s: {message}",
                "the remote interpreter stays until sshd notices the dead TCP connection (no ClientAlive on the rig's sshd); it exits on EOF once the link is back");
        }
        finally
        {
            await host.RestoreLinkAsync();
        }
        // Once the link is back, the server side gives up and the interpreter exits (nothing stays running forever).
        Assert.True(await WaitGoneAsync(remotePid, TimeSpan.FromSeconds(60)), "the remote interpreter outlived the connection after the link came back");
    }

    [Fact]
    public async Task A_connection_through_a_shared_master_whose_link_is_cut_fails_within_the_connect_timeout()
    {
        await using var host = await NetNamespaceHost.CreateAsync();
        var options = OptionsFor(host) with { Name = "netns-host", ConnectTimeout = TimeSpan.FromSeconds(5), ConnectionPersist = TimeSpan.FromSeconds(60) };
        await using (var first = await Protocol.FromSshAsync(host.HostName, options))
            Assert.Equal("pong", await first.CallAsync(Diag.Ping));  // leaves the master running
        await host.CutLinkAsync();
        try
        {
            var sw = Stopwatch.StartNew();
            // The outcome is the event: the connect ends with a Timeout failure (not a hang, not another reason); the
            // 60 s guard only turns a hang into a clear failure. The seconds it took go to the report.
            var e = await Assert.ThrowsAsync<RemoteConnectException>(() => Protocol.FromSshAsync(host.HostName, options).WaitAsync(TimeSpan.FromSeconds(60)));
            Assert.Equal(ConnectFailure.Timeout, e.Reason);
            Assert.Contains("connect timeout", e.Message);
            Assert.Empty(await WaitNoChildrenAsync(host.HostName));
            Record("new connection, shared master's link cut", "a master left by an earlier connection, then the veth set down; ConnectTimeout = 5 s",
                $"{e.GetType().Name} ({e.Reason}) after {sw.Elapsed.TotalSeconds:F1} s: {e.Message}", "the master until its keep-alive gives up");
        }
        finally
        {
            await host.RestoreLinkAsync();
        }
    }

    [Fact]
    public async Task Permission_denied_for_a_non_root_remote_is_an_UnauthorizedAccessException()
    {
        using var dir = new TempDir();
        File.SetUnixFileMode(dir.Path, (UnixFileMode)0b111_101_101); // root-owned 0755, readable by nobody
        await using var proto = await Protocol.FromCommandAsync(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3"], new ProtocolOptions { Name = "as-nobody" });
        var error = await Assert.ThrowsAsync<RemoteUnauthorizedAccessException>(() => proto.CallAsync(FileSystem.Write, dir.Combine("app.dll"), new byte[100]));
        Assert.Contains("[as-nobody] PermissionError", error.Message);
        Assert.Contains("Permission denied", error.Message);
        Assert.Contains(dir.Path, error.Message);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
        Assert.True(proto.IsConnected);
        Record("permission denied on the destination", "the remote runs as nobody (setpriv --reuid=65534); FileSystem.Write into a root-owned 0755 folder",
            $"{error.GetType().Name}: {error.Message}", "nothing");
    }

    [Fact]
    public async Task Local_python_killed_mid_call_is_reaped()
    {
        var proto = await Protocol.FromSubprocessAsync(new ProtocolOptions { Name = "local" });
        var pid = proto.Info.Pid;
        var call = proto.CallAsync(Diag.Sleep, 300.0);
        ProcessTree.Signal(pid, ProcessTree.SIGKILL);
        var lost = await Assert.ThrowsAsync<RemoteConnectionLostException>(() => call.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("[local] connection lost", lost.Message);
        Assert.Equal(137, lost.ExitCode);
        await proto.DisposeAsync();
        Assert.False(ProcessTree.IsAlive(pid));
        Assert.DoesNotContain(pid, ProcessTree.GetDescendants(Environment.ProcessId));
    }
}
