using System.Text.RegularExpressions;
using Rmote.TestRig;

namespace Rmote.MSBuild.Tests;

/// <summary>
/// Issue 18, "MSBuild Exec's names", through real <c>dotnet msbuild</c> runs against the rig's sshd hosts: RmoteExec's
/// Command is a shell line (as Exec's), Arguments the argv; EchoOff, IgnoreStandardErrorWarningFormat and the custom
/// expressions behave as in Exec for the remote output; relative remote paths land under $(RmoteDeployFolder) or are
/// refused; a bad mode fails once, before any host is contacted.
/// </summary>
[Collection("msbuild-ssh")]
public sealed class ExecLikeMsBuildTests(SshFleetFixture rig, PackedFeed feed)
{
    const string Tpl = "x=${x}";

    static string Hosts(IEnumerable<SshHost> hosts, string extra = "") => string.Join("\n    ", hosts.Select(h => TestProject.HostItem(h, extra)));

    [Fact]
    public async Task A_shell_line_an_argv_with_spaces_echo_off_and_warning_lines_behave_as_in_exec()
    {
        var marker = Guid.NewGuid().ToString("n")[..8];
        using var p = new TestProject(feed, $"""
              <ItemGroup>
                {Hosts(rig.Hosts)}
              </ItemGroup>
              <Target Name="Good">
                <RmoteExec Hosts="@(RmoteHost)" Command="echo restarting; echo done | tr a-z A-Z" />
                <!-- an item list: MSBuild turns a backslash into / in items on Unix, so the newline is %0A -->
                <RmoteExec Hosts="@(RmoteHost)" Arguments="printf;[%s]%0A;two words;it's &quot;quoted&quot;" />
                <RmoteExec Hosts="@(RmoteHost)" Command="echo shown-output-{marker} # shown-command-{marker}" />
                <RmoteExec Hosts="@(RmoteHost)" Command="echo hidden-output-{marker} # hidden-command-{marker}" EchoOff="true" />
                <RmoteExec Hosts="@(RmoteHost)" Command="echo 'migrate : warning MIG0002: column dropped'; echo 'error XX1234: only text here'"
                           IgnoreStandardErrorWarningFormat="false" CustomErrorRegularExpression="^never$" />
              </Target>
            """);

        var r = await p.RunAsync("Good", "detailed");
        var log = TestProject.Log(r);

        Assert.Contains($"RmoteExec: echo shown-output-{marker} # shown-command-{marker}", log);  // a command is logged at normal importance...
        Assert.DoesNotContain($"hidden-command-{marker}", log);                                  // ...unless EchoOff
        // The last exec's canonical error line fails the build; everything before it ran.
        Assert.NotEqual(0, r.ExitCode);
        foreach (var h in rig.Hosts)
        {
            Assert.Contains($"{h.Name}: restarting", log);
            Assert.Contains($"{h.Name}: DONE", log);          // the pipe ran on the host
            Assert.Contains($"{h.Name}: [two words]", log);   // one argument, blanks and all, no shell
            Assert.Contains($"{h.Name}: [it's \"quoted\"]", log);
            Assert.Contains($"{h.Name}: hidden-output-{marker}", log);   // EchoOff still shows the output
            Assert.Contains($"migrate : warning MIG0002: {h.Name}: column dropped", log);
            Assert.Contains($"error XX1234: {h.Name}: only text here", log);
            Assert.Contains($"error RMT0005: {h.Name}: RmoteExec failed: `echo 'migrate : warning MIG0002: column dropped'; echo 'error XX1234: only text here'` "
                + "wrote 1 error line(s) (exit 0): error XX1234: only text here (a line in MSBuild's error format; IgnoreStandardErrorWarningFormat reads such lines as plain output)", log);
        }
    }

