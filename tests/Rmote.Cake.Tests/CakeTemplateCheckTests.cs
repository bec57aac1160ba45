using Rmote.Cake.Tests.Support;
using Rmote.TestRig;

namespace Rmote.Cake.Tests;

/// <summary>
/// Issue 18, templates validated once on the controller, under a real <c>dotnet cake</c>: a template file with a syntax
/// error fails the alias with the file and line (<c>path:6:</c>), before any host is logged into (sshd's log).
/// </summary>
[Collection("ssh")]
public sealed class CakeTemplateCheckTests(SshFleetFixture rig, ITestOutputHelper output)
{
    [Fact]
    public async Task A_broken_template_file_fails_with_its_file_and_line_and_no_host_is_logged_into()
    {
        var feed = await PackedFeed.GetAsync();
        using var dir = new TempDir("rmote-cake-tplcheck-");
        dir.WriteFile("templates/app.conf.tmpl", "# app.conf\nport=${port}\n% for h in hosts\nupstream ${h | shell}\n% endfor\nmax=${max(1,}\n");
        var script = dir.WriteFile("build.cake", CakeRunner.AddinLine(feed) + $$"""

            var hosts = Argument<string>("hosts").Split(',');
            Task("Default").Does(() =>
            {
                RmoteTemplate(hosts, File("./templates/app.conf.tmpl"), "/srv/cake-tplcheck/app.conf", new RmoteTemplateSettings()
                    .WithIdentity("{{rig.Fleet.IdentityFile}}").WithKnownHostsFile("{{rig.Fleet.KnownHostsFile}}"));
            });
            RunTarget("Default");
            """);
        var logins = rig.Hosts.Select(h => h.Logins()).ToList();

        var r = await CakeRunner.RunAsync(feed, script, "--hosts=" + string.Join(',', rig.Hosts.Select(h => h.Target)));
        var text = CakeRunner.Text(r);
        output.WriteLine(text);

        Assert.False(r.Succeeded, text);
        Assert.Equal(logins, rig.Hosts.Select(h => h.Logins()).ToList());
        Assert.Contains($"RmoteTemplate: {dir.Combine("templates", "app.conf.tmpl")}:6: invalid template (", text);
        Assert.Contains("): max=${max(1,}", text);
        foreach (var h in rig.Hosts) Assert.False(Directory.Exists(Path.Combine(h.SrvRoot, "cake-tplcheck")), $"{h.Name} was written to");
    }
}
