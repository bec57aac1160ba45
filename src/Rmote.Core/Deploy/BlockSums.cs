using System.Buffers.Binary;

namespace Rmote.Deploy;

/// <summary>
/// Delta copy of a changed file the host already has: the host's <c>sync_plan</c> sums each block of its current
/// version (8 bytes a block: zlib's CRC-32, then Adler-32, big-endian); a block of the new file whose length and both
/// sums match the host's block of the same number is not sent, the host copies it from its current version
/// (<c>put_delta</c>). Fixed blocks find in-place edits and appends (data files, logs, assets patched in place), not
/// insertions that shift the rest of a file; such a file is simply sent whole.
/// </summary>
internal static class BlockSums
{
    /// <summary>Block size (32 KiB): one changed byte costs 32 KiB; a 16 MiB file has 512 blocks, 4 KiB of sums.</summary>
    public const int Block = 32 * 1024;

    /// <summary>Smallest file worth a delta (256 KiB): below it, sending the file costs about what summing it does.</summary>
    public const int MinSize = 256 * 1024;

    /// <summary>Largest file sent as a delta (16 MiB, at most MaxBytesInFlight): it is read whole into memory once.</summary>
    public const int MaxSize = 16 * 1024 * 1024;

    /// <summary>
    /// Numbers of the blocks of <paramref name="data"/> that the host's version has, in ascending order; empty when
    /// fewer than half of the file's bytes can match (the file is then sent whole, and comparing stops early).
    /// <paramref name="local"/> holds the sums of <paramref name="data"/>, shared by every host of a fleet copy.
    /// </summary>
    public static List<int> Reusable(ReadOnlySpan<byte> data, RemoteBasis basis, LocalBlockSums local)
    {
        var reuse = new List<int>();
        var hostBlocks = basis.Sums.Length / 8;
        long reused = 0, left = data.Length;
        for (int i = 0, offset = 0; offset < data.Length; i++, offset += Block)
        {
            var length = Length(data.Length, i);
            if ((reused + left) * 2 < data.Length) return [];
            left -= length;
            if (i >= hostBlocks || length != Length(basis.Size, i)) continue;
            if (!local.Matches(i, data.Slice(offset, length), basis.Sums.AsSpan(8 * i, 8))) continue;
            reuse.Add(i);
            reused += length;
        }
        return reused * 2 >= data.Length ? reuse : [];
    }

    /// <summary>Length of block <paramref name="index"/> of a file of <paramref name="size"/> bytes.</summary>
    public static int Length(long size, int index) => (int)Math.Min(Block, size - (long)index * Block);

    /// <summary>zlib's CRC-32 (IEEE 802.3, reflected), eight bytes a step (slicing-by-8: four times the byte loop's speed).</summary>
    internal static uint Crc32(ReadOnlySpan<byte> data)
    {
        var t = CrcTables;
        var crc = 0xFFFFFFFFu;
        while (data.Length >= 8)
        {
            var lo = BinaryPrimitives.ReadUInt32LittleEndian(data) ^ crc;
            var hi = BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
            crc = t[7 * 256 + (lo & 0xFF)] ^ t[6 * 256 + ((lo >> 8) & 0xFF)] ^ t[5 * 256 + ((lo >> 16) & 0xFF)] ^ t[4 * 256 + (lo >> 24)]
                ^ t[3 * 256 + (hi & 0xFF)] ^ t[2 * 256 + ((hi >> 8) & 0xFF)] ^ t[256 + ((hi >> 16) & 0xFF)] ^ t[hi >> 24];
            data = data[8..];
        }
        foreach (var b in data) crc = t[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return ~crc;
    }

    /// <summary>zlib's Adler-32.</summary>
    internal static uint Adler32(ReadOnlySpan<byte> data)
    {
        const uint Mod = 65521;
        const int MaxRun = 5552;  // the longest run whose sums cannot overflow 32 bits before the modulo
        uint a = 1, b = 0;
        while (!data.IsEmpty)
        {
            var run = data[..Math.Min(MaxRun, data.Length)];
            foreach (var x in run)
            {
                a += x;
                b += a;
            }
            a %= Mod;
            b %= Mod;
            data = data[run.Length..];
        }
        return (b << 16) | a;
    }

    static readonly uint[] CrcTables = MakeCrcTables();

    /// <summary>Table k maps a byte to its CRC after k more zero bytes; table 0 is the classic byte-at-a-time table.</summary>
    static uint[] MakeCrcTables()
    {
        var t = new uint[8 * 256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[n] = c;
        }
        for (var k = 1; k < 8; k++)
            for (var n = 0; n < 256; n++)
                t[k * 256 + n] = t[(k - 1) * 256 + n] >> 8 ^ t[t[(k - 1) * 256 + n] & 0xFF];
        return t;
    }
}
