using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Threading.Channels;
using Rmote.Wire;

namespace Rmote.Reliability.Tests;

/// <summary>
/// A scripted, possibly malicious "remote" behind <see cref="Protocol.FromStreamsAsync"/>: it swallows the bootstrap
/// payload, reports the controller's frames (HELLO, SYNC, CALL, CANCEL) and writes whatever bytes the test wants.
/// </summary>
internal sealed class FakeRemote : IAsyncDisposable
{
    readonly Pipe toRemote = new(new PipeOptions(pauseWriterThreshold: 0));
    readonly Pipe fromRemote = new(new PipeOptions(pauseWriterThreshold: 0));
    readonly Channel<(byte Type, uint Id)> received = Channel.CreateUnbounded<(byte, uint)>();
    readonly Task pump;

    public FakeRemote()
    {
        ControllerOutput = toRemote.Writer.AsStream();
        ControllerInput = fromRemote.Reader.AsStream();
        pump = Task.Run(PumpAsync);
    }

    /// <summary>Give these to FromStreamsAsync.</summary>
    public Stream ControllerOutput { get; }
    public Stream ControllerInput { get; }

    /// <summary>Connects a controller: ready marker + a valid HELLO first, unless the test scripts its own start.</summary>
    public static async Task<(FakeRemote Remote, Protocol Protocol)> ConnectAsync(ProtocolOptions? options = null, byte[]? start = null)
    {
        var remote = new FakeRemote();
        await remote.SendAsync(start ?? [.. RawFrame.Marker, .. RawFrame.Hello()]);
        var protocol = await Protocol.FromStreamsAsync(remote.ControllerOutput, remote.ControllerInput,
            (options ?? new ProtocolOptions()) with { Name = options?.Name ?? "fake-host", ConnectTimeout = options?.ConnectTimeout ?? TimeSpan.FromSeconds(5) });
        return (remote, protocol);
    }

    public async Task SendAsync(ReadOnlyMemory<byte> bytes)
    {
        try { await fromRemote.Writer.WriteAsync(bytes); } catch (InvalidOperationException) { }
    }

    /// <summary>End of the remote's output (EOF for the controller).</summary>
    public void EndOutput() => fromRemote.Writer.Complete();

    /// <summary>The next frame of <paramref name="type"/> the controller sent.</summary>
    public async Task<uint> NextAsync(FrameType type, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var (t, id) = await received.Reader.ReadAsync(cts.Token);
            if (t == (byte)type) return id;
        }
    }

    async Task PumpAsync()
    {
        var reader = toRemote.Reader;
        long skip = -1;
        var stages = 2; // the payload: second stage, then runtime, each 8 hex digits of length + bytes
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync();
                var buffer = result.Buffer;
                while (true)
                {
                    if (stages > 0)
                    {
                        if (skip < 0)
                        {
                            if (buffer.Length < 8) break;
                            skip = Convert.ToInt64(System.Text.Encoding.ASCII.GetString(buffer.Slice(0, 8).ToArray()), 16);
                            buffer = buffer.Slice(8);
                        }
                        var n = Math.Min(skip, buffer.Length);
                        buffer = buffer.Slice(n);
                        skip -= n;
                        if (skip > 0) break;
                        skip = -1;
                        stages--;
                        continue;
                    }
                    if (buffer.Length < FrameHeader.Size) break;
                    var header = buffer.Slice(0, FrameHeader.Size).ToArray();
                    var size = FrameHeader.Size + (long)BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(9)) + BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(13));
                    if (buffer.Length < size) break;
                    received.Writer.TryWrite((header[3], BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(5))));
                    buffer = buffer.Slice(size);
                }
                reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted) return;
            }
        }
        catch (Exception) { }
        finally
        {
            received.Writer.TryComplete();
            fromRemote.Writer.Complete(); // like the runtime: EOF on its input, so it exits and its output ends
        }
    }

    public async ValueTask DisposeAsync()
    {
        fromRemote.Writer.Complete();
        toRemote.Reader.Complete();
        await pump.WaitAsync(TimeSpan.FromSeconds(60));
    }
}
