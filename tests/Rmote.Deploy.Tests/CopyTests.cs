using Rmote.TestRig;

namespace Rmote.Deploy.Tests;

[Collection("ssh")]
public sealed class CopyTests(SshFleetFixture rig)
{
    static readonly DateTime T0 = new(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc);

    static TempDir MakeSource()
    {
        var src = new TempDir("rmote-src-");
        Rig.Write(src, "app.dll", new string('a', 5000), T0);
        Rig.Write(src, "config/app.json", "{\"x\": 1}", T0);
        Rig.Write(src, "bin/run.sh", "#!/bin/sh\necho hi\n", T0);
        File.SetUnixFileMode(src.Combine("bin/run.sh"), (UnixFileMode)0b111_101_101);
        File.SetUnixFileMode(src.Combine("config/app.json"), (UnixFileMode)0b110_000_000);
        Rig.WriteBytes(src, "data/big.bin", Rig.Random(3 * 1024 * 1024 + 17, 1));
        Directory.CreateDirectory(src.Combine("logs/empty"));
        File.CreateSymbolicLink(src.Combine("current.dll"), "app.dll");
        return src;
    }

    [Fact]
    public async Task Cold_then_no_change_then_one_changed()
    {
        var h = rig.Hosts[0];
        using var src = MakeSource();
        var (remote, local) = Rig.Dest(h, "cold");
        await using var p = await Rig.ConnectAsync(h);
        var progress = new List<CopyProgress>();
        var options = new CopyOptions { DestinationFolder = remote, Progress = new SyncProgress<CopyProgress>(progress.Add), SmallFileThreshold = 64 * 1024, ChunkSize = 256 * 1024 };

        var cold = await Copier.CopyAsync(p, CopySource.FromFolder(src), options);
        Assert.Equal(["app.dll", "bin/run.sh", "config/app.json", "data/big.bin"], cold.CopiedFiles.Order());
        Assert.Equal(new FileInfo(src.Combine("data/big.bin")).Length + 5000 + 8 + 18, cold.BytesSent);
        Assert.Equal(File.ReadAllBytes(src.Combine("data/big.bin")), File.ReadAllBytes(Path.Combine(local, "data/big.bin")));
        Assert.Equal("app.dll", new FileInfo(Path.Combine(local, "current.dll")).LinkTarget);
        Assert.True(Directory.Exists(Path.Combine(local, "logs/empty")));
        Assert.Equal((UnixFileMode)0b111_101_101, File.GetUnixFileMode(Path.Combine(local, "bin/run.sh")));
        Assert.Equal((UnixFileMode)0b110_000_000, File.GetUnixFileMode(Path.Combine(local, "config/app.json")));
        Assert.Equal(T0, File.GetLastWriteTimeUtc(Path.Combine(local, "app.dll")));
        Assert.NotEmpty(progress);
        Assert.Equal(cold.BytesSent, progress.Max(x => x.BytesSent));
        Assert.Empty(Rig.Temps(local));

        var again = await Copier.CopyAsync(p, CopySource.FromFolder(src), options);
        Assert.Empty(again.CopiedFiles);
        Assert.Equal(0, again.BytesSent);
        Assert.Equal(5, again.Skipped);
        Assert.False(again.Changed);

        Rig.Write(src, "config/app.json", "{\"x\": 2}", T0.AddSeconds(1));
        var one = await Copier.CopyAsync(p, CopySource.FromFolder(src), options);
        Assert.Equal(["config/app.json"], one.CopiedFiles);
        Assert.Equal("{\"x\": 2}", File.ReadAllText(Path.Combine(local, "config/app.json")));
    }

