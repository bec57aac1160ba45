using System.Text.RegularExpressions;
using Rmote.Cake.Tests.Support;
using Rmote.TestRig;

namespace Rmote.Cake.Tests;

/// <summary>Real `dotnet cake` runs against the rig's three sshd hosts (strict host keys, a /srv of their own each).</summary>
[Collection("ssh")]
public sealed class CakeSshTests(SshFleetFixture rig, ITestOutputHelper output)
{
    string HostList => string.Join(',', rig.Hosts.Select(h => h.Target));

    [Fact]
    public async Task Releases_template_exec_rollback_and_a_failing_host_over_pooled_connections()
    {
        var feed = await PackedFeed.GetAsync();
        using var dir = new TempDir("rmote-cake-ssh-");
        dir.WriteFile("v1/version.txt", "v1");
        dir.WriteFile("v2/version.txt", "v2");
        dir.WriteFile("v2/bin/tool.sh", "#!/bin/sh\necho tool\n");
        // Two builds a minute apart, as in life: size+mtime compare (rsync's rule) must see version.txt changed.
        File.SetLastWriteTimeUtc(dir.Combine("v1", "version.txt"), DateTime.UtcNow.AddMinutes(-1));
        dir.WriteFile("host.tmpl", "host=${rmote_host}\n");
        var broken = rig.Hosts[1];
        File.WriteAllText(Path.Combine(broken.SrvRoot, "broken"), "");
        var script = dir.WriteFile("build.cake", CakeRunner.AddinLine(feed) + $$"""

            var hosts = Argument<string>("hosts").Split(',');
            T Conn<T>(T s) where T : RmoteSettings => s.WithIdentity("{{rig.Fleet.IdentityFile}}").WithKnownHostsFile("{{rig.Fleet.KnownHostsFile}}");
            Task("Default").Does(() =>
            {
                RmoteCopy(hosts, "./v1", "/srv/app", Conn(new RmoteCopySettings()).WithReleases(keep: 2, releaseId: "r1"));
                RmoteCopy(hosts, "./v2", "/srv/app", Conn(new RmoteCopySettings()).WithReleases(keep: 2, releaseId: "r2"));
                RmoteTemplate(hosts, "./host.tmpl", "/srv/app/host.conf", Conn(new RmoteTemplateSettings()));
                RmoteExec(hosts, "cat /srv/app/current/version.txt", Conn(new RmoteExecSettings()));
                RmoteRollback(hosts, "/srv/app", Conn(new RmoteRollbackSettings()));
                RmoteWaitForHealthyCommand(hosts, new[] { "test", "-f", "/srv/app/current/version.txt" }, Conn(new RmoteWaitForHealthySettings()));
                try
                {
                    RmoteExec(hosts, "test ! -e /srv/broken || { echo broken here >&2; exit 5; }", Conn(new RmoteExecSettings()));
                }
                catch (CakeException e)
                {
                    Information("CAUGHT>> {0}", e.Message);
                }
            });
            RunTarget("Default");
            """);

        var r = await CakeRunner.RunAsync(feed, script, "--hosts=" + HostList, "--verbosity=verbose");
        var text = CakeRunner.Text(r);
        output.WriteLine(text);

        Assert.True(r.Succeeded, text);
        foreach (var h in rig.Hosts)
        {
            Assert.Contains($"[{h.Target}] v2", text);
            Assert.Equal("releases/r1", new FileInfo(Path.Combine(h.SrvRoot, "app", "current")).LinkTarget?.TrimEnd('/').Split("/srv/app/").Last());
            Assert.Equal("v2", File.ReadAllText(Path.Combine(h.SrvRoot, "app", "releases", "r2", "version.txt")));
            Assert.Equal($"host={h.Target}\n", File.ReadAllText(Path.Combine(h.SrvRoot, "app", "host.conf")));
        }
        var caught = text[text.IndexOf("CAUGHT>>", StringComparison.Ordinal)..];
        Assert.Contains("RmoteExec failed on 1 of 3 host(s)", caught);
        Assert.Contains($"{broken.Target}: failed", caught);
        Assert.Contains("exited with code 5", caught);
        Assert.Contains("broken here", caught);
        // Seven steps, three hosts: one connection per host, reused by every alias.
        Assert.Equal(3, Regex.Matches(text, @"\] connected: Python").Count);
    }

    [Fact]
    public async Task The_Cake_sample_deploys_HelloApp_to_three_ssh_hosts()
    {
        var feed = await PackedFeed.GetAsync();
        using var dir = new TempDir("rmote-cake-sample-");
        var sample = dir.Combine("samples", "Cake");
        Repo.CopyTree(Path.Combine(Repo.Root, "samples", "Cake"), sample);
        // The sample pins the version `dotnet pack` makes; this run's feed has its own.
        var script = Path.Combine(sample, "build.cake");
        var lines = File.ReadAllLines(script).Select(l => l.StartsWith("#addin nuget:?package=Cake.Rmote", StringComparison.Ordinal) ? CakeRunner.AddinLine(feed) : l);
        File.WriteAllLines(script, lines);
        Repo.CopySampleProps(dir.Combine("samples"));

        var r = await CakeRunner.RunAsync(feed, script, "--hosts=" + HostList, "--identity=" + rig.Fleet.IdentityFile,
            "--known-hosts=" + rig.Fleet.KnownHostsFile, "--dest=/srv/hello");
        var text = CakeRunner.Text(r);
        output.WriteLine(text);
        Directory.CreateDirectory(Path.Combine(Repo.Root, "build", "out"));
        File.WriteAllText(Path.Combine(Repo.Root, "build", "out", "cake-sample-ssh.log"), text);

        Assert.True(r.Succeeded, text);
        foreach (var h in rig.Hosts)
        {
            Assert.True(File.Exists(Path.Combine(h.SrvRoot, "hello", "current", "HelloApp.dll")), h.Name);
            Assert.Contains($"host={h.Target}", File.ReadAllText(Path.Combine(h.SrvRoot, "hello", "hello.conf")));
            Assert.Contains($"[{h.Target}] config: greeting=hello from Cake", text);
        }
    }
}
