using Rmote.Nuke;
using Rmote.TestRig;

namespace Rmote.Nuke.Tests;

/// <summary>
/// Issue 18, templates validated once on the controller, through Rmote.Nuke's task as a Nuke build calls it: a template
/// file with a syntax error throws <see cref="RmoteTaskException"/> naming the file and line (<c>path:6:</c>), before
/// any host is logged into (sshd's log).
/// </summary>
[Collection("ssh")]
public sealed class NukeTemplateCheckTests(SshFleetFixture rig)
{
    [Fact]
    public void A_broken_template_file_throws_with_its_file_and_line_and_no_host_is_logged_into()
    {
        using var dir = new TempDir("rmote-nuke-tplcheck-");
        var file = dir.WriteFile("templates/app.conf.tmpl", "# app.conf\nport=${port}\n% for h in hosts\nupstream ${h | shell}\n% endfor\nmax=${max(1,}\n");
        var logins = rig.Hosts.Select(h => h.Logins()).ToList();

        var e = Assert.Throws<RmoteTaskException>(() => RmoteTasks.RmoteTemplate(s => s
            .SetHosts(rig.Hosts.Select(h => h.Target))
            .SetIdentity(rig.Fleet.IdentityFile)
            .SetKnownHostsFile(rig.Fleet.KnownHostsFile)
            .SetTemplateFile(file)
            .SetDestinationFile("/srv/nuke-tplcheck/app.conf")));

        Assert.Equal(logins, rig.Hosts.Select(h => h.Logins()).ToList());
        Assert.StartsWith($"RmoteTemplate: {file}:6: invalid template (", e.Message, StringComparison.Ordinal);
        Assert.EndsWith("): max=${max(1,}", e.Message, StringComparison.Ordinal);
        foreach (var h in rig.Hosts) Assert.False(Directory.Exists(Path.Combine(h.SrvRoot, "nuke-tplcheck")), $"{h.Name} was written to");
    }
}