    [Fact]
    public async Task Error_lines_fail_the_task_unless_ignored_and_custom_expressions_decide_first()
    {
        var marker = Guid.NewGuid().ToString("n")[..8];
        var hosts = rig.Hosts.Take(2).ToList();
        using var p = new TestProject(feed, $"""
              <ItemGroup>
                {Hosts(hosts)}
              </ItemGroup>
              <Target Name="Lines">
                <RmoteExec Hosts="@(RmoteHost)" Command="echo 'app.cs(12,5): error XX1234: the database is not reachable' >&amp;2" ContinueOnError="ErrorAndContinue">
                  <Output TaskParameter="ExitCode" PropertyName="CanonicalCode" />
                </RmoteExec>
                <RmoteExec Hosts="@(RmoteHost)" Command="echo 'error XX1234: plain output now'" IgnoreStandardErrorWarningFormat="true">
                  <Output TaskParameter="ExitCode" PropertyName="IgnoredCode" />
                </RmoteExec>
                <RmoteExec Hosts="@(RmoteHost)" Command="echo 'FATAL disk full'; echo 'WARN slow disk'; echo 'INFO fine'"
                           CustomErrorRegularExpression="^FATAL" CustomWarningRegularExpression="^(WARN|FATAL)" ContinueOnError="ErrorAndContinue" />
                <RmoteExec Hosts="@(RmoteHost)" Command="echo out-{marker}; exit 4 # hidden-{marker}" EchoOff="true" ContinueOnError="ErrorAndContinue" />
                <RmoteExec Hosts="@(RmoteHost)" Command="true" CustomErrorRegularExpression="error(" ContinueOnError="ErrorAndContinue" />
                <Message Importance="high" Text="CODES=$(CanonicalCode),$(IgnoredCode)" />
              </Target>
            """);

        var r = await p.RunAsync("Lines", "detailed");
        var log = TestProject.Log(r);

        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("CODES=-1,0", log);   // as Exec: error lines and exit 0 make -1; ignored, the command's own 0
        foreach (var h in hosts)
        {
            // A canonical line on stderr: an error with its code, file and position, and the host fails (RMT0005).
            Assert.Contains($"app.cs(12,5): error XX1234: {h.Name}: the database is not reachable", log);
            Assert.Contains($"error RMT0005: {h.Name}: RmoteExec failed: ", log);
            Assert.Contains($"{h.Name}: error XX1234: plain output now", log);
            Assert.DoesNotContain($"error XX1234: {h.Name}: plain output now", log);
            // The custom error expression wins over the warning one; an ordinary line stays a message.
            Assert.Matches(new Regex($@"error ?: {h.Name}: FATAL disk full"), log);
            Assert.Matches(new Regex($@"warning ?: {h.Name}: WARN slow disk"), log);
            Assert.Contains($"{h.Name}: INFO fine", log);
            Assert.Contains($"error RMT0005: {h.Name}: RmoteExec failed: `echo 'FATAL disk full'; echo 'WARN slow disk'; echo 'INFO fine'` wrote 1 error line(s) (exit 0): FATAL disk full", log);
            // EchoOff: the failure reads "..." for the command; the output shows.
            Assert.Contains($"{h.Name}: out-{marker}", log);
            Assert.Contains($"error RMT0005: {h.Name}: RmoteExec failed: `...` exited with code 4", log);
        }
        Assert.DoesNotContain($"hidden-{marker}", log);
        // A bad expression is refused once, by name, before any host runs anything.
        Assert.Single(Regex.Matches(log, "error RMT0001: CustomErrorRegularExpression 'error\\(' is not a valid regular expression: "));
    }

