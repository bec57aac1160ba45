using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;

namespace Rmote.Deploy;

/// <summary>
/// The sums of a delta copy, as rsync has them: the host (<c>block_sums</c> of <c>python/tools/deploy.py</c>) sums each
/// block of its current version of a changed file with a weak sum that can roll (zlib's Adler-32: moving the window
/// one byte costs a few additions) and a strong one (2-8 bytes, as many as the file's size asks for, as rsync chooses:
/// <see cref="Strong"/>; the whole file's SHA-256 is checked at commit anyway); the controller
/// (<see cref="DeltaScanner"/>) rolls the weak sum over every offset of its file and checks the strong one only where
/// the weak one matches, so a block found anywhere (shifted by an insert or a delete) is not sent.
/// </summary>
internal static class BlockSums
{
    /// <summary>Bytes of one block's weak sum on the wire (Adler-32, big-endian); the strong sum's bytes follow.</summary>
    public const int WeakBytes = 4;

    /// <summary>Adler-32's modulus.</summary>
    public const uint Mod = 65521;

    /// <summary>
    /// The block size of a host's version of <paramref name="size"/> bytes, rsync's choice as <c>_block_size</c> of
    /// deploy.py makes it: the square root of the size rounded down to a multiple of 8, 700 bytes to 128 KiB. The
    /// controller refuses sums of any other block size: a host sending 1-byte blocks would make it allocate tables
    /// for as many blocks as the file has bytes.
    /// </summary>
    public static int BlockSize(long size)
    {
        var root = (long)Math.Sqrt(Math.Max(size, 0));
        while (root * root > size) root--;                  // the double's root can be one off either way
        while ((root + 1) * (root + 1) <= size) root++;
        return (int)Math.Clamp(root & ~7L, 700, 128 * 1024);
    }

    /// <summary>
    /// Bytes of strong sum a host's version of <paramref name="size"/> bytes in blocks of <paramref name="block"/> needs,
    /// rsync's choice as <c>_strong_bytes</c> of deploy.py makes it (2 to 8): with the weak sum's 32 bits, enough for every
    /// block/offset pair a scan could compare, plus 10. The controller refuses fewer: a host sending 1-byte sums would
    /// make most rolled windows false matches, each one a resend of the whole file.
    /// </summary>
    public static int StrongBytes(long size, int block)
    {
        var bits = 10 + 2 * BitOperations.Log2((ulong)Math.Max(size, 1)) - BitOperations.Log2((uint)Math.Max(block, 1));
        return Math.Clamp((bits + 1 - 32 + 7) / 8, 2, 8);   // below 2 the clamp hides C#'s truncation where Python floors
    }

    /// <summary>
    /// The strong sum of a block, as a big-endian number: the first <paramref name="bytes"/> (1-8) bytes of its CRC-32
    /// (zlib's) up to 4 bytes (files below 64 GiB), of its SHA-256 above. CRC-32 costs a fraction of SHA-256 on both
    /// sides (most of the scan's CPU was SHA-256); a block it matches wrongly makes the result fail the host's
    /// whole-file SHA-256 check, and the file is then sent whole: a false match costs time, never a wrong file.
    /// </summary>
    public static ulong Strong(ReadOnlySpan<byte> block, int bytes)
    {
        if (bytes <= 4) return BlockCrc32.Hash(block) >> (32 - 8 * bytes);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(block, hash);
        return BinaryPrimitives.ReadUInt64BigEndian(hash) >> (64 - 8 * bytes);
    }

    /// <summary>zlib's Adler-32 (the weak sum): <c>(b &lt;&lt; 16) | a</c>.</summary>
    // Optimized from the first call, unlike the rest (the packages' ReadyToRun code): ReadyToRun cannot precompile
    // Vector256 code (its ABI depends on the CPU), so these two are JIT-compiled in every process, and tiered compilation
    // would sum the first hundreds of MiB of a big file in tier-0 code (vector intrinsics there are calls, not instructions).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static uint Adler32(ReadOnlySpan<byte> data)
    {
        const int MaxRun = 5552;  // the longest run whose sums cannot overflow 32 bits before the modulo
        uint a = 1, b = 0;
        if (Avx2.IsSupported && data.Length >= 64) data = data[Adler32Avx2(data, ref a, ref b)..];
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

    /// <summary>
    /// Adler-32's halves <paramref name="a"/> and <paramref name="b"/> on over the 32-byte vectors of <paramref name="data"/>
    /// (the scanner sums every block it meets: a byte at a time, that was most of the controller's CPU); returns the
    /// bytes summed. For n vectors from
    /// (a, b): a += all bytes; b += 32n·a + Σ 32·(bytes of the vectors before each one) + Σ (32 - k)·(byte k of each).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static int Adler32Avx2(ReadOnlySpan<byte> data, ref uint a, ref uint b)
    {
        const int MaxVectors = 5536 / 32;   // 5552 bytes at most between two modulos, as zlib's
        var weights = Vector256.Create((sbyte)32, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17,
            16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1);
        var ones = Vector256.Create((short)1);
        ulong wa = a, wb = b;
        ref var start = ref MemoryMarshal.GetReference(data);
        int at = 0, vectors = data.Length / 32;
        while (vectors > 0)
        {
            var n = Math.Min(vectors, MaxVectors);
            Vector256<uint> sums = default, before = default, weighted = default;
            for (var end = at + n * 32; at < end; at += 32)
            {
                var v = Vector256.LoadUnsafe(ref start, (nuint)at);
                before += sums;
                sums += Avx2.SumAbsoluteDifferences(v, Vector256<byte>.Zero).AsUInt32();
                weighted += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(v, weights), ones).AsUInt32();
            }
            wb += (ulong)n * 32 * wa + 32UL * Vector256.Sum(before.AsUInt64()) + Sum(weighted);
            wa += Vector256.Sum(sums.AsUInt64());
            wa %= Mod;
            wb %= Mod;
            vectors -= n;
        }
        (a, b) = ((uint)wa, (uint)wb);
        return at;
    }

    static ulong Sum(Vector256<uint> v) => Vector256.Sum(Avx2.UnpackLow(v, Vector256<uint>.Zero).AsUInt64() + Avx2.UnpackHigh(v, Vector256<uint>.Zero).AsUInt64());
}
