using System.Buffers.Binary;
using System.Globalization;
using Rmote.Deploy;
using Rmote.TestRig;

namespace Rmote.Core.Tests.Deploy;

/// <summary>
/// The controller's block sums must equal the host's (Python's zlib), and one fleet copy sums a delta's file once
/// for all hosts, unless a host read different bytes.
/// </summary>
public sealed class BlockSumsTests
{
    [Fact]
    public async Task Crc32_and_adler32_agree_with_pythons_zlib_at_every_tail_length()
    {
        using var dir = new TempDir();
        var data = new byte[100_003];
        new Random(7).NextBytes(data);
        var lengths = new[] { 0, 1, 7, 8, 9, 15, 16, 17, 4096, 32 * 1024, 100_003 };
        File.WriteAllBytes(dir.Combine("data.bin"), data);
        var script = "import sys,zlib\nd=open(sys.argv[1],'rb').read()\nfor n in map(int,sys.argv[2:]): print(zlib.crc32(d[:n]), zlib.adler32(d[:n]))";
        var run = await ProcessRunner.RunAsync("python3", ["-c", script, dir.Combine("data.bin"), .. lengths.Select(n => n.ToString(CultureInfo.InvariantCulture))]);
        run.EnsureSuccess();
        var expected = run.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < lengths.Length; i++)
        {
            var slice = data.AsSpan(0, lengths[i]);
            Assert.Equal(expected[i].Trim(), $"{BlockSums.Crc32(slice)} {BlockSums.Adler32(slice)}");
        }
        Assert.Equal(0xCBF43926u, BlockSums.Crc32("123456789"u8));
    }

    [Fact]
    public async Task A_fleet_copy_sums_a_file_once_and_a_host_that_read_other_bytes_gets_its_own_sums()
    {
        var cache = new ChunkCache(consumers: 4);
        var v1 = new byte[5 * BlockSums.Block + 100];
        new Random(1).NextBytes(v1);
        var v2 = (byte[])v1.Clone();
        v2[2 * BlockSums.Block + 5] ^= 0xFF;  // block 2 changed
        var host = new RemoteBasis(v1.Length, 1, await HostSumsAsync(v1, v2.Length));

        var first = cache.SumsOf("app/data.bin", 42, v2);
        Assert.Same(first, cache.SumsOf("app/data.bin", 42, (byte[])v2.Clone()));
        Assert.Equal([0, 1, 3, 4, 5], BlockSums.Reusable(v2, host, first));

        // same path, size and mtime, other bytes (rewritten between two hosts' reads): not the shared sums
        var v3 = (byte[])v2.Clone();
        v3[0] ^= 0xFF;
        var other = cache.SumsOf("app/data.bin", 42, v3);
        Assert.NotSame(first, other);
        Assert.Equal([1, 3, 4, 5], BlockSums.Reusable(v3, host, other));
        Assert.Equal([0, 1, 3, 4, 5], BlockSums.Reusable(v2, host, cache.SumsOf("app/data.bin", 42, v2)));
    }

    [Fact]
    public async Task Fewer_than_half_matching_bytes_send_the_file_whole()
    {
        var v1 = new byte[4 * BlockSums.Block];
        new Random(2).NextBytes(v1);
        var v2 = (byte[])v1.Clone();
        for (var i = 0; i < 3; i++) v2[i * BlockSums.Block] ^= 0xFF;
        var host = new RemoteBasis(v1.Length, 1, await HostSumsAsync(v1, v2.Length));
        Assert.Empty(BlockSums.Reusable(v2, host, new ChunkCache(1).SumsOf("f", 1, v2)));
    }

    /// <summary>
    /// The host's sums of its current version <paramref name="data"/>, made by the real deploy tool: <c>sync_plan</c> with a
    /// delta request, through a local python3, for a newer version of <paramref name="newSize"/> bytes. Also checks that
    /// they are what the controller computes for those bytes (8 bytes a block: CRC-32, then Adler-32, big-endian).
    /// </summary>
    static async Task<byte[]> HostSumsAsync(byte[] data, long newSize)
    {
        using var root = new TempDir();
        File.WriteAllBytes(root.Combine("data.bin"), data);
        await using var host = await Protocol.FromSubprocessAsync();
        var plan = await host.CallAsync(SyncPlan, new PlanArgs(root.Path, [new PlanEntry("data.bin", "file", newSize, 1)], Apply: true,
            new DeltaRequest(BlockSums.Block, 0, long.MaxValue)));
        Assert.Equal(["data.bin"], plan.Send);
        var sums = plan.Basis!["data.bin"].Sums;
        Assert.Equal(ControllerSums(data), sums);
        return sums;
    }

    static byte[] ControllerSums(byte[] data)
    {
        var blocks = (data.Length + BlockSums.Block - 1) / BlockSums.Block;
        var sums = new byte[8 * blocks];
        for (var i = 0; i < blocks; i++)
        {
            var block = data.AsSpan(i * BlockSums.Block, BlockSums.Length(data.Length, i));
            BinaryPrimitives.WriteUInt32BigEndian(sums.AsSpan(8 * i), BlockSums.Crc32(block));
            BinaryPrimitives.WriteUInt32BigEndian(sums.AsSpan(8 * i + 4), BlockSums.Adler32(block));
        }
        return sums;
    }

    static readonly ToolMethod<PlanArgs, SyncPlanResult> SyncPlan = PythonTool.FromResource("Deploy", "deploy.py").KwMethod<PlanArgs, SyncPlanResult>("sync_plan");

    internal sealed record PlanEntry(string Path, string Type, long Size, long MtimeNs);

    internal sealed record PlanArgs(string Root, IReadOnlyList<PlanEntry> Entries, bool Apply, DeltaRequest Delta);
}
