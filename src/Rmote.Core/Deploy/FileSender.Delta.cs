using System.Buffers;

namespace Rmote.Deploy;

/// <summary>
/// A changed file the host has a version of, sent as an rsync delta: the host streams its version's block sums
/// (<see cref="HostSignature"/>), the scanner (<see cref="DeltaScanner"/>) finds those blocks anywhere in the local file,
/// and runs of copies and literal bytes go to <c>write_delta</c> on a chunked write opened against that version, with
/// as many literal bytes in flight as the copy allows (<see cref="CopyOptions.MaxBytesInFlight"/>). The host checks the
/// result against the SHA-256 of the bytes scanned (the scan's one read gives it) at commit; a host version that changed meanwhile (ESTALE) gets the file whole.
/// </summary>
internal sealed partial class FileSender
{
    /// <summary>Smallest size, of both versions, of a file sent as a delta (64 KiB): below it, a whole file costs about what its sums do.</summary>
    internal const int DeltaMinSize = 64 * 1024;

    async Task SendDeltaAsync(SourceEntry f, RemoteBasis current, ByteBudget budget, CancellationToken cancellationToken)
    {
        if (!await TrySendDeltaAsync(f, current, budget, cancellationToken).ConfigureAwait(false))
            await SendWholeAsync([f], budget, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>False when the host refused the delta (its version changed, or the result did not verify): nothing was written.</summary>
    async Task<bool> TrySendDeltaAsync(SourceEntry f, RemoteBasis current, ByteBudget budget, CancellationToken cancellationToken)
    {
        using var local = OpenForSending(f);
        var handle = Guid.NewGuid().ToString("n");   // chosen here, so a write cancelled while open_file is on its way can still be aborted
        var committed = false;
        var pending = new List<Task>();
        long literal = 0;
        // open_file goes out with the block_sums request, not after its answer: one round trip less per file (the host
        // opens the temp file and the basis while it sums the basis). A refused block_sums aborts the opened write.
        var open = protocol.CallAsync(DeployTool.OpenFile,
            new OpenFileArgs(root, f.Path, f.Size, f.Mode, f.MtimeNs, options.Owner, options.Group, options.Durable, handle, current),
            cancellationToken);
        try
        {
            // the scan starts with the first page of sums and runs while the host sums the rest (HostSignature)
            HostSignature signature;
            try
            {
                signature = await HostSignature.StartAsync(current.Size,
                    protocol.StreamAsync(DeployTool.BlockSums, new BlockSumsArgs(root, f.Path, current), cancellationToken), cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                // observed either way: a block_sums failure must not leave open_file's unobserved
                await ((Task)open).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            await using var sums = signature.ConfigureAwait(false);
            await open.ConfigureAwait(false);
            // the SHA-256 of the bytes scanned, which the host checks the result against: a file that changed
            // meanwhile fails the check, and is sent whole
            byte[] sha256;
            try
            {
                sha256 = await new DeltaScanner(signature, local, f.Size, options.ChunkSize).ScanAsync(SendRunAsync, cancellationToken).ConfigureAwait(false);
            }
            catch (EndOfStreamException e)
            {
                throw ChangedWhileCopying(f, e);
            }
            // the host's stream ends without an error only if its version did not change while it was summed
            await signature.EndAsync().ConfigureAwait(false);
            await Task.WhenAll(pending).ConfigureAwait(false);
            await protocol.CallAsync(DeployTool.Commit, handle, Convert.ToHexStringLower(sha256), cancellationToken).ConfigureAwait(false);
            committed = true;
        }
        catch (Exception e) when (e is IRemoteError && !cancellationToken.IsCancellationRequested)
        {
            // ESTALE: the host's version changed since it was summed; the whole file fixes that
        }
        finally
        {
            if (!committed)
            {
                try { await Task.WhenAll(pending).ConfigureAwait(false); } catch { /* reported by the caller, or the whole file follows */ }
                if (!await AbortQuietlyAsync(handle, TimeSpan.FromSeconds(cancellationToken.IsCancellationRequested ? 2 : 10)).ConfigureAwait(false))
                    Interlocked.Increment(ref abortsUnconfirmed);
            }
        }
        if (!committed) return false;
        Interlocked.Add(ref bytesToSend, literal - f.Size);
        Report(Interlocked.Increment(ref filesDone), f.Path);
        return true;

        async ValueTask SendRunAsync(DeltaRun run, CancellationToken token)
        {
            int taken;
            try
            {
                taken = await budget.AcquireAsync(Math.Max(run.LiteralLength, 1), token).ConfigureAwait(false);
            }
            catch
            {
                if (run.Literal != null) ArrayPool<byte>.Shared.Return(run.Literal);
                throw;
            }
            literal += run.LiteralLength;
            pending.Add(WriteRunAsync(handle, run, taken, budget, f.Path, token));
            if (pending.FirstOrDefault(t => t.IsFaulted) is { } bad) await bad.ConfigureAwait(false);
            pending.RemoveAll(t => t.IsCompletedSuccessfully);
        }
    }

    async Task WriteRunAsync(string handle, DeltaRun run, int taken, ByteBudget budget, string path, CancellationToken cancellationToken)
    {
        try
        {
            var data = run.Literal is { } bytes ? bytes.AsMemory(0, run.LiteralLength) : ReadOnlyMemory<byte>.Empty;
            await protocol.CallAsync(DeployTool.WriteDelta, handle, run.Offset, run.Pieces.ConvertAll(p => p.ToWire()), data, cancellationToken).ConfigureAwait(false);
            Interlocked.Add(ref bytesSent, run.LiteralLength);
            Report(Volatile.Read(ref filesDone), path);
        }
        finally
        {
            budget.Release(taken);
            if (run.Literal != null) ArrayPool<byte>.Shared.Return(run.Literal);
        }
    }
}
