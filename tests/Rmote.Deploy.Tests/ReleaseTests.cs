using Rmote.TestRig;

namespace Rmote.Deploy.Tests;

[Collection("ssh")]
public sealed class ReleaseTests(SshFleetFixture rig)
{
    [Fact]
    public async Task Deploy_seed_switch_rollback_prune()
    {
        var h = rig.Hosts[2];
        using var src = new TempDir("rmote-src-");
        for (var i = 0; i < 20; i++) Rig.Write(src, $"f{i}.txt", $"v1 {i}", new DateTime(2024, 1, 1, 0, 0, i, DateTimeKind.Utc));
        var (remote, local) = Rig.Dest(h, "app");
        var releases = new Releases(remote) { Keep = 2 };
        await using var p = await Rig.ConnectAsync(h);
        var copier = new Copier(CopySource.FromFolder(src), new CopyOptions { DestinationFolder = "/unused" });

        var r1 = await releases.DeployAsync(p, copier, "20240101000000");
        Assert.Equal(20, r1.Copy.Copied);
        Assert.Equal("v1 3", File.ReadAllText(Path.Combine(local, "current/f3.txt")));

        Rig.Write(src, "f3.txt", "v2 3!", new DateTime(2024, 2, 1, 0, 0, 0, DateTimeKind.Utc));
        File.Delete(src.Combine("f4.txt"));
        var r2 = await releases.DeployAsync(p, copier, "20240102000000");
        Assert.Equal("20240101000000", r2.Prepared.SeededFrom);
        Assert.Equal(20, r2.Prepared.Linked);
        Assert.Equal(["f3.txt"], r2.Copy.CopiedFiles);             // only the changed file crossed the network
        Assert.Equal(["f4.txt"], r2.Copy.DeletedFiles);
        Assert.Equal(new ReleaseSwitched("20240101000000", "20240102000000"), r2.Switched);
        Assert.Equal("v2 3!", File.ReadAllText(Path.Combine(local, "current/f3.txt")));
        Assert.Equal("v1 3", File.ReadAllText(Path.Combine(local, "releases/20240101000000/f3.txt"))); // old release intact
        Assert.Equal("releases/20240102000000", new FileInfo(Path.Combine(local, "current")).LinkTarget);

        var back = await releases.RollbackAsync(p);
        Assert.Equal(new ReleaseSwitched("20240102000000", "20240101000000"), back);
        Assert.Equal("v1 3", File.ReadAllText(Path.Combine(local, "current/f3.txt")));
        // rollback steps back among releases that were live: nothing is older than the first one
        await Assert.ThrowsAnyAsync<ArgumentException>(() => releases.RollbackAsync(p));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => releases.RollbackAsync(p, "nope"));
        await releases.SwitchAsync(p, "20240102000000");
        var r3 = await releases.DeployAsync(p, copier, "20240103000000");
        Assert.Empty(r3.Copy.CopiedFiles);
        Assert.Equal(["20240101000000"], r3.Pruned);
        var list = await releases.ListAsync(p);
        Assert.Equal(["20240102000000", "20240103000000"], list.Releases);
        Assert.Equal("20240103000000", list.Current);
        Assert.Empty(Rig.Temps(local));
    }
}
