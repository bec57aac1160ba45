using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Rmote.Deploy;

/// <summary>
/// The sums of a delta copy, as rsync has them: the host (<c>block_sums</c> of <c>python/tools/deploy.py</c>) sums each
/// block of its current version of a changed file with a weak sum that can roll (zlib's Adler-32: moving the window
/// one byte costs a few additions) and a strong one (the first 2-8 bytes of the block's SHA-256, as many as the file's
/// size asks for, as rsync chooses; the whole file's SHA-256 is checked at commit anyway); the controller
/// (<see cref="DeltaScanner"/>) rolls the weak sum over every offset of its file and checks the strong one only where
/// the weak one matches, so a block found anywhere (shifted by an insert or a delete) is not sent.
/// </summary>
internal static class BlockSums
{
    /// <summary>Bytes of one block's weak sum on the wire (Adler-32, big-endian); the strong sum's bytes follow.</summary>
    public const int WeakBytes = 4;

    /// <summary>Adler-32's modulus.</summary>
    public const uint Mod = 65521;

    /// <summary>The strong sum of a block: the first <paramref name="bytes"/> (1-8) bytes of its SHA-256, as a big-endian number.</summary>
    public static ulong Strong(ReadOnlySpan<byte> block, int bytes)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(block, hash);
        return BinaryPrimitives.ReadUInt64BigEndian(hash) >> (64 - 8 * bytes);
    }

    /// <summary>zlib's Adler-32 (the weak sum): <c>(b &lt;&lt; 16) | a</c>.</summary>
    public static uint Adler32(ReadOnlySpan<byte> data)
    {
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
}