    [Fact]
    public async Task Relative_remote_paths_land_under_the_deploy_folder_and_are_refused_without_one()
    {
        var deploy = HostPaths.NewRemote(rig.Hosts[0], "rel");
        var unique = "eco-" + Guid.NewGuid().ToString("n")[..8];
        using var p = new TestProject(feed, $"""
              <PropertyGroup>
                <RmoteDeployFolder>{deploy}</RmoteDeployFolder>
              </PropertyGroup>
              <ItemGroup>
                {Hosts(rig.Hosts)}
                {TestProject.HostItem(rig.Hosts[0]).Replace("<RmoteHost ", "<PlainHost ", StringComparison.Ordinal)}
              </ItemGroup>
              <Target Name="Rel">
                <RmoteTemplate Hosts="@(RmoteHost)" Template="{Tpl}" Properties="x=1" DestinationFile="{unique}/rel.conf" />
                <RmoteCopy Hosts="@(RmoteHost)" SourceFolder="site" DestinationFolder="web" />
                <RmoteExec Hosts="@(RmoteHost)" Command="cat rel.conf; echo; test ! -e ~/{unique}/rel.conf &amp;&amp; echo not-in-home" WorkingDirectory="{unique}" />
                <RmoteTemplate Hosts="@(PlainHost)" Template="x" DestinationFile="{unique}/rel.conf" ContinueOnError="ErrorAndContinue" />
              </Target>
            """);
        p.Write("site/index.html", "relative");

        var r = await p.RunAsync("Rel");
        var log = TestProject.Log(r);

        foreach (var h in rig.Hosts)
        {
            Assert.Equal("x=1", File.ReadAllText(Path.Combine(HostPaths.Local(h, deploy), unique, "rel.conf")));
            Assert.Equal("relative", File.ReadAllText(Path.Combine(HostPaths.Local(h, deploy), "web", "index.html")));
            Assert.Contains($"{h.Name}: RmoteTemplate: wrote {deploy}/{unique}/rel.conf", log);
            Assert.Contains($"{h.Name}: x=1", log);
            Assert.Contains($"{h.Name}: not-in-home", log);
        }
        // Hosts that are not RmoteHost items have no DeployFolder metadata: refused, naming the parameter and the fix.
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains($"error RMT0001: DestinationFile '{unique}/rel.conf' is a relative path and there is no deploy folder to put it under (the host would write "
            + $"it under the login user's home folder). Give an absolute path (such as /srv/app/{unique}/rel.conf), ~/{unique}/rel.conf to mean the home folder, "
            + "or set DeployFolder (MSBuild: $(RmoteDeployFolder), or RmoteHost metadata DeployFolder).", log);
    }

    [Fact]
    public async Task A_bad_mode_fails_once_per_task_before_any_host_is_contacted()
    {
        using var p = new TestProject(feed, $"""
              <ItemGroup>
                {Hosts(rig.Hosts, "ConnectionPersist=\"0\"")}
              </ItemGroup>
              <Target Name="Modes">
                <RmoteTemplate Hosts="@(RmoteHost)" Template="x" DestinationFile="/srv/never.conf" FileMode="u=rw" ContinueOnError="ErrorAndContinue" />
                <RmoteCopy Hosts="@(RmoteHost)" SourceFolder="site" DestinationFolder="/srv/never" DirectoryMode="rwxr-xr-x" ContinueOnError="ErrorAndContinue" />
              </Target>
            """);
        p.Write("site/index.html", "never");
        var logins = rig.Hosts.Select(h => h.Logins()).ToList();

        var r = await p.RunAsync("Modes");
        var log = TestProject.Log(r);

        Assert.NotEqual(0, r.ExitCode);
        Assert.Single(Regex.Matches(log, "error RMT0001: FileMode 'u=rw' is not an octal mode: write FileMode=\"0600\" \\(the octal form of u=rw\\)\\."));
        Assert.Single(Regex.Matches(log, "error RMT0001: DirectoryMode 'rwxr-xr-x' is not an octal mode: give 3 or 4 octal digits, such as 0644 \\(rw-r--r--\\)"));
        Assert.DoesNotContain("RMT0002", log);
        // sshd's own log: no login on any host (connection sharing is off, so any contact would be one).
        Assert.Equal(logins, rig.Hosts.Select(h => h.Logins()).ToList());
    }
}
