using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Rmote.TestRig;
using Rmote.Tools;
using static Rmote.Reliability.Tests.Observed;

namespace Rmote.Reliability.Tests.Faults;

/// <summary>
/// Faults injected under a live SSH connection with a call in flight. Each case checks what a user checks: the pending
/// call fails within a bound with a message naming the host and the cause, the ssh/python children are reaped, and
/// the other hosts keep working.
/// </summary>
[Collection("ssh")]
public sealed class SshFaultTests(SshFleetFixture rig)
{
    static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Remote_python_killed_mid_call()
    {
        var host = rig.Hosts[0];
        var other = rig.Hosts[1];
        await using var bystander = await Protocol.FromSshAsync(other.HostName, OptionsFor(other));
        // The interpreter in an SSH session of its own, behind an ssh client (Kept_runtime_killed_mid_call: a kept one)
        var proto = await Protocol.FromSshAsync(host.HostName, OptionsFor(host) with { KeepRuntime = false });
        var remotePid = proto.Info.Pid;
        var call = proto.CallAsync(Diag.Sleep, 300.0);
        var sw = Stopwatch.StartNew();
        Assert.True(ProcessTree.Signal(remotePid, ProcessTree.SIGKILL));
        var lost = await Assert.ThrowsAsync<RemoteConnectionLostException>(() => call.WaitAsync(Bound));
        Assert.Contains("[host1] connection lost", lost.Message);
        Assert.Equal("host1", lost.Host);
        Assert.Equal(255, lost.ExitCode); // ssh's own code: it reports a remote command killed by a signal as 255
        Assert.Contains("(exit code 255: ssh's code for a connection that failed or dropped, or a remote interpreter killed by a signal)", lost.Message);
        Assert.False(proto.IsConnected);
        // Later calls fail at once, with the same cause.
        var later = await Assert.ThrowsAsync<RemoteConnectionLostException>(() => proto.CallAsync(Diag.Ping));
        Assert.Contains("the connection is closed", later.Message);
        await proto.DisposeAsync();
        var left = await WaitNoChildrenAsync($"-p {host.Port}");
        Assert.Empty(left);
        Assert.Equal("pong", await bystander.CallAsync(Diag.Ping));
        Record("remote python killed (SIGKILL) mid-call", $"kill -9 of the remote interpreter (pid {remotePid}) during Diag.Sleep(300)",
            $"{lost.GetType().Name} after {sw.Elapsed.TotalSeconds:F1} s: {lost.Message}", "nothing: the sshd session ended with the interpreter; local ssh reaped");
    }

    [Fact]
    public async Task Kept_runtime_killed_mid_call()
    {
        var host = rig.Hosts[0];
        var other = rig.Hosts[1];
        await using var bystander = await Protocol.FromSshAsync(other.HostName, OptionsFor(other));
        await (await Protocol.FromSshAsync(host.HostName, OptionsFor(host))).DisposeAsync();  // leaves the host's keeper
        var proto = await Protocol.FromSshAsync(host.HostName, OptionsFor(host));
        var remotePid = proto.Info.Pid;
        Assert.DoesNotContain(remotePid, host.SessionPids());  // forked by the keeper, outside any SSH session
        var call = proto.CallAsync(Diag.Sleep, 300.0);
        var sw = Stopwatch.StartNew();
        Assert.True(ProcessTree.Signal(remotePid, ProcessTree.SIGKILL));
        var lost = await Assert.ThrowsAsync<RemoteConnectionLostException>(() => call.WaitAsync(Bound));
        Assert.Contains($"[host1] connection lost: the host's kept runtime (pid {remotePid}) closed the connection", lost.Message);
        Assert.Null(lost.ExitCode);
        Assert.False(proto.IsConnected);
        var later = await Assert.ThrowsAsync<RemoteConnectionLostException>(() => proto.CallAsync(Diag.Ping));
        Assert.Contains("the connection is closed", later.Message);
        await proto.DisposeAsync();
        Assert.Empty(await WaitNoChildrenAsync($"-p {host.Port}"));
        Assert.Equal("pong", await bystander.CallAsync(Diag.Ping));
        // The keeper is unharmed: the next connection is kept again.
        await using var next = await Protocol.FromSshAsync(host.HostName, OptionsFor(host));
        Assert.DoesNotContain(next.Info.Pid, host.SessionPids());
        Record("kept runtime killed (SIGKILL) mid-call", $"kill -9 of the kept runtime (pid {remotePid}) during Diag.Sleep(300)",
            $"{lost.GetType().Name} after {sw.Elapsed.TotalSeconds:F1} s: {lost.Message}", "nothing: the keeper reaped it; the next connection is kept again");
    }

