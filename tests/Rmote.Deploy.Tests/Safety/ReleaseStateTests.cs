using Rmote.Fleet;
using Rmote.TestRig;
using Xunit.Abstractions;

namespace Rmote.Deploy.Tests;

/// <summary>
/// Issue 16 case 4: after a deploy killed mid-copy, one failed on ENOSPC, or a fleet deploy whose staging failed on one
/// host, a good deploy and then a rollback land on the release that was live before, complete; never on a half-written one.
/// </summary>
[Collection("ssh")]
public sealed class ReleaseStateTests(SshFleetFixture rig, ITestOutputHelper output)
{
    const string R1 = "20250101000001", R2 = "20250101000002", R3 = "20250101000003";

    [Fact]
    public async Task After_a_deploy_killed_mid_copy_rollback_lands_on_the_last_live_release()
    {
        var h = rig.Hosts[2];
        var (remote, local) = Rig.Dest(h, "killed");
        using var src1 = ReleaseScene.Source("R1", 300);
        using var src2 = ReleaseScene.Source("R2", 300, size: 16 * 1024);
        using var src3 = ReleaseScene.Source("R3", 300);
        var releases = new Releases(remote);
        await using var p = await Rig.ConnectAsync(h);
        await releases.DeployAsync(p, ReleaseScene.Copier(src1), R1);

        var before = SshClients(h);
        // the ssh client is what dies here (KeptRuntimeTests kill a kept runtime's master)
        await using var doomed = await (Rig.Spec(h) with { KeepRuntime = false }).ConnectAsync();
        var client = Assert.Single(SshClients(h).Except(before));
        // the controller's ssh dies mid-copy (as when the build machine is killed)
        var gate = new ReleaseScene.Gate(async () =>
        {
            ProcessTree.Signal(client, 9);
            await ProcessTree.WaitForExitAsync(client, TimeSpan.FromSeconds(60));
        });
        var killed = await Record.ExceptionAsync(() => releases.DeployAsync(doomed, ReleaseScene.Copier(src2, gate), R2));
        output.WriteLine("killed deploy: " + killed?.Message);
        Assert.NotNull(killed);
        var staged = Directory.Exists(Path.Combine(local, "releases", R2)) ? FolderHash.Of(Path.Combine(local, "releases", R2)).Count : 0;
        output.WriteLine($"{R2} held {staged} entries when its deploy died");
        Assert.DoesNotContain(R2, (await releases.ListAsync(p)).Complete);
        ReleaseScene.AssertLive(local, R1, src1);

        var good = await releases.DeployAsync(p, ReleaseScene.Copier(src3), R3);
        output.WriteLine(good.ToString() + $" (lock waited {good.LockWaited.TotalSeconds:0.0} s)");
        Assert.Equal(new ReleaseSwitched(R1, R3), good.Switched);
        var back = await releases.RollbackAsync(p);
        Assert.Equal(new ReleaseSwitched(R3, R1), back);
        ReleaseScene.AssertLive(local, R1, src1);
    }

