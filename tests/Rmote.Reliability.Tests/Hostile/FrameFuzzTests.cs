using System.IO.Compression;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using Rmote.Calls;
using Rmote.Tools;
using Rmote.Wire;

namespace Rmote.Reliability.Tests.Hostile;

/// <summary>
/// Random and mutated frames into the frame decoder, the value decoder and a live controller (FromStreamsAsync behind a
/// scripted remote). Every outcome must be a typed error (never another exception type), every case ends within a bound
/// (never a hang), and nothing allocates beyond the maximum frame size. Seeds are fixed: a failure reproduces.
/// </summary>
public sealed class FrameFuzzTests
{
    internal sealed record Sample(int Id, string Name, IReadOnlyList<int> Values, byte[]? Data);

    /// <summary>Valid frames a remote sends, the raw material of mutations.</summary>
    internal static readonly byte[][] Corpus = BuildCorpus();

    static byte[][] BuildCorpus()
    {
        var list = new List<byte[]>
        {
            RawFrame.Result(1, "\"hello\""),
            RawFrame.Result(1, "[1,2,3]"),
            RawFrame.Result(1, """{"id":7,"name":"n","values":[1,2],"data":{"__bytes__":[0,4]}}""", [1, 2, 3, 4]),
            RawFrame.Result(1, """{"__bytes__":[2,3]}""", [9, 8, 7, 6, 5]),
            RawFrame.Result(1, """{"a":{"b":[null,true,1.5,"x",{"c":{}}]}}"""),
            RawFrame.Json((byte)FrameType.Error, 1,
                """{"type":"FileNotFoundError","mro":["FileNotFoundError","OSError","Exception"],"message":"nope","traceback":"Traceback...","errno":2,"filename":"/x"}"""),
            RawFrame.Json((byte)FrameType.Error, 1,
                """{"type":"CalledProcessError","mro":["CalledProcessError","SubprocessError","Exception"],"message":"m","traceback":"","return"""
                + """code":3,"cmd":"diag","stdout":"o","stderr":"e"}"""),
            RawFrame.Json((byte)FrameType.Chunk, 1, """{"value":5}"""),
            RawFrame.Json((byte)FrameType.Log, 1, """{"level":30,"logger":"rmote.x","message":"careful","exc":null}"""),
            RawFrame.Json((byte)FrameType.Hello, 0, """{"protocol":1,"pid":1}"""),
        };
        // Compressed variants: JSON and binary bodies deflated like the runtime does.
        var big = "{\"value\":\"" + new string('a', 4000) + "\"}";
        list.Add(RawFrame.Build((byte)FrameType.Result, 1, Deflate(Encoding.UTF8.GetBytes(big)), flags: 1));
        list.Add(RawFrame.Build((byte)FrameType.Result, 1, Encoding.UTF8.GetBytes("{\"value\":{\"__bytes__\":[0,3000]}}"), Deflate(new byte[3000]), flags: 2));
        return [.. list];
    }

    internal static byte[] Deflate(byte[] data, CompressionLevel level = CompressionLevel.Fastest)
    {
        using var ms = new MemoryStream();
        using (var z = new ZLibStream(ms, level, leaveOpen: true)) z.Write(data);
        return ms.ToArray();
    }