    [Fact]
    public async Task Ssh_client_killed_mid_call()
    {
        var host = rig.Hosts[1];
        // The ssh client is the transport here (a kept runtime's is a socket of this process)
        var proto = await Protocol.FromSshAsync(host.HostName, OptionsFor(host) with { KeepRuntime = false });
        var remotePid = proto.Info.Pid;
        var call = proto.CallAsync(Diag.Sleep, 300.0);
        var ssh = ChildProcesses($"-p {host.Port}");
        Assert.Single(ssh);
        var sw = Stopwatch.StartNew();
        ProcessTree.Signal(int.Parse(ssh[0].Split(':')[0]), ProcessTree.SIGKILL);
        var lost = await Assert.ThrowsAsync<RemoteConnectionLostException>(() => call.WaitAsync(Bound));
        Assert.Contains("[host2] connection lost", lost.Message);
        Assert.Equal(137, lost.ExitCode); // killed by SIGKILL
        Assert.Contains("(exit code 137: the transport process was killed by signal 9 (SIGKILL))", lost.Message);
        await proto.DisposeAsync();
        Assert.Empty(await WaitNoChildrenAsync($"-p {host.Port}"));
        // The remote interpreter sees EOF when sshd notices the client is gone and exits by itself.
        Assert.True(await WaitGoneAsync(remotePid), "the remote interpreter outlived its ssh client");
        Record("ssh client killed mid-call", "kill -9 of the local ssh process during Diag.Sleep(300)",
            $"{lost.GetType().Name} after {sw.Elapsed.TotalSeconds:F1} s: {lost.Message}", "nothing: sshd closed the session, the interpreter got EOF and exited");
    }

    [Fact]
    public async Task A_host_that_accepts_tcp_and_never_answers_times_out_and_leaves_no_ssh()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var host = rig.Hosts[0];
        var sw = Stopwatch.StartNew();
        // The Timeout failure is the event; the 60 s guard only turns a hang into a clear failure.
        var error = await Assert.ThrowsAsync<RemoteConnectException>(() =>
            Protocol.FromSshAsync("127.0.0.1", OptionsFor(host) with { Name = "blackhole", Port = port, ConnectTimeout = TimeSpan.FromSeconds(3) }).WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal(ConnectFailure.Timeout, error.Reason);
        Assert.Contains("[blackhole]", error.Message);
        Assert.Contains("connect timeout", error.Message);
        Assert.Empty(await WaitNoChildrenAsync($"-p {port}"));
        Record("host accepts TCP, never answers", "a TcpListener that accepts and never sends the SSH banner; ConnectTimeout = 3 s",
            $"{error.GetType().Name} ({error.Reason}) after {sw.Elapsed.TotalSeconds:F1} s: {error.Message}", "n/a (no session); local ssh killed and reaped");
    }

