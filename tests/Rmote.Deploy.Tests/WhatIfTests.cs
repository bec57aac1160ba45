using Rmote.Fleet;
using Rmote.TestRig;

namespace Rmote.Deploy.Tests;

/// <summary>
/// Check mode (<see cref="FleetOperations.WhatIf"/>) on the rig's sshd hosts: every step reports what it would do, and
/// the hosts' deploy bases (hidden files, modes and times included) are the same before and after.
/// </summary>
[Collection("ssh")]
public sealed class WhatIfTests(SshFleetFixture rig)
{
    [Fact]
    public async Task Every_step_previews_its_changes_and_leaves_the_hosts_untouched()
    {
        var (dest, _) = Rig.Dest(rig.Hosts[0], "whatif");
        using var src = new TempDir("rmote-whatif-src-");
        Rig.Write(src, "app.dll", "version 1");
        Rig.Write(src, "data/seed.json", "{}");
        Rig.Write(src, ".env.defaults", "A=1");
        Rig.Write(src, "old.txt", "to be removed");
        await using var session = await FleetSession.ConnectAsync(rig.Hosts.Select(Rig.Spec).ToList());
        var ops = new FleetOperations(session);
        CopyRequest Deploy(string id) => new()
        {
            Source = CopySource.FromFolder(src), Options = new CopyOptions { DestinationFolder = dest }, UseReleases = true, ReleaseId = id, KeepReleases = 2,
        };
        (await ops.CopyAsync(Deploy("r1"))).EnsureSuccess();
        Rig.Write(src, "app.dll", "version 2!");
        (await ops.CopyAsync(Deploy("r2"))).EnsureSuccess();
        var conf = dest + "/app.conf";
        TemplateRequest Conf(int port) => new() { Text = "port=${port}\nname=demo\n", Variables = new Dictionary<string, object?> { ["port"] = port }, Path = conf };
        (await ops.RenderTemplateAsync(Conf(80))).EnsureSuccess();

        // The change to preview: one file changed, one deleted, the template's port, a command and a service.
        Rig.Write(src, "app.dll", "version 3 is longer");
        File.Delete(Path.Combine(src, "old.txt"));
        var before = rig.Hosts.Select(h => TreeSnapshot.WithMetadata(Rig.Local(h, dest))).ToList();

        var check = new FleetOperations(session) { WhatIf = true };
        var copy = (await check.CopyAsync(Deploy("r3"))).EnsureSuccess();
        var template = (await check.RenderTemplateAsync(Conf(8080))).EnsureSuccess();
        var exec = (await check.ExecAsync(new ExecRequest { ShellCommand = $"touch {dest}/ran" })).EnsureSuccess();
        var service = (await check.RestartServicesAsync(new ServiceRestartRequest { Names = ["app.service"] })).EnsureSuccess();
        var rollback = (await check.RollbackAsync(new ReleaseRollbackRequest { BaseFolder = dest })).EnsureSuccess();
        var plain = (await check.CopyAsync(new CopyRequest
        {
            Source = CopySource.FromFolder(src), Options = new CopyOptions { DestinationFolder = dest + "/current", DeleteExtraneous = true },
        })).EnsureSuccess();

        Assert.Equal(before, rig.Hosts.Select(h => TreeSnapshot.WithMetadata(Rig.Local(h, dest))));
        foreach (var h in rig.Hosts)
        {
            var c = copy[h.Name].Value!.Plan!;
            Assert.Equal(new[] { new PlannedFile("app.dll", 19) }, c.Copy!.Copy);
            Assert.Equal(new[] { new PlannedFile("old.txt", 13) }, c.Copy.Delete);
            Assert.Equal(("r3", "r2", "r1"), (c.Release!.ReleaseId, c.Release.Current, string.Join(",", c.Release.Pruned)));
            Assert.Equal("release r3 would become current (now r2); would prune r1; would copy 1 file(s) (19 bytes), delete 1 (13 bytes), 2 unchanged", c.Summary);
            Assert.Equal(new[] { "copy   app.dll (19 bytes)", "delete old.txt (13 bytes)" }, c.Details());
            Assert.Equal(c.Copy.Copy, plain[h.Name].Value!.Plan!.Copy!.Copy);
            // A plain copy into the release folder would also delete the release's own manifest, which a new release
            // never takes from the current one: the release preview leaves it out, as the deploy does.
            Assert.Equal([ReleaseManifest.FileName, "old.txt"], plain[h.Name].Value!.Plan!.Copy!.Delete.Select(f => f.Path));

            var t = template[h.Name].Value!.Plan!.Template!;
            Assert.True(t.Changed);
            Assert.Contains("-port=80\n+port=8080\n", t.Diff);
            Assert.Contains($"--- {conf} (on the host)", t.Diff);
            Assert.Equal("would run: touch " + dest + "/ran", exec[h.Name].Value!.Summary);
            Assert.Equal("would restart app.service", service[h.Name].Value!.Summary);
            Assert.Equal("release r1 would become current (now r2)", rollback[h.Name].Value!.Summary);
        }
        var text = PlanText.For("RmoteCopy", copy)!;
        Assert.StartsWith("WhatIf RmoteCopy: nothing was changed on the hosts\n  " + string.Join(", ", rig.Hosts.Select(h => h.Name)) + ": release r3", text);
        Assert.EndsWith("\n    copy   app.dll (19 bytes)\n    delete old.txt (13 bytes)", text);
    }

    [Fact]
    public async Task A_first_deploy_previews_every_file_and_creates_no_base()
    {
        var (dest, local) = Rig.Dest(rig.Hosts[0], "whatif-new");
        using var src = new TempDir("rmote-whatif-src-");
        Rig.Write(src, "a.txt", "abc");
        await using var session = await FleetSession.ConnectAsync([Rig.Spec(rig.Hosts[0])]);
        var check = new FleetOperations(session) { WhatIf = true };
        var copy = await check.CopyAsync(new CopyRequest
        {
            Source = CopySource.FromFolder(src), Options = new CopyOptions { DestinationFolder = dest }, UseReleases = true, ReleaseId = "r1",
        });
        var plan = copy.EnsureSuccess()[rig.Hosts[0].Name].Value!.Plan!;
        Assert.Equal("release r1 would become current (now none); would copy 1 file(s) (3 bytes), delete 0 (0 bytes), 0 unchanged", plan.Summary);
        var template = await check.RenderTemplateAsync(new TemplateRequest { Text = "x=1\n", Path = dest + "/sub/new.conf", CreateDirectory = true });
        Assert.Contains("--- /dev/null", template.EnsureSuccess()[rig.Hosts[0].Name].Value!.Plan!.Template!.Diff);
        Assert.False(Directory.Exists(local));
    }
}
