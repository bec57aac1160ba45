using System.Buffers.Binary;

namespace Rmote.Deploy;

/// <summary>
/// The sums of one local file's blocks (<see cref="BlockSums"/>), computed once for every host of a fleet copy that
/// has an older version of the file: Adler-32 of each block at once (cheap), CRC-32 only for a block whose Adler-32
/// matched some host's, and then kept for the other hosts. Safe to share between hosts' senders running at once.
/// </summary>
internal sealed class LocalBlockSums
{
    const long NotComputed = -1;

    readonly uint[] adler;
    readonly long[] crc;

    /// <param name="data">The whole file, as the first host read it.</param>
    /// <param name="fingerprint">A fast hash of <paramref name="data"/> (<see cref="Fingerprint"/>): another host's read must have the same to use these sums.</param>
    public LocalBlockSums(ReadOnlySpan<byte> data, int fingerprint)
    {
        FingerprintValue = fingerprint;
        var blocks = (int)((data.Length + (long)BlockSums.Block - 1) / BlockSums.Block);
        adler = new uint[blocks];
        crc = new long[blocks];
        for (var i = 0; i < blocks; i++)
        {
            adler[i] = BlockSums.Adler32(data.Slice(i * BlockSums.Block, BlockSums.Length(data.Length, i)));
            crc[i] = NotComputed;
        }
    }

    /// <summary>The fingerprint of the bytes these sums were computed from.</summary>
    public int FingerprintValue { get; }

    /// <summary>
    /// A fast (several GB/s) in-process hash of a file's bytes: two hosts' reads of one file with equal fingerprints
    /// share sums; a file rewritten between the two reads (same size and mtime) has a different one.
    /// </summary>
    public static int Fingerprint(ReadOnlySpan<byte> data)
    {
        var h = new HashCode();
        h.AddBytes(data);
        return h.ToHashCode();
    }

    /// <summary>True when <paramref name="block"/> (block <paramref name="index"/> of these bytes) has the host's 8 bytes of sums (CRC-32, Adler-32, big-endian).</summary>
    public bool Matches(int index, ReadOnlySpan<byte> block, ReadOnlySpan<byte> hostSums)
    {
        if (BinaryPrimitives.ReadUInt32BigEndian(hostSums[4..]) != adler[index]) return false;
        var c = Volatile.Read(ref crc[index]);
        if (c == NotComputed)
        {
            c = BlockSums.Crc32(block);
            Volatile.Write(ref crc[index], c);  // racing hosts compute the same value from the same bytes
        }
        return BinaryPrimitives.ReadUInt32BigEndian(hostSums) == (uint)c;
    }
}