    [Fact]
    public async Task Banner_and_junk_before_the_ready_marker_are_skipped()
    {
        var host = rig.Hosts[2];
        var wrapper = Path.Combine(host.SrvRoot, "junk-python");
        File.WriteAllText(wrapper, "#!/bin/sh\necho '*** Authorized use only ***'\nhead -c 200000 /dev/zero | tr '\\0' '#'\nprintf '\\001\\002\\377 binary junk RM\\001'\nexec python3 \"$@\"\n");
        File.SetUnixFileMode(wrapper, (UnixFileMode)0b111_101_101);
        var log = new CapturingLogger();
        await using (var proto = await Protocol.FromSshAsync(host.HostName, OptionsFor(host) with { Python = host.RemoteSrv + "/junk-python", Logger = log }))
        {
            Assert.Equal("pong", await proto.CallAsync(Diag.Ping));
            Assert.Contains(log.Entries, e => e.Message.Contains("Authorized use only"));
        }

        // Junk and no marker at all: a clear error quoting what was seen.
        var liar = Path.Combine(host.SrvRoot, "liar-python");
        File.WriteAllText(liar, "#!/bin/sh\nhead -c 1100000 /dev/zero | tr '\\0' '#'\n");
        File.SetUnixFileMode(liar, (UnixFileMode)0b111_101_101);
        var error = await Assert.ThrowsAsync<RemoteConnectException>(() => Protocol.FromSshAsync(host.HostName, OptionsFor(host) with { Python = host.RemoteSrv + "/liar-python" }));
        Assert.Equal(ConnectFailure.NoReadyMarker, error.Reason);
        Assert.Contains("more than 1048576 bytes", error.Message);
        Assert.Contains("####", error.Message);
        Assert.Empty(await WaitNoChildrenAsync($"-p {host.Port}"));
        Record("banner / junk before the ready marker", "a login wrapper printing a banner and binary junk, then exec python3",
            "nothing: the call succeeded; the skipped banner is logged at Debug", "nothing");
        Record("junk and no ready marker", "a 'python' that prints 1.1 MB of '#' and exits",
            $"{error.GetType().Name} ({error.Reason}): {error.Message.Split('\n')[0]}", "nothing");
    }

    [Fact]
    public async Task A_login_reading_stdin_is_named_with_the_fix()
    {
        var host = rig.Hosts[2];
        var wrapper = Path.Combine(host.SrvRoot, "reading-python");
        File.WriteAllText(wrapper, "#!/bin/sh\nhead -c 100 >/dev/null\nexec python3 \"$@\"\n");
        File.SetUnixFileMode(wrapper, (UnixFileMode)0b111_101_101);
        var error = await Assert.ThrowsAsync<RemoteConnectException>(() => Protocol.FromSshAsync(host.HostName, OptionsFor(host) with { Python = host.RemoteSrv + "/reading-python" }));
        Assert.Equal(ConnectFailure.BootstrapFailed, error.Reason);
        Assert.Contains("a login script", error.Message);
        Assert.Contains("[ -t 0 ] || return", error.Message);
        Assert.Empty(await WaitNoChildrenAsync($"-p {host.Port}"));
        Record("login script reads stdin", "a login wrapper running 'head -c 100' on stdin, then exec python3",
            $"{error.GetType().Name} ({error.Reason}): {error.Message.Split('\n')[0]}", "nothing");
    }

    [Fact]
    public async Task A_tool_writing_to_stdout_and_fd_1_does_not_corrupt_the_channel()
    {
        var host = rig.Hosts[2];
        await using var proto = await Protocol.FromSshAsync(host.HostName, OptionsFor(host));
        var noisy = Enumerable.Range(0, 20).Select(_ => proto.CallAsync(Diag.StdoutNoise)).ToArray();
        var echoes = Enumerable.Range(0, 200).Select(i => proto.CallAsync(Diag.EchoString, $"e{i}")).ToArray();
        Assert.All(await Task.WhenAll(noisy), r => Assert.Equal("ok", r));
        Assert.Equal(Enumerable.Range(0, 200).Select(i => $"e{i}"), await Task.WhenAll(echoes));
        Assert.True(proto.IsConnected);
        Record("tool writes to stdout / fd 1 / a child's stdout", "print(), os.write(1, ...), subprocess echo, 20x concurrently with 200 echo calls",
            "nothing: every call returned its own result", "nothing");
    }

