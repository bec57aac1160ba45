using System.Buffers;

namespace Rmote.Wire;

/// <summary>
/// Queues frames and writes them from a thread of its own, so a thousand pipelined calls cost a handful of
/// syscalls and callers never block on I/O. Small frames are packed together into pooled 64 KiB blocks;
/// a large binary part gets a pooled block of its own: a large call argument is copied once, with no
/// growing buffer to resize and no fresh large-object-heap array per batch. A <see cref="FileRegion"/> part is
/// not copied at all: the writer thread sends it from the file when its turn comes (<see cref="RegionWriter"/>),
/// and <see cref="RegionChecks"/> after it report whether it was all there.
/// </summary>
internal sealed class FrameWriter
{
    const int HighWater = 16 * 1024 * 1024;
    const int BlockSize = 64 * 1024;

    // Blocks go back to the pool on the writer thread, which ends with its connection: ArrayPool.Shared would park
    // each in that thread's local cache and lose it with the thread (measured: four fresh, zeroed, page-faulted
    // 1 MiB arrays per 4-host redeploy of one changed file). A pool without thread-local caches keeps them for the
    // next connection; it holds at most 8 arrays per size up to 4 MiB, beyond that arrays are simply allocated.
    static readonly ArrayPool<byte> Blocks = ArrayPool<byte>.Create(maxArrayLength: 4 * 1024 * 1024, maxArraysPerBucket: 8);

    readonly Stream output;
    readonly RegionWriter regions;
    readonly SemaphoreSlim signal = new(0);
    readonly TaskCompletionSource loopDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    List<Block> queue = new();
    List<Block> spare = new();
    byte[]? open;               // the block small frames are appended to (the last one in the queue)
    int openLength;
    long queuedBytes;
    bool scheduled, completing;
    Exception? failure;
    TaskCompletionSource? drained;

    /// <summary>Bytes to write: a pooled array, a file region the writer holds a reference on, or region checks.</summary>
    readonly record struct Block(byte[]? Array, int Length, FileRegion? Region = null, RegionChecks? Checks = null);

    public FrameWriter(Stream output)
    {
        this.output = output;
        regions = new RegionWriter(output);
        // A thread of its own with blocking writes: a pipe write of a 1 MiB block blocks many times while ssh
        // drains it, and doing that on thread-pool threads through Stream.WriteAsync cost a hop per block.
        new Thread(Run) { IsBackground = true, Name = "rmote-frame-writer" }.Start();
    }

    /// <summary>Lock that keeps a group of frames together (a tool's SYNC right before its first CALL).</summary>
    public object Gate { get; } = new();

    /// <summary>Completes when the writer stops; faults when the output failed.</summary>
    public Task Completion => loopDone.Task;

    /// <summary>Appends a frame; the caller may hold <see cref="Gate"/> to keep frames in order with others.</summary>
    /// <param name="frame">The frame.</param>
    /// <param name="flush">False: leave it queued until the next frame is sent, so both go out in one write.</param>
    public void Enqueue(in OutgoingFrame frame, bool flush = true)
    {
        Span<byte> header = stackalloc byte[FrameHeader.Size];
        frame.Header.Write(header);
        lock (Gate)
        {
            ThrowIfClosed();
            // every region's handle is referenced before the header is queued: a frame is queued whole or not at all
            Retain(frame.Binary);
            Append(header);
            Append(frame.Json.Span);
            foreach (var part in frame.Binary)
            {
                if (part.Region is { } region) AppendRegion(region);
                else if (part.Checks is { } checks) AppendChecks(checks);
                else Append(part.Memory.Span);
            }
            if (flush) Schedule();
        }
    }

    static void Retain(IReadOnlyList<BinaryPart> parts)
    {
        for (var i = 0; i < parts.Count; i++)
        {
            if (parts[i].Region is not { Length: > 0 } region) continue;
            try
            {
                var added = false;
                region.File.DangerousAddRef(ref added);
            }
            catch
            {
                for (var j = 0; j < i; j++)
                    if (parts[j].Region is { Length: > 0 } held) held.File.DangerousRelease();
                throw;
            }
        }
    }

    /// <summary>Queues bytes that are not a frame (the bootstrap payload).</summary>
    public void EnqueueRaw(ReadOnlySpan<byte> bytes)
    {
        lock (Gate)
        {
            ThrowIfClosed();
            Append(bytes);
            Schedule();
        }
    }

