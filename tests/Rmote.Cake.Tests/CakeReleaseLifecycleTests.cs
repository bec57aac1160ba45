using Rmote.Cake.Tests.Support;
using Rmote.TestRig;

namespace Rmote.Cake.Tests;

/// <summary>The release lifecycle through a real `dotnet cake` script on the rig's sshd hosts: shared paths, BeforeSwitch, reuse, listing, rollback hooks.</summary>
[Collection("ssh")]
public sealed class CakeReleaseLifecycleTests(SshFleetFixture rig, ITestOutputHelper output)
{
    [Fact]
    public async Task A_script_links_shared_paths_vetoes_a_switch_reuses_an_unchanged_release_lists_and_rolls_back_with_hooks()
    {
        var feed = await PackedFeed.GetAsync();
        using var dir = new TempDir("rmote-cake-life-");
        dir.WriteFile("v1/version.txt", "v1");
        dir.WriteFile("v2/version.txt", "v2");
        File.SetLastWriteTimeUtc(dir.Combine("v1", "version.txt"), DateTime.UtcNow.AddMinutes(-1));
        var name = "cake-life-" + Guid.NewGuid().ToString("n")[..8];
        var script = dir.WriteFile("build.cake", CakeRunner.AddinLine(feed) + $$"""

            var hosts = Argument<string>("hosts").Split(',');
            var app = "/srv/{{name}}";
            T Conn<T>(T s) where T : RmoteSettings => s.WithIdentity("{{rig.Fleet.IdentityFile}}").WithKnownHostsFile("{{rig.Fleet.KnownHostsFile}}");
            RmoteCopySettings Release(string id) => Conn(new RmoteCopySettings()).WithReleases(releaseId: id).WithSharedPaths("appsettings.json", "storage/").WithReuseUnchangedRelease();
            Task("Default").Does(() =>
            {
                RmoteCopy(hosts, "./v1", app, Release("r1"));
                RmoteExec(hosts, $"echo prod > {app}/shared/appsettings.json", Conn(new RmoteExecSettings()));
                try
                {
                    RmoteCopy(hosts, "./v2", app, Release("r2").WithBeforeSwitch(staged =>
                    {
                        RmoteExec(hosts, $"grep -q v2 {staged.ReleaseFolder}/version.txt", Conn(new RmoteExecSettings()));
                        throw new Exception("smoke test failed");
                    }));
                }
                catch (CakeException e)
                {
                    Information("VETOED>> {0}", e.Message);
                }
                RmoteCopy(hosts, "./v2", app, Release("r3").WithBeforeSwitch(staged => Information("HOOK>> {0} staged in {1}", staged.ReleaseId, staged.ReleaseFolder)));
                RmoteCopy(hosts, "./v2", app, Release("r4"));
                RmoteListReleases(hosts, app, Conn(new RmoteListReleasesSettings()));
                RmoteRollback(hosts, app, Conn(new RmoteRollbackSettings()).WithAfterRollback(back => Information("AFTER>> back on {0}", back.ReleaseId)));
                try
                {
                    RmoteRollback(hosts, app, Conn(new RmoteRollbackSettings()).WithToRelease("r3").WithRestartServices("rmote-no-such-unit").WithServiceTimeout(TimeSpan.FromSeconds(5)));
                }
                catch (CakeException e)
                {
                    Information("RESTART>> {0}", e.Message);
                }
            });
            RunTarget("Default");
            """);

        var r = await CakeRunner.RunAsync(feed, script, "--hosts=" + string.Join(',', rig.Hosts.Select(h => h.Target)));
        var text = CakeRunner.Text(r);
        output.WriteLine(text);
        Assert.True(r.Succeeded, text);
        Assert.Contains("VETOED>> RmoteCopy failed on 3 of 3 host(s):", text);
        Assert.Contains("not switched: the BeforeSwitch hook failed: smoke test failed", text);
        Assert.Contains($"HOOK>> r3 staged in /srv/{name}/releases/r3", text);
        Assert.Contains("unchanged, release r3 kept", text);
        Assert.Contains("AFTER>> back on r1", text);
        Assert.Contains("RESTART>> RmoteRollback failed on 3 of 3 host(s):", text);
        Assert.Contains("rmote-no-such-unit", text);
        foreach (var h in rig.Hosts)
        {
            var local = Path.Combine(h.SrvRoot, name);
            Assert.Contains($"{h.Target}: * r3 (current) ", text);
            Assert.Contains($"{h.Target}:   r2 ", text);
            Assert.Equal("releases/r3", new FileInfo(Path.Combine(local, "current")).LinkTarget);   // the restart follows the switch
            Assert.Equal("prod\n", File.ReadAllText(Path.Combine(local, "current/appsettings.json")));
            Assert.Equal("../../shared/appsettings.json", new FileInfo(Path.Combine(local, "releases/r3/appsettings.json")).LinkTarget);
            Assert.False(Directory.Exists(Path.Combine(local, "releases/r4")));
            Assert.Equal("v1", File.ReadAllText(Path.Combine(local, "releases/r1/version.txt")));
        }
    }
}
