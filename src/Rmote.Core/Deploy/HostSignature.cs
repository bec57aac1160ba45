using System.Buffers.Binary;
using System.Threading.Channels;

namespace Rmote.Deploy;

/// <summary>
/// The block sums of the host's current version of a file (<see cref="BlockSums"/>), with a hash table from weak sum to
/// the blocks that have it. <see cref="Find"/> is the scanner's per-byte question, so a miss costs one array read. The
/// pages are read as the host sends them while the scan already runs (<see cref="StartAsync"/>): a block found where the
/// scan expects it (the one after the last match) needs no other sums, so the host's summing and the scan overlap, and
/// only a miss waits for the rest (<see cref="Complete"/>). The table is changed only by the scan's thread
/// (<see cref="TakeArrived"/>, <see cref="WaitForMoreAsync"/>); a task of its own only receives the pages.
/// </summary>
internal sealed class HostSignature : IAsyncDisposable
{
    readonly uint[] weak;
    readonly ulong[] strong;
    readonly int[] heads;   // weak sum's bucket -> a block with it, -1 for none
    readonly int[] next;    // block -> next block in its bucket, -1 at the end
    readonly int mask;
    int filled;             // blocks received, in order
    Channel<BlockSumsPage>? arrived;   // pages received and not yet in the table; null when the first page held every block
    readonly CancellationTokenSource stop;   // ends the stream when the scan is over early
    Task receiving = Task.CompletedTask;
    bool ended;             // the stream is over and stop disposed

