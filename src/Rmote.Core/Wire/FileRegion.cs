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

/// <summary>
/// One status byte per region, sent after them in the same frame: 0 if the region's bytes were all there, 1 if its
/// file ended early and the writer padded it. The writer fills them in when their turn comes, so a call that acts as
/// soon as it arrives (<c>put_many</c> renames its files into place) can refuse padded data before writing anything.
/// </summary>
internal sealed class RegionChecks(IReadOnlyList<FileRegion> regions)
{
    public IReadOnlyList<FileRegion> Regions => regions;
    public int Length => regions.Count;

    /// <summary>The status bytes as they stand now (the writer calls this after writing every region before them).</summary>
    public byte[] Status()
    {
        var status = new byte[regions.Count];
        for (var i = 0; i < status.Length; i++) status[i] = regions[i].Truncated ? (byte)1 : (byte)0;
        return status;
    }
}

/// <summary>One piece of a frame's binary body: bytes in memory, a <see cref="FileRegion"/>, or <see cref="RegionChecks"/>.</summary>
internal readonly struct BinaryPart
{
    public BinaryPart(ReadOnlyMemory<byte> memory) => Memory = memory;

    public BinaryPart(FileRegion region) => Region = region;

    public BinaryPart(RegionChecks checks) => Checks = checks;

    public ReadOnlyMemory<byte> Memory { get; }
    public FileRegion? Region { get; }
    public RegionChecks? Checks { get; }
    public int Length => Region?.Length ?? Checks?.Length ?? Memory.Length;

    /// <summary>True for the parts whose bytes are only known when the writer sends them (no compression, no joining).</summary>
    public bool IsDeferred => Region is not null || Checks is not null;

    public static implicit operator BinaryPart(ReadOnlyMemory<byte> memory) => new(memory);
    public static implicit operator BinaryPart(byte[] bytes) => new(bytes);
}

/// <summary>Several binary parts sent as one bytes argument: one placeholder over all of them, in order.</summary>
internal sealed class BinaryParts(IReadOnlyList<BinaryPart> parts)
{
    public IReadOnlyList<BinaryPart> Parts => parts;
}
