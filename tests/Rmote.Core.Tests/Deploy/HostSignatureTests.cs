using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Rmote.Deploy;
using Rmote.TestRig;

namespace Rmote.Core.Tests.Deploy;

/// <summary>
/// The scan runs while the host's sums still come: it starts on the first page, finds blocks where it expects them
/// among the pages received, waits for more on a miss (never sends as literal a block that is still on its way), and
/// the sums count only once the host's stream ended without an error.
/// </summary>
public sealed class HostSignatureTests
{
    const int Block = 4096, PerPage = 256;   // a page: the sums of 1 MiB of the file

    [Fact]
    public async Task The_scan_sends_runs_before_the_last_page_and_waits_for_blocks_still_to_come()
    {
        var old = new byte[20 * 1024 * 1024 + 1000];
        new Random(5).NextBytes(old);
        // the new version starts with the old one's 5th MiB: the scan finds it only once that page is in
        byte[] now = [.. old[(4 << 20)..], .. old[..(4 << 20)]];
        var pages = SumPages(old);
        var feed = Channel.CreateUnbounded<BlockSumsPage>();
        feed.Writer.TryWrite(pages[0]);
        await using var signature = await HostSignature.StartAsync(old.Length, feed.Reader.ReadAllAsync(), default);
        using var dir = new TempDir();
        File.WriteAllBytes(dir.Combine("new.bin"), now);
        using var file = File.OpenHandle(dir.Combine("new.bin"));
        var runs = new List<DeltaRun>();
        var firstRun = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var scan = new DeltaScanner(signature, file, now.Length, 256 * 1024).ScanAsync((run, _) =>
        {
            runs.Add(run with { Literal = run.Literal?[..run.LiteralLength] });
            firstRun.TrySetResult();
            return ValueTask.CompletedTask;
        }, default);

        // every page but the last (its one block is the old version's short tail): the scan sends its first 8 MiB
        // run without it; a scan that waited for every page would never get here (the 60 s bound fails it instead)
        foreach (var page in pages[1..^1]) feed.Writer.TryWrite(page);
        await firstRun.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.False(scan.IsCompleted);
        Assert.Equal(0, runs[0].LiteralLength);   // the 5th MiB on: copied from the host, not sent
        feed.Writer.TryWrite(pages[^1]);
        feed.Writer.Complete();
        var sha256 = await scan.WaitAsync(TimeSpan.FromSeconds(60));
        await signature.EndAsync();

        Assert.Equal(System.Security.Cryptography.SHA256.HashData(now), sha256);
        var rebuilt = new byte[now.Length];
        long at = 0;
        foreach (var run in runs)
        {
            var literalAt = 0;
            foreach (var p in run.Pieces)
            {
                if (p.Source == DeltaPiece.Literal) run.Literal.AsSpan(literalAt, (int)p.Length).CopyTo(rebuilt.AsSpan((int)at));
                else old.AsSpan((int)p.Source, (int)p.Length).CopyTo(rebuilt.AsSpan((int)at));
                if (p.Source == DeltaPiece.Literal) literalAt += (int)p.Length;
                at += p.Length;
            }
        }
        Assert.Equal(now, rebuilt);
        // literal: the old version's 1,000-byte tail (a short block matches only at the end) and at most a block more
        Assert.InRange(runs.Sum(r => r.LiteralLength), 1000, 1000 + Block);
    }

    [Fact]
    public async Task A_stream_that_fails_after_its_last_page_fails_the_sums_and_one_cut_short_is_refused()
    {
        var old = new byte[3 * 1024 * 1024];
        new Random(6).NextBytes(old);
        var pages = SumPages(old);
        // block_sums checks after its last page that the version did not change while it was summed
        var e = await Assert.ThrowsAsync<IOException>(() => HostSignature.ReadAsync(old.Length, Failing(pages), default));
        Assert.Equal("changed while summed", e.Message);
        await using var started = await HostSignature.StartAsync(old.Length, Failing(pages), default);
        while (!started.Complete) await started.WaitForMoreAsync(default);
        await Assert.ThrowsAsync<IOException>(started.EndAsync);
        await Assert.ThrowsAsync<InvalidDataException>(() => HostSignature.ReadAsync(old.Length, Of(pages[..^1]), default));
    }

    static async IAsyncEnumerable<BlockSumsPage> Failing(List<BlockSumsPage> pages, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var p in Of(pages).WithCancellation(cancellationToken)) yield return p;
        throw new IOException("changed while summed");
    }

    static async IAsyncEnumerable<BlockSumsPage> Of(List<BlockSumsPage> pages)
    {
        foreach (var p in pages)
        {
            await Task.Yield();
            yield return p;
        }
    }

    /// <summary>The host's pages for <paramref name="data"/>: Adler-32 and the 4-byte CRC-32 of each block.</summary>
    static List<BlockSumsPage> SumPages(byte[] data)
    {
        var count = (data.Length + Block - 1) / Block;
        var pages = new List<BlockSumsPage>();
        for (var first = 0; first < count; first += PerPage)
        {
            var n = Math.Min(PerPage, count - first);
            var sums = new byte[n * 8];
            for (var i = 0; i < n; i++)
            {
                var at = (first + i) * Block;
                var content = data.AsSpan(at, Math.Min(Block, data.Length - at));
                BinaryPrimitives.WriteUInt32BigEndian(sums.AsSpan(i * 8), BlockSums.Adler32(content));
                BinaryPrimitives.WriteUInt32BigEndian(sums.AsSpan(i * 8 + 4), (uint)BlockSums.Strong(content, 4));
            }
            pages.Add(new BlockSumsPage(Block, count, 4, sums));
        }
        return pages;
    }
}
