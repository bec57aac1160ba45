using Rmote.Fleet;
using Rmote.Operations;
using Rmote.TestRig;
using Xunit.Abstractions;

namespace Rmote.Deploy.Tests;

/// <summary>
/// Issue 18's release lifecycle through the operations layer on two rig sshd hosts: shared paths, the BeforeSwitch
/// hook, the release manifest and listing, reuse of an unchanged release, rollback with a service restart and the
/// AfterRollback hook.
/// </summary>
[Collection("ssh")]
public sealed class ReleaseLifecycleTests(SshFleetFixture rig, ITestOutputHelper output)
{
    /// <summary>A base folder at the same path on two hosts: (remote path, each host's local view of it).</summary>
    (string Remote, string[] Local, HostSpec[] Specs) Base(string name)
    {
        var id = name + "-" + Guid.NewGuid().ToString("n")[..8];
        var hosts = rig.Hosts.Take(2).ToArray();
        return (hosts[0].RemoteSrv.TrimEnd('/') + "/" + id, [.. hosts.Select(h => Path.Combine(h.SrvRoot, id))], [.. hosts.Select(Rig.Spec)]);
    }

    static CopyRequest Deploy(string src, string remote, string id) => new()
    {
        Source = CopySource.FromFolder(src), Options = new CopyOptions { DestinationFolder = remote }, UseReleases = true, ReleaseId = id,
    };

    static string? Current(string local) => new FileInfo(Path.Combine(local, "current")).LinkTarget;

    [Fact]
    public async Task A_shared_file_and_folder_survive_redeploys_and_are_the_symlink_targets_in_each_release()
    {
        var (remote, locals, specs) = Base("shared");
        using var src = new TempDir("rmote-src-");
        Rig.Write(src, "app.dll", "v1");
        Rig.Write(src, "appsettings.Production.json", "{\"from\":\"publish\"}");  // left out: the shared one wins
        Rig.Write(src, "storage/seed.txt", "from publish");
        string[] shared = ["appsettings.Production.json", "storage/"];
        await using var session = await FleetSession.ConnectAsync(specs);
        var ops = new FleetOperations(session);

        var first = await ops.CopyAsync(Deploy(src, remote, "r1") with { SharedPaths = shared });
        output.WriteLine(first.ToTable());
        first.EnsureSuccess();
        Assert.All(first, r => Assert.Equal(["appsettings.Production.json", "storage/"], r.Value!.Release!.Shared!.Created));
        Assert.All(first, r => Assert.Contains("shared created: appsettings.Production.json, storage/", r.Value!.Summary));
        foreach (var local in locals)
        {
            Assert.Equal("", File.ReadAllText(Path.Combine(local, "shared/appsettings.Production.json")));  // created empty on the first deploy
            File.WriteAllText(Path.Combine(local, "shared/appsettings.Production.json"), "{\"db\":\"prod\"}");
            File.WriteAllText(Path.Combine(local, "shared/storage/upload.bin"), "user data");
        }

        Rig.Write(src, "app.dll", "v2");
        var second = await ops.CopyAsync(Deploy(src, remote, "r2") with { SharedPaths = shared });
        output.WriteLine(second.ToTable());
        second.EnsureSuccess();
        Assert.All(second, r => Assert.Empty(r.Value!.Copy.DeletedFiles));   // the seeded links are kept, never entered
        Assert.All(second, r => Assert.Equal(["app.dll"], r.Value!.Copy.CopiedFiles));
        foreach (var local in locals)
        {
            Assert.Equal("{\"db\":\"prod\"}", File.ReadAllText(Path.Combine(local, "current/appsettings.Production.json")));
            Assert.Equal("user data", File.ReadAllText(Path.Combine(local, "current/storage/upload.bin")));
            Assert.False(File.Exists(Path.Combine(local, "shared/storage/seed.txt")));
            foreach (var id in (string[])["r1", "r2"])
            {
                Assert.Equal("../../shared/appsettings.Production.json", new FileInfo(Path.Combine(local, "releases", id, "appsettings.Production.json")).LinkTarget);
                Assert.Equal("../../shared/storage", new DirectoryInfo(Path.Combine(local, "releases", id, "storage")).LinkTarget);
            }
            Assert.Equal("v2", File.ReadAllText(Path.Combine(local, "current/app.dll")));
        }
    }

    [Fact]
    public async Task A_shared_path_escaping_the_base_is_refused_before_anything_is_sent()
    {
        var (remote, locals, specs) = Base("escape");
        using var src = new TempDir("rmote-src-");
        Rig.Write(src, "app.dll", "v1");
        var e = Assert.Throws<ArgumentException>(() => StepMapper.Copy(new CopyStep
        {
            SourceFolder = src, DestinationFolder = remote, UseReleases = true, SharedPaths = ["../../etc/passwd"],
        }, src));
        Assert.Contains("Shared path '../../etc/passwd' is refused", e.Message);
        Assert.Contains("must not escape the base", e.Message);
        await using var session = await FleetSession.ConnectAsync(specs);
        await Assert.ThrowsAsync<ArgumentException>(() => new FleetOperations(session).CopyAsync(Deploy(src, remote, "r1") with { SharedPaths = ["/etc/"] }));
        Assert.All(locals, l => Assert.False(Directory.Exists(l)));
    }

