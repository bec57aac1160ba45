using Rmote.Fleet;
using Rmote.TestRig;
using Xunit.Abstractions;

namespace Rmote.Deploy.Tests;

/// <summary>
/// DEPLOY.md: "Fleet deploy is all or nothing: the release is staged on every host first; <c>current</c> is switched
/// only if every host staged it; if a switch then fails somewhere, hosts already switched are switched back."
/// Three real sshd hosts; the failure is a real one on one host only; <c>current</c> is read on every host.
/// </summary>
[Collection("ssh")]
public sealed class FleetSwitchBackTests(SshFleetFixture rig, ITestOutputHelper output)
{
    const string R1 = "20250201000001", R2 = "20250201000002";

    [Fact]
    public async Task A_switch_refused_by_one_host_switches_the_others_back_and_the_caller_sees_which_host_failed_and_why()
    {
        var (remote, locals, specs) = await StickyHost2SceneAsync("switchback-");
        using var src1 = ReleaseScene.Source("R1", 40);
        using var src2 = ReleaseScene.Source("R2", 40);
        var releases = new Releases(remote);

        await using var session = await FleetSession.ConnectAsync(specs);
        Assert.True((await releases.DeployAsync(session, ReleaseScene.Copier(src1), R1)).AllSucceeded);
        // root recreated host2's link by hand: the app user may no longer replace it in the sticky base (EPERM on
        // rename); staging (its own files, the state file it owns) still works there
        (await ProcessRunner.RunAsync("chown", ["-h", "root:root", Path.Combine(locals[1], "current")])).EnsureSuccess();
        Assert.All(locals, l => Assert.Equal("releases/" + R1, Current(l)));

        var result = await releases.DeployAsync(session, ReleaseScene.Copier(src2), R2);
        output.WriteLine(result.ToTable() + "\n" + result.Note);

        // what the caller sees: host2 failed with the host's own reason; the others are not reported as live on R2
        Assert.False(result.AllSucceeded);
        Assert.Equal(HostStatus.Failed, result["host2"].Status);
        Assert.Contains("PermissionError", result["host2"].Reason);
        Assert.Contains("Operation not permitted", result["host2"].Reason);
        Assert.Equal("switch failed on host2; switched hosts were switched back", result.Note);
        foreach (var host in new[] { "host1", "host3" })
        {
            Assert.False(result[host].Success, $"{host} is reported as switched to {R2} but was switched back:\n{result.ToTable()}");
            Assert.Contains($"switched back to {R1}", result[host].Reason);
        }
        Assert.Throws<FleetException>(() => result.EnsureSuccess());

        // what every host shows: current on R1 with R1's files, R2 staged (complete) but not live
        for (var i = 0; i < locals.Length; i++)
        {
            ReleaseScene.AssertLive(locals[i], R1, src1);
            ReleaseScene.AssertComplete(Path.Combine(locals[i], "releases", R2), src2);
        }
    }

    [Fact]
    public async Task A_first_deploy_whose_switch_fails_on_one_host_is_withdrawn_everywhere_and_is_never_a_rollback_target()
    {
        var (remote, locals, specs) = await StickyHost2SceneAsync("withdraw-");
        // host2 has no release yet, but root left a link of its own named current in the sticky base: staging
        // works there, replacing root's link does not (EPERM)
        File.CreateSymbolicLink(Path.Combine(locals[1], "current"), "elsewhere");
        using var src1 = ReleaseScene.Source("R1", 40);
        using var src2 = ReleaseScene.Source("R2", 40);
        var releases = new Releases(remote);

        await using var session = await FleetSession.ConnectAsync(specs);
        var result = await releases.DeployAsync(session, ReleaseScene.Copier(src1), R1);
        output.WriteLine(result.ToTable() + "\n" + result.Note);

        Assert.False(result.AllSucceeded);
        Assert.Contains("Operation not permitted", result["host2"].Reason);
        Assert.Equal("switch failed on host2; the switch was withdrawn on host1, host3 (no earlier release: no current release there)", result.Note);
        foreach (var host in new[] { "host1", "host3" })
        {
            Assert.False(result[host].Success, $"{host} is reported as live on {R1} but its switch was withdrawn:\n{result.ToTable()}");
            Assert.Equal("switch withdrawn (no earlier release): the switch failed on host2", result[host].Reason);
        }
        // readlink on every host: no host serves R1; host2 keeps root's own link untouched
        Assert.Equal([null, "elsewhere", null], locals.Select(Current));
        Assert.All(locals, l => ReleaseScene.AssertComplete(Path.Combine(l, "releases", R1), src1));   // staged, complete, not live

        // the operator removes root's link on host2: the next deploy (a new session: this one stopped at host2's
        // failure) goes live everywhere, from no current release
        File.Delete(Path.Combine(locals[1], "current"));
        await using var again = await FleetSession.ConnectAsync(specs);
        var good = await releases.DeployAsync(again, ReleaseScene.Copier(src2), R2);
        output.WriteLine(good.ToTable() + "\n" + good.Note);
        good.EnsureSuccess();
        Assert.All(good, r => Assert.Equal(new ReleaseSwitched(null, R2), r.Value!.Switched));
        Assert.All(locals, l => ReleaseScene.AssertLive(l, R2, src2));

        // R1 was withdrawn, never served: a rollback does not land on it, every host stays on R2
        var back = await releases.RollbackAsync(again);
        output.WriteLine(back.ToTable() + "\n" + back.Note);
        Assert.All(back, r => Assert.Contains("earlier live and complete: none", r.Reason));
        Assert.All(locals, l => Assert.Equal("releases/" + R2, Current(l)));
        await using var fresh = await FleetSession.ConnectAsync(specs);
        var listed = (await fresh.RunAsync((p, ct) => releases.ListAsync(p, ct))).EnsureSuccess();
        Assert.All(listed, r => Assert.Equal([R2], r.Value!.History.Select(h => h.Release)));
    }