    [Fact]
    public async Task After_a_fleet_deploy_failed_on_ENOSPC_on_one_host_a_fleet_rollback_returns_every_host_to_the_last_live_release()
    {
        var (h1, h2) = (rig.Hosts[0], rig.Hosts[1]);
        var name = "enospc-" + Guid.NewGuid().ToString("n")[..8];
        var remote = h1.RemoteSrv.TrimEnd('/') + "/" + name;
        Directory.CreateDirectory(Path.Combine(h2.SrvRoot, name));
        // host2's base is a 1 MiB tmpfs in its own mount namespace: only the host (and /proc/<pid>/root) sees it
        (await ProcessRunner.RunAsync("nsenter", ["-t", h2.Pid.ToString(), "-m", "--", "mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", remote])).EnsureSuccess();
        try
        {
            var local1 = Path.Combine(h1.SrvRoot, name);
            var local2 = ReleaseScene.HostView(h2, remote);
            using var src1 = ReleaseScene.Source("R1", 21, size: 512);
            using var src2 = ReleaseScene.Source("R2", 21, size: 512);
            Rig.WriteBytes(src2, "big.bin", Rig.Random(3 << 20, 2));
            using var src3 = ReleaseScene.Source("R3", 21, size: 512);
            var request = (string src, string id) => new CopyRequest
            {
                Source = CopySource.FromFolder(src), Options = new CopyOptions { DestinationFolder = remote }, UseReleases = true, ReleaseId = id,
            };

            await using (var session = await FleetSession.ConnectAsync([Rig.Spec(h1), Rig.Spec(h2)]))
            {
                var ops = new FleetOperations(session);
                Assert.True((await ops.CopyAsync(request(src1, R1))).AllSucceeded);
                var full = await ops.CopyAsync(request(src2, R2));
                output.WriteLine(full.ToTable() + "\n" + full.Note);
                Assert.False(full.AllSucceeded);
                Assert.True(full["host1"].Success);
                Assert.Contains("No space left on device", full["host2"].Reason);
                Assert.Equal("release not switched: staging failed on host2", full.Note);
            }
            ReleaseScene.AssertLive(local1, R1, src1);
            ReleaseScene.AssertLive(local2, R1, src1);

            await using (var session = await FleetSession.ConnectAsync([Rig.Spec(h1), Rig.Spec(h2)]))
            {
                var ops = new FleetOperations(session);
                Assert.True((await ops.CopyAsync(request(src3, R3))).AllSucceeded);
                var back = await ops.RollbackAsync(new ReleaseRollbackRequest { BaseFolder = remote });
                output.WriteLine(back.ToTable() + "\n" + back.Note);
                Assert.True(back.AllSucceeded, back.ToTable());
                // host1 still has R2, complete but never live: not a rollback target
                Assert.All(back, r => Assert.Equal(new ReleaseSwitched(R3, R1), r.Value));
                Assert.Equal($"rolled back to release {R1} on every host", back.Note);
                Assert.Equal(2, back.ToTable().Split($"current {R3} -> {R1}").Length - 1); // the outcome names each host's release
            }
            ReleaseScene.AssertLive(local1, R1, src1);
            ReleaseScene.AssertLive(local2, R1, src1);
            ReleaseScene.AssertComplete(Path.Combine(local1, "releases", R2), src2);
        }
        finally
        {
            await ProcessRunner.RunAsync("nsenter", ["-t", h2.Pid.ToString(), "-m", "--", "umount", "-l", remote]);
        }
    }

    [Fact]
    public async Task A_fleet_rollback_with_no_release_every_host_had_live_is_refused_naming_each_hosts_state()
    {
        var (h1, h2) = (rig.Hosts[0], rig.Hosts[1]);
        var name = "nocommon-" + Guid.NewGuid().ToString("n")[..8];
        var remote = h1.RemoteSrv.TrimEnd('/') + "/" + name;
        using var src1 = ReleaseScene.Source("R1", 5);
        using var src2 = ReleaseScene.Source("R2", 5);
        await using (var p = await Rig.ConnectAsync(h1))
            await new Releases(remote).DeployAsync(p, ReleaseScene.Copier(src1), R1);   // host1 only

        await using var session = await FleetSession.ConnectAsync([Rig.Spec(h1), Rig.Spec(h2)]);
        var ops = new FleetOperations(session);
        Assert.True((await ops.CopyAsync(new CopyRequest
        {
            Source = CopySource.FromFolder(src2), Options = new CopyOptions { DestinationFolder = remote }, UseReleases = true, ReleaseId = R2,
        })).AllSucceeded);
        var back = await ops.RollbackAsync(new ReleaseRollbackRequest { BaseFolder = remote });
        output.WriteLine(back.ToTable());
        Assert.All(back, r => Assert.Equal(HostStatus.Failed, r.Status));
        Assert.All(back, r => Assert.Contains(
            $"no release every host can roll back to under {remote}: host1 is at {R2}, earlier live and complete: {R1}; host2 is at {R2}, earlier live and complete: none",
            r.Reason));
        ReleaseScene.AssertLive(Path.Combine(h1.SrvRoot, name), R2, src2);
        ReleaseScene.AssertLive(Path.Combine(h2.SrvRoot, name), R2, src2);
    }

    /// <summary>This test process's ssh clients talking to <paramref name="h"/>.</summary>
    static int[] SshClients(SshHost h) =>
    [
        .. ProcessTree.GetChildren(Environment.ProcessId).Where(pid => ProcessTree.GetCommandLine(pid) is { } cmd
            && cmd.StartsWith("ssh", StringComparison.Ordinal) && cmd.Contains(h.Port.ToString(), StringComparison.Ordinal)),
    ];
}
