using System.Buffers.Binary;

namespace Rmote.Deploy;

/// <summary>
/// The block sums of the host's current version of a file (<see cref="BlockSums"/>), received in pages, with a hash
/// table from weak sum to the blocks that have it. <see cref="Find"/> is the scanner's per-byte question, so a miss
/// costs one array read.
/// </summary>
internal sealed class HostSignature
{
    readonly uint[] weak;
    readonly ulong[] strong;
    readonly int[] heads;   // weak sum's bucket -> first block with it, -1 for none
    readonly int[] next;    // block -> next block in its bucket, -1 at the end
    readonly int mask;

    HostSignature(long size, int block, int strongBytes, uint[] weak, ulong[] strong)
    {
        (Size, Block, StrongBytes, this.weak, this.strong) = (size, block, strongBytes, weak, strong);
        var buckets = (int)Math.Min(1 << 30, Math.Max(16, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)weak.Length * 2)));
        mask = buckets - 1;
        heads = new int[buckets];
        Array.Fill(heads, -1);
        next = new int[weak.Length];
        for (var i = weak.Length - 1; i >= 0; i--)
        {
            ref var head = ref heads[Bucket(weak[i])];
            next[i] = head;
            head = i;
        }
    }

    /// <summary>Size of the host's version.</summary>
    public long Size { get; }

    /// <summary>Block size (the last block may be shorter).</summary>
    public int Block { get; }

    /// <summary>Bytes of a block's strong sum (<see cref="BlockSums.Strong"/>).</summary>
    public int StrongBytes { get; }

    /// <summary>Number of blocks.</summary>
    public int Count => weak.Length;

    /// <summary>Length of block <paramref name="index"/>.</summary>
    public int Length(int index) => (int)Math.Min(Block, Size - (long)index * Block);

    /// <summary>
    /// The sums of a host's file of <paramref name="size"/> bytes from its <c>block_sums</c> pages; throws
    /// <see cref="InvalidDataException"/> for pages that do not describe such a file.
    /// </summary>
    public static async Task<HostSignature> ReadAsync(long size, IAsyncEnumerable<BlockSumsPage> pages, CancellationToken cancellationToken)
    {
        uint[]? weak = null;
        ulong[]? strong = null;
        int block = 0, strongBytes = 0, each = 0, filled = 0;
        await foreach (var page in pages.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            if (weak is null)
            {
                (block, strongBytes) = (page.Block, page.Strong);
                each = BlockSums.WeakBytes + strongBytes;
                if (block is < 1 or > 1 << 24 || strongBytes is < 1 or > 8 || page.Count != (size + block - 1) / block)
                    throw new InvalidDataException($"block sums of {page.Count} blocks of {block} bytes cannot describe a file of {size} bytes");
                weak = new uint[page.Count];
                strong = new ulong[page.Count];
            }
            var sums = page.Sums;
            if (page.Block != block || page.Strong != strongBytes || sums.Length % each != 0 || filled + sums.Length / each > weak.Length)
                throw new InvalidDataException("a page of block sums does not fit the file's blocks");
            for (var at = 0; at < sums.Length; at += each, filled++)
            {
                weak[filled] = BinaryPrimitives.ReadUInt32BigEndian(sums.AsSpan(at));
                ulong value = 0;
                foreach (var b in sums.AsSpan(at + BlockSums.WeakBytes, strongBytes)) value = value << 8 | b;
                strong![filled] = value;
            }
        }
        if (weak is null || filled != weak.Length)
            throw new InvalidDataException($"the host sent {filled} block sums of {weak?.Length ?? 0}");
        return new HostSignature(size, block, strongBytes, weak, strong!);
    }

    /// <summary>
    /// A block of the host's version with <paramref name="window"/>'s content (weak sum <paramref name="weakSum"/>),
    /// <paramref name="preferred"/> first when it has it (the block after the last match: runs of equal blocks then
    /// copy as one range); -1 for none. <paramref name="strongSum"/> caches the window's strong sum (null: not computed yet).
    /// </summary>
    public int Find(uint weakSum, ReadOnlySpan<byte> window, int preferred, ref ulong? strongSum)
    {
        var i = heads[Bucket(weakSum)];
        if (i < 0) return -1;
        if ((uint)preferred < (uint)weak.Length && Matches(preferred, weakSum, window, ref strongSum)) return preferred;
        for (; i >= 0; i = next[i])
            if (Matches(i, weakSum, window, ref strongSum)) return i;
        return -1;
    }

    bool Matches(int i, uint weakSum, ReadOnlySpan<byte> window, ref ulong? strongSum)
    {
        if (weak[i] != weakSum || Length(i) != window.Length) return false;
        strongSum ??= BlockSums.Strong(window, StrongBytes);
        return strong[i] == strongSum.Value;
    }

    int Bucket(uint w) => (int)((w ^ (w >> 16) * 0x9E37u) & (uint)mask);
}

/// <summary>One page of <c>block_sums</c>: <see cref="BlockSums.WeakBytes"/> + <paramref name="Strong"/> bytes a block.</summary>
internal sealed record BlockSumsPage(int Block, int Count, int Strong, byte[] Sums);
