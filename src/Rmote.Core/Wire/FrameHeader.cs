using System.Buffers.Binary;

namespace Rmote.Wire;

/// <summary>The fixed 17-byte frame header: magic "RM", version, type, flags, id, JSON and binary lengths (big-endian).</summary>
internal readonly record struct FrameHeader(FrameType Type, FrameFlags Flags, uint Id, uint JsonLength, uint BinaryLength)
{
    public const int Size = 17;
    public const byte Version = 1;
    const byte MagicR = (byte)'R', MagicM = (byte)'M';

    public long BodyLength => (long)JsonLength + BinaryLength;

    public void Write(Span<byte> destination)
    {
        destination[0] = MagicR;
        destination[1] = MagicM;
        destination[2] = Version;
        destination[3] = (byte)Type;
        destination[4] = (byte)Flags;
        BinaryPrimitives.WriteUInt32BigEndian(destination[5..], Id);
        BinaryPrimitives.WriteUInt32BigEndian(destination[9..], JsonLength);
        BinaryPrimitives.WriteUInt32BigEndian(destination[13..], BinaryLength);
    }

    /// <summary>Parses and validates a header; anything malformed or oversized is a <see cref="ProtocolException"/>.</summary>
    public static FrameHeader Parse(ReadOnlySpan<byte> source, int maxFrameSize)
    {
        if (source[0] != MagicR || source[1] != MagicM)
            throw new ProtocolException($"bad frame magic 0x{source[0]:x2}{source[1]:x2} (expected 'RM'): the stream is corrupt or something else is writing to the protocol channel");
        if (source[2] != Version)
            throw new ProtocolException($"unknown protocol version {source[2]} (this controller speaks version {Version})");
        var type = (FrameType)source[3];
        if (!Enum.IsDefined(type))
            throw new ProtocolException($"unknown frame type {source[3]}");
        var flags = (FrameFlags)source[4];
        if ((flags & ~(FrameFlags.JsonCompressed | FrameFlags.BinaryCompressed)) != 0)
            throw new ProtocolException($"unknown frame flags 0x{source[4]:x2}");
        var header = new FrameHeader(type, flags,
            BinaryPrimitives.ReadUInt32BigEndian(source[5..]),
            BinaryPrimitives.ReadUInt32BigEndian(source[9..]),
            BinaryPrimitives.ReadUInt32BigEndian(source[13..]));
        if (header.BodyLength > maxFrameSize)
            throw new ProtocolException($"frame of {header.BodyLength} bytes exceeds the maximum frame size of {maxFrameSize} bytes");
        return header;
    }
}

/// <summary>Per-frame flags.</summary>
[Flags]
internal enum FrameFlags : byte
{
    None = 0,
    JsonCompressed = 1,
    BinaryCompressed = 2,
}
