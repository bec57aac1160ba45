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
    const int PerPage = 256;

    [Fact]
    public async Task The_scan_sends_runs_before_the_last_page_and_waits_for_blocks_still_to_come()
    {
        var old = new byte[20 * 1024 * 1024 + 1000];
        new Random(5).NextBytes(old);
        // the new version starts at the old one's block boundary nearest 4 MiB: the scan finds that block only once
        // its page (the 4th) is in
        var block = BlockSums.BlockSize(old.Length);
        var cut = (4 << 20) / block * block;
        byte[] now = [.. old[cut..], .. old[..cut]];
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

        // every page but the last (the old version's last MiB): the scan sends its first 8 MiB run without it; a
        // scan that waited for every page would never get here (the 60 s bound fails it instead)
        foreach (var page in pages[1..^1]) feed.Writer.TryWrite(page);
        await firstRun.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.False(scan.IsCompleted);
        Assert.Equal(0, runs[0].LiteralLength);   // copied from the host, not sent
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
        // literal: the old version's short last block (it matches only at the end) and at most a block more
        Assert.InRange(runs.Sum(r => r.LiteralLength), old.Length % block, old.Length % block + block);
    }

    [Fact]
    public async Task A_stream_that_fails_after_its_last_page_fails_the_sums_and_one_cut_short_is_refused()
    {
        var old = new byte[3 * 1024 * 1024];
        new Random(6).NextBytes(old);
        var pages = SumPages(old);
        // block_sums checks after its last page that the version did not change while it was summed
        var e = await Assert.ThrowsAsync<IOException>(() => WholeSignature.ReadAsync(old.Length, Failing(pages), default));
        Assert.Equal("changed while summed", e.Message);
        await using var started = await HostSignature.StartAsync(old.Length, Failing(pages), default);
        while (!started.Complete) await started.WaitForMoreAsync(default);
        await Assert.ThrowsAsync<IOException>(started.EndAsync);
        await Assert.ThrowsAsync<InvalidDataException>(() => WholeSignature.ReadAsync(old.Length, Of(pages[..^1]), default));
        // one page for the whole file (under 4 MiB on a real host): the stream's end is read before the scan starts
        var one = SumPages(old, int.MaxValue);
        Assert.Single(one);
        await Assert.ThrowsAsync<IOException>(() => HostSignature.StartAsync(old.Length, Failing(one), default));
        await using (var whole = await HostSignature.StartAsync(old.Length, Of(one), default)) Assert.True(whole.Complete);
        await Assert.ThrowsAsync<InvalidDataException>(() => HostSignature.StartAsync(old.Length, Of([.. one, .. one]), default));
        // only rsync's block size for the file's size: 1-byte blocks would make the controller allocate tables for
        // as many blocks as the file has bytes
        var tiny = new BlockSumsPage(1, old.Length, 4, new byte[8]);
        var refused = await Assert.ThrowsAsync<InvalidDataException>(() => WholeSignature.ReadAsync(old.Length, Of([tiny]), default));
        Assert.Contains($"its blocks are {BlockSums.BlockSize(old.Length)} bytes", refused.Message);
        // nor strong sums shorter than the size asks for: with 1 byte most rolled windows would match falsely, each
        // match a failed check at commit and a resend of the whole file
        var block = BlockSums.BlockSize(old.Length);
        var weak = new BlockSumsPage(block, one[0].Count, 1, new byte[one[0].Count * 5]);
        refused = await Assert.ThrowsAsync<InvalidDataException>(() => WholeSignature.ReadAsync(old.Length, Of([weak]), default));
        Assert.Contains("1-byte strong sums", refused.Message);
        Assert.Contains($"it needs {BlockSums.StrongBytes(old.Length, block)} to 8 bytes", refused.Message);
    }

    [Theory]
    [InlineData(65_536, 2)]
    [InlineData(20 * 1024 * 1024 + 1000, 2)]
    [InlineData(400L * 1024 * 1024, 3)]
    [InlineData(1L << 34, 4)]
    [InlineData(1L << 36, 5)]
    [InlineData(1L << 40, 6)]
    [InlineData(1L << 50, 8)]
    public void The_strong_sum_length_is_rsyncs_as_the_host_makes_it(long size, int bytes) =>
        Assert.Equal(bytes, BlockSums.StrongBytes(size, BlockSums.BlockSize(size)));

    [Theory]
    [InlineData(0, 700)]
    [InlineData(490_000, 700)]
    [InlineData(3_000_000, 1728)]
    [InlineData(400L * 1024 * 1024, 20_480)]
    [InlineData((1L << 34) - 1, 131_064)]
    [InlineData(1L << 34, 131_072)]
    [InlineData(1L << 62, 131_072)]
    public void The_block_size_is_rsyncs_as_the_host_makes_it(long size, int block) => Assert.Equal(block, BlockSums.BlockSize(size));

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
    static List<BlockSumsPage> SumPages(byte[] data, int perPage = PerPage)
    {
        var block = BlockSums.BlockSize(data.Length);
        var count = (data.Length + block - 1) / block;
        var pages = new List<BlockSumsPage>();
        for (var first = 0; first < count; first += perPage)
        {
            var n = Math.Min(perPage, count - first);
            var sums = new byte[n * 8];
            for (var i = 0; i < n; i++)
            {
                var at = (first + i) * block;
                var content = data.AsSpan(at, Math.Min(block, data.Length - at));
                BinaryPrimitives.WriteUInt32BigEndian(sums.AsSpan(i * 8), BlockSums.Adler32(content));
                BinaryPrimitives.WriteUInt32BigEndian(sums.AsSpan(i * 8 + 4), (uint)BlockSums.Strong(content, 4));
            }
            pages.Add(new BlockSumsPage(block, count, 4, sums));
        }
        return pages;
    }
}
