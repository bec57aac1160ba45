using System.Text.Json;
using Rmote.TestRig;

namespace Rmote.MSBuild.Tests;

/// <summary>
/// Issue 18, templates as users expect, through a real <c>dotnet msbuild</c> on the rig's sshd hosts: variables from
/// <c>RmoteHost</c> metadata and <c>RmoteHostGroup</c> items (a host's own win over its groups', which win over the
/// step's), escaping filters (a value with quotes gives valid JSON), and one error for a template that fails the same
/// way on every host.
/// </summary>
[Collection("msbuild-ssh")]
public sealed class TemplateInventoryTests(SshFleetFixture rig, PackedFeed feed)
{
    [Fact]
    public async Task Hosts_render_their_own_and_their_groups_variables_and_one_error_names_every_host_that_failed_alike()
    {
        var hosts = rig.Hosts.Take(3).ToList();
        var dest = HostPaths.NewRemote(hosts[0], "inventory");
        using var p = new TestProject(feed, $"""
              <ItemGroup>
                {TestProject.HostItem(hosts[0], "Role=\"api\" Group=\"web\"")}
                {TestProject.HostItem(hosts[1], "Role=\"worker\" Group=\"web;eu\"")}
                {TestProject.HostItem(hosts[2])}
                <RmoteHostGroup Include="web" Region="us" Tier="front" />
                <RmoteHostGroup Include="eu" Region="eu" />
                <TemplateVariable Include="Role" Value="none" />
                <TemplateVariable Include="Region" Value="nowhere" />
                <TemplateVariable Include="Tier" Value="-" />
                <TemplateVariable Include="Message" Value="say &quot;hi&quot;" />
              </ItemGroup>
              <Target Name="Render">
                <RmoteTemplate Hosts="@(RmoteHost)" HostGroups="@(RmoteHostGroup)" Variables="@(TemplateVariable)" DestinationFile="{dest}/vars.txt"
                  Template="{"role=${Role} region=${Region} tier=${Tier} groups=${','.join(rmote_groups)} host=${rmote_host}"}" />
                <RmoteTemplate Hosts="@(RmoteHost)" HostGroups="@(RmoteHostGroup)" Variables="@(TemplateVariable)" DestinationFile="{dest}/app.json"
                  Template='{"{\"role\": ${Role | json}, \"message\": ${Message | json}, \"url\": \"/q?m=${Message | url}\"}"}' />
              </Target>
              <Target Name="Fail">
                <RmoteTemplate Hosts="@(RmoteHost)" Template="{"port=${no_such_variable}"}" DestinationFile="{dest}/bad.conf" ContinueOnError="ErrorAndContinue" />
                <RmoteTemplate Hosts="@(RmoteHost)" Template="{"port=${int(rmote_host)}"}" DestinationFile="{dest}/bad.conf" ContinueOnError="ErrorAndContinue" />
              </Target>
            """);
        var r = await p.RunAsync("Render");
        var log = TestProject.Log(r);
        Assert.True(r.ExitCode == 0, log);
        string Read(SshHost h, string file) => File.ReadAllText(Path.Combine(HostPaths.Local(h, dest), file));
        Assert.Equal($"role=api region=us tier=front groups=web host={hosts[0].Name}", Read(hosts[0], "vars.txt"));
        // Groups apply in the order the host lists them: eu's Region wins over web's; the host's own Role over both.
        Assert.Equal($"role=worker region=eu tier=front groups=web,eu host={hosts[1].Name}", Read(hosts[1], "vars.txt"));
        Assert.Equal($"role=none region=nowhere tier=- groups= host={hosts[2].Name}", Read(hosts[2], "vars.txt"));
        foreach (var (h, role) in hosts.Zip(["api", "worker", "none"]))
        {
            using var json = JsonDocument.Parse(Read(h, "app.json"));
            Assert.Equal(role, json.RootElement.GetProperty("role").GetString());
            Assert.Equal("say \"hi\"", json.RootElement.GetProperty("message").GetString());
            Assert.Equal("/q?m=say%20%22hi%22", json.RootElement.GetProperty("url").GetString());
        }

        var failed = await p.RunAsync("Fail");
        var failLog = TestProject.Log(failed);
        Assert.NotEqual(0, failed.ExitCode);
        // The same NameError on every host: one error (the console repeats errors in its summary: count distinct lines).
        var same = failLog.Split('\n').Select(l => l.Trim()).Where(l => l.Contains("no_such_variable", StringComparison.Ordinal) && l.Contains("error RMT0008")).Distinct().ToList();
        var names = string.Join(", ", hosts.Select(h => h.Name));
        Assert.True(same.Count == 1, string.Join("\n", same) + "\n---\n" + failLog);
        var expected = $"error RMT0008: {names}: RmoteTemplate failed: NameError: name 'no_such_variable' is not defined (template line 1: port=";
        Assert.True(same[0].Contains(expected, StringComparison.Ordinal), same[0]);
        // A failure that differs by host (its message quotes the host's label) stays one error per host.
        foreach (var h in hosts)
            Assert.Contains($"error RMT0008: {h.Name}: RmoteTemplate failed: ValueError: invalid literal for int() with base 10: '{h.Name}'", failLog);
    }
}