    [Fact]
    public async Task A_disk_full_destination_is_an_ENOSPC_IOException_and_leaves_no_file()
    {
        var host = rig.Hosts[0];
        Directory.CreateDirectory(Path.Combine(host.SrvRoot, "small"));
        // A 1 MiB tmpfs mounted inside the host's own mount namespace (where its sshd and sessions live).
        (await ProcessRunner.RunAsync("nsenter", ["-t", host.Pid.ToString(), "-m", "--", "mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", host.RemoteSrv + "/small"])).EnsureSuccess();
        try
        {
            await using var proto = await Protocol.FromSshAsync(host.HostName, OptionsFor(host));
            // The product's own write path: FileSystem.write (temp file beside the destination, fsync, rename).
            var error = await Assert.ThrowsAsync<RemoteIOException>(() => proto.CallAsync(FileSystem.Write, host.RemoteSrv + "/small/big.bin", new byte[4 << 20]));
            Assert.Equal(28, error.Errno); // ENOSPC
            Assert.Contains("[host1] OSError", error.Message);
            Assert.Contains("No space left on device", error.Message);
            Assert.Equal("", await ListOnHostAsync(host, "small"));
            // The same connection still works, and a file that fits goes through.
            Assert.True((await proto.CallAsync(FileSystem.Write, host.RemoteSrv + "/small/ok.bin", new byte[1000])).Changed);
            Assert.Equal("ok.bin", await ListOnHostAsync(host, "small"));
            Record("remote disk full", "a 1 MiB tmpfs in the host's mount namespace as destination; FileSystem.Write of 4 MiB (temp file, fsync, rename)",
                $"{error.GetType().Name} (Errno {error.Errno}): {error.Message}", "nothing: the temp file was removed, the destination never appeared (ls -A over ssh)");
        }
        finally
        {
            await ProcessRunner.RunAsync("nsenter", ["-t", host.Pid.ToString(), "-m", "--", "umount", host.RemoteSrv + "/small"]);
        }
    }

    [Fact]
    public async Task A_read_only_destination_is_an_IOException_naming_the_path()
    {
        var host = rig.Hosts[1];
        Directory.CreateDirectory(Path.Combine(host.SrvRoot, "ro"));
        var ns = host.Pid.ToString();
        (await ProcessRunner.RunAsync("nsenter", ["-t", ns, "-m", "--", "mount", "--bind", "-o", "ro", host.RemoteSrv + "/ro", host.RemoteSrv + "/ro"])).EnsureSuccess();
        try
        {
            await using var proto = await Protocol.FromSshAsync(host.HostName, OptionsFor(host));
            var error = await Assert.ThrowsAsync<RemoteIOException>(() => proto.CallAsync(FileSystem.Write, host.RemoteSrv + "/ro/app.dll", new byte[10]));
            Assert.Equal(30, error.Errno); // EROFS: root is not stopped by permissions, a read-only mount stops everyone
            Assert.Contains("Read-only file system", error.Message);
            Assert.Equal("", await ListOnHostAsync(host, "ro"));
            Record("read-only destination (as root)", "a read-only bind mount over the destination in the host's mount namespace; FileSystem.Write",
                $"{error.GetType().Name} (Errno {error.Errno}): {error.Message}", "nothing (ls -A over ssh)");
        }
        finally
        {
            await ProcessRunner.RunAsync("nsenter", ["-t", ns, "-m", "--", "umount", host.RemoteSrv + "/ro"]);
        }
    }

    /// <summary>What a user sees in the host's folder: <c>ssh host ls -A</c> (temp files start with a dot), one name a line.</summary>
    static async Task<string> ListOnHostAsync(SshHost host, string folder)
    {
        var r = await host.RunSshAsync($"ls -A {host.RemoteSrv}/{folder}");
        Assert.True(r.ExitCode == 0, r.StdErr);
        return r.StdOut.Trim();
    }
}
