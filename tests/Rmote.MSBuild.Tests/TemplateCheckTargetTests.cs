using Rmote.TestRig;

namespace Rmote.MSBuild.Tests;

/// <summary>
/// Issue 18, templates validated once on the controller: a real <c>dotnet msbuild</c> with a template file that has a
/// syntax error fails with RMT0001 at the template file's line (where an editor jumps), and an inline template at the
/// task naming the template's line; no host is logged into (sshd's log) and nothing is written on them.
/// </summary>
[Collection("msbuild-ssh")]
public sealed class TemplateCheckTargetTests(SshFleetFixture rig, PackedFeed feed)
{
    [Fact]
    public async Task A_broken_template_fails_once_at_its_file_and_line_before_any_host_is_logged_into()
    {
        var hosts = rig.Hosts.Take(2).ToList();
        var dest = HostPaths.NewRemote(hosts[0], "tplcheck");
        using var p = new TestProject(feed, $"""
              <ItemGroup>
                {string.Join("\n    ", hosts.Select(TestProject.HostItem))}
              </ItemGroup>
              <Target Name="Render">
                <RmoteTemplate Hosts="@(RmoteHost)" TemplateFile="templates/app.conf.tmpl" DestinationFile="{dest}/app.conf" Properties="port=80" ContinueOnError="ErrorAndContinue" />
                <RmoteTemplate Hosts="@(RmoteHost)" Template="{"ok&#10;port=${port | json"}" DestinationFile="{dest}/inline.conf" Properties="port=80" />
              </Target>
            """);
        p.Write("templates/app.conf.tmpl", "# app.conf\nport=${port}\n% for h in hosts\nupstream ${h | shell}\n% endfor\nmax=${max(1,}\n");
        var logins = hosts.Select(h => h.Logins()).ToList();

        var r = await p.RunAsync("Render");
        var log = TestProject.Log(r);

        Assert.NotEqual(0, r.ExitCode);
        // No host was logged into: the check ran on the controller, before any connection.
        Assert.Equal(logins, hosts.Select(h => h.Logins()).ToList());
        var file = Path.Combine(p.Folder, "templates", "app.conf.tmpl");
        Assert.Contains($"{file}(6): error RMT0001: invalid template (", log);
        Assert.Contains("): max=${max(1,}", log);
        Assert.Contains("error RMT0001: Template line 2: unterminated '${' (an expression closes with '}' on the same line; write '\\${' for a literal '${'): "
            + "port=${port | json", log);
        // Once each, not once per host.
        Assert.Single(log.Split('\n').Select(l => l.Trim()).Where(l => l.Contains("max=${max(1,}", StringComparison.Ordinal)).Distinct());
        foreach (var h in hosts) Assert.False(Directory.Exists(HostPaths.Local(h, dest)), $"{h.Name} was written to");
    }
}