    [Fact]
    public async Task A_file_changed_in_place_sends_only_the_blocks_that_differ()
    {
        var h = rig.Hosts[0];
        using var src = new TempDir("rmote-src-");
        var (remote, local) = Rig.Dest(h, "delta");
        var v1 = Rig.Random(1024 * 1024 + 100, 3);
        Rig.WriteBytes(src, "data.bin", v1);
        File.SetLastWriteTimeUtc(src.Combine("data.bin"), T0);
        await using var p = await Rig.ConnectAsync(h);
        var options = new CopyOptions { DestinationFolder = remote };
        Assert.Equal(v1.Length, (await Copier.CopyAsync(p, CopySource.FromFolder(src), options)).BytesSent);

        // one byte in the middle and 50 bytes appended: one block (1 KiB: the square root of the size) and the grown
        // last one travel
        var v2 = v1.Concat(Rig.Random(50, 4)).ToArray();
        v2[500_000] ^= 0x5a;
        Rig.WriteBytes(src, "data.bin", v2);
        File.SetLastWriteTimeUtc(src.Combine("data.bin"), T0.AddSeconds(1));
        var progress = new List<CopyProgress>();
        var delta = await Copier.CopyAsync(p, CopySource.FromFolder(src), options with { Progress = new SyncProgress<CopyProgress>(progress.Add) });
        Assert.Equal(["data.bin"], delta.CopiedFiles);
        Assert.Equal(1024 + 150, delta.BytesSent);
        Assert.Equal(1.0, progress[^1].Fraction);
        Assert.Equal(v2, File.ReadAllBytes(Path.Combine(local, "data.bin")));
        Assert.Equal(T0.AddSeconds(1), File.GetLastWriteTimeUtc(Path.Combine(local, "data.bin")));
        Assert.Empty(Rig.Temps(local));

        // changed throughout: sent whole; and with Delta off, whole again
        var v3 = Rig.Random(v2.Length, 5);
        Rig.WriteBytes(src, "data.bin", v3);
        File.SetLastWriteTimeUtc(src.Combine("data.bin"), T0.AddSeconds(2));
        Assert.Equal(v3.Length, (await Copier.CopyAsync(p, CopySource.FromFolder(src), options)).BytesSent);
        Assert.Equal(v3, File.ReadAllBytes(Path.Combine(local, "data.bin")));
        v3[^1] ^= 1;
        Rig.WriteBytes(src, "data.bin", v3);
        File.SetLastWriteTimeUtc(src.Combine("data.bin"), T0.AddSeconds(3));
        Assert.Equal(v3.Length, (await Copier.CopyAsync(p, CopySource.FromFolder(src), options with { Delta = false })).BytesSent);
        Assert.Equal(v3, File.ReadAllBytes(Path.Combine(local, "data.bin")));
    }

    [Fact]
    public async Task Compressed_copy_lands_the_same_bytes()
    {
        var h = rig.Hosts[2];
        using var src = MakeSource();
        // compressible pieces (small files in one batch, and a large file in chunks) next to an incompressible one
        Rig.Write(src, "data/text.log", string.Concat(Enumerable.Repeat("GET /index.html 200\n", 40_000)), T0);
        var (remote, local) = Rig.Dest(h, "zip");
        await using var p = await Rig.ConnectAsync(h);
        var options = new CopyOptions { DestinationFolder = remote, Compress = true, SmallFileThreshold = 64 * 1024, ChunkSize = 256 * 1024, VerifyChecksum = true };
        var cold = await Copier.CopyAsync(p, CopySource.FromFolder(src), options);
        Assert.Equal(5, cold.Copied);
        foreach (var file in new[] { "app.dll", "data/text.log", "data/big.bin", "config/app.json" })
            Assert.Equal(File.ReadAllBytes(src.Combine(file)), File.ReadAllBytes(Path.Combine(local, file)));
        Assert.Empty(Rig.Temps(local));
    }

    [Fact]
    public async Task Checksum_mode_and_verified_writes()
    {
        var h = rig.Hosts[1];
        using var src = MakeSource();
        var (remote, local) = Rig.Dest(h, "sum");
        await using var p = await Rig.ConnectAsync(h);
        var options = new CopyOptions { DestinationFolder = remote, Compare = CompareMode.Checksum, VerifyChecksum = true };
        var first = await Copier.CopyAsync(p, CopySource.FromFolder(src), options);
        Assert.Equal(4, first.Copied);
        // same size and time, different bytes: only the checksum notices
        var target = Path.Combine(local, "app.dll");
        File.WriteAllText(target, new string('b', 5000));
        File.SetLastWriteTimeUtc(target, T0);
        Assert.Empty((await Copier.CopyAsync(p, CopySource.FromFolder(src), options with { Compare = CompareMode.SizeAndTime })).CopiedFiles);
        Assert.Equal(["app.dll"], (await Copier.CopyAsync(p, CopySource.FromFolder(src), options)).CopiedFiles);
        Assert.Equal(new string('a', 5000), File.ReadAllText(target));
    }

