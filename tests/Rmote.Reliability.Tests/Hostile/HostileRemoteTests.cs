using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Rmote.TestRig;
using Rmote.Tools;
using Rmote.Wire;

namespace Rmote.Reliability.Tests.Hostile;

/// <summary>
/// A malicious remote cannot make the controller run code, touch local files or allocate without bound.
/// Why nothing can execute: results are JSON only, decoded by System.Text.Json into the handle's declared type with a
/// reflection resolver and no polymorphism (no [JsonDerivedType], no TypeNameHandling equivalent exists in STJ,
/// "$type"/"$id"/"$ref" are ordinary property names because no ReferenceHandler is set); <c>object</c> becomes an
/// inert <see cref="JsonElement"/>; bytes are slices of the frame's own binary body. There is no pickle, no
/// BinaryFormatter, no type name read from the wire anywhere in Rmote.Core.
/// </summary>
public sealed class HostileRemoteTests
{
    public sealed record Deployed(string Path, bool Changed, Dictionary<string, JsonElement>? Extra);

    [Fact]
    public async Task Type_names_in_results_are_plain_data_and_nothing_runs_or_touches_files()
    {
        using var dir = new TempDir();
        var canary = dir.Combine("pwned");
        var (remote, proto) = await FakeRemote.ConnectAsync();
        await using var _ = remote;
        await using var __ = proto;

        var payload = """
            {"$type":"System.Diagnostics.Process, System.Diagnostics.Process","StartInfo":{"FileName":"/bin/sh","Arguments":"-c 'touch CANARY'"},
             "$id":"1","$ref":"1","__bytes__":[0,0],"path":"/etc/passwd","changed":true,
             "extra":{"$type":"System.IO.FileInfo, System.IO.FileSystem","fileName":"CANARY","__proto__":{"x":1}}}
            """.Replace("CANARY", canary);
        var asObject = proto.CallAsync(Diag.Echo<object>(), "x");
        var asRecord = proto.CallAsync(Diag.Echo<Deployed>(), new Deployed("a", false, null));
        await remote.SendAsync(RawFrame.Result(1, payload));
        await remote.SendAsync(RawFrame.Result(2, payload));

        var obj = await asObject.WaitAsync(TimeSpan.FromSeconds(60));
        var element = Assert.IsType<JsonElement>(obj); // inert JSON, never an instance of the named type
        Assert.Equal("System.Diagnostics.Process, System.Diagnostics.Process", element.GetProperty("$type").GetString());
        var record = await asRecord.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal("/etc/passwd", record.Path); // a string the caller decides about; nothing was read locally
        Assert.True(record.Changed);
        Assert.Equal(JsonValueKind.String, record.Extra!["$type"].ValueKind);
        // A later frame answered in order: the read loop has finished with the hostile frames (nothing of theirs is pending).
        var after = proto.CallAsync(Diag.EchoString, "after");
        await remote.SendAsync(RawFrame.Result(3, "\"after\""));
        Assert.Equal("after", await after.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.False(File.Exists(canary));
        Assert.DoesNotContain(ProcessTree.GetChildren(Environment.ProcessId), p => ProcessTree.GetCommandLine(p)?.Contains(canary) == true);
    }

    [Fact]
    public async Task A_bytes_placeholder_only_ever_reads_the_frames_own_body()
    {
        var (remote, proto) = await FakeRemote.ConnectAsync();
        await using var _ = remote;
        await using var __ = proto;
        var outside = proto.CallAsync(Diag.EchoBytes, [1]);
        var inside = proto.CallAsync(Diag.EchoBytes, [1]);
        await remote.SendAsync(RawFrame.Result(1, "{\"__bytes__\":[4611686018427387904,4611686018427387908]}", [1, 2, 3, 4, 5]));
        await remote.SendAsync(RawFrame.Result(2, "{\"__bytes__\":[1,2]}", [1, 2, 3, 4, 5]));
        var error = await Assert.ThrowsAsync<ProtocolException>(() => outside.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("outside the frame's 5-byte binary body", error.Message);
        Assert.Equal(new byte[] { 2, 3 }, await inside.WaitAsync(TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public async Task A_huge_string_result_is_bounded_by_the_maximum_frame_size()
    {
        var (remote, proto) = await FakeRemote.ConnectAsync(new ProtocolOptions { MaxFrameSize = 1 << 20 });
        await using var _ = remote;
        await using var __ = proto;
        var call = proto.CallAsync(Diag.EchoString, "x");
        // 8 MiB of 'A' deflates to ~8 KiB: the frame is small on the wire and must still be refused when it inflates.
        var json = Encoding.UTF8.GetBytes("{\"value\":\"" + new string('A', 8 << 20) + "\"}");
        await remote.SendAsync(RawFrame.Build((byte)FrameType.Result, 1, FrameFuzzTests.Deflate(json), flags: 1));
        var error = await Assert.ThrowsAsync<ProtocolException>(() => call.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("maximum frame size", error.Message);
        Assert.Contains("[fake-host]", error.Message);
        Assert.False(proto.IsConnected);
    }

    [Theory]
    [InlineData("{\"pid\":\"not a number\"}")]
    [InlineData("[1,2,3]")]
    [InlineData("{\"pid\":1")]
    public async Task An_invalid_hello_is_a_protocol_error(string hello)
    {
        var remote = new FakeRemote();
        await using var _ = remote;
        await remote.SendAsync(RawFrame.Marker.Concat(RawFrame.Json((byte)FrameType.Hello, 0, hello)).ToArray());
        var error = await Assert.ThrowsAsync<ProtocolException>(() =>
            Protocol.FromStreamsAsync(remote.ControllerOutput, remote.ControllerInput, new ProtocolOptions { Name = "h", ConnectTimeout = TimeSpan.FromSeconds(5) })
                .WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("HELLO", error.Message);
    }

    [Theory]
    [InlineData("bad frame magic 0x5858", new byte[] { (byte)'X', (byte)'X', 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 })]
    [InlineData("unknown protocol version 9", new byte[] { (byte)'R', (byte)'M', 9, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 })]
    [InlineData("unknown frame type 77", new byte[] { (byte)'R', (byte)'M', 1, 77, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 })]
    [InlineData("exceeds the maximum frame size", new byte[] { (byte)'R', (byte)'M', 1, 4, 0, 0, 0, 0, 1, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0 })]
    [InlineData("Call frame, which only the controller may send", new byte[] { (byte)'R', (byte)'M', 1, 3, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0 })]
    [InlineData("unknown frame flags", new byte[] { (byte)'R', (byte)'M', 1, 4, 0x80, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0 })]
    public async Task Broken_frames_fail_every_pending_call_with_a_protocol_exception_naming_the_host(string expected, byte[] bytes)
    {
        var (remote, proto) = await FakeRemote.ConnectAsync();
        await using var _ = remote;
        await using var __ = proto;
        var calls = Enumerable.Range(0, 5).Select(_ => proto.CallAsync(Diag.Ping)).ToArray();
        await remote.SendAsync(bytes); // the stream stays open: the decoder alone must end the connection
        foreach (var call in calls)
        {
            var error = await Assert.ThrowsAsync<ProtocolException>(() => call.WaitAsync(TimeSpan.FromSeconds(60)));
            Assert.Contains(expected, error.Message);
            Assert.Contains("[fake-host]", error.Message);
        }
        var later = await Assert.ThrowsAsync<ProtocolException>(() => proto.CallAsync(Diag.Ping));
        Assert.Contains(expected, later.Message);
    }

    [Fact]
    public async Task A_truncated_stream_fails_pending_calls()
    {
        var (remote, proto) = await FakeRemote.ConnectAsync();
        await using var _ = remote;
        await using var __ = proto;
        var call = proto.CallAsync(Diag.EchoString, "x");
        await remote.SendAsync(RawFrame.Result(1, "\"abcdef\"")[..20]);
        remote.EndOutput();
        var error = await Assert.ThrowsAsync<ProtocolException>(() => call.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("ended inside a frame", error.Message);
    }

    [Fact]
    public async Task Junk_without_a_ready_marker_fails_with_the_bytes_seen()
    {
        var remote = new FakeRemote();
        await using var _ = remote;
        await remote.SendAsync("Welcome to prod-db-01\nLast login: yesterday\n\u0001\u0002junk"u8.ToArray());
        remote.EndOutput();
        var error = await Assert.ThrowsAsync<RemoteConnectException>(() =>
            Protocol.FromStreamsAsync(remote.ControllerOutput, remote.ControllerInput, new ProtocolOptions { Name = "h", ConnectTimeout = TimeSpan.FromSeconds(5) })
                .WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("Welcome to prod-db-01", error.Message);
        Assert.Contains("\\x01", error.Message);
    }
}
