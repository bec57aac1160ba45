namespace Rmote.Wire;

/// <summary>A frame ready to be queued: header plus (possibly compressed) bodies.</summary>
internal readonly struct OutgoingFrame
{
    public readonly FrameHeader Header;
    public readonly ReadOnlyMemory<byte> Json;
    public readonly IReadOnlyList<BinaryPart> Binary;

    /// <summary>The frame's size with both bodies uncompressed: what the receiver's frame limit also bounds.</summary>
    public readonly long RawLength;

    OutgoingFrame(FrameHeader header, ReadOnlyMemory<byte> json, IReadOnlyList<BinaryPart> binary, long rawLength)
        => (Header, Json, Binary, RawLength) = (header, json, binary, rawLength);

    public long Length => FrameHeader.Size + Header.BodyLength;

    /// <summary>
    /// Builds a frame, compressing each body when that pays (docs/PROTOCOL.md §2); <paramref name="jsonLevel"/>: the
    /// JSON body's zlib level (SmallestSize for a frame built once and reused, as a tool's SYNC frame is).
    /// </summary>
    public static OutgoingFrame Create(FrameType type, uint id, ReadOnlyMemory<byte> json, IReadOnlyList<BinaryPart>? binary = null, long binaryLength = 0,
        bool compressBinary = true, System.IO.Compression.CompressionLevel jsonLevel = System.IO.Compression.CompressionLevel.Fastest)
    {
        var flags = FrameFlags.None;
        var rawLength = FrameHeader.Size + json.Length + binaryLength;
        if (Compression.TryCompress(json.Span, jsonLevel) is { } compressedJson)
        {
            json = compressedJson;
            flags |= FrameFlags.JsonCompressed;
        }
        binary ??= [];
        // file regions are never compressed: they exist so that their bytes never enter this process
        if (compressBinary && binaryLength >= 1024 && !binary.Any(part => part.IsDeferred))
        {
            var joined = binary.Count == 1 ? binary[0].Memory : Join(binary, binaryLength);
            if (Compression.TryCompress(joined.Span) is { } compressedBinary)
            {
                binary = [new BinaryPart(compressedBinary)];
                binaryLength = compressedBinary.Length;
                flags |= FrameFlags.BinaryCompressed;
            }
        }
        if (json.Length + binaryLength > uint.MaxValue)
            throw new ArgumentException("a single call cannot carry more than 4 GiB; send large data in chunks");
        return new OutgoingFrame(new FrameHeader(type, flags, id, (uint)json.Length, (uint)binaryLength), json, binary, rawLength);
    }

    static ReadOnlyMemory<byte> Join(IReadOnlyList<BinaryPart> parts, long length)
    {
        var joined = new byte[length];
        var offset = 0;
        foreach (var part in parts)
        {
            part.Memory.Span.CopyTo(joined.AsSpan(offset));
            offset += part.Length;
        }
        return joined;
    }
}