    [Fact]
    public async Task A_failing_BeforeSwitch_hook_leaves_every_host_on_the_old_release()
    {
        var (remote, locals, specs) = Base("hook");
        using var src = new TempDir("rmote-src-");
        Rig.Write(src, "app.dll", "v1");
        await using var session = await FleetSession.ConnectAsync(specs);
        var ops = new FleetOperations(session);
        (await ops.CopyAsync(Deploy(src, remote, "r1"))).EnsureSuccess();

        Rig.Write(src, "app.dll", "v2");
        ReleaseStaged? seen = null;
        var vetoed = await ops.CopyAsync(Deploy(src, remote, "r2") with
        {
            BeforeSwitch = async (staged, ct) =>
            {
                seen = staged;
                // a smoke test against the staged release on every host, while every host is still on r1
                var smoke = await ops.ExecAsync(new ExecRequest { ShellCommand = $"grep -q v2 {staged.ReleaseFolder}/app.dll && readlink {staged.BaseFolder}/current" }, null, ct);
                Assert.All(smoke.EnsureSuccess(), r => Assert.Equal("releases/r1", r.Value!.Stdout.Trim()));
                throw new InvalidOperationException("smoke test failed: /health returned 500");
            },
        });
        output.WriteLine(vetoed.ToTable() + "\n" + vetoed.Note);
        Assert.Equal(("r2", remote, remote + "/releases/r2"), (seen!.ReleaseId, seen.BaseFolder, seen.ReleaseFolder));
        Assert.Equal(["host1", "host2"], seen.Hosts);
        Assert.All(vetoed, r => Assert.Equal(HostStatus.Failed, r.Status));
        Assert.All(vetoed, r => Assert.Equal("not switched: the BeforeSwitch hook failed: smoke test failed: /health returned 500", r.Reason));
        Assert.Equal("release r2 not switched on any host: the BeforeSwitch hook failed", vetoed.Note);
        Assert.All(locals, l => Assert.Equal("releases/r1", Current(l)));
        Assert.All(locals, l => Assert.Equal("v1", File.ReadAllText(Path.Combine(l, "current/app.dll"))));

        var passed = await ops.CopyAsync(Deploy(src, remote, "r3") with { BeforeSwitch = (_, _) => Task.CompletedTask });
        passed.EnsureSuccess();
        Assert.All(locals, l => Assert.Equal("releases/r3", Current(l)));
    }

    [Fact]
    public async Task Each_release_holds_its_manifest_and_the_listing_shows_it_with_the_current_release_marked()
    {
        var (remote, locals, specs) = Base("manifest");
        using var repo = new TempDir("rmote-repo-");
        using var src = new TempDir("rmote-src-");
        Rig.Write(src, "app.dll", "v1");
        Rig.Write(src, "lib/a.dll", "a");
        foreach (var args in (string[][])[["init", "-q"], ["-c", "user.email=t@t", "-c", "user.name=t", "commit", "-q", "--allow-empty", "-m", "x"]])
            (await ProcessRunner.RunAsync("git", args, repo)).EnsureSuccess();
        var head = (await ProcessRunner.RunAsync("git", ["rev-parse", "HEAD"], repo)).EnsureSuccess().StdOut.Trim();
        var manifest = ReleaseManifest.Detect(repo) with { Build = "4242" };
        await using var session = await FleetSession.ConnectAsync(specs);
        var ops = new FleetOperations(session);
        (await ops.CopyAsync(Deploy(src, remote, "r1") with { Manifest = manifest })).EnsureSuccess();
        (await ops.CopyAsync(Deploy(src, remote, "r2") with { Manifest = manifest, SharedPaths = ["logs/"] })).EnsureSuccess();

        var listed = await ops.ListReleasesAsync(new ReleaseListRequest { BaseFolder = remote });
        foreach (var row in listed.EnsureSuccess())
        {
            output.WriteLine(string.Join("\n", row.Value!.Releases));
            Assert.Equal("2 release(s), current r2", row.Value.Summary);
            Assert.Equal(["r1", "r2"], row.Value.Releases.Select(r => r.Id));
            Assert.Equal([false, true], row.Value.Releases.Select(r => r.Current));
            var m = row.Value.Releases[1].Manifest!;
            Assert.Equal(("r2", head, "4242", Environment.UserName, Environment.MachineName), (m.Id, m.Commit, m.Build, m.User, m.Controller));
            Assert.Equal(2, m.Files);
            Assert.Equal(["logs/"], m.SharedPaths);
            Assert.True(DateTimeOffset.UtcNow - DateTimeOffset.Parse(m.Time, System.Globalization.CultureInfo.InvariantCulture) < TimeSpan.FromMinutes(10));
            Assert.StartsWith($"* r2 (current) commit {head[..12]} build 4242 by {Environment.UserName} on {Environment.MachineName} at ", row.Value.Releases[1].ToString());
        }
        foreach (var local in locals)
        {
            var json = File.ReadAllText(Path.Combine(local, "releases/r1/.rmote-release.json"));
            Assert.Contains("\"id\": \"r1\"", json);
            Assert.Contains($"\"commit\": \"{head}\"", json);
        }
    }

