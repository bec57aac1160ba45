using Rmote.TestRig;

namespace Rmote.Deploy.Tests;

[Collection("ssh")]
public sealed class InterruptTests(SshFleetFixture rig)
{
    static Dictionary<string, byte[]> Generation(int gen)
    {
        var files = new Dictionary<string, byte[]>();
        for (var i = 0; i < 24; i++) files[$"big/f{i:00}.bin"] = Rig.Random(2 * 1024 * 1024 + i, gen * 1000 + i);
        for (var i = 0; i < 200; i++) files[$"small/s{i:000}.txt"] = Rig.Random(3000 + i, gen * 100000 + i);
        return files;
    }

    static void WriteSource(string root, Dictionary<string, byte[]> files, DateTime mtime)
    {
        foreach (var (rel, data) in files)
        {
            Rig.WriteBytes(root, rel, data);
            File.SetLastWriteTimeUtc(Path.Combine(root, rel), mtime);
        }
    }

    [Fact]
    public async Task Killed_ssh_leaves_every_file_old_or_new_and_the_next_run_cleans_up()
    {
        var h = rig.Hosts[0];
        var (remote, local) = Rig.Dest(h, "kill");
        var v1 = Generation(1);
        var v2 = Generation(2);
        using var src = new TempDir("rmote-src-");
        WriteSource(src, v1, new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        var options = new CopyOptions { DestinationFolder = remote, MaxFilesInFlight = 4, MaxBytesInFlight = 4 * 1024 * 1024 };
        await using (var p = await (Rig.Spec(h) with { KeepRuntime = false }).ConnectAsync())
            Assert.Equal(v1.Count, (await Copier.CopyAsync(p, CopySource.FromFolder(src), options)).Copied);

        WriteSource(src, v2, new DateTime(2024, 2, 1, 0, 0, 0, DateTimeKind.Utc));
        var killed = 0;
        var sshPids = SshClientPids(h.Port);
        var progress = new SyncProgress<CopyProgress>(pr =>
        {
            if (pr.BytesSent > 16 * 1024 * 1024 && Interlocked.Exchange(ref killed, 1) == 0)
                foreach (var pid in SshClientPids(h.Port).Except(sshPids)) ProcessTree.Signal(pid, ProcessTree.SIGKILL);
        });
        int remotePid;
        await using (var p = await (Rig.Spec(h) with { KeepRuntime = false }).ConnectAsync())
        {
            remotePid = p.Info.Pid;
            var copy = Copier.CopyAsync(p, CopySource.FromFolder(src), options with { Progress = progress });
            await Assert.ThrowsAnyAsync<Exception>(() => copy);
        }
        Assert.Equal(1, killed);
        // The host's files are final once the interpreter of the cut session has exited (a shared SSH connection's
        // master stays, so the host's sshd sessions do not all end).
        Assert.True(await ProcessTree.WaitForExitAsync(remotePid, TimeSpan.FromSeconds(60)), "the remote interpreter outlived its killed ssh client by 60 s");

        int old = 0, @new = 0;
        foreach (var (rel, data) in v1)
        {
            var got = File.ReadAllBytes(Path.Combine(local, rel));
            if (got.AsSpan().SequenceEqual(data)) old++;
            else if (got.AsSpan().SequenceEqual(v2[rel])) @new++;
            else Assert.Fail($"{rel} is neither the old nor the new version ({got.Length} bytes)");
        }
        Assert.True(old > 0 && @new > 0, $"expected a mix, got {old} old / {@new} new");

        await using (var p = await (Rig.Spec(h) with { KeepRuntime = false }).ConnectAsync())
        {
            var resumed = await Copier.CopyAsync(p, CopySource.FromFolder(src), options);
            Assert.Equal(old, resumed.Copied);
            Assert.Empty(Rig.Temps(local));
        }
        foreach (var (rel, data) in v2)
            Assert.True(File.ReadAllBytes(Path.Combine(local, rel)).AsSpan().SequenceEqual(data), rel);
    }

    [Fact]
    public async Task A_source_file_that_shrinks_during_the_copy_fails_and_the_host_keeps_the_old_version()
    {
        var h = rig.Hosts[0];
        var (remote, local) = Rig.Dest(h, "shrink");
        using var src = new TempDir("rmote-src-");
        var path = src.Combine("big.bin");
        var v1 = Rig.Random(48 * 1024 * 1024, 1);
        Rig.WriteBytes(src, "big.bin", v1);
        File.SetLastWriteTimeUtc(path, new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        var options = new CopyOptions { DestinationFolder = remote };
        await using var p = await Rig.ConnectAsync(h);
        await Copier.CopyAsync(p, CopySource.FromFolder(src), options);

        Rig.WriteBytes(src, "big.bin", Rig.Random(48 * 1024 * 1024, 2));
        var shrunk = 0;
        // After the first chunk lands, a build step truncates the file: chunks past 8 MiB find no data to send.
        var progress = new SyncProgress<CopyProgress>(pr =>
        {
            if (pr.BytesSent > 0 && Interlocked.Exchange(ref shrunk, 1) == 0)
            {
                using var f = File.OpenHandle(path, FileMode.Open, FileAccess.Write);
                RandomAccess.SetLength(f, 8 * 1024 * 1024);
            }
        });
        var e = await Assert.ThrowsAsync<IOException>(() => Copier.CopyAsync(p, CopySource.FromFolder(src), options with { Progress = progress }));

        Assert.Equal(1, shrunk);
        Assert.Contains("changed size while being copied", e.Message);
        Assert.True(File.ReadAllBytes(Path.Combine(local, "big.bin")).AsSpan().SequenceEqual(v1), "the host's file is no longer the old version");
        Assert.Empty(Rig.Temps(local));
        Assert.True(p.IsConnected);
    }

    static List<int> SshClientPids(int port) =>
        ProcessTree.GetDescendants(Environment.ProcessId)
            .Where(pid => ProcessTree.GetCommandLine(pid) is { } cmd && cmd.StartsWith("ssh", StringComparison.Ordinal) && cmd.Contains(port.ToString()))
            .ToList();
}