    /// <summary>JSON bodies chosen to hit decoder corners: wrong types, out-of-range placeholders, deep nesting, junk.</summary>
    internal static readonly string[] HostileJson =
    [
        "", "{", "}", "null", "[]", "\"value\"", "123", "{\"value\"", "{\"value\":}", "{\"value\":[1,2,}",
        "{\"value\":" + new string('[', 5000) + new string(']', 5000) + "}",
        "{\"value\":" + string.Concat(Enumerable.Repeat("{\"a\":", 3000)) + "1" + new string('}', 3000) + "}",
        "{\"value\":{\"__bytes__\":[-1,2]}}", "{\"value\":{\"__bytes__\":[0,-2]}}", "{\"value\":{\"__bytes__\":[0,99999999999]}}",
        "{\"value\":{\"__bytes__\":[4611686018427387904,4611686018427387908]}}", "{\"value\":{\"__bytes__\":[9223372036854775807,9223372036854775807]}}",
        "{\"value\":{\"__bytes__\":[\"0\",\"1\"]}}", "{\"value\":{\"__bytes__\":[0]}}", "{\"value\":{\"__bytes__\":[0,1,2]}}", "{\"value\":{\"__bytes__\":null}}",
        "{\"value\":{\"__bytes__\":[1e300,1]}}", "{\"value\":{\"__bytes__\":{}}}", "{\"value\":{\"$type\":\"System.Diagnostics.Process, System\",\"StartInfo\":{\"FileName\":\"/bin/sh\"}}}",
        "{\"value\":{\"$id\":\"1\",\"$ref\":\"1\"}}", "{\"value\":1e999}", "{\"value\":NaN}", "{\"value\":-0}", "{\"value\":\"\\ud800\"}",
        "{\"value\":{\"id\":\"x\",\"name\":5,\"values\":{},\"data\":7}}", "{\"value\":{\"id\":99999999999,\"values\":[1.5]}}",
        "{\"type\":null,\"mro\":null,\"message\":null,\"traceback\":null}", "{\"mro\":[null,5]}", "{\"mro\":{}}", "{\"type\":5}",
        "{\"returncode\":\"x\"}", "{\"errno\":1e40}", "{\"level\":\"high\",\"logger\":null,\"message\":[1]}", "{\"level\":-99999999999}",
        "{\"value\":1,\"value\":\"dup\"}", "{\"pid\":\"abc\"}", "{\"max_frame\":-1}",
    ];

    static readonly HashSet<Type> Allowed = [typeof(ProtocolException), typeof(RemoteResultException), typeof(RemoteConnectionLostException)];

    static bool IsTyped(Exception e) =>
        Allowed.Contains(e.GetType()) || e is IRemoteError || e is OperationCanceledException && e.Message.Contains("CancelledError");