    [Fact]
    public async Task DeleteExtraneous_and_forced_modes()
    {
        var h = rig.Hosts[2];
        using var src = MakeSource();
        var (remote, local) = Rig.Dest(h, "del");
        Rig.Write(local, "stale.txt", "old");
        Rig.Write(local, "old/deep/file", "old");
        await using var p = await Rig.ConnectAsync(h);
        var keep = await Copier.CopyAsync(p, CopySource.FromFolder(src), new CopyOptions { DestinationFolder = remote });
        Assert.Empty(keep.DeletedFiles);
        Assert.True(File.Exists(Path.Combine(local, "stale.txt")));
        var r = await Copier.CopyAsync(p, CopySource.FromFolder(src), new CopyOptions
        {
            DestinationFolder = remote, DeleteExtraneous = true, FileMode = (UnixFileMode)0b110_100_000, DirectoryMode = (UnixFileMode)0b111_101_000,
        });
        Assert.Equal(["old", "old/deep", "old/deep/file", "stale.txt"], r.DeletedFiles.Order());
        Assert.Equal(0, r.Copied);
        Assert.True(r.MetadataFixed >= 4);
        Assert.False(File.Exists(Path.Combine(local, "stale.txt")));
        Assert.Equal((UnixFileMode)0b110_100_000, File.GetUnixFileMode(Path.Combine(local, "bin/run.sh")));
        Assert.Equal((UnixFileMode)0b111_101_000, File.GetUnixFileMode(Path.Combine(local, "bin")));
    }

    [Fact]
    public async Task Explicit_file_set_with_destination_paths()
    {
        var h = rig.Hosts[0];
        using var src = MakeSource();
        var (remote, local) = Rig.Dest(h, "set");
        await using var p = await Rig.ConnectAsync(h);
        var r = await Copier.CopyAsync(p, CopySource.FromFiles([
            new CopyItem(src.Combine("app.dll"), "lib/app.dll"),
            new CopyItem(src.Combine("bin/run.sh"), @"scripts\start.sh"),
        ]), new CopyOptions { DestinationFolder = remote });
        Assert.Equal(2, r.Copied);
        // Each file under its own destination path with its own bytes (a swap or a truncation would show here), and nothing else.
        Assert.Equal(File.ReadAllBytes(src.Combine("app.dll")), File.ReadAllBytes(Path.Combine(local, "lib/app.dll")));
        Assert.Equal("#!/bin/sh\necho hi\n", File.ReadAllText(Path.Combine(local, "scripts/start.sh")));
        Assert.Equal(["lib/app.dll", "scripts/start.sh"], Directory.GetFiles(local, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(local, f)).Order());
    }

    [Fact]
    public async Task Remote_symlink_escape_is_refused()
    {
        var h = rig.Hosts[1];
        using var src = new TempDir();
        Rig.Write(src, "etc/passwd", "owned");
        var (remote, local) = Rig.Dest(h, "esc");
        var outside = Rig.Dest(h, "outside");
        Directory.CreateDirectory(local);
        Directory.CreateDirectory(outside.Local);
        File.CreateSymbolicLink(Path.Combine(local, "etc"), outside.Remote);
        await using var p = await Rig.ConnectAsync(h);

        // a file set writing through the host's link to outside the destination is refused, naming the path
        var e = await Assert.ThrowsAnyAsync<ArgumentException>(() => Copier.CopyAsync(p,
            CopySource.FromFiles([new CopyItem(src.Combine("etc/passwd"), "etc/passwd")]), new CopyOptions { DestinationFolder = remote }));
        Assert.Contains("etc", e.Message);
        Assert.IsAssignableFrom<IRemoteError>(e);
        Assert.Empty(Directory.GetFileSystemEntries(outside.Local));
        Assert.NotNull(new FileInfo(Path.Combine(local, "etc")).LinkTarget);

        // a folder whose source has a real 'etc' folder replaces the link by a folder (as rsync -a does); nothing lands outside
        await Copier.CopyAsync(p, CopySource.FromFolder(src), new CopyOptions { DestinationFolder = remote });
        Assert.Null(new DirectoryInfo(Path.Combine(local, "etc")).LinkTarget);
        Assert.Equal("owned", File.ReadAllText(Path.Combine(local, "etc/passwd")));
        Assert.Empty(Directory.GetFileSystemEntries(outside.Local));
    }
}

/// <summary>IProgress that reports synchronously (Progress&lt;T&gt; posts to the thread pool).</summary>
internal sealed class SyncProgress<T>(Action<T> action) : IProgress<T>
{
    readonly object gate = new();
    public void Report(T value) { lock (gate) action(value); }
}