    [Fact]
    public async Task An_unchanged_deploy_with_reuse_keeps_the_current_release_and_creates_no_folder()
    {
        var (remote, locals, specs) = Base("reuse");
        using var src = new TempDir("rmote-src-");
        Rig.Write(src, "app.dll", "v1");
        Rig.Write(src, "wwwroot/site.css", "body{}");
        await using var session = await FleetSession.ConnectAsync(specs);
        var ops = new FleetOperations(session);
        (await ops.CopyAsync(Deploy(src, remote, "r1") with { SharedPaths = ["data/"], ReuseUnchangedRelease = true })).EnsureSuccess();
        Assert.All(locals, l => Assert.Equal("releases/r1", Current(l)));

        var again = await ops.CopyAsync(Deploy(src, remote, "r2") with { SharedPaths = ["data/"], ReuseUnchangedRelease = true });
        output.WriteLine(again.ToTable() + "\n" + again.Note);
        again.EnsureSuccess();
        Assert.All(again, r => Assert.Equal("unchanged, release r1 kept (2 file(s) unchanged)", r.Value!.Summary));
        Assert.All(again, r => Assert.True(r.Value!.Release!.Reused));
        Assert.Equal("unchanged on every host: release r1 kept, no new release", again.Note);
        Assert.All(locals, l => Assert.Equal(["r1"], Directory.GetDirectories(Path.Combine(l, "releases")).Select(Path.GetFileName)));
        Assert.All(locals, l => Assert.Equal("releases/r1", Current(l)));

        Rig.Write(src, "app.dll", "v2");
        var changed = await ops.CopyAsync(Deploy(src, remote, "r3") with { SharedPaths = ["data/"], ReuseUnchangedRelease = true });
        changed.EnsureSuccess();
        Assert.All(changed, r => Assert.False(r.Value!.Release!.Reused));
        Assert.All(locals, l => Assert.Equal("releases/r3", Current(l)));
        Assert.All(locals, l => Assert.True(File.Exists(Path.Combine(l, "releases/r3/.rmote-release.json"))));
    }

    [Fact]
    public async Task A_rollback_restarts_the_services_and_then_runs_the_AfterRollback_hook()
    {
        var (remote, locals, specs) = Base("rollback");
        using var src = new TempDir("rmote-src-");
        Rig.Write(src, "app.dll", "v1");
        await using var session = await FleetSession.ConnectAsync(specs);
        var ops = new FleetOperations(session);
        (await ops.CopyAsync(Deploy(src, remote, "r1"))).EnsureSuccess();
        Rig.Write(src, "app.dll", "v2");
        (await ops.CopyAsync(Deploy(src, remote, "r2"))).EnsureSuccess();

        ReleaseRolledBack? hooked = null;
        var back = await ops.RollbackAsync(new ReleaseRollbackRequest
        {
            BaseFolder = remote,
            AfterRollback = (r, _) => { hooked = r; Assert.All(locals, l => Assert.Equal("releases/r1", Current(l))); return Task.CompletedTask; },
        });
        back.EnsureSuccess();
        Assert.Equal(("r1", remote), (hooked!.ReleaseId, hooked.BaseFolder));
        Assert.Equal(["host1", "host2"], hooked.Hosts);

        (await ops.SwitchReleaseAsync(new ReleaseSwitchRequest { BaseFolder = remote, ReleaseId = "r2" })).EnsureSuccess();
        var hookRan = false;
        // the rig's plain hosts have no systemd: the restart runs on every host after the switch and fails there, naming the unit
        var restarted = await ops.RollbackAsync(new ReleaseRollbackRequest
        {
            BaseFolder = remote, RestartServices = ["rmote-no-such-unit"], ServiceTimeout = TimeSpan.FromSeconds(5),
            AfterRollback = (_, _) => { hookRan = true; return Task.CompletedTask; },
        });
        output.WriteLine(restarted.ToTable() + "\n" + restarted.Note);
        Assert.All(restarted, r => Assert.Contains("rmote-no-such-unit", Assert.IsType<ServiceFailedException>(r.Error).Message));
        Assert.Equal("rolled back to release r1 on every host; restarting rmote-no-such-unit failed on host1, host2", restarted.Note);
        Assert.All(locals, l => Assert.Equal("releases/r1", Current(l)));
        Assert.False(hookRan);  // the hook follows a successful restart only
    }
}
