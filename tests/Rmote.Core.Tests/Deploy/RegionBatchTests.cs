using Rmote.Deploy;
using Rmote.TestRig;
using Rmote.Wire;

namespace Rmote.Core.Tests.Deploy;

/// <summary>
/// A batch of small files can carry some of them as file regions, sent from the page cache. put_many renames its files
/// into place as soon as it has them, so the status bytes after the regions must stop a padded one (a source file that
/// shrank after it was measured) before anything is written. Real runtime (local transport), real files.
/// </summary>
public sealed class RegionBatchTests
{
    static PutManyArgs Batch(string root, byte[] small, FileRegion region) => new(root,
        [new PutManyFile("small.txt", 0, small.Length, null, null, null), new PutManyFile("big.bin", small.Length, region.Length, null, null, null)],
        new BinaryParts([small, new BinaryPart(region), new BinaryPart(new RegionChecks([region]))]), null, null, true, 1);

    [Fact]
    public async Task A_batch_with_a_region_lands_byte_for_byte()
    {
        await using var p = await Protocol.FromSubprocessAsync();
        using var dir = new TempDir();
        var big = Random.Shared.GetItems<byte>(Enumerable.Range(0, 256).Select(i => (byte)i).ToArray(), 300_000);
        File.WriteAllBytes(dir.Combine("source.bin"), big);
        using var file = File.OpenHandle(dir.Combine("source.bin"));
        var dest = dir.Combine("dest");

        var result = await p.CallAsync(DeployTool.PutMany, Batch(dest, "hello"u8.ToArray(), new FileRegion(file, 0, big.Length)));

        Assert.Equal(5 + big.Length, result.Bytes);
        Assert.Equal("hello", File.ReadAllText(Path.Combine(dest, "small.txt")));
        Assert.Equal(big, File.ReadAllBytes(Path.Combine(dest, "big.bin")));
    }

    [Fact]
    public async Task A_region_whose_file_shrank_stops_the_whole_batch_and_the_connection_stays_up()
    {
        await using var p = await Protocol.FromSubprocessAsync();
        using var dir = new TempDir();
        File.WriteAllBytes(dir.Combine("source.bin"), new byte[300_000]);
        var dest = dir.Combine("dest");
        Directory.CreateDirectory(dest);
        File.WriteAllText(Path.Combine(dest, "small.txt"), "old");
        using var file = File.OpenHandle(dir.Combine("source.bin"), FileMode.Open, FileAccess.ReadWrite);
        var region = new FileRegion(file, 0, 300_000);
        RandomAccess.SetLength(file, 100_000);   // a build step rewrites the file after the copier measured it

        var e = await Assert.ThrowsAsync<RemoteIOException>(() => p.CallAsync(DeployTool.PutMany, Batch(dest, "new"u8.ToArray(), region)));

        Assert.True(region.Truncated);
        Assert.Contains("changed size", e.Message);
        Assert.Equal("old", File.ReadAllText(Path.Combine(dest, "small.txt")));
        Assert.Equal(["small.txt"], Directory.GetFileSystemEntries(dest).Select(Path.GetFileName));
        var next = await p.CallAsync(DeployTool.PutMany, Batch(dest, "next"u8.ToArray(), new FileRegion(file, 0, 100_000)));
        Assert.Equal(4 + 100_000, next.Bytes);
    }
}
