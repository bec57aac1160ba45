using Rmote.Cake.Tests.Support;
using Rmote.TestRig;

namespace Rmote.Cake.Tests;

/// <summary><c>dotnet cake --RmoteWhatIf</c> against the rig's sshd hosts: every alias prints its plan, nothing on the hosts changes.</summary>
[Collection("ssh")]
public sealed class CakeWhatIfTests(SshFleetFixture rig, ITestOutputHelper output)
{
    [Fact]
    public async Task RmoteWhatIf_prints_each_aliass_plan_and_leaves_every_deploy_base_as_it_was()
    {
        var feed = await PackedFeed.GetAsync();
        using var dir = new TempDir("rmote-cake-whatif-");
        var name = "cake-whatif-" + Guid.NewGuid().ToString("n")[..8];
        var dest = "/srv/" + name;
        dir.WriteFile("site/index.html", "v1");
        dir.WriteFile("site/old.html", "old page");
        dir.WriteFile("app.conf.tpl", "port=${port}\nname=demo\n");
        var script = dir.WriteFile("build.cake", CakeRunner.AddinLine(feed) + $$"""

            var hosts = Argument<string>("hosts").Split(',');
            T Conn<T>(T s) where T : RmoteSettings => s.WithIdentity("{{rig.Fleet.IdentityFile}}").WithKnownHostsFile("{{rig.Fleet.KnownHostsFile}}");
            Task("Default").Does(() =>
            {
                RmoteCopy(hosts, "./site", "{{dest}}", Conn(new RmoteCopySettings()).WithReleases(keep: 3, releaseId: Argument<string>("release")).WithDeleteExtraneous());
                RmoteTemplate(hosts, "./app.conf.tpl", "{{dest}}/app.conf", Conn(new RmoteTemplateSettings()).WithVariable("port", Argument<string>("port")));
                RmoteExec(hosts, "touch {{dest}}/ran", Conn(new RmoteExecSettings()));
                if (HasArgument("RmoteWhatIf")) RmoteServiceRestart(hosts, "app.service", Conn(new RmoteServiceRestartSettings()));
            });
            RunTarget("Default");
            """);
        var hostList = "--hosts=" + string.Join(',', rig.Hosts.Select(h => h.Target));
        var first = await CakeRunner.RunAsync(feed, script, hostList, "--release=r1", "--port=80");
        Assert.True(first.Succeeded, CakeRunner.Text(first));

        dir.WriteFile("site/index.html", "version two");
        File.Delete(dir.Combine("site", "old.html"));
        var before = rig.Hosts.Select(h => TreeSnapshot.WithMetadata(Path.Combine(h.SrvRoot, name))).ToList();
        var r = await CakeRunner.RunAsync(feed, script, hostList, "--release=r2", "--port=8080", "--RmoteWhatIf");
        var text = CakeRunner.Text(r);
        output.WriteLine(text);
        Assert.True(r.Succeeded, text);

        Assert.Equal(before, rig.Hosts.Select(h => TreeSnapshot.WithMetadata(Path.Combine(h.SrvRoot, name))));
        var hosts = string.Join(", ", rig.Hosts.Select(h => h.Target));
        Assert.Contains("WhatIf RmoteCopy: nothing was changed on the hosts", text);
        Assert.Contains($"  {hosts}: release r2 would become current (now r1); would copy 1 file(s) (11 bytes), delete 1 (8 bytes), 0 unchanged", text);
        Assert.Contains("    copy   index.html (11 bytes)", text);
        Assert.Contains("    delete old.html (8 bytes)", text);
        Assert.Contains($"  {hosts}: would change {dest}/app.conf", text);
        Assert.Contains("    -port=80", text);
        Assert.Contains("    +port=8080", text);
        Assert.Contains($"  {hosts}: would run: touch {dest}/ran", text);
        Assert.Contains($"  {hosts}: would restart app.service", text);
    }
}