    void ThrowIfClosed()
    {
        if (failure is not null) throw new IOException("the connection's output is closed", failure);
        if (completing) throw new ObjectDisposedException(nameof(FrameWriter), "the connection is closing");
    }

    /// <summary>Copies bytes to the end of the queue: into the open block when they fit, else into new blocks.</summary>
    void Append(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty) return;
        queuedBytes += bytes.Length;
        if (open is not null && bytes.Length <= open.Length - openLength)
        {
            bytes.CopyTo(open.AsSpan(openLength));
            openLength += bytes.Length;
            queue[^1] = new Block(open, openLength);
            return;
        }
        if (bytes.Length >= BlockSize)
        {
            // a large part gets a block of its exact size; the next small frame opens a fresh block
            var own = Blocks.Rent(bytes.Length);
            bytes.CopyTo(own);
            queue.Add(new Block(own, bytes.Length));
            open = null;
            return;
        }
        open = Blocks.Rent(BlockSize);
        bytes.CopyTo(open);
        openLength = bytes.Length;
        queue.Add(new Block(open, openLength));
    }

    /// <summary>Queues a file region (referenced by <see cref="Retain"/> until it is written, so its owner may dispose it meanwhile).</summary>
    void AppendRegion(FileRegion region)
    {
        if (region.Length == 0) return;
        queuedBytes += region.Length;
        queue.Add(new Block(null, region.Length, region));
        open = null;
    }

    /// <summary>Queues status bytes computed when written, after the regions before them (<see cref="RegionChecks"/>).</summary>
    void AppendChecks(RegionChecks checks)
    {
        if (checks.Length == 0) return;
        queuedBytes += checks.Length;
        queue.Add(new Block(null, checks.Length, Checks: checks));
        open = null;
    }

    void Schedule()
    {
        if (scheduled) return;
        scheduled = true;
        signal.Release();
    }

    /// <summary>Waits while more than the high-water mark is queued (back-pressure for bulk senders).</summary>
    public Task WaitForRoomAsync(CancellationToken cancellationToken)
    {
        lock (Gate)
        {
            if (queuedBytes < HighWater || failure is not null) return Task.CompletedTask;
            drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return drained.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Flushes what is queued, then closes the output (the remote sees EOF).</summary>
    public async Task CompleteAsync()
    {
        lock (Gate)
        {
            if (completing) return;
            completing = true;
            Schedule();
        }
        try { await loopDone.Task.ConfigureAwait(false); } catch (IOException) { } catch (ObjectDisposedException) { }
    }

    void Run()
    {
        try
        {
            RunLoop();
            loopDone.TrySetResult();
        }
        catch (Exception e)
        {
            loopDone.TrySetException(e);
        }
    }

    void RunLoop()
    {
        List<Block>? taken = null;
        try
        {
            while (true)
            {
                signal.Wait();
                while (true)
                {
                    lock (Gate)
                    {
                        if (queue.Count == 0)
                        {
                            scheduled = false;
                            ReleaseDrained();
                            break;
                        }
                        (taken, queue, spare) = (queue, spare, queue);
                        open = null;
                        queuedBytes = 0;
                        ReleaseDrained();
                    }
                    foreach (var block in taken)
                    {
                        if (block.Region is { } region) regions.Write(region);
                        else if (block.Checks is { } checks) output.Write(checks.Status());
                        else output.Write(block.Array!, 0, block.Length);
                    }
                    output.Flush();
                    Return(taken);
                }
                if (completing)
                {
                    output.Dispose();
                    return;
                }
            }
        }
        catch (Exception e)
        {
            // whatever broke (the pipe, a file region's read), the output is unusable: fail every sender from now on
            lock (Gate)
            {
                failure = e;
                if (taken is not null) Return(taken);
                Return(queue);
                open = null;
                ReleaseDrained();
            }
            throw new IOException("writing to the remote failed: " + e.Message, e);
        }
    }

    /// <summary>Gives arrays back to the pool and file regions' handle references back to their owners.</summary>
    static void Return(List<Block> blocks)
    {
        foreach (var block in blocks)
        {
            if (block.Region is { } region) region.File.DangerousRelease();
            else if (block.Array is { } array) Blocks.Return(array);
        }
        blocks.Clear();
    }

    void ReleaseDrained()
    {
        if (drained is not null && (queuedBytes < HighWater || failure is not null))
        {
            drained.TrySetResult();
            drained = null;
        }
    }
}
