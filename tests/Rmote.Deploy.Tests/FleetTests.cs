using Rmote.Fleet;
using Rmote.TestRig;
using Rmote.Tools;

namespace Rmote.Deploy.Tests;

[Collection("ssh")]
public sealed class FleetTests(SshFleetFixture rig)
{
    IEnumerable<HostSpec> RigSpecs => rig.Hosts.Select(Rig.Spec);

    static HostSpec Dead => HostSpec.Parse("root@127.0.0.1:1") with { Name = "dead", ConnectTimeout = TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task Copy_to_all_hosts_with_one_unreachable()
    {
        using var src = new TempDir("rmote-src-");
        for (var i = 0; i < 30; i++) Rig.Write(src, $"d{i % 3}/f{i}", new string('x', i * 100));
        var dest = "/srv/fan-" + Guid.NewGuid().ToString("n")[..8];
        var group = new HostGroup([.. RigSpecs, Dead], new FleetOptions { MaxParallel = 8 });
        await using var session = await group.ConnectAsync();
        Assert.Equal(HostStatus.Unreachable, session.Connects["dead"].Status);

        var result = await new Copier(CopySource.FromFolder(src), new CopyOptions { DestinationFolder = dest }).CopyAsync(session);
        Assert.Equal(4, result.Count);
        Assert.Equal(3, result.Successes.Count());
        var dead = result["dead"];
        Assert.Equal(HostStatus.Unreachable, dead.Status);
        Assert.NotNull(dead.Error);
        Assert.False(string.IsNullOrWhiteSpace(dead.Reason));
        foreach (var h in rig.Hosts)
        {
            Assert.Equal(30, result[h.Name].Value!.Copied);
            Assert.Equal(30, Directory.GetFiles(Path.Combine(h.SrvRoot, dest[5..]), "*", SearchOption.AllDirectories).Length);
        }
        var table = result.ToTable();
        Assert.Contains("unreachable", table);
        Assert.Contains("3 succeeded, 1 unreachable", table);

        // second step reuses the same connections: nothing to send
        var protocols = session.Hosts.Select(h => h.Protocol).ToList();
        var again = await new Copier(CopySource.FromFolder(src), new CopyOptions { DestinationFolder = dest }).CopyAsync(session);
        Assert.All(again.Successes, r => Assert.Equal(0, r.Value!.Copied));
        Assert.Equal(protocols, session.Hosts.Select(h => h.Protocol));
        Assert.Throws<FleetException>(() => again.EnsureSuccess());
    }

    [Fact]
    public async Task A_delta_to_hosts_with_different_old_versions_sends_each_host_only_its_own_changed_blocks()
    {
        const int block = 32 * 1024;
        var t0 = new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        using var src = new TempDir("rmote-src-");
        var dest = "/srv/fan-delta-" + Guid.NewGuid().ToString("n")[..8];
        var v1 = Rig.Random(20 * block, 11);
        await using var session = await FleetSession.ConnectAsync(RigSpecs);
        var copier = new Copier(CopySource.FromFolder(src), new CopyOptions { DestinationFolder = dest });
        // host k holds v1 with its own block k (and, for k > 0, block 10 + k too) changed
        for (var k = 0; k < rig.Hosts.Count; k++)
        {
            var old = (byte[])v1.Clone();
            old[k * block] ^= 0xFF;
            if (k > 0) old[(10 + k) * block] ^= 0xFF;
            Rig.WriteBytes(src, "data.bin", old);
            File.SetLastWriteTimeUtc(src.Combine("data.bin"), t0);
            await using var one = await Rig.ConnectAsync(rig.Hosts[k]);
            await Copier.CopyAsync(one, CopySource.FromFolder(src), new CopyOptions { DestinationFolder = dest });
        }

        Rig.WriteBytes(src, "data.bin", v1);
        File.SetLastWriteTimeUtc(src.Combine("data.bin"), t0.AddSeconds(1));
        var result = await copier.CopyAsync(session);
        result.EnsureSuccess();
        for (var k = 0; k < rig.Hosts.Count; k++)
        {
            var h = rig.Hosts[k];
            // one host block (808 bytes: the square root of the 640 KiB file, as rsync picks it) for each changed byte
            Assert.Equal((k > 0 ? 2 : 1) * 808, result[h.Name].Value!.BytesSent);
            Assert.Equal(v1, File.ReadAllBytes(Path.Combine(h.SrvRoot, dest[5..], "data.bin")));
        }
    }

    [Fact]
    public async Task Serial_batches_run_one_batch_at_a_time()
    {
        await using var session = await FleetSession.ConnectAsync(RigSpecs, new FleetOptions { Serial = 1 });
        var running = 0;
        var peak = 0;
        var r = await session.RunAsync(async (p, ct) =>
        {
            var now = Interlocked.Increment(ref running);
            lock (session) peak = Math.Max(peak, now);
            // A remote round trip while this host's step counts as running: a fan-out that started the next host's
            // step at once (as it does without Serial) has started every step before the first reply arrives.
            Assert.Equal("pong", await p.CallAsync(Diag.Ping, ct));
            Interlocked.Decrement(ref running);
            return p.Name;
        });
        Assert.Equal(1, peak);
        Assert.Equal([1, 2, 3], r.Select(x => x.Batch));
        Assert.True(r.AllSucceeded);

        var pct = await session.RunAsync((p, ct) => Task.FromResult(1), new FleetOptions { Serial = "67%" });
        Assert.Equal([1, 1, 2], pct.Select(x => x.Batch));
    }

    [Fact]
    public async Task StopOnFirst_skips_the_rest()
    {
        await using var session = await FleetSession.ConnectAsync(RigSpecs, new FleetOptions { Serial = 1, FailurePolicy = FailurePolicy.StopOnFirst });
        var r = await session.RunAsync<int>((p, ct) => p.Name == rig.Hosts[0].Name ? throw new InvalidOperationException("boom") : Task.FromResult(1));
        Assert.Equal([HostStatus.Failed, HostStatus.Skipped, HostStatus.Skipped], r.Select(x => x.Status));
        Assert.Contains("boom", r[0].Reason);
        Assert.NotNull(r.StopReason);
        Assert.Contains("stopped", r.ToTable());
        // the failed host is skipped by later steps; the others run
        var next = await session.RunAsync((p, ct) => Task.FromResult(2), new FleetOptions());
        Assert.Equal([HostStatus.Skipped, HostStatus.Succeeded, HostStatus.Succeeded], next.Select(x => x.Status));
    }

    [Fact]
    public async Task Max_failure_percentage()
    {
        var options = new FleetOptions { Serial = 1, FailurePolicy = FailurePolicy.MaxFailurePercentage, MaxFailurePercentage = 30 };
        // dead first (1 of 4 = 25%: tolerated), then host1 fails (50% > 30%): host2 and host3 are not started
        await using var session = await FleetSession.ConnectAsync([Dead, .. RigSpecs], options);
        var r = await session.RunAsync<int>((p, ct) => p.Name == rig.Hosts[0].Name ? throw new IOException("disk full") : Task.FromResult(1));
        Assert.Equal([HostStatus.Unreachable, HostStatus.Failed, HostStatus.Skipped, HostStatus.Skipped], r.Select(x => x.Status));
        Assert.Contains("disk full", r[1].Reason);
        Assert.NotNull(r.StopReason);

        await using var s2 = await FleetSession.ConnectAsync([Dead, .. RigSpecs], options);
        var r2 = await s2.RunAsync((p, ct) => Task.FromResult(1));
        Assert.Equal([HostStatus.Unreachable, HostStatus.Succeeded, HostStatus.Succeeded, HostStatus.Succeeded], r2.Select(x => x.Status));
        Assert.Null(r2.StopReason);
    }

    [Fact]
    public async Task Local_target()
    {
        using var src = new TempDir("rmote-src-");
        using var dst = new TempDir("rmote-dst-");
        Rig.Write(src, "a/b.txt", "hello");
        var r = await HostGroup.Parse(["local"]).RunAsync((p, ct) =>
            Copier.CopyAsync(p, CopySource.FromFolder(src), new CopyOptions { DestinationFolder = dst.Path }, ct));
        Assert.True(r.AllSucceeded, r.ToTable());
        Assert.Equal("local", r[0].Host);
        Assert.Equal("hello", File.ReadAllText(dst.Combine("a/b.txt")));
    }
}
