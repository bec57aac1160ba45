using System.Buffers;
using System.Diagnostics;
using Microsoft.Win32.SafeHandles;
using Rmote.Wire;

namespace Rmote.Deploy;

/// <summary>
/// Sends the files a plan asked for to one host: small files batched many per call, large ones in chunks
/// (pwrite on the remote, so chunks pipeline freely), with a bounded number of files and bytes in flight; changed
/// files the host has a version of as deltas (FileSender.Delta.cs).
/// </summary>
internal sealed partial class FileSender(Protocol protocol, string root, CopyOptions options, IReadOnlyList<SourceEntry> files, Stopwatch clock, ChunkCache cache,
    IReadOnlyDictionary<string, RemoteBasis>? basis = null)
{
    const int MaxFilesPerBatch = 512;
    long bytesSent;
    int filesDone;
    long bytesToSend = files.Sum(f => f.Size);   // less what delta copies find on the host already
    int filesInFlight;      // files of units started and not (yet) written
    int abortsUnconfirmed;  // chunked writes whose abort the host did not answer in time

    public async Task<long> SendAsync(CancellationToken cancellationToken)
    {
        if (files.Count == 0) return 0;
        using var budget = new ByteBudget(options.MaxBytesInFlight);
        using var slots = new SemaphoreSlim(options.MaxFilesInFlight, options.MaxFilesInFlight);
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = new List<Task>();
        try
        {
            foreach (var unit in Units())
            {
                await slots.WaitAsync(failed.Token).ConfigureAwait(false);
                Interlocked.Add(ref filesInFlight, unit.Count);
                var task = unit.Count == 1 && basis?.GetValueOrDefault(unit[0].Path) is { } current
                    ? SendDeltaAsync(unit[0], current, budget, failed.Token)
                    : SendWholeAsync(unit, budget, failed.Token);
                running.Add(task.ContinueWith(t =>
                {
                    slots.Release();
                    if (t.IsCompletedSuccessfully) Interlocked.Add(ref filesInFlight, -unit.Count);
                    else failed.Cancel();
                    return t;
                }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).Unwrap());
                running.RemoveAll(t => t.IsCompletedSuccessfully);
            }
        }
        catch (OperationCanceledException) when (failed.IsCancellationRequested)
        {
            // a unit failed (its exception is rethrown below) or the copy was cancelled: the units in flight abort their writes first
        }
        try
        {
            await Task.WhenAll(running).ConfigureAwait(false);
        }
        catch
        {
            // prefer the real failure over the cancellations it caused in its siblings
            var real = running.Where(t => t.IsFaulted).SelectMany(t => t.Exception!.InnerExceptions)
                .FirstOrDefault(e => e is not OperationCanceledException);
            if (real != null && !cancellationToken.IsCancellationRequested)
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(real);
            if (cancellationToken.IsCancellationRequested) throw Cancelled(cancellationToken);
            throw;
        }
        if (cancellationToken.IsCancellationRequested) throw Cancelled(cancellationToken);
        return Interlocked.Read(ref bytesSent);
    }

    /// <summary>
    /// What a cancelled copy tells its user, once every unit stopped: the chunked writes were aborted (the host answered)
    /// and the cancelled put_many calls removed their own temp files on the host (PROTOCOL.md section 5).
    /// </summary>
    CopyCancelledException Cancelled(CancellationToken token) =>
        new(protocol.Name, Volatile.Read(ref filesInFlight), Volatile.Read(ref abortsUnconfirmed) == 0 && protocol.IsConnected, token);

    /// <summary>Large files and delta candidates alone, small ones grouped up to the batch size; in the plan's (path) order.</summary>
    IEnumerable<List<SourceEntry>> Units()
    {
        var batch = new List<SourceEntry>();
        long batchBytes = 0;
        foreach (var f in files)
        {
            if (f.Size > options.SmallFileThreshold || basis?.ContainsKey(f.Path) == true)
            {
                yield return [f];
                continue;
            }
            if (batch.Count > 0 && (batchBytes + f.Size > options.BatchSize || batch.Count >= MaxFilesPerBatch))
            {
                yield return batch;
                batch = [];
                batchBytes = 0;
            }
            batch.Add(f);
            batchBytes += f.Size;
        }
        if (batch.Count > 0) yield return batch;
    }

    async Task SendBatchAsync(List<SourceEntry> batch, ByteBudget budget, CancellationToken cancellationToken)
    {
        var total = batch.Sum(f => f.Size);
        var taken = await budget.AcquireAsync(total, cancellationToken).ConfigureAwait(false);
        var inMemory = batch.Where(f => !SentFromFile(f)).Sum(f => f.Size);
        var buffer = inMemory == 0 ? [] : ArrayPool<byte>.Shared.Rent((int)inMemory);
        var handles = new List<SafeFileHandle>();
        var regions = new List<(FileRegion Region, SourceEntry File)>();
        try
        {
            List<PutManyFile>? specs = new(batch.Count);
            var parts = new List<BinaryPart>(batch.Count + 1);
            long used = 0, wire = 0;
            foreach (var f in batch)
            {
                BinaryPart part;
                byte[]? z = null;
                if (SentFromFile(f))
                {
                    var handle = OpenForSending(f);
                    handles.Add(handle);
                    var region = new FileRegion(handle, 0, (int)f.Size);
                    regions.Add((region, f));
                    part = new BinaryPart(region);
                }
                else
                {
                    var raw = buffer.AsMemory((int)used, (int)f.Size);
                    await ReadWholeAsync(f, raw, cancellationToken).ConfigureAwait(false);
                    used += f.Size;
                    z = options.Compress ? cache.Get(f.Path, 0, raw.Span) : null;
                    part = z != null ? new BinaryPart(z) : new BinaryPart(raw);
                }
                specs.Add(new PutManyFile(f.Path, wire, f.Size, f.Mode, f.MtimeNs, options.VerifyChecksum ? f.Sha256 : null,
                    z != null ? true : null, z?.Length));
                parts.Add(part);
                wire += part.Length;
            }
            // put_many renames its files into place as soon as it has them: it must learn of a padded region first
            if (regions.Count > 0) parts.Add(new BinaryPart(new RegionChecks(regions.ConvertAll(r => r.Region))));
            try
            {
                var call = protocol.CallAsync(DeployTool.PutMany,
                    new PutManyArgs(root, specs, new BinaryParts(parts), options.Owner, options.Group, options.Durable, regions.Count > 0 ? regions.Count : null),
                    cancellationToken);
                specs = null;   // encoded: its path strings die young, not after the round trip (a million files' worth)
                await call.ConfigureAwait(false);
            }
            catch (Exception e) when (e is IRemoteError && Shrunk() is { } shrank)
            {
                throw ChangedWhileCopying(shrank, e);
            }
            if (Shrunk() is { } late) throw ChangedWhileCopying(late);
            Interlocked.Add(ref bytesSent, total);
            Report(Interlocked.Add(ref filesDone, batch.Count), batch[^1].Path);
        }
        finally
        {
            foreach (var handle in handles) handle.Dispose();
            budget.Release(taken);
            if (inMemory > 0) ArrayPool<byte>.Shared.Return(buffer);
        }

        SourceEntry? Shrunk() => regions.Find(r => r.Region.Truncated).File;
    }

    /// <summary>A unit of <see cref="Units"/> as whole files: a large file in chunks, small ones as one batch.</summary>
    Task SendWholeAsync(List<SourceEntry> unit, ByteBudget budget, CancellationToken cancellationToken) =>
        unit.Count == 1 && unit[0].Size > options.SmallFileThreshold
            ? SendLargeAsync(unit[0], budget, cancellationToken)
            : SendBatchAsync(unit, budget, cancellationToken);

    /// <summary>
    /// Files of a batch sent straight from the page cache (a region) rather than read into memory first: uncompressed
    /// ones big enough that the copies matter. Smaller ones are read: a region holds its file open until it is written.
    /// </summary>
    bool SentFromFile(SourceEntry f) => !options.Compress && f.Size >= RegionThreshold;

    const int RegionThreshold = 64 * 1024;

    static SafeFileHandle OpenForSending(SourceEntry f)
    {
        var handle = LocalFs.OpenRead(f.LocalPath);
        if (RandomAccess.GetLength(handle) == f.Size) return handle;
        handle.Dispose();
        throw ChangedWhileCopying(f);
    }

    static async Task ReadWholeAsync(SourceEntry f, Memory<byte> target, CancellationToken cancellationToken)
    {
        if (target.Length == 0) return;
        using var handle = OpenForSending(f);
        await ReadExactlyAtAsync(handle, f, target, 0, cancellationToken).ConfigureAwait(false);
    }

    static async Task ReadExactlyAtAsync(SafeFileHandle handle, SourceEntry f, Memory<byte> target, long offset, CancellationToken cancellationToken)
    {
        var done = 0;
        while (done < target.Length)
        {
            var n = await RandomAccess.ReadAsync(handle, target[done..], offset + done, cancellationToken).ConfigureAwait(false);
            if (n == 0) throw ChangedWhileCopying(f);
            done += n;
        }
    }

    static IOException ChangedWhileCopying(SourceEntry f, Exception? inner = null) =>
        new($"Source file '{SurrogateEscape.Escaped(f.LocalPath)}' changed size while being copied (expected {f.Size} bytes); the host keeps its old " +
            "version. Copy again once nothing is writing the file.", inner);

    async Task SendLargeAsync(SourceEntry f, ByteBudget budget, CancellationToken cancellationToken)
    {
        using var local = OpenForSending(f);
        // Chosen here, so a write cancelled while open_file is on its way can still be aborted.
        var handle = Guid.NewGuid().ToString("n");
        var committed = false;
        var compressible = options.Compress;
        var pending = new List<Task>();
        try
        {
            await protocol.CallAsync(DeployTool.OpenFile,
                new OpenFileArgs(root, f.Path, f.Size, f.Mode, f.MtimeNs, options.Owner, options.Group, options.Durable, handle),
                cancellationToken).ConfigureAwait(false);
            for (long offset = 0; offset < f.Size; offset += options.ChunkSize)
            {
                var len = (int)Math.Min(options.ChunkSize, f.Size - offset);
                var taken = await budget.AcquireAsync(len, cancellationToken).ConfigureAwait(false);
                if (compressible)
                {
                    var buffer = ArrayPool<byte>.Shared.Rent(len);
                    try
                    {
                        await ReadExactlyAtAsync(local, f, buffer.AsMemory(0, len), offset, cancellationToken).ConfigureAwait(false);
                    }
                    catch
                    {
                        budget.Release(taken);
                        ArrayPool<byte>.Shared.Return(buffer);
                        throw;
                    }
                    // a file whose first piece does not compress (media, archives, random data) is sent raw throughout
                    var z = cache.Get(f.Path, offset, buffer.AsSpan(0, len));
                    if (z == null && offset == 0) compressible = false;
                    pending.Add(SendChunkAsync(handle, offset, buffer, len, z, taken, budget, f.Path, cancellationToken));
                }
                else
                {
                    // raw chunks never enter this process: the frame writer sends them from the file
                    pending.Add(SendRegionAsync(handle, new FileRegion(local, offset, len), taken, budget, f, cancellationToken));
                }
                if (pending.Count >= 64 || pending.Any(t => t.IsFaulted))
                {
                    if (pending.FirstOrDefault(t => t.IsFaulted) is { } bad) await bad.ConfigureAwait(false);
                    pending.RemoveAll(t => t.IsCompletedSuccessfully);
                }
            }
            await Task.WhenAll(pending).ConfigureAwait(false);
            await protocol.CallAsync(DeployTool.Commit, handle, options.VerifyChecksum ? f.Sha256 : null, cancellationToken).ConfigureAwait(false);
            committed = true;
            Report(Interlocked.Increment(ref filesDone), f.Path);
        }
        finally
        {
            if (!committed)
            {
                try { await Task.WhenAll(pending).ConfigureAwait(false); } catch { /* reported by the caller */ }
                // Cancelled (Ctrl+C): a couple of seconds at most before the caller closes the connection anyway.
                if (!await AbortQuietlyAsync(handle, TimeSpan.FromSeconds(cancellationToken.IsCancellationRequested ? 2 : 10)).ConfigureAwait(false))
                    Interlocked.Increment(ref abortsUnconfirmed);
            }
        }
    }

    async Task SendChunkAsync(string handle, long offset, byte[] buffer, int len, byte[]? compressed, int taken, ByteBudget budget, string path, CancellationToken cancellationToken)
    {
        try
        {
            if (compressed is { } z)
                await protocol.CallAsync(DeployTool.WriteChunkCompressed, handle, offset, (ReadOnlyMemory<byte>)z, len, cancellationToken).ConfigureAwait(false);
            else
                await protocol.CallAsync(DeployTool.WriteChunk, handle, offset, (ReadOnlyMemory<byte>)buffer.AsMemory(0, len), cancellationToken).ConfigureAwait(false);
            Interlocked.Add(ref bytesSent, len);
            Report(Volatile.Read(ref filesDone), path);
        }
        finally
        {
            budget.Release(taken);
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    async Task SendRegionAsync(string handle, FileRegion region, int taken, ByteBudget budget, SourceEntry f, CancellationToken cancellationToken)
    {
        try
        {
            await protocol.CallAsync(DeployTool.WriteChunkFromFile, handle, region.Offset, region, cancellationToken).ConfigureAwait(false);
            // the writer padded a file that shrank under it: the chunk on the host is wrong, so the file must not be committed
            if (region.Truncated) throw ChangedWhileCopying(f);
            Interlocked.Add(ref bytesSent, region.Length);
            Report(Volatile.Read(ref filesDone), f.Path);
        }
        finally
        {
            budget.Release(taken);
        }
    }

    /// <summary>Aborts a chunked write on the host; false when the host did not answer within <paramref name="bound"/>.</summary>
    async Task<bool> AbortQuietlyAsync(string handle, TimeSpan bound)
    {
        if (!protocol.IsConnected) return false;
        try
        {
            using var timeout = new CancellationTokenSource(bound);
            await protocol.CallAsync(DeployTool.Abort, handle, timeout.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception)
        {
            // The temp file stays until the connection ends (the host removes it then) or the next copy's cleanup.
            return false;
        }
    }

    void Report(int done, string? current) =>
        options.Progress?.Report(new CopyProgress(protocol.Name, done, files.Count, Interlocked.Read(ref bytesSent), Interlocked.Read(ref bytesToSend), clock.Elapsed, current));
}