    [Fact]
    public async Task A_staging_failure_on_one_host_switches_no_host()
    {
        var name = "stagefail-" + Guid.NewGuid().ToString("n")[..8];
        var remote = rig.Hosts[0].RemoteSrv.TrimEnd('/') + "/" + name;
        var locals = rig.Hosts.Select(h => Path.Combine(h.SrvRoot, name)).ToArray();
        using var src1 = ReleaseScene.Source("R1", 40);
        using var src2 = ReleaseScene.Source("R2", 40);
        var releases = new Releases(remote);

        await using var session = await FleetSession.ConnectAsync(rig.Hosts.Select(Rig.Spec));
        Assert.True((await releases.DeployAsync(session, ReleaseScene.Copier(src1), R1)).AllSucceeded);
        // host3: a leftover file where the new release's folder goes; preparing the release fails there only
        File.WriteAllText(Path.Combine(locals[2], "releases", R2), "not a folder");
        Assert.All(locals, l => Assert.Equal("releases/" + R1, Current(l)));

        var result = await releases.DeployAsync(session, ReleaseScene.Copier(src2), R2);
        output.WriteLine(result.ToTable() + "\n" + result.Note);

        Assert.Equal(HostStatus.Failed, result["host3"].Status);
        Assert.Contains(R2, result["host3"].Reason);
        Assert.Equal("release not switched: staging failed on host3", result.Note);
        Assert.All(result.Where(r => r.Host != "host3"), r => Assert.Null(r.Value?.Switched));
        await using var fresh = await FleetSession.ConnectAsync(rig.Hosts.Select(Rig.Spec));
        var listed = (await fresh.RunAsync((p, ct) => releases.ListAsync(p, ct))).EnsureSuccess();
        for (var i = 0; i < locals.Length; i++)
        {
            ReleaseScene.AssertLive(locals[i], R1, src1);
            Assert.Equal([R1], listed[i].Value!.History.Select(h => h.Release));   // R2 was never live anywhere
        }
        ReleaseScene.AssertComplete(Path.Combine(locals[0], "releases", R2), src2); // staged, never live
    }

    /// <summary>
    /// A fresh base on every host (remote path, local paths, host specs); on host2 the deploy user is the unprivileged
    /// app user (its interpreter runs through setpriv), deploying into a shared root-owned sticky base (mode 1777, like
    /// /tmp): it may create and replace its own entries only.
    /// </summary>
    async Task<(string Remote, string[] Locals, HostSpec[] Specs)> StickyHost2SceneAsync(string prefix)
    {
        var app = await LocalUser.EnsureAsync();
        var name = prefix + Guid.NewGuid().ToString("n")[..8];
        var locals = rig.Hosts.Select(h => Path.Combine(h.SrvRoot, name)).ToArray();
        Directory.CreateDirectory(locals[1]);
        File.SetUnixFileMode(locals[1], (UnixFileMode)Convert.ToInt32("1777", 8));
        var specs = rig.Hosts.Select(Rig.Spec).ToArray();
        specs[1] = specs[1] with { Python = await PythonAsAsync(rig.Hosts[1], app) };
        return (rig.Hosts[0].RemoteSrv.TrimEnd('/') + "/" + name, locals, specs);
    }

    /// <summary>What <c>readlink current</c> prints in <paramref name="localBase"/>.</summary>
    static string? Current(string localBase) => new FileInfo(Path.Combine(localBase, "current")).LinkTarget;

    /// <summary>An interpreter path on <paramref name="h"/> that runs python3 as <paramref name="user"/>.</summary>
    static async Task<string> PythonAsAsync(SshHost h, LocalUser user)
    {
        var name = "python-as-" + user.Name;
        var script = Path.Combine(h.SrvRoot, name);
        await File.WriteAllTextAsync(script, $"#!/bin/sh\nexec {string.Join(' ', user.RunAsPrefix)} python3 \"$@\"\n");
        File.SetUnixFileMode(script, (UnixFileMode)Convert.ToInt32("755", 8));
        return h.RemoteSrv.TrimEnd('/') + "/" + name;
    }
}
