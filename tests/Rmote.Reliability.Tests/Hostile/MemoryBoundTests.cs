using System.Text;
using Rmote.Tools;
using Rmote.Wire;

namespace Rmote.Reliability.Tests.Hostile;

/// <summary>
/// What a remote declares or sends never makes the controller allocate beyond the maximum frame size.
/// Measured with the process-wide allocation counter, so these tests run alone.
/// </summary>
[Collection("alone")]
public sealed class MemoryBoundTests
{
    static long Allocated() => GC.GetTotalAllocatedBytes(precise: true);

    [Fact]
    public async Task A_declared_4_GiB_frame_is_refused_without_allocating()
    {
        var (remote, proto) = await FakeRemote.ConnectAsync();
        await using var _ = remote;
        await using var __ = proto;
        var call = proto.CallAsync(Diag.Ping);
        var before = Allocated();
        await remote.SendAsync(RawFrame.Header((byte)FrameType.Result, 1, uint.MaxValue, uint.MaxValue));
        var error = await Assert.ThrowsAsync<ProtocolException>(() => call.WaitAsync(TimeSpan.FromSeconds(60)));
        var delta = Allocated() - before;
        Assert.Contains("exceeds the maximum frame size", error.Message);
        Assert.True(delta < 4 << 20, $"allocated {delta} bytes for a refused frame");
    }

    [Fact]
    public async Task A_zlib_bomb_stops_at_the_maximum_frame_size()
    {
        var (remote, proto) = await FakeRemote.ConnectAsync(new ProtocolOptions { MaxFrameSize = 4 << 20 });
        await using var _ = remote;
        await using var __ = proto;
        var call = proto.CallAsync(Diag.EchoBytes, [1]);
        var bomb = ZeroBomb(1 << 30); // 1 GiB of zeros, ~1 MiB deflated
        var frame = RawFrame.Build((byte)FrameType.Result, 1, "{\"value\":{\"__bytes__\":[0,1073741824]}}"u8, bomb, flags: 2);
        var before = Allocated();
        await remote.SendAsync(frame);
        var error = await Assert.ThrowsAsync<ProtocolException>(() => call.WaitAsync(TimeSpan.FromSeconds(60)));
        var delta = Allocated() - before;
        Assert.Contains("expands beyond the maximum frame size", error.Message);
        Assert.True(delta < 64L << 20, $"allocated {delta / (1 << 20)} MiB inflating a bomb against a 4 MiB limit");
    }

    [Fact]
    public async Task A_remote_streaming_past_the_window_while_nobody_reads_is_cut_off()
    {
        // A runtime stops at the stream window until CREDIT frames come back; a remote that ignores it must not
        // fill the controller's memory while the stream's reader waits.
        var (remote, proto) = await FakeRemote.ConnectAsync(new ProtocolOptions { StreamWindow = 1 << 20, MaxFrameSize = 1 << 20 });
        await using var _ = remote;
        await using var __ = proto;
        await using var stream = proto.StreamAsync(Diag.Blocks, 1000, 64 * 1024).GetAsyncEnumerator();
        var first = stream.MoveNextAsync().AsTask();
        var id = await remote.NextAsync(FrameType.Call);
        var chunk = RawFrame.Build((byte)FrameType.Chunk, id, "{\"value\":{\"__bytes__\":[0,65536]}}"u8, new byte[64 * 1024]);
        for (var i = 0; i < 40; i++) await remote.SendAsync(chunk);  // 2.5 MiB against 1 MiB + one frame
        Assert.True(await first);  // the reader's first item arrived before the flood was noticed...
        // Nobody reads until the controller has ended the connection: a reader draining items as they came would keep the
        // window from filling, and the remote sends no end (this test hung once in CI that way).
        await Task.WhenAny(proto.Completion, Task.Delay(TimeSpan.FromMinutes(2)));
        Assert.False(proto.IsConnected, "the controller kept the connection of a remote that streamed past the window");
        var error = await Assert.ThrowsAsync<ProtocolException>(async () => { while (await stream.MoveNextAsync()) { } });
        Assert.Contains("past the stream window", error.Message);
        Assert.False(proto.IsConnected);  // ...and the connection is closed: the remote broke the protocol
    }

    [Fact]
    public async Task Deep_json_nesting_is_refused_past_depth_256()
    {
        var (remote, proto) = await FakeRemote.ConnectAsync();
        await using var _ = remote;
        await using var __ = proto;
        var call = proto.CallAsync(Diag.Echo<object>(), "x");
        var json = "{\"value\":" + new string('[', 100_000) + new string(']', 100_000) + "}";
        var before = Allocated();
        await remote.SendAsync(RawFrame.Json((byte)FrameType.Result, 1, json));
        var error = await Assert.ThrowsAsync<RemoteResultException>(() => call.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("nested deeper than 256 levels", error.Message);
        Assert.True(Allocated() - before < 16 << 20);
        Assert.True(proto.IsConnected); // a bad value fails its call, not the connection
    }

    [Fact]
    public async Task A_remote_flooding_stderr_without_newlines_does_not_grow_controller_memory()
    {
        // A compromised host controls its stderr: 64 MiB with no newline must not become one 128 MB string.
        var before = Allocated();
        await using var proto = await Protocol.FromCommandAsync(
            ["sh", "-c", "head -c 67108864 /dev/zero | tr '\\0' x >&2; exec python3 \"$@\"", "flood"],
            // No stderr quota: this is about memory (FloodAndStallTests checks the quota cuts such a remote off).
            new ProtocolOptions { Name = "flood", ConnectTimeout = TimeSpan.FromSeconds(30), StderrQuota = null });
        Assert.Equal("pong", await proto.CallAsync(Diag.Ping));
        var delta = Allocated() - before;
        Assert.True(delta < 48L << 20, $"allocated {delta / (1 << 20)} MiB while the remote wrote 64 MiB to stderr");
    }

    /// <summary>
    /// <paramref name="size"/> zeros deflated, built 1 MiB at a time: a 1 GiB source array would raise the test
    /// process's own peak RSS by a gigabyte, and the load tests after it read that peak.
    /// </summary>
    static byte[] ZeroBomb(long size)
    {
        var zeros = new byte[1 << 20];
        using var ms = new MemoryStream();
        using (var z = new System.IO.Compression.ZLibStream(ms, System.IO.Compression.CompressionLevel.SmallestSize, leaveOpen: true))
            for (long done = 0; done < size; done += zeros.Length) z.Write(zeros);
        return ms.ToArray();
    }
}
