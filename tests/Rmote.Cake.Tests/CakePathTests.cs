using Rmote.Cake.Tests.Support;
using Rmote.TestRig;

namespace Rmote.Cake.Tests;

/// <summary>
/// Issue 18, Cake idiom and templates, through a real <c>dotnet cake</c> on the rig's sshd hosts: aliases take Cake's
/// <c>DirectoryPath</c>/<c>FilePath</c> (made absolute against Cake's working folder, here not the process's), host
/// and group variables reach the template, a JSON filter keeps quotes valid, and a template failing alike everywhere is
/// one line of the failure naming every host.
/// </summary>
[Collection("ssh")]
public sealed class CakePathTests(SshFleetFixture rig, ITestOutputHelper output)
{
    [Fact]
    public async Task Aliases_take_DirectoryPath_and_FilePath_and_templates_get_host_and_group_variables()
    {
        var feed = await PackedFeed.GetAsync();
        using var dir = new TempDir("rmote-cake-paths-");
        // The script moves Cake's working folder to work/: relative Cake paths resolve there, not in the process's folder.
        dir.WriteFile("work/site/index.html", "paths");
        dir.WriteFile("work/tmpl/app.json.tmpl", "{\"role\": ${role | json}, \"region\": ${region | json}, \"message\": ${message | json}}\n");
        dir.WriteFile("work/tmpl/bad.tmpl", "x=${no_such_variable}\n");
        var dest = "/srv/cake-paths-" + Guid.NewGuid().ToString("n")[..8];
        var script = dir.WriteFile("build.cake", CakeRunner.AddinLine(feed) + $$"""

            var hosts = Argument<string>("hosts").Split(',');
            T Conn<T>(T s) where T : RmoteSettings => s.WithIdentity(File("{{rig.Fleet.IdentityFile}}")).WithKnownHostsFile(File("{{rig.Fleet.KnownHostsFile}}"));
            Task("Default").Does(() =>
            {
                Context.Environment.WorkingDirectory = Context.Environment.WorkingDirectory.Combine("work");
                DirectoryPath site = Directory("./site");
                FilePath template = Directory("./tmpl") + File("app.json.tmpl");
                RmoteCopy(hosts, site, "{{dest}}", Conn(new RmoteCopySettings()));
                RmoteTemplate(hosts, template, "{{dest}}/app.json", Conn(new RmoteTemplateSettings())
                    .WithVariable("role", "none").WithVariable("region", "nowhere").WithVariable("message", "say \"hi\"")
                    .WithHostVariable(hosts[0], "role", "api")
                    .WithHostGroups(hosts[1], "eu").WithGroupVariable("eu", "region", "eu"));
                try
                {
                    RmoteTemplate(hosts, File("./tmpl/bad.tmpl"), "{{dest}}/bad.conf", Conn(new RmoteTemplateSettings()));
                }
                catch (CakeException e)
                {
                    Information("CAUGHT>> {0}", e.Message);
                }
            });
            RunTarget("Default");
            """);

        var hosts = rig.Hosts.Take(3).ToList();
        var r = await CakeRunner.RunAsync(feed, script, "--hosts=" + string.Join(',', hosts.Select(h => h.Target)), "--verbosity=verbose");
        var text = CakeRunner.Text(r);
        output.WriteLine(text);
        Assert.True(r.Succeeded, text);
        var local = dest["/srv/".Length..];
        foreach (var (h, role, region) in new[] { (hosts[0], "api", "nowhere"), (hosts[1], "none", "eu"), (hosts[2], "none", "nowhere") })
        {
            Assert.Equal("paths", File.ReadAllText(Path.Combine(h.SrvRoot, local, "index.html")));
            using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(h.SrvRoot, local, "app.json")));
            Assert.Equal(role, json.RootElement.GetProperty("role").GetString());
            Assert.Equal(region, json.RootElement.GetProperty("region").GetString());
            Assert.Equal("say \"hi\"", json.RootElement.GetProperty("message").GetString());
        }
        var caught = text[text.IndexOf("CAUGHT>>", StringComparison.Ordinal)..];
        Assert.Contains("RmoteTemplate failed on 3 of 3 host(s):", caught);
        // One line for the three hosts, not one per host.
        Assert.Contains($"  {string.Join(", ", hosts.Select(h => h.Target))}: failed - NameError: name 'no_such_variable' is not defined", caught);
        // (The per-host table below it keeps a row per host.)
        Assert.Single(caught.Split('\n'), l => l.Contains(": failed - ", StringComparison.Ordinal));
    }
}
