using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using Rmote.Deploy;
using Rmote.TestRig;

namespace Rmote.Core.Tests.Deploy;

/// <summary>
/// The controller's sums must be the host's (the real deploy.py's <c>block_sums</c>, run by a local python3): the weak
/// sum, rolled byte by byte by the scanner, equals zlib's Adler-32 of each window, and the strong sum Python's (the
/// first bytes of zlib's CRC-32 up to 4 bytes, of SHA-256 above).
/// </summary>
public sealed class BlockSumsTests
{
    [Fact]
    public async Task Adler32_agrees_with_pythons_zlib_at_every_tail_length()
    {
        var data = new byte[100_003];
        new Random(7).NextBytes(data);
        var lengths = new[] { 0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 4096, 5535, 5536, 5552, 5553, 11_073, 32 * 1024, 100_003 };
        var expected = await PythonZlibAsync("adler32", data, lengths);
        for (var i = 0; i < lengths.Length; i++) Assert.Equal(expected[i], BlockSums.Adler32(data.AsSpan(0, lengths[i])));
    }

    /// <summary>Python's <c>zlib.<paramref name="function"/></c> of each prefix of <paramref name="data"/>.</summary>
    static async Task<uint[]> PythonZlibAsync(string function, byte[] data, int[] lengths)
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.Combine("data.bin"), data);
        var script = $"import sys,zlib\nd=open(sys.argv[1],'rb').read()\nfor n in map(int,sys.argv[2:]): print(zlib.{function}(d[:n]))";
        var run = await ProcessRunner.RunAsync("python3", ["-c", script, dir.Combine("data.bin"), .. lengths.Select(n => n.ToString(CultureInfo.InvariantCulture))]);
        run.EnsureSuccess();
        return [.. run.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(x => uint.Parse(x.Trim(), CultureInfo.InvariantCulture))];
    }

    [Fact]
    public async Task The_blocks_crc32_agrees_with_pythons_zlib_and_the_library_at_every_length()
    {
        // every path: under 64 bytes (bytes only), 4 x 16 folded, the 64-byte loop, 16-byte folds, a tail of 0-15
        var data = new byte[140_000];
        new Random(17).NextBytes(data);
        for (var n = 0; n <= 1100; n++)
            Assert.Equal(System.IO.Hashing.Crc32.HashToUInt32(data.AsSpan(3, n)), BlockCrc32.Hash(data.AsSpan(3, n)));
        var lengths = new[] { 0, 1, 63, 64, 65, 79, 80, 127, 128, 129, 700, 20_480, 131_072, 139_997 };
        var expected = await PythonZlibAsync("crc32", data, lengths);
        for (var i = 0; i < lengths.Length; i++) Assert.Equal(expected[i], BlockCrc32.Hash(data.AsSpan(0, lengths[i])));
        Assert.Equal(0xCBF43926u, BlockCrc32.Hash("123456789"u8));
    }

    [Fact]
    public void The_strong_sum_is_crc32_up_to_4_bytes_and_sha256_above()
    {
        var data = new byte[20_000];
        new Random(3).NextBytes(data);
        var crc = System.IO.Hashing.Crc32.HashToUInt32(data);
        Assert.Equal(0xCBF43926u, System.IO.Hashing.Crc32.HashToUInt32("123456789"u8));   // zlib's crc32 (the check value)
        for (var bytes = 1; bytes <= 4; bytes++) Assert.Equal((ulong)crc >> (32 - 8 * bytes), BlockSums.Strong(data, bytes));
        var sha = BinaryPrimitives.ReadUInt64BigEndian(SHA256.HashData(data));
        for (var bytes = 5; bytes <= 8; bytes++) Assert.Equal(sha >> (64 - 8 * bytes), BlockSums.Strong(data, bytes));
    }

    [Theory]
    [InlineData(300_001)]     // 700-byte blocks (rsync's smallest), a short last one
    [InlineData(5_000_000)]   // sqrt: 2232-byte blocks
    public async Task The_hosts_block_sums_are_the_controllers_and_find_every_block(int size)
    {
        var data = new byte[size];
        new Random(size).NextBytes(data);
        var (pages, signature) = await HostSumsAsync(data);

        var block = pages[0].Block;
        Assert.Equal(Math.Max(700, (int)Math.Sqrt(size) & ~7), block);
        Assert.Equal((size + block - 1) / block, signature.Count);
        Assert.Equal(2, pages[0].Strong);   // rsync's bits for these sizes: 37 and 43, 6 and 12 past the weak sum's 32
        Assert.Equal(ControllerSums(data, block, pages[0].Strong), pages.SelectMany(p => p.Sums).ToArray());
        for (var i = 0; i < signature.Count; i++)
        {
            var content = data.AsSpan(i * block, signature.Length(i));
            ulong? strong = null;
            Assert.Equal(i, signature.Find(BlockSums.Adler32(content), content, -1, ref strong));
        }
        // a window with a block's weak sum but other bytes is not that block
        var other = data.AsSpan(0, block).ToArray();
        (other[0], other[1]) = (other[1], other[0]);
        ulong? s2 = null;
        if (other[0] != other[1]) Assert.Equal(-1, signature.Find(BlockSums.Adler32(data.AsSpan(0, block)), other, -1, ref s2));

        // the same sums cut into other pages read the same; sums that do not fit the file are refused
        var all = pages.SelectMany(p => p.Sums).ToArray();
        var each = BlockSums.WeakBytes + pages[0].Strong;
        var cut = all.Length / each / 2 * each;
        var strongBytes = pages[0].Strong;
        var split = await WholeSignature.ReadAsync(size,
            Pages(new(block, signature.Count, strongBytes, all[..cut]), new(block, signature.Count, strongBytes, all[cut..])), default);
        Assert.Equal(signature.Count, split.Count);
        await Assert.ThrowsAsync<InvalidDataException>(() => WholeSignature.ReadAsync(size + block, Pages([.. pages]), default));
        await Assert.ThrowsAsync<InvalidDataException>(() => WholeSignature.ReadAsync(size, Pages(new BlockSumsPage(block, signature.Count, strongBytes, all[..cut])), default));
    }

    /// <summary>
    /// The host's pages of block sums of <paramref name="data"/> as its current version of a file, made by the real
    /// deploy tool through a local python3: sync_plan names the version, block_sums streams its sums.
    /// </summary>
    internal static async Task<(List<BlockSumsPage> Pages, HostSignature Signature)> HostSumsAsync(byte[] data)
    {
        using var root = new TempDir();
        File.WriteAllBytes(root.Combine("data.bin"), data);
        await using var host = await Protocol.FromSubprocessAsync();
        var plan = await host.CallAsync(SyncPlan, new PlanArgs(root.Path, [new PlanEntry("data.bin", "file", data.Length + 1, 1)], Apply: true,
            new DeltaRequest(0)));
        Assert.Equal(["data.bin"], plan.Send);
        var basis = plan.Basis!["data.bin"];
        Assert.Equal(data.Length, basis.Size);
        var pages = new List<BlockSumsPage>();
        await foreach (var page in host.StreamAsync(Sums, new BlockSumsArgs(root.Path, "data.bin", basis))) pages.Add(page);
        return (pages, await WholeSignature.ReadAsync(data.Length, Pages([.. pages]), default));
    }

    static byte[] ControllerSums(byte[] data, int block, int strong)
    {
        var sums = new List<byte>();
        for (var at = 0; at < data.Length; at += block)
        {
            var content = data.AsSpan(at, Math.Min(block, data.Length - at));
            var weak = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(weak, BlockSums.Adler32(content));
            sums.AddRange(weak);
            var value = BlockSums.Strong(content, strong);
            for (var k = strong - 1; k >= 0; k--) sums.Add((byte)(value >> (8 * k)));
        }
        return [.. sums];
    }

    static async IAsyncEnumerable<BlockSumsPage> Pages(params BlockSumsPage[] pages)
    {
        foreach (var p in pages)
        {
            await Task.Yield();
            yield return p;
        }
    }

    static readonly PythonTool Tool = PythonTool.FromResource("Deploy", "deploy.py");
    static readonly ToolMethod<PlanArgs, SyncPlanResult> SyncPlan = Tool.KwMethod<PlanArgs, SyncPlanResult>("sync_plan");
    static readonly StreamMethod<BlockSumsArgs, BlockSumsPage> Sums = Tool.KwStream<BlockSumsArgs, BlockSumsPage>("block_sums");

    internal sealed record PlanEntry(string Path, string Type, long Size, long MtimeNs);

    internal sealed record PlanArgs(string Root, IReadOnlyList<PlanEntry> Entries, bool Apply, DeltaRequest Delta);
}