    HostSignature(long size, int block, int strongBytes, int count, CancellationTokenSource stop)
    {
        (Size, Block, StrongBytes, this.stop) = (size, block, strongBytes, stop);
        weak = new uint[count];
        strong = new ulong[count];
        var buckets = (int)Math.Min(1 << 30, Math.Max(16, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)count * 2)));
        mask = buckets - 1;
        heads = new int[buckets];
        Array.Fill(heads, -1);
        next = new int[count];
    }

    /// <summary>Size of the host's version.</summary>
    public long Size { get; }

    /// <summary>Block size (the last block may be shorter).</summary>
    public int Block { get; }

    /// <summary>Bytes of a block's strong sum (<see cref="BlockSums.Strong"/>).</summary>
    public int StrongBytes { get; }

    /// <summary>Number of blocks.</summary>
    public int Count => weak.Length;

    /// <summary>True once every block's sums are in the table: a miss is then final.</summary>
    public bool Complete => filled == weak.Length;

    /// <summary>Length of block <paramref name="index"/>.</summary>
    public int Length(int index) => (int)Math.Min(Block, Size - (long)index * Block);

    /// <summary>
    /// The sums of a host's file of <paramref name="size"/> bytes from its <c>block_sums</c> pages, once the first page
    /// is in (it gives the block size); the others are received on meanwhile. Throws <see cref="InvalidDataException"/>
    /// for pages that do not describe such a file (later pages: <see cref="TakeArrived"/> and the calls after it).
    /// </summary>
    public static async Task<HostSignature> StartAsync(long size, IAsyncEnumerable<BlockSumsPage> pages, CancellationToken cancellationToken)
    {
        var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var e = pages.GetAsyncEnumerator(stop.Token);
        HostSignature? signature;
        try
        {
            if (!await e.MoveNextAsync().ConfigureAwait(false))
                throw new InvalidDataException($"the host sent no block sums for a file of {size} bytes");
            var first = e.Current;
            if (first.Block != BlockSums.BlockSize(size) || first.Count != (size + first.Block - 1) / first.Block)
                throw new InvalidDataException($"block sums of {first.Count} blocks of {first.Block} bytes cannot describe a file of {size} bytes "
                    + $"(its blocks are {BlockSums.BlockSize(size)} bytes)");
            var needed = BlockSums.StrongBytes(size, first.Block);
            if (first.Strong < needed || first.Strong > 8)
                throw new InvalidDataException($"block sums with {first.Strong}-byte strong sums do not fit a file of {size} bytes "
                    + $"(it needs {needed} to 8 bytes a block)");
            signature = new HostSignature(size, first.Block, first.Strong, first.Count, stop);
            signature.Add(first);
            if (signature.Complete)
            {
                // one page held every block (a file under 4 MiB): its stream ends right after it, read here as
                // before pages were received on meanwhile (no task, no channel in a fresh build process)
                while (await e.MoveNextAsync().ConfigureAwait(false)) signature.Add(e.Current);
                await e.DisposeAsync().ConfigureAwait(false);
                return signature;
            }
        }
        catch
        {
            await e.DisposeAsync().ConfigureAwait(false);
            stop.Dispose();
            throw;
        }
        signature.arrived = Channel.CreateUnbounded<BlockSumsPage>(new() { SingleReader = true, SingleWriter = true });
        signature.receiving = ReceiveAsync(e, signature.arrived.Writer);
        return signature;
    }

    static async Task ReceiveAsync(IAsyncEnumerator<BlockSumsPage> e, ChannelWriter<BlockSumsPage> arrived)
    {
        await using (e.ConfigureAwait(false))
        {
            try
            {
                while (await e.MoveNextAsync().ConfigureAwait(false)) arrived.TryWrite(e.Current);
                arrived.TryComplete();
            }
            catch (Exception ex)
            {
                arrived.TryComplete(ex);
                throw;
            }
        }
    }

    /// <summary>Adds the pages received so far to the table, without waiting; false if there were none.</summary>
    public bool TakeArrived()
    {
        var any = false;
        while (arrived is not null && arrived.Reader.TryRead(out var page))
        {
            Add(page);
            any = true;
        }
        return any;
    }

    /// <summary>
    /// Waits for at least one more page and adds what arrived; throws what ended the host's stream, or
    /// <see cref="InvalidDataException"/> if it ended before every block's sums came.
    /// </summary>
    public async ValueTask WaitForMoreAsync(CancellationToken cancellationToken)
    {
        if (TakeArrived()) return;
        if (arrived is null || !await arrived.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (arrived is not null) await arrived.Reader.Completion.ConfigureAwait(false);   // the stream's own failure first
            throw new InvalidDataException($"the host sent {filled} block sums of {weak.Length}");
        }
        TakeArrived();
    }

    /// <summary>
    /// Waits for the host's stream to end, and throws what ended it, if not its end (block_sums checks after its last
    /// page that the version did not change while it was summed), or if pages are left over. A scan that found every
    /// block where it expected it can be done before the last page: what it built is committed only after this.
    /// </summary>
    public Task EndAsync()
    {
        // a file whose sums fit one page has nothing left to wait for: no async method to JIT in a fresh build process
        if (!receiving.IsCompletedSuccessfully) return EndLaterAsync();
        try
        {
            End();
            return Task.CompletedTask;
        }
        catch (InvalidDataException e)
        {
            return Task.FromException(e);
        }

        async Task EndLaterAsync()
        {
            await receiving.ConfigureAwait(false);
            End();
        }
    }

    void End()
    {
        if (!ended)
        {
            ended = true;
            stop.Dispose();
        }
        TakeArrived();
        if (!Complete) throw new InvalidDataException($"the host sent {filled} block sums of {weak.Length}");
    }

    /// <summary>Stops receiving (a scan that failed) and waits for the stream to be closed.</summary>
    public ValueTask DisposeAsync()
    {
        if (ended) return ValueTask.CompletedTask;
        ended = true;
        stop.Cancel();
        return receiving.IsCompleted ? Disposed() : new(DisposeLaterAsync());

        ValueTask Disposed()
        {
            stop.Dispose();
            return ValueTask.CompletedTask;
        }

        async Task DisposeLaterAsync()
        {
            await receiving.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            stop.Dispose();
        }
    }

    void Add(BlockSumsPage page)
    {
        var each = BlockSums.WeakBytes + StrongBytes;
        var sums = page.Sums;
        if (page.Block != Block || page.Strong != StrongBytes || page.Count != weak.Length || sums.Length % each != 0
            || filled + sums.Length / each > weak.Length)
            throw new InvalidDataException("a page of block sums does not fit the file's blocks");
        AddSums(sums, each);
    }

    void AddSums(byte[] sums, int each)
    {
        for (var at = 0; at < sums.Length; at += each, filled++)
        {
            var w = BinaryPrimitives.ReadUInt32BigEndian(sums.AsSpan(at));
            ulong value = 0;
            foreach (var b in sums.AsSpan(at + BlockSums.WeakBytes, StrongBytes)) value = value << 8 | b;
            (weak[filled], strong[filled]) = (w, value);
            ref var head = ref heads[Bucket(w)];
            next[filled] = head;
            head = filled;
        }
    }

    /// <summary>
    /// A block of the host's version with <paramref name="window"/>'s content (weak sum <paramref name="weakSum"/>),
    /// <paramref name="preferred"/> first when it has it (the block after the last match: runs of equal blocks then
    /// copy as one range); -1 for none among the blocks received. <paramref name="strongSum"/> caches the window's
    /// strong sum (null: not computed yet).
    /// </summary>
    public int Find(uint weakSum, ReadOnlySpan<byte> window, int preferred, ref ulong? strongSum)
    {
        var i = heads[Bucket(weakSum)];
        if (i < 0) return -1;
        if ((uint)preferred < (uint)filled && Matches(preferred, weakSum, window, ref strongSum)) return preferred;
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
