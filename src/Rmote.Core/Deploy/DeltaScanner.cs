using System.Buffers;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace Rmote.Deploy;

/// <summary>
/// rsync's sender: moves a window of the host's block size over the local file one byte at a time (rolling the weak
/// sum), and where a block of the host's version (<see cref="HostSignature"/>) has the window's content, the block is
/// copied on the host instead of sent, and the window jumps past it. What matches no block travels as literal bytes.
/// The file is read once, in order, through a buffer of a few MiB: memory does not grow with the file's size. The
/// same read gives the whole file's SHA-256 (the host checks the result against it), each piece hashed on another
/// core while the window moves over it.
/// </summary>
/// <param name="host">The host's version's sums.</param>
/// <param name="file">The local file, open for reading.</param>
/// <param name="size">The local file's size.</param>
/// <param name="runBytes">Literal bytes per run at most (a run is one <c>write_delta</c> call).</param>
internal sealed class DeltaScanner(HostSignature host, SafeFileHandle file, long size, int runBytes)
{
    const int ReadSize = 4 * 1024 * 1024;
    const int MaxPieces = 4096;                   // a run's pieces: its JSON stays small
    // Bytes one run writes: about an eighth of the file, 8 to 64 MiB. The host copies each run while the scan goes on,
    // and every run is a call with its own cost on both sides: a 400 MiB file in 8 MiB runs was 50 calls, and enough
    // calls to make the call path hot for the runtime's tier-up (~100-250 ms more controller CPU in a fresh process).
    readonly long maxRunLength = Math.Clamp(size / 8, 8L << 20, 64L << 20);

    readonly int block = host.Block;
    readonly byte[] buffer = new byte[(int)Math.Min(ReadSize, size) + 2 * host.Block + 1];   // a small file's scan zeroes no 4 MiB
    long bufferStart, bufferEnd;   // file offsets of buffer[0] and of the end of what was read
    readonly IncrementalHash sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    Task hashing = Task.CompletedTask;   // hashes the last piece read; done before the buffer is written again

    long runOffset, runLength;
    List<DeltaPiece> pieces = [];
    byte[]? literal;
    int literalLength;

