using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Rmote.Deploy;

/// <summary>
/// zlib's CRC-32 of a block (the strong sum up to 4 bytes, <see cref="BlockSums.Strong"/>), the same value as
/// System.IO.Hashing's <c>Crc32.HashToUInt32</c>, in this assembly's ReadyToRun code (optimized from its first call).
/// The scan asks for one per matching block, 20,480 times for a 400 MiB file: in a fresh process the library's vector
/// code (that package ships IL only) ran in tier-0 and then instrumented code for most of the first scans (~0.3-0.4 s
/// more CPU per 400 MiB, measured with perf). Carry-less multiplication folds 64 bytes a step, then 16, then
/// reduces to 32 bits (Barrett), as in Intel's "Fast CRC Computation for Generic Polynomials Using PCLMULQDQ";
/// without PCLMULQDQ the library computes it.
/// </summary>
internal static class BlockCrc32
{
    // x^n mod P(x), bit-reflected and shifted (P(x) = 0x04C11DB7, reflected 0xEDB88320): fold 4 x 128 bits
    // (x^(512+32), x^(512-32)), fold 128 bits (x^(128+32), x^(128-32)), 64 to 32 bits (x^64), then Barrett's
    // P(x) and floor(x^64 / P(x)), both reflected.
    const ulong Fold512Low = 0x154442bd4, Fold512High = 0x1c6e41596;
    const ulong Fold128Low = 0x1751997d0, Fold128High = 0x0ccaa009e;
    const ulong Fold64 = 0x163cd6124;
    const ulong Poly = 0x1db710641, Mu = 0x1f7011641;

    static readonly uint[] Table = MakeTable();

    /// <summary>zlib's CRC-32 of <paramref name="data"/>.</summary>
    public static uint Hash(ReadOnlySpan<byte> data)
    {
        if (!Pclmulqdq.IsSupported || !Sse2.IsSupported) return System.IO.Hashing.Crc32.HashToUInt32(data);
        if (data.Length < 64) return ~Bytes(~0u, data);
        ref var start = ref MemoryMarshal.GetReference(data);
        var x3 = Vector128.LoadUnsafe(ref start).AsUInt64() ^ Vector128.CreateScalar(~0u).AsUInt64();
        var x2 = Vector128.LoadUnsafe(ref start, 16).AsUInt64();
        var x1 = Vector128.LoadUnsafe(ref start, 32).AsUInt64();
        var x0 = Vector128.LoadUnsafe(ref start, 48).AsUInt64();
        nuint at = 64, end = (nuint)data.Length;
        var k512 = Vector128.Create(Fold512Low, Fold512High);
        for (; at + 64 <= end; at += 64)
        {
            x3 = Fold(x3, Vector128.LoadUnsafe(ref start, at).AsUInt64(), k512);
            x2 = Fold(x2, Vector128.LoadUnsafe(ref start, at + 16).AsUInt64(), k512);
            x1 = Fold(x1, Vector128.LoadUnsafe(ref start, at + 32).AsUInt64(), k512);
            x0 = Fold(x0, Vector128.LoadUnsafe(ref start, at + 48).AsUInt64(), k512);
        }
        var k128 = Vector128.Create(Fold128Low, Fold128High);
        var x = Fold(Fold(Fold(x3, x2, k128), x1, k128), x0, k128);
        for (; at + 16 <= end; at += 16) x = Fold(x, Vector128.LoadUnsafe(ref start, at).AsUInt64(), k128);

        // 128 bits to 64, to 32 (Barrett)
        var low32 = Vector128.Create(0xFFFF_FFFFUL, 0);
        x = Pclmulqdq.CarrylessMultiply(x, k128, 0x10) ^ Sse2.ShiftRightLogical128BitLane(x, 8);
        x = Pclmulqdq.CarrylessMultiply(x & low32, Vector128.CreateScalar(Fold64), 0x00) ^ Sse2.ShiftRightLogical128BitLane(x, 4);
        var pu = Vector128.Create(Poly, Mu);
        var t1 = Pclmulqdq.CarrylessMultiply(x & low32, pu, 0x10);
        var t2 = Pclmulqdq.CarrylessMultiply(t1 & low32, pu, 0x00);
        var crc = (x ^ t2).AsUInt32().GetElement(1);
        return ~Bytes(crc, data[(int)at..]);
    }

    /// <summary>a·k.low ⊕ a·k.high (carry-less, each half of a with its constant) ⊕ b: a moved past b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector128<ulong> Fold(Vector128<ulong> a, Vector128<ulong> b, Vector128<ulong> k) =>
        Pclmulqdq.CarrylessMultiply(a, k, 0x00) ^ Pclmulqdq.CarrylessMultiply(a, k, 0x11) ^ b;

    /// <summary>The CRC state (not inverted at the ends) on over <paramref name="data"/>, a byte at a time.</summary>
    static uint Bytes(uint crc, ReadOnlySpan<byte> data)
    {
        var table = Table;
        foreach (var b in data) crc = table[(byte)(crc ^ b)] ^ (crc >> 8);
        return crc;
    }

    static uint[] MakeTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            var c = i;
            for (var k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
        return table;
    }
}
