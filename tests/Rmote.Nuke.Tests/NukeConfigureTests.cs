using System.Text.Json;
using Rmote.Nuke;
using Rmote.TestRig;

namespace Rmote.Nuke.Tests;

/// <summary>
/// Issue 18, Nuke idiom and templates, in-process against the rig's hosts: a stored <see cref="Configure{T}"/> (Nuke's
/// configurator shape) passed to the tasks, host and group variables, a JSON filter, and a template failing alike on
/// every host reported as one line naming them all.
/// </summary>
[Collection("ssh")]
public sealed class NukeConfigureTests(SshFleetFixture rig)
{
    [Fact]
    public void Stored_configurators_run_and_templates_get_host_and_group_variables()
    {
        using var dir = new TempDir("rmote-nuke-configure-");
        dir.WriteFile("site/index.html", "configured");
        var tmpl = dir.WriteFile("app.json.tmpl", "{\"role\": ${role | json}, \"region\": ${region | json}, \"message\": ${message | json}}\n");
        var bad = dir.WriteFile("bad.tmpl", "x=${no_such_variable}\n");
        var hosts = rig.Hosts.Select(h => h.Target).ToList();
        var dest = "/srv/nuke-configure-" + Guid.NewGuid().ToString("n")[..8];

        // Stored as Nuke users store theirs, then passed to the tasks.
        Configure<RmoteCopySettings> copy = s => s.SetHosts(hosts).SetIdentity(rig.Fleet.IdentityFile).SetKnownHostsFile(rig.Fleet.KnownHostsFile)
            .SetSourceFolder(dir.Combine("site")).SetDestinationFolder(dest);
        Configure<RmoteTemplateSettings> connect = s => s.SetHosts(hosts).SetIdentity(rig.Fleet.IdentityFile).SetKnownHostsFile(rig.Fleet.KnownHostsFile);
        Configure<RmoteTemplateSettings> render = s => connect(s).SetTemplateFile(tmpl).SetDestinationFile(dest + "/app.json")
            .AddVariables("role", "none").AddVariables("region", "nowhere").AddVariables("message", "say \"hi\"")
            .AddHostVariable(hosts[0], "role", "api")
            .AddHostGroups(hosts[1], "eu").AddGroupVariable("eu", "region", "eu");
        try
        {
            Assert.True(RmoteTasks.RmoteCopy(copy).AllSucceeded);
            Assert.True(RmoteTasks.RmoteTemplate(render).AllSucceeded);
            var e = Assert.Throws<RmoteTaskException>(() => RmoteTasks.RmoteTemplate(s => connect(s).SetTemplateFile(bad).SetDestinationFile(dest + "/bad.conf")));
            Assert.Contains("RmoteTemplate failed on 3 of 3 host(s):", e.Message);
            Assert.Contains($"  {string.Join(", ", hosts)}: failed - NameError: name 'no_such_variable' is not defined", e.Message);
            Assert.Single(e.Message.Split('\n'), l => l.Contains(": failed - ", StringComparison.Ordinal));
            // A host variable for a host the step does not have is a typo: refused before anything runs, naming it.
            var typo = Assert.Throws<RmoteTaskException>(() => RmoteTasks.RmoteTemplate(s => render(s).AddHostVariable("web99", "role", "x")));
            Assert.Contains("Host variables name host 'web99', which is not one of this step's hosts", typo.Message);
        }
        finally
        {
            RmoteTasks.RmoteDisconnect();
        }
        foreach (var (h, role, region) in rig.Hosts.Zip(new[] { ("api", "nowhere"), ("none", "eu"), ("none", "nowhere") }, (h, x) => (h, x.Item1, x.Item2)))
        {
            var local = Path.Combine(h.SrvRoot, dest["/srv/".Length..]);
            Assert.Equal("configured", File.ReadAllText(Path.Combine(local, "index.html")));
            using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(local, "app.json")));
            Assert.Equal(role, json.RootElement.GetProperty("role").GetString());
            Assert.Equal(region, json.RootElement.GetProperty("region").GetString());
            Assert.Equal("say \"hi\"", json.RootElement.GetProperty("message").GetString());
        }
    }
}