    internal static byte[] Mutate(Random rng, byte[] frame)
    {
        var bytes = (byte[])frame.Clone();
        switch (rng.Next(9))
        {
            case 0: // flip a few bytes anywhere
                for (var i = rng.Next(1, 5); i > 0; i--) bytes[rng.Next(bytes.Length)] = (byte)rng.Next(256);
                return bytes;
            case 1: // a header field set to an extreme
                var field = rng.Next(5);
                var value = rng.Next(4) switch { 0 => 0u, 1 => uint.MaxValue, 2 => 0x7FFFFFFFu, _ => (uint)rng.Next() };
                if (field < 3) bytes[field == 0 ? 2 : field == 1 ? 3 : 4] = (byte)value;
                else System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(field == 3 ? 9 : 13), value);
                return bytes;
            case 2: // truncated
                return bytes[..rng.Next(bytes.Length)];
            case 3: // garbage appended
                var tail = new byte[rng.Next(1, 64)];
                rng.NextBytes(tail);
                return [.. bytes, .. tail];
            case 4: // pure noise
                var noise = new byte[rng.Next(1, 200)];
                rng.NextBytes(noise);
                return noise;
            case 5: // a hostile JSON body behind a valid header
                return RawFrame.Json(frame[3], 1, HostileJson[rng.Next(HostileJson.Length)], rng.Next(2) == 0 ? [1, 2, 3, 4, 5] : null);
            case 6: // a hostile body, deflated (decompression path)
                return RawFrame.Build(frame[3], 1, Deflate(Encoding.UTF8.GetBytes(HostileJson[rng.Next(HostileJson.Length)])), flags: 1);
            case 7: // corrupt deflate stream
                var z = Deflate(Encoding.UTF8.GetBytes("{\"value\":\"" + new string('z', 2000) + "\"}"));
                for (var i = 0; i < 3; i++) z[rng.Next(2, z.Length)] ^= (byte)rng.Next(1, 256);
                return RawFrame.Build((byte)FrameType.Result, 1, rng.Next(2) == 0 ? z : z[..rng.Next(z.Length)], flags: 1);
            default: // declared lengths larger than what follows
                System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(9), (uint)rng.Next(bytes.Length, 1 << 20));
                return bytes;
        }
    }

    /// <summary>Feeds bytes to a FrameReader and reads to the end; returns the frames or the exception.</summary>
    internal static async Task<(List<Frame> Frames, Exception? Error)> ReadAllAsync(byte[] bytes, int maxFrame = 1 << 20)
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(bytes);
        pipe.Writer.Complete();
        var reader = new FrameReader(pipe.Reader, maxFrame);
        var frames = new List<Frame>();
        try
        {
            while (await reader.ReadAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(60)) is { } frame) frames.Add(frame);
            return (frames, null);
        }
        catch (TimeoutException)
        {
            throw new Xunit.Sdk.XunitException("the frame reader hung on " + Convert.ToHexString(bytes.AsSpan(0, Math.Min(bytes.Length, 64))));
        }
        catch (Exception e)
        {
            return (frames, e);
        }
    }

    /// <summary>Every way a frame's values are decoded by the controller; returns the first unexpected exception.</summary>
    internal static Exception? DecodeEverything(Frame frame)
    {
        var decoders = new Action[]
        {
            () => ValueCodec.Decode<string>(frame, "T.m", "h"),
            () => ValueCodec.Decode<int>(frame, "T.m", "h"),
            () => ValueCodec.Decode<int[]>(frame, "T.m", "h"),
            () => ValueCodec.Decode<byte[]>(frame, "T.m", "h"),
            () => ValueCodec.Decode<ReadOnlyMemory<byte>>(frame, "T.m", "h"),
            () => ValueCodec.Decode<JsonElement>(frame, "T.m", "h"),
            () => ValueCodec.Decode<object>(frame, "T.m", "h"),
            () => ValueCodec.Decode<Dictionary<string, JsonElement>>(frame, "T.m", "h"),
            () => ValueCodec.Decode<Sample>(frame, "T.m", "h"),
            () => ValueCodec.Decode<RemoteProcessInfo>(frame, "T.m", "h"),
        };
        foreach (var decode in decoders)
        {
            try { decode(); }
            catch (Exception e) when (e is ProtocolException or RemoteResultException) { }
            catch (Exception e) { return e; }
        }
        // ERROR bodies go through the pending call, which must turn anything into a failed task.
        var call = new PendingCall<int>("T.m", "h");
        try { call.OnError(frame); }
        catch (Exception e) { return e; }
        if (!call.Task.IsFaulted && !call.Task.IsCanceled) return new InvalidOperationException("an ERROR frame left its call pending");
        if (call.Task.Exception?.InnerException is { } inner && !IsTyped(inner)) return inner;
        return null;
    }

    [Fact]
    public async Task Decoder_only_raises_protocol_errors_on_random_and_mutated_frames()
    {
        var rng = new Random(20261122);
        var failures = new List<string>();
        for (var i = 0; i < 4000; i++)
        {
            var bytes = Mutate(rng, Corpus[rng.Next(Corpus.Length)]);
            if (rng.Next(4) == 0) bytes = [.. Corpus[rng.Next(Corpus.Length)], .. bytes]; // a good frame first
            var (frames, error) = await ReadAllAsync(bytes);
            if (error is not null and not ProtocolException and not EndOfStreamException) // (the latter: cut inside a frame)
                failures.Add($"#{i} reader: {error.GetType().Name}: {error.Message}");
            foreach (var frame in frames)
                if (DecodeEverything(frame) is { } e)
                    failures.Add($"#{i} decode {frame.Type} {Encoding.UTF8.GetString(frame.Json.AsSpan(0, Math.Min(80, frame.Json.Length)))}: {e.GetType().Name}: {e.Message}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures.Distinct().Take(30)));
    }

    [Fact]
    public void Every_hostile_json_body_decodes_to_a_typed_error_or_a_value()
    {
        var failures = new List<string>();
        foreach (var json in HostileJson)
            foreach (var type in new[] { FrameType.Result, FrameType.Error, FrameType.Chunk })
            {
                var frame = new Frame(type, 1, Encoding.UTF8.GetBytes(json), [1, 2, 3, 4, 5]);
                if (DecodeEverything(frame) is { } e) failures.Add($"{type} {json[..Math.Min(json.Length, 60)]}: {e.GetType().Name}: {e.Message}");
            }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void Bytes_placeholders_never_read_outside_the_binary_body()
    {
        // offset + length overflowing a long must not pass the bounds check (it used to return body[0..4] here).
        var frame = new Frame(FrameType.Result, 1, "{\"value\":{\"__bytes__\":[4611686018427387904,4611686018427387908]}}"u8.ToArray(), [1, 2, 3, 4, 5]);
        Assert.Throws<ProtocolException>(() => ValueCodec.Decode<byte[]>(frame, "T.m", "h"));
        var max = new Frame(FrameType.Result, 1, "{\"value\":{\"__bytes__\":[9223372036854775807,9223372036854775807]}}"u8.ToArray(), [1, 2, 3]);
        Assert.Throws<ProtocolException>(() => ValueCodec.Decode<byte[]>(max, "T.m", "h"));
        var ok = new Frame(FrameType.Result, 1, "{\"value\":{\"__bytes__\":[1,3]}}"u8.ToArray(), [1, 2, 3, 4, 5]);
        Assert.Equal(new byte[] { 2, 3, 4 }, ValueCodec.Decode<byte[]>(ok, "T.m", "h"));
    }

    [Fact]
    public async Task A_live_controller_fails_calls_with_typed_errors_and_never_hangs()
    {
        var rng = new Random(7);
        var failures = new List<string>();
        var handles = new Func<Protocol, Task>[]
        {
            p => p.CallAsync(Diag.EchoString, "x"),
            p => p.CallAsync(Diag.EchoBytes, [1, 2]),
            p => p.CallAsync(Diag.Echo<int[]>(), [1]),
            p => p.CallAsync(Diag.Echo<JsonElement>(), JsonSerializer.SerializeToElement(1)),
            p => p.CallAsync(Diag.Info),
        };
        for (var i = 0; i < 600; i++)
        {
            var (remote, proto) = await FakeRemote.ConnectAsync();
            await using var _ = remote;
            try
            {
                var call = handles[rng.Next(handles.Length)](proto);
                var second = proto.CallAsync(Diag.Ping);
                await remote.NextAsync(FrameType.Call);
                var hostile = Mutate(rng, Corpus[rng.Next(Corpus.Length)]);
                await remote.SendAsync(hostile);
                var ended = rng.Next(3) > 0;
                if (ended) remote.EndOutput(); // else: the protocol error alone must end it, or the call stays pending
                // With the stream open, a call may legitimately stay pending (e.g. a frame for another id).
                await Task.WhenAny(Task.WhenAll(call, second), Task.Delay(TimeSpan.FromSeconds(ended ? 5 : 0.01)));
                foreach (var t in new[] { call, second })
                    if (t.Exception?.InnerException is { } e && !IsTyped(e)) failures.Add($"#{i}: {e.GetType().Name}: {e.Message}");
                remote.EndOutput();
                var all = Task.WhenAll(call, second);
                if (await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(60))) != all)
                    failures.Add($"#{i}: calls still pending 60 s after end of stream ({Convert.ToHexString(hostile.AsSpan(0, Math.Min(40, hostile.Length)))})");
                else if (all.Exception?.InnerExceptions.FirstOrDefault(e => !IsTyped(e)) is { } bad)
                    failures.Add($"#{i}: {bad.GetType().Name}: {bad.Message}");
                if (await Task.WhenAny(proto.Completion, Task.Delay(TimeSpan.FromSeconds(60))) != proto.Completion || proto.Completion.IsFaulted)
                    failures.Add($"#{i}: the read loop {(proto.Completion.IsFaulted ? "crashed: " + proto.Completion.Exception!.InnerException : "did not end")}");
            }
            finally
            {
                await proto.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(60));
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures.Distinct().Take(30)));
    }

    [Theory]
    [InlineData("{\"type\":null,\"mro\":null,\"message\":null,\"traceback\":null}")]
    [InlineData("{\"mro\":null}")]
    [InlineData("{\"mro\":[null,5]}")]
    [InlineData("[1,2]")]
    [InlineData("{\"type\":{\"$type\":\"System.IO.File\"}}")]
    public async Task A_malformed_error_frame_fails_its_call_and_the_connection_survives(string body)
    {
        var (remote, proto) = await FakeRemote.ConnectAsync();
        await using var _ = remote;
        await using var __ = proto;
        var first = proto.CallAsync(Diag.Ping);
        var second = proto.CallAsync(Diag.Ping);
        await remote.NextAsync(FrameType.Call);
        await remote.SendAsync(RawFrame.Json((byte)FrameType.Error, 1, body));
        var error = await Assert.ThrowsAnyAsync<Exception>(() => first.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.True(IsTyped(error), error.ToString());
        Assert.Contains("[fake-host]", error.Message);
        // The read loop survived: the other call still gets its answer.
        await remote.SendAsync(RawFrame.Result(2, "\"pong\""));
        Assert.Equal("pong", await second.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.True(proto.IsConnected);
    }
}
