namespace Rmote.Wire;

/// <summary>
/// Queues frames into one buffer and writes it with a single write per batch from a background loop, so
/// a thousand pipelined calls cost a handful of syscalls. Callers never block on I/O.
/// </summary>
internal sealed class FrameWriter
{
    const int HighWater = 16 * 1024 * 1024;
    const int KeepBufferBytes = 4 * 1024 * 1024;

    readonly Stream output;
    readonly SemaphoreSlim signal = new(0);
    readonly Task loop;
    byte[] pending = new byte[64 * 1024];
    byte[] spare = new byte[64 * 1024];
    int pendingLength;
    bool scheduled, completing;
    Exception? failure;
    TaskCompletionSource? drained;

    public FrameWriter(Stream output)
    {
        this.output = output;
        loop = Task.Run(RunAsync);
    }

    /// <summary>Lock that keeps a group of frames together (a tool's SYNC right before its first CALL).</summary>
    public object Gate { get; } = new();

    /// <summary>Completes when the writer stops; faults when the output failed.</summary>
    public Task Completion => loop;

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
            Reserve((int)frame.Length);
            Append(header);
            Append(frame.Json.Span);
            foreach (var part in frame.Binary) Append(part.Span);
            if (flush) Schedule();
        }
    }

    /// <summary>Queues bytes that are not a frame (the bootstrap payload).</summary>
    public void EnqueueRaw(ReadOnlySpan<byte> bytes)
    {
        lock (Gate)
        {
            ThrowIfClosed();
            Reserve(bytes.Length);
            Append(bytes);
            Schedule();
        }
    }

    void ThrowIfClosed()
    {
        if (failure is not null) throw new IOException("the connection's output is closed", failure);
        if (completing) throw new ObjectDisposedException(nameof(FrameWriter), "the connection is closing");
    }

    void Reserve(int length)
    {
        var needed = pendingLength + length;
        if (needed > pending.Length) Array.Resize(ref pending, Math.Max(needed, pending.Length * 2));
    }

    void Append(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(pending.AsSpan(pendingLength));
        pendingLength += bytes.Length;
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
            if (pendingLength < HighWater || failure is not null) return Task.CompletedTask;
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
        try { await loop.ConfigureAwait(false); } catch (IOException) { } catch (ObjectDisposedException) { }
    }

    async Task RunAsync()
    {
        try
        {
            while (true)
            {
                await signal.WaitAsync().ConfigureAwait(false);
                while (true)
                {
                    byte[] buffer;
                    int length;
                    lock (Gate)
                    {
                        if (pendingLength == 0)
                        {
                            scheduled = false;
                            ReleaseDrained();
                            break;
                        }
                        (buffer, length) = (pending, pendingLength);
                        pending = spare.Length <= KeepBufferBytes ? spare : new byte[64 * 1024];
                        pendingLength = 0;
                        ReleaseDrained();
                    }
                    await output.WriteAsync(buffer.AsMemory(0, length)).ConfigureAwait(false);
                    await output.FlushAsync().ConfigureAwait(false);
                    spare = buffer;
                }
                if (completing)
                {
                    await output.DisposeAsync().ConfigureAwait(false);
                    return;
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
        {
            lock (Gate)
            {
                failure = e;
                ReleaseDrained();
            }
            throw new IOException("writing to the remote failed: " + e.Message, e);
        }
    }

    void ReleaseDrained()
    {
        if (drained is not null && (pendingLength < HighWater || failure is not null))
        {
            drained.TrySetResult();
            drained = null;
        }
    }
}
