using System.Diagnostics;
using Rmote.TestRig;
using Xunit.Abstractions;

namespace Rmote.Deploy.Tests;

/// <summary>
/// Issue 16 case 3: two deploys to the same base at once (two connections). The second waits for the first and then
/// deploys, or, with a short wait, fails naming who holds the base; the live release is always complete.
/// </summary>
[Collection("ssh")]
public sealed class DeployLockTests(SshFleetFixture rig, ITestOutputHelper output)
{
    const int Files = 300;

    [Fact]
    public async Task A_second_deploy_waits_for_the_first_and_both_releases_are_complete()
    {
        var h = rig.Hosts[2];
        var (remote, local) = Rig.Dest(h, "lock");
        using var srcA = ReleaseScene.Source("A", Files);
        using var srcB = ReleaseScene.Source("B", Files);
        await using var pa = await Rig.ConnectAsync(h);
        var logB = new CapturingLogger();
        await using var pb = await Rig.Spec(h).ConnectAsync(logB);
        var releases = new Releases(remote) { LockWait = TimeSpan.FromSeconds(60) };
        Task<ReleaseDeployResult>? b = null;
        // A stops mid-copy (holding the lock) until B's host says it is waiting for the lock A holds
        var gate = new ReleaseScene.Gate(async () =>
        {
            b = releases.DeployAsync(pb, ReleaseScene.Copier(srcB), "20250101000002");
            await Task.WhenAny(b, logB.WaitForAsync("waiting up to 60 s for the deploy lock: another deploy holds", TimeSpan.FromSeconds(60)));
            Assert.False(b.IsCompleted, "B did not wait for A: " + (b.IsFaulted ? b.Exception!.InnerException!.Message : "it finished"));
            Assert.Contains($"another deploy holds {remote} (pid {Environment.ProcessId}, ", logB.AllText);
        });
        var a = await releases.DeployAsync(pa, ReleaseScene.Copier(srcA, gate), "20250101000001");
        var rb = await b!;
        output.WriteLine(rb.ToString());

        Assert.True(rb.LockWaited > TimeSpan.Zero, $"B waited {rb.LockWaited}");
        Assert.Equal(new ReleaseSwitched(null, "20250101000001"), a.Switched);
        Assert.Equal(new ReleaseSwitched("20250101000001", "20250101000002"), rb.Switched);
        ReleaseScene.AssertLive(local, "20250101000002", srcB);
        ReleaseScene.AssertComplete(Path.Combine(local, "releases", "20250101000001"), srcA); // B neither pruned nor re-created A's release
        var list = await releases.ListAsync(pa);
        Assert.Equal(["20250101000001", "20250101000002"], list.Complete);
        Assert.Equal(["20250101000001", "20250101000002"], list.History.Select(x => x.Release));
    }

    [Fact]
    public async Task A_second_deploy_with_a_short_wait_fails_naming_the_holder_and_the_live_release_is_complete()
    {
        var h = rig.Hosts[2];
        var (remote, local) = Rig.Dest(h, "lockshort");
        using var srcA = ReleaseScene.Source("A", Files);
        using var srcB = ReleaseScene.Source("B", Files);
        await using var pa = await Rig.ConnectAsync(h);
        await using var pb = await Rig.ConnectAsync(h);
        var slow = new Releases(remote);
        var impatient = new Releases(remote) { LockWait = TimeSpan.FromMilliseconds(300) };
        Exception? refused = null;
        var gate = new ReleaseScene.Gate(async () =>
        {
            // The sanity deadline only turns a hang into a failure; the bound is the wait the host reports below.
            refused = await Record.ExceptionAsync(() => impatient.DeployAsync(pb, ReleaseScene.Copier(srcB), "20250101000002")
                .WaitAsync(TimeSpan.FromSeconds(180)));
        });
        await slow.DeployAsync(pa, ReleaseScene.Copier(srcA, gate), "20250101000001");

        output.WriteLine(refused?.GetType().Name + ": " + refused?.Message);
        var e = Assert.IsAssignableFrom<TimeoutException>(refused);
        Assert.StartsWith($"[{h.Name}] ", e.Message);
        Assert.Contains($"another deploy holds {remote} (pid {Environment.ProcessId}, started at 20", e.Message);
        Assert.Contains($"from {Environment.MachineName}; deploy 20250101000001)", e.Message);
        // The host reports how long it waited: LockWait's 0.3 s (the 60 s default would say ~60), far below 30 even when loaded.
        var waited = double.Parse(System.Text.RegularExpressions.Regex.Match(e.Message, @"; waited ([0-9.]+) s\.").Groups[1].Value,
            System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(waited, 0.3, 30);
        ReleaseScene.AssertLive(local, "20250101000001", srcA);
        Assert.False(Directory.Exists(Path.Combine(local, "releases", "20250101000002")), "B staged without the lock");

        // The lock dies with its connection: a holder that vanishes (killed controller) blocks nobody.
        await using (var holder = await Rig.ConnectAsync(h))
        {
            await slow.LockAsync(holder, "a controller about to die");
            await Assert.ThrowsAnyAsync<TimeoutException>(() => impatient.LockAsync(pb));
        }
        var later = await slow.DeployAsync(pb, ReleaseScene.Copier(srcB), "20250101000002");
        Assert.Equal("20250101000002", later.Switched?.Current);
        ReleaseScene.AssertLive(local, "20250101000002", srcB);
    }

    [Fact]
    public async Task Two_fleet_deploys_at_once_run_one_after_the_other_and_every_host_ends_on_the_same_complete_release()
    {
        var hosts = new[] { rig.Hosts[0], rig.Hosts[1] };
        var name = "fleetlock-" + Guid.NewGuid().ToString("n")[..8];
        var remote = hosts[0].RemoteSrv.TrimEnd('/') + "/" + name;
        using var srcA = ReleaseScene.Source("A", Files);
        using var srcB = ReleaseScene.Source("B", Files);
        // two controllers: separate connections to every host; locks are taken host by host in the same order, so
        // neither can hold host1 while waiting for host2 that the other holds
        await using var one = await Rmote.Fleet.FleetSession.ConnectAsync(hosts.Select(Rig.Spec));
        await using var two = await Rmote.Fleet.FleetSession.ConnectAsync(hosts.Select(Rig.Spec));
        var releases = new Releases(remote) { LockWait = TimeSpan.FromSeconds(30) };
        var a = releases.DeployAsync(one, ReleaseScene.Copier(srcA), "20250101000001");
        var b = releases.DeployAsync(two, ReleaseScene.Copier(srcB), "20250101000002");
        var results = await Task.WhenAll(a, b);
        foreach (var r in results) output.WriteLine(r.ToTable());
        Assert.All(results, r => Assert.True(r.AllSucceeded, r.ToTable()));
        // the deploy that ran second switched from the first one's release, on every host
        var last = Assert.Single(results, r => r.All(x => x.Value!.Switched!.Previous != null))[0].Value!.ReleaseId;
        foreach (var h in hosts)
        {
            var local = Path.Combine(h.SrvRoot, name);
            ReleaseScene.AssertLive(local, last, last.EndsWith('1') ? srcA : srcB);
            ReleaseScene.AssertComplete(Path.Combine(local, "releases", last.EndsWith('1') ? "20250101000002" : "20250101000001"), last.EndsWith('1') ? srcB : srcA);
        }
    }
}
