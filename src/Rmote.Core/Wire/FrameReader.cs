using System.Buffers;
using System.IO.Pipelines;

namespace Rmote.Wire;

/// <summary>Reads frames from the remote's stdout, validating every header before allocating for its body.</summary>
/// <param name="reader">The remote's output.</param>
/// <param name="maxFrameSize">Largest frame accepted.</param>
/// <param name="stallTimeout">Longest wait for more bytes of a frame already begun (null: no limit); see <see cref="ProtocolOptions.FrameStallTimeout"/>.</param>
internal sealed class FrameReader(PipeReader reader, int maxFrameSize, TimeSpan? stallTimeout = null)
{
    long partial;   // bytes of an incomplete frame buffered by the last read: more must follow within the stall bound

    /// <summary>Returns the next frame, or null at a clean end of stream (<see cref="EndOfStreamException"/> when it ends inside one).</summary>
    /// <exception cref="ProtocolException">A bad frame, or a frame begun and then not continued within the stall bound.</exception>
    public async ValueTask<Frame?> ReadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = partial > 0 && stallTimeout is { } stall
                ? await ReadWithinAsync(stall, cancellationToken).ConfigureAwait(false)
                : await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (TryParse(ref buffer, out var frame))
            {
                partial = buffer.Length;
                reader.AdvanceTo(buffer.Start);
                return frame;
            }
            partial = buffer.Length;
            reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                if (buffer.Length > 0)
                    throw new EndOfStreamException($"the stream ended inside a frame ({buffer.Length} bytes of an incomplete frame)");
                return null;
            }
        }
    }

    /// <summary>The next read, inside a frame: no new byte within <paramref name="stall"/> breaks the protocol.</summary>
    async ValueTask<ReadResult> ReadWithinAsync(TimeSpan stall, CancellationToken cancellationToken)
    {
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(stall);
        try
        {
            return await reader.ReadAsync(timer.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            var seen = partial < FrameHeader.Size ? $"{partial} of the {FrameHeader.Size} header bytes" : $"{partial} bytes of a frame";
            throw new ProtocolException($"the remote stalled inside a frame for {Units.Seconds(stall)} ({seen} received, then nothing): " +
                "its interpreter is frozen or its output blocked; the connection was closed");
        }
    }

    bool TryParse(ref ReadOnlySequence<byte> buffer, out Frame frame)
    {
        frame = null!;
        if (buffer.Length < FrameHeader.Size)
        {
            // Reject a wrong magic as soon as it shows, rather than waiting for a header that may never come.
            if (buffer.Length >= 2)
            {
                Span<byte> magic = stackalloc byte[2];
                buffer.Slice(0, 2).CopyTo(magic);
                if (magic[0] != (byte)'R' || magic[1] != (byte)'M') FrameHeader.Parse([magic[0], magic[1], 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], maxFrameSize);
            }
            return false;
        }
        Span<byte> headerBytes = stackalloc byte[FrameHeader.Size];
        buffer.Slice(0, FrameHeader.Size).CopyTo(headerBytes);
        var header = FrameHeader.Parse(headerBytes, maxFrameSize);
        if (buffer.Length < FrameHeader.Size + header.BodyLength) return false;

        var json = buffer.Slice(FrameHeader.Size, header.JsonLength);
        var binary = buffer.Slice(FrameHeader.Size + header.JsonLength, header.BinaryLength);
        frame = new Frame(header.Type, header.Id,
            Body(json, header.Flags.HasFlag(FrameFlags.JsonCompressed)),
            Body(binary, header.Flags.HasFlag(FrameFlags.BinaryCompressed)));
        buffer = buffer.Slice(FrameHeader.Size + header.BodyLength);
        return true;
    }

    byte[] Body(ReadOnlySequence<byte> body, bool compressed) =>
        body.IsEmpty ? [] : compressed ? Compression.Decompress(body, maxFrameSize) : body.ToArray();
}