    /// <summary>
    /// Scans the file, handing each run to <paramref name="send"/> in order (which owns the run's literal array from
    /// then on); returns the SHA-256 of the <c>size</c> bytes scanned. Throws <see cref="EndOfStreamException"/> if
    /// the file is shorter than <c>size</c>.
    /// </summary>
    public async Task<byte[]> ScanAsync(Func<DeltaRun, CancellationToken, ValueTask> send, CancellationToken cancellationToken)
    {
        try
        {
            long pos = 0, literalStart = 0;
            uint a = 0, b = 0;
            var summed = false;
            var preferred = -1;
            while (pos < size)
            {
                var n = (int)Math.Min(block, size - pos);
                if (Math.Min(pos + n + 1, size) > bufferEnd)
                {
                    // the window and the byte after it are not all read: keep the window, read on
                    await AddLiteralAsync(literalStart, pos, send, cancellationToken).ConfigureAwait(false);
                    literalStart = pos;
                    await ReadOnAsync(pos, cancellationToken).ConfigureAwait(false);
                    continue;
                }
                if (!summed)
                {
                    var w = BlockSums.Adler32(buffer.AsSpan((int)(pos - bufferStart), n));
                    (a, b, summed) = (w & 0xFFFF, w >> 16, true);
                }
                int hit;
                if (host.Complete)
                {
                    hit = Roll(ref pos, ref a, ref b, literalStart + runBytes, preferred);
                }
                else
                {
                    // the host's sums are still coming: a window that none of those received has waits for more,
                    // and the window rolls on only once every block is in (a miss is then final)
                    ulong? strong = null;
                    hit = host.Find((b << 16) | a, buffer.AsSpan((int)(pos - bufferStart), n), preferred, ref strong);
                    if (hit < 0)
                    {
                        if (!host.TakeArrived()) await host.WaitForMoreAsync(cancellationToken).ConfigureAwait(false);
                        continue;
                    }
                }
                if (hit >= 0)
                {
                    await AddLiteralAsync(literalStart, pos, send, cancellationToken).ConfigureAwait(false);
                    await AddCopyAsync((long)hit * block, host.Length(hit), send, cancellationToken).ConfigureAwait(false);
                    pos += host.Length(hit);
                    literalStart = pos;
                    summed = false;
                    preferred = hit + 1;
                }
                else if (pos - literalStart >= runBytes)
                {
                    await AddLiteralAsync(literalStart, pos, send, cancellationToken).ConfigureAwait(false);
                    literalStart = pos;
                }
            }
            await AddLiteralAsync(literalStart, pos, send, cancellationToken).ConfigureAwait(false);
            await SendRunAsync(send, cancellationToken).ConfigureAwait(false);
            await hashing.ConfigureAwait(false);
            if (bufferEnd != size) throw new InvalidOperationException($"the scan read {bufferEnd} bytes of {size}");
            return sha256.GetHashAndReset();
        }
        finally
        {
            await hashing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);   // no task reads the buffer or the hash any more
            sha256.Dispose();
            if (literal != null) ArrayPool<byte>.Shared.Return(literal);
            literal = null;
        }
    }

    /// <summary>
    /// Moves the window (<paramref name="pos"/>, its weak sum's halves <paramref name="a"/> and <paramref name="b"/>)
    /// until a host block matches it (returned), or until its next byte is not read yet or it reaches
    /// <paramref name="stop"/> (-1). Near the end of the file the window shrinks, as rsync's does.
    /// </summary>
    int Roll(ref long pos, ref uint a, ref uint b, long stop, int preferred)
    {
        var data = buffer;
        var start = bufferStart;
        while (true)
        {
            var n = (int)Math.Min(block, size - pos);
            if (n == 0) return -1;
            ulong? strong = null;
            var hit = host.Find((b << 16) | a, data.AsSpan((int)(pos - start), n), preferred, ref strong);
            if (hit >= 0 || pos >= stop) return hit;
            // Adler-32 of the window one byte on: a' = a - out + in, b' = b - n*out + a' - 1; at the end of the file
            // the window loses its first byte and gains none: a' = a - out, b' = b - n*out - 1
            uint leaving = data[pos - start];
            long nb = (long)b - 1 - (long)n * leaving;
            if (pos + n < size)
            {
                if (pos + n >= bufferEnd) return -1;
                a = (a + BlockSums.Mod - leaving + data[pos + n - start]) % BlockSums.Mod;
                nb += a;
            }
            else
            {
                a = (a + BlockSums.Mod - leaving) % BlockSums.Mod;
            }
            nb %= BlockSums.Mod;
            b = (uint)(nb < 0 ? nb + BlockSums.Mod : nb);
            pos++;
        }
    }

    /// <summary>
    /// Keeps the buffer's bytes from <paramref name="pos"/> on and reads the file on after them, which are then
    /// hashed while the scan goes on (the scan and the hash only read the buffer).
    /// </summary>
    async Task ReadOnAsync(long pos, CancellationToken cancellationToken)
    {
        await hashing.ConfigureAwait(false);
        var keep = (int)(bufferEnd - pos);
        buffer.AsSpan((int)(pos - bufferStart), keep).CopyTo(buffer);
        bufferStart = pos;
        var want = (int)Math.Min(buffer.Length - keep, size - bufferEnd);
        var got = 0;
        while (got < want)
        {
            var n = await RandomAccess.ReadAsync(file, buffer.AsMemory(keep + got, want - got), bufferEnd + got, cancellationToken).ConfigureAwait(false);
            if (n == 0) throw new EndOfStreamException();
            got += n;
        }
        bufferEnd += want;
        hashing = Task.Run(() => sha256.AppendData(buffer, keep, want), cancellationToken);
    }

    async ValueTask AddLiteralAsync(long from, long to, Func<DeltaRun, CancellationToken, ValueTask> send, CancellationToken cancellationToken)
    {
        while (from < to)
        {
            literal ??= ArrayPool<byte>.Shared.Rent(runBytes);
            var n = (int)Math.Min(to - from, runBytes - literalLength);
            buffer.AsSpan((int)(from - bufferStart), n).CopyTo(literal.AsSpan(literalLength));
            literalLength += n;
            Add(new DeltaPiece(n, DeltaPiece.Literal));
            from += n;
            if (literalLength == runBytes) await SendRunAsync(send, cancellationToken).ConfigureAwait(false);
        }
    }

    async ValueTask AddCopyAsync(long source, int length, Func<DeltaRun, CancellationToken, ValueTask> send, CancellationToken cancellationToken)
    {
        Add(new DeltaPiece(length, source));
        if (pieces.Count >= MaxPieces || runLength >= maxRunLength) await SendRunAsync(send, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Adds a piece to the run, joined to the last one where both are literal or copy adjacent ranges.</summary>
    void Add(DeltaPiece piece)
    {
        runLength += piece.Length;
        if (pieces.Count > 0 && pieces[^1] is var last && (last.Source == DeltaPiece.Literal
                ? piece.Source == DeltaPiece.Literal
                : piece.Source == last.Source + last.Length))
        {
            pieces[^1] = last with { Length = last.Length + piece.Length };
            return;
        }
        pieces.Add(piece);
    }

    async ValueTask SendRunAsync(Func<DeltaRun, CancellationToken, ValueTask> send, CancellationToken cancellationToken)
    {
        if (pieces.Count == 0) return;
        var run = new DeltaRun(runOffset, pieces, literal, literalLength);
        runOffset += runLength;
        (pieces, literal, literalLength, runLength) = ([], null, 0, 0);
        await send(run, cancellationToken).ConfigureAwait(false);
    }
}
