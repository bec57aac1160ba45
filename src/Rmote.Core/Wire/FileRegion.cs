using Microsoft.Win32.SafeHandles;

namespace Rmote.Wire;

/// <summary>
/// A range of a local file sent as a frame's binary data without passing through managed memory: the frame
/// writer splices it from the page cache into the transport's pipe (or reads it in pieces where it cannot).
/// The writer holds a reference on the handle until the bytes are out, so the owner may dispose it early.
/// </summary>
internal sealed class FileRegion
{
    int truncated;

    public FileRegion(SafeFileHandle file, long offset, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        (File, Offset, Length) = (file, offset, length);
    }

    public SafeFileHandle File { get; }
    public long Offset { get; }
    public int Length { get; }

    /// <summary>
    /// True when the file ended before the region did (it shrank while being sent). The frame's length was already
    /// promised, so the writer sent zeros for the rest: whoever sent the region must treat its call as failed.
    /// </summary>
    public bool Truncated => Volatile.Read(ref truncated) != 0;

    internal void MarkTruncated() => Volatile.Write(ref truncated, 1);
}

/// <summary>One piece of a frame's binary body: bytes in memory, or a <see cref="FileRegion"/>.</summary>
internal readonly struct BinaryPart
{
    public BinaryPart(ReadOnlyMemory<byte> memory) => Memory = memory;

    public BinaryPart(FileRegion region) => Region = region;

    public ReadOnlyMemory<byte> Memory { get; }
    public FileRegion? Region { get; }
    public int Length => Region?.Length ?? Memory.Length;

    public static implicit operator BinaryPart(ReadOnlyMemory<byte> memory) => new(memory);
    public static implicit operator BinaryPart(byte[] bytes) => new(bytes);
}
