using System.Diagnostics;
using Rmote.TestRig;
using Rmote.Tools;
using Rmote.Wire;

namespace Rmote.Reliability.Tests.Hostile;

/// <summary>
/// Issue 16 case 7: a remote that stalls inside a frame or floods LOG, CHUNK or stderr is cut off with a
/// <see cref="ProtocolException"/> naming the cause, within its (here lowered) bound; before, the caller waited forever.
/// </summary>
public sealed class FloodAndStallTests
{
    static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);   // a generous deadline on each wait (a loaded 2-core CI box), never a sleep

    [Theory]
    [InlineData(10, "10 of the 17 header bytes")]
    [InlineData(20, "20 bytes of a frame")]
    public async Task A_remote_that_stalls_inside_a_frame_is_cut_off(int sent, string seen)
    {
        var (remote, proto) = await FakeRemote.ConnectAsync(new ProtocolOptions { FrameStallTimeout = TimeSpan.FromSeconds(1) });
        await using var _ = remote;
        await using var __ = proto;
        var call = proto.CallAsync(Diag.EchoString, "x");
        var sw = Stopwatch.StartNew();
        await remote.SendAsync(RawFrame.Result(1, "\"abcdef\"")[..sent]);   // the stream stays open: nothing more comes
        var error = await Assert.ThrowsAsync<ProtocolException>(() => call.WaitAsync(Limit));
        Assert.Contains("[fake-host] the remote stalled inside a frame for 1 s", error.Message);
        Assert.Contains(seen, error.Message);
        Observed.Record($"remote stalls inside a frame ({sent} bytes sent)", "FrameStallTimeout 1 s", error.Message, "n/a (fake remote)");
        Assert.True(sw.Elapsed >= TimeSpan.FromSeconds(0.9), $"cut off after {sw.Elapsed}, before the bound");
        Assert.False(proto.IsConnected);
        Assert.Contains("stalled inside a frame", (await Assert.ThrowsAsync<ProtocolException>(() => proto.CallAsync(Diag.Ping))).Message);
    }

    /// <summary>A python3 "remote" that answers the handshake, then starts the result of the first call and stops.</summary>
    const string StallingRemote = """
        import os, struct, sys, time
        r, w = sys.stdin.buffer, sys.stdout.buffer
        for _ in range(2): r.read(int(r.read(8), 16))            # the bootstrap: second stage, runtime
        def frame(t, i, j): return struct.pack('>2sBBBIII', b'RM', 1, t, 0, i, len(j), 0) + j
        w.write(b'\nRMOTE-READY/1\n' + frame(1, 0, b'{"protocol":1,"pid":%d,"python":"3","platform":"linux","max_frame":67108864,"executable":"python3"}' % os.getpid()))
        w.flush()
        def read_frame():
            h = r.read(17); r.read(struct.unpack('>I', h[9:13])[0] + struct.unpack('>I', h[13:17])[0]); return h
        read_frame()                                              # the controller's HELLO
        call = struct.unpack('>I', read_frame()[5:9])[0]          # the CALL
        w.write(frame(4, call, b'{"value":"never finished"}')[:20]); w.flush()
        time.sleep(600)
        """;

    [Fact]
    public async Task A_real_remote_process_that_stalls_inside_a_frame_is_cut_off_killed_and_reaped()
    {
        // Over a real pipe (not the fake's in-memory one): the bound must interrupt a read the kernel is blocked in.
        var proto = await Protocol.FromCommandAsync(["python3", "-c", StallingRemote],
            new ProtocolOptions { Name = "stall", ConnectTimeout = TimeSpan.FromSeconds(30), FrameStallTimeout = TimeSpan.FromSeconds(1) });
        await using var _ = proto;
        var pid = proto.Info.Pid;
        try
        {
            var error = await Assert.ThrowsAsync<ProtocolException>(() => proto.CallAsync(Diag.EchoString, "x").WaitAsync(Limit));
            Assert.Contains("[stall] the remote stalled inside a frame for 1 s (20 bytes of a frame received, then nothing)", error.Message);
            Assert.True(await ProcessTree.WaitForExitAsync(pid, Limit), "the stalled remote process still runs");
        }
        finally
        {
            if (ProcessTree.IsAlive(pid)) ProcessTree.Signal(pid, ProcessTree.SIGKILL);
        }
    }

    [Fact]
    public async Task A_slow_but_steady_frame_is_not_a_stall()
    {
        var (remote, proto) = await FakeRemote.ConnectAsync(new ProtocolOptions { FrameStallTimeout = TimeSpan.FromSeconds(1) });
        await using var _ = remote;
        await using var __ = proto;
        var call = proto.CallAsync(Diag.EchoString, "x");
        var frame = RawFrame.Result(1, "\"abcdef\"");
        // 2.5 s for one frame, a byte every 100 ms: always within a second of the last byte.
        foreach (var b in frame)
        {
            await remote.SendAsync(new[] { b });
            await Task.Delay(100);
        }
        Assert.Equal("abcdef", await call.WaitAsync(Limit));
    }

    /// <summary>Sends <paramref name="frame"/> in batches until the controller cuts the connection (or a cap, so a broken bound fails the test).</summary>
    static Task FloodAsync(FakeRemote remote, Protocol proto, byte[] frame) => Task.Run(async () =>
    {
        var batch = Enumerable.Repeat(frame, 100).SelectMany(f => f).ToArray();
        for (var i = 0; i < 2_000 && proto.IsConnected; i++) await remote.SendAsync(batch);
    });

    [Fact]
    public async Task A_remote_flooding_log_records_is_cut_off()
    {
        var (remote, proto) = await FakeRemote.ConnectAsync(new ProtocolOptions { LogQuota = new RateQuota(100, 500) });
        await using var _ = remote;
        await using var __ = proto;
        var call = proto.CallAsync(Diag.Ping);
        var flood = FloodAsync(remote, proto, RawFrame.Json((byte)FrameType.Log, 1, """{"level":20,"logger":"flood","message":"again"}"""));
        var error = await Assert.ThrowsAsync<ProtocolException>(() => call.WaitAsync(Limit));
        Assert.Contains("[fake-host] the remote sent more than 100 log records per second", error.Message);
        Observed.Record("remote floods LOG frames", "LogQuota 100/s, burst 500", error.Message, "n/a (fake remote)");
        await flood.WaitAsync(Limit);
    }

    [Fact]
    public async Task Log_records_within_the_quota_are_forwarded_and_the_call_completes()
    {
        var (remote, proto) = await FakeRemote.ConnectAsync(new ProtocolOptions { LogQuota = new RateQuota(100, 500) });
        await using var _ = remote;
        await using var __ = proto;
        var call = proto.CallAsync(Diag.Ping);
        var log = RawFrame.Json((byte)FrameType.Log, 1, """{"level":20,"logger":"ok","message":"fine"}""");
        await remote.SendAsync(Enumerable.Repeat(log, 400).SelectMany(f => f).ToArray());
        await remote.SendAsync(RawFrame.Result(1, "\"pong\""));
        Assert.Equal("pong", await call.WaitAsync(Limit));
        Assert.True(proto.IsConnected);
    }

    [Fact]
    public async Task A_remote_flooding_stream_items_that_no_stream_reads_is_cut_off()
    {
        var (remote, proto) = await FakeRemote.ConnectAsync(new ProtocolOptions { StrayChunkQuota = new RateQuota(64 << 10, 256 << 10) });
        await using var _ = remote;
        await using var __ = proto;
        var call = proto.CallAsync(Diag.Ping);   // a single-value call: its CHUNK frames go nowhere
        var chunk = RawFrame.Build((byte)FrameType.Chunk, 1, "{\"value\":{\"__bytes__\":[0,4096]}}"u8, new byte[4096]);
        var flood = FloodAsync(remote, proto, chunk);
        var error = await Assert.ThrowsAsync<ProtocolException>(() => call.WaitAsync(Limit));
        Assert.Contains("[fake-host] the remote sent more than 65536 bytes per second of stream items (CHUNK frames) that no stream reads", error.Message);
        Observed.Record("remote floods CHUNK frames no stream reads", "StrayChunkQuota 64 KiB/s, burst 256 KiB", error.Message, "n/a (fake remote)");
        await flood.WaitAsync(Limit);
    }

    [Fact]
    public async Task A_remote_flooding_stderr_after_connect_is_cut_off_and_its_process_tree_killed_and_reaped()
    {
        using var dir = new TempDir();
        var go = dir.Combine("go");
        // A child of the remote's shell floods stderr (which the runtime itself never writes) once the test creates "go".
        var proto = await Protocol.FromCommandAsync(
            ["sh", "-c", "(while [ ! -e \"$0\" ]; do sleep 0.05; done; exec yes flood-line) >&2 & exec python3 \"$@\"", go],
            new ProtocolOptions { Name = "flood", ConnectTimeout = TimeSpan.FromSeconds(30), StderrQuota = new RateQuota(16 << 10, 64 << 10) });
        await using var _ = proto;
        var pid = proto.Info.Pid;
        var tree = ProcessTree.GetDescendants(pid).Append(pid).ToList();
        try
        {
            var call = proto.CallAsync(Diag.Sleep, 60.0);
            File.WriteAllText(go, "");
            var error = await Assert.ThrowsAsync<ProtocolException>(() => call.WaitAsync(Limit));
            Assert.Contains("[flood] the remote wrote more than 16384 bytes per second to stderr", error.Message);
            Observed.Record("remote floods stderr after connect", "StderrQuota 16 KiB/s, burst 64 KiB", error.Message, "nothing: python3 and its flooding child killed and reaped");
            foreach (var p in tree)
                Assert.True(await ProcessTree.WaitForExitAsync(p, Limit), $"process {p} ({ProcessTree.GetCommandLine(p)}) of the flooding remote still runs");
        }
        finally
        {
            foreach (var p in tree.Where(ProcessTree.IsAlive)) ProcessTree.Signal(p, ProcessTree.SIGKILL);
        }
    }
    [Fact]
    public async Task A_remote_flooding_stderr_while_connecting_fails_the_connect_naming_the_flood()
    {
        // The connect timeout is far beyond the sanity deadline: only the flood check can end the connect in time,
        // and its reason says so.
        var error = await Assert.ThrowsAsync<RemoteConnectException>(() => Protocol.FromCommandAsync(
            ["sh", "-c", "yes flood-line >&2 & sleep 600", "flood"],
            new ProtocolOptions { Name = "flood", ConnectTimeout = TimeSpan.FromSeconds(600), StderrQuota = new RateQuota(16 << 10, 64 << 10) }).WaitAsync(Limit));
        Assert.Contains("[flood]", error.Message);
        Assert.Contains("the remote wrote more than 16384 bytes per second to stderr", error.Message);
        Assert.Empty(await Observed.WaitNoChildrenAsync("sleep 600"));
    }
}
