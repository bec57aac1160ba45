using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Rmote.TestRig;

namespace Rmote.MSBuild.Tests;

/// <summary>
/// The package README's error codes (issue 18: exactly as documented). Every code in ErrorCodes.cs is triggered for
/// real on the rig's sshd hosts by a <c>dotnet msbuild</c> run of this class (one target per condition, every task
/// <c>ContinueOnError="ErrorAndContinue"</c>) and asserted in the build log, with what the hosts were left with; and
/// the README's table lists exactly the codes of ErrorCodes.cs, so the docs cannot drift.
/// </summary>
[Collection("msbuild-ssh")]
public sealed partial class ErrorCodeTests(SshFleetFixture rig, PackedFeed feed)
{
    /// <summary>Which test of this class triggers each code: a code added to ErrorCodes.cs needs a real trigger here.</summary>
    static readonly Dictionary<string, string> TriggeredBy = new()
    {
        ["RMT0001"] = nameof(Parameter_connect_copy_timeout_other_and_cancel_failures_get_their_documented_codes),
        ["RMT0002"] = nameof(Parameter_connect_copy_timeout_other_and_cancel_failures_get_their_documented_codes),
        ["RMT0003"] = nameof(Parameter_connect_copy_timeout_other_and_cancel_failures_get_their_documented_codes),
        ["RMT0004"] = nameof(Parameter_connect_copy_timeout_other_and_cancel_failures_get_their_documented_codes),
        ["RMT0005"] = nameof(Each_failure_is_logged_with_its_documented_code_and_host_and_leaves_the_hosts_as_described),
        ["RMT0006"] = nameof(Parameter_connect_copy_timeout_other_and_cancel_failures_get_their_documented_codes),
        ["RMT0007"] = nameof(Each_failure_is_logged_with_its_documented_code_and_host_and_leaves_the_hosts_as_described),
        ["RMT0008"] = nameof(Each_failure_is_logged_with_its_documented_code_and_host_and_leaves_the_hosts_as_described),
        ["RMT0009"] = nameof(Each_failure_is_logged_with_its_documented_code_and_host_and_leaves_the_hosts_as_described),
        ["RMT0010"] = nameof(Each_failure_is_logged_with_its_documented_code_and_host_and_leaves_the_hosts_as_described),
        ["RMT0011"] = nameof(Each_failure_is_logged_with_its_documented_code_and_host_and_leaves_the_hosts_as_described),
        ["RMT0012"] = nameof(Parameter_connect_copy_timeout_other_and_cancel_failures_get_their_documented_codes),
        ["RMT0013"] = nameof(Each_failure_is_logged_with_its_documented_code_and_host_and_leaves_the_hosts_as_described),
    };

    [GeneratedRegex("""/// <summary>(?<doc>[^<]*)</summary>\s*public const string (?<name>\w+) = "(?<code>RMT\d{4})";""")]
    private static partial Regex CodeInSource();

    [GeneratedRegex(@"^\| (?<code>RMT\d{4}) \| (?<doc>.*) \|$", RegexOptions.Multiline)]
    private static partial Regex CodeInTable();

    [Fact]
    public void The_README_lists_exactly_the_codes_of_ErrorCodes_and_each_has_a_real_trigger_here()
    {
        var source = CodeInSource().Matches(File.ReadAllText(Path.Combine(Repo.Root, "tasks", "Rmote.MSBuild", "ErrorCodes.cs")))
            .ToDictionary(m => m.Groups["code"].Value, m => m.Groups["doc"].Value.Trim());
        var readme = File.ReadAllText(Path.Combine(Repo.Root, "tasks", "Rmote.MSBuild", "README.md"));
        var section = readme[readme.IndexOf("## Error codes", StringComparison.Ordinal)..];
        section = section[..section.IndexOf("\n## ", 3, StringComparison.Ordinal)];
        var table = CodeInTable().Matches(section).ToDictionary(m => m.Groups["code"].Value, m => m.Groups["doc"].Value.Trim());
        Assert.NotEmpty(source);
        Assert.Equal(source.Keys.Order(), table.Keys.Order());
        // A warning is documented as one in both places (the tasks log these with LogWarning).
        foreach (var (code, doc) in source)
            Assert.True(doc.StartsWith("Warning", StringComparison.Ordinal) == table[code].StartsWith("Warning", StringComparison.Ordinal), $"{code}: '{doc}' vs '{table[code]}'");
        Assert.Equal(source.Keys.Order(), TriggeredBy.Keys.Order());
        // Codes quoted anywhere in the docs exist.
        foreach (var doc in Directory.GetFiles(Path.Combine(Repo.Root, "docs"), "*.md").Append(Path.Combine(Repo.Root, "README.md")))
            foreach (Match m in Regex.Matches(File.ReadAllText(doc), @"RMT\d{4}"))
                Assert.True(source.ContainsKey(m.Value), $"{doc} quotes {m.Value}, which ErrorCodes.cs does not have");
    }

    [Fact]
    public async Task Parameter_connect_copy_timeout_other_and_cancel_failures_get_their_documented_codes()
    {
        var hosts = rig.Hosts.Take(2).ToList();
        var dest = HostPaths.NewRemote(hosts[0], "codes2");
        foreach (var h in hosts)
        {
            Directory.CreateDirectory(HostPaths.Local(h, dest));
            File.WriteAllText(Path.Combine(HostPaths.Local(h, dest), "in-the-way"), "a file where the copy wants a folder");
        }
        // A server that accepts and never answers: each health attempt times out on the host, the check never passes.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var silentUrl = $"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}/health";
        using var p = new TestProject(feed, $"""
              <ItemGroup>
                {string.Join("\n    ", hosts.Select(TestProject.HostItem))}
                <Nowhere Include="root@127.0.0.1" Port="1" Name="nowhere" ConnectTimeout="10000" />
              </ItemGroup>
              <Target Name="Invalid">
                <RmoteTemplate Hosts="@(RmoteHost)" Template="x" DestinationFile="{dest}/x.conf" FileMode="u=rw" ContinueOnError="ErrorAndContinue" />
              </Target>
              <Target Name="Unreachable">
                <RmoteExec Hosts="@(Nowhere)" Command="true" ContinueOnError="ErrorAndContinue" />
              </Target>
              <Target Name="Copy">
                <RmoteCopy Hosts="@(RmoteHost)" SourceFolder="src" DestinationFolder="{dest}/in-the-way" ContinueOnError="ErrorAndContinue" />
              </Target>
              <Target Name="Timeout">
                <RmoteExec Hosts="@(RmoteHost)" ShellCommand="sleep 30" Timeout="1000" ContinueOnError="ErrorAndContinue" />
              </Target>
              <Target Name="SilentHealth">
                <RmoteWaitForHealthy Hosts="@(RmoteHost)" Url="{silentUrl}" Interval="100" AttemptTimeout="500" Timeout="1500" ContinueOnError="ErrorAndContinue" />
              </Target>
              <Target Name="Other">
                <RmoteCopy Hosts="@(RmoteHost)" SourceFolder="special" DestinationFolder="{dest}/other" ContinueOnError="ErrorAndContinue" />
              </Target>
              <Target Name="Long">
                <RmoteExec Hosts="@(RmoteHost)" ShellCommand="echo started; sleep 60" />
              </Target>
            """);
        p.Write("src/a.txt", "a");
        // A named pipe in the source: refused on the controller (reading it could hang), an error of no other kind.
        p.Write("special/ok.txt", "ok");
        (await ProcessRunner.RunAsync("mkfifo", [Path.Combine(p.Folder, "special", "pipe")], timeout: TimeSpan.FromSeconds(30))).EnsureSuccess();

        var r = await p.RunAsync("Invalid;Unreachable;Copy;Timeout;SilentHealth;Other");
        var log = TestProject.Log(r);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("error RMT0001: FileMode 'u=rw' is not an octal mode: write FileMode=\"0600\" (the octal form of u=rw).", log);
        Assert.Matches("error RMT0002: nowhere: unreachable: .*connection refused", log);
        Assert.Matches("error RMT0012: RmoteCopy failed: IOException: Source '.*/special/pipe' is a FIFO \\(named pipe\\), not a regular file: refused before anything was sent", log);
        foreach (var h in hosts)
        {
            Assert.Contains($"error RMT0004: {h.Name}: RmoteCopy failed: ", log);
            Assert.True(File.Exists(Path.Combine(HostPaths.Local(h, dest), "in-the-way")), $"{h.Name}: the file in the way is gone");
            Assert.Contains($"error RMT0006: {h.Name}: RmoteExec failed: TimeoutError: command 'sleep 30' timed out after 1 s", log);
            // The issue saw a failed health check come out as RMT0006: a check that never passes is RMT0010, whatever its attempts did.
            Assert.Matches($"error RMT0010: {h.Name}: RmoteWaitForHealthy failed: health check .* did not pass within 1.5 s", log);
            Assert.False(Directory.Exists(Path.Combine(HostPaths.Local(h, dest), "other")), $"{h.Name}: a copy whose source failed touched the host");
        }

        // RMT0003: Ctrl+C (SIGINT to the build's process group, as a terminal sends) while the command runs on the hosts.
        var psi = MsBuild.StartInfo(p.Args("Long", "m"), p.Folder);
        psi.ArgumentList.Insert(0, psi.FileName);
        psi.FileName = "setsid";
        using var run = new MsBuild.Running(psi);
        foreach (var h in hosts) await run.WaitForTextAsync($"{h.Name}: started", TimeSpan.FromMinutes(3));
        Assert.True(ProcessTree.SignalGroup(run.Pid, 2));
        Assert.NotEqual(0, await run.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Matches("error RMT0003: .*cancel", run.Output);
    }

    [Fact]
    public async Task Each_failure_is_logged_with_its_documented_code_and_host_and_leaves_the_hosts_as_described()
    {
        var hosts = rig.Hosts;
        var dest = HostPaths.NewRemote(hosts[0], "codes");
        foreach (var h in hosts) Directory.CreateDirectory(HostPaths.Local(h, dest));
        // Only host2 and host3 are "healthy" for the serial step below.
        foreach (var h in hosts.Skip(1)) File.WriteAllText(Path.Combine(HostPaths.Local(h, dest), "ok"), "");
        using var p = new TestProject(feed, $"""
              <ItemGroup>
                {string.Join("\n    ", hosts.Select(TestProject.HostItem))}
              </ItemGroup>
              <Target Name="Service">
                <RmoteServiceRestart Hosts="@(RmoteHost)" ServiceName="rmote-no-such-unit" Timeout="5000" ContinueOnError="ErrorAndContinue" />
              </Target>
              <Target Name="Template">
                <RmoteTemplate Hosts="@(RmoteHost)" Template="port={"${no_such_variable}"}" DestinationFile="{dest}/bad.conf" ContinueOnError="ErrorAndContinue" />
              </Target>
              <Target Name="Switch">
                <RmoteReleaseSwitch Hosts="@(RmoteHost)" BaseFolder="{dest}/app" ReleaseId="r-never-deployed" ContinueOnError="ErrorAndContinue" />
              </Target>
              <Target Name="Health">
                <RmoteWaitForHealthy Hosts="@(RmoteHost)" Command="test;-e;{dest}/never" Interval="200" Timeout="1500" ContinueOnError="ErrorAndContinue" />
              </Target>
              <Target Name="Serial">
                <RmoteExec Hosts="@(RmoteHost)" ShellCommand="touch {dest}/ran; test -e {dest}/ok" Serial="1" FailurePolicy="StopOnFirst" ContinueOnError="ErrorAndContinue">
                  <Output TaskParameter="HostSummary" ItemName="Summary" />
                </RmoteExec>
                <Message Importance="high" Text="SUMMARY %(Summary.Identity) status=%(Summary.Status) duration=%(Summary.Duration) detail=%(Summary.Detail)" />
              </Target>
              <Target Name="RemoteLog">
                <RmoteTemplate Hosts="@(RmoteHost)" Template="{"${__import__('logging').getLogger('app').error('disk almost full on ' + rmote_host)}"}" DestinationFile="{dest}/logged.txt" />
              </Target>
            """);
        var r = await p.RunAsync("Service;Template;Switch;Health;Serial;RemoteLog");
        var log = TestProject.Log(r);
        Assert.NotEqual(0, r.ExitCode);
        foreach (var h in hosts)
        {
            var local = HostPaths.Local(h, dest);
            Assert.Contains($"error RMT0007: {h.Name}: RmoteServiceRestart failed: ", log);
            Assert.False(File.Exists(Path.Combine(local, "bad.conf")), $"{h.Name}: a template that failed left its file");
            Assert.Contains($"error RMT0009: {h.Name}: RmoteReleaseSwitch failed: ", log);
            var app = Path.Combine(local, "app");
            Assert.DoesNotContain(Path.Combine(app, "current"), Directory.Exists(app) ? Directory.GetFileSystemEntries(app) : []);
            Assert.Matches($"error RMT0010: {h.Name}: RmoteWaitForHealthy failed: health check .* did not pass within 1.5 s", log);
            // Python logging on the host reaches the build as a coded warning naming the host.
            Assert.Matches($"warning RMT0013: .*{h.Name}.*disk almost full on {h.Name}", log);
        }
        Assert.Contains("no_such_variable", log);
        // The template fails the same way everywhere: one error naming every host (TemplateInventoryTests).
        Assert.Contains($"error RMT0008: {string.Join(", ", hosts.Select(h => h.Name))}: RmoteTemplate failed: ", log);

        // Serial="1" with StopOnFirst: host1 ran and failed, the others were skipped (RMT0011) and never ran the command.
        Assert.Contains("error RMT0005: host1: RmoteExec failed: ", log);
        Assert.True(File.Exists(Path.Combine(HostPaths.Local(hosts[0], dest), "ran")), "host1 did not run the serial step");
        foreach (var h in hosts.Skip(1))
        {
            Assert.Contains($"warning RMT0011: {h.Name}: RmoteExec skipped: ", log);
            Assert.False(File.Exists(Path.Combine(HostPaths.Local(h, dest), "ran")), $"{h.Name} ran although the policy stopped the fleet");
        }
        // HostSummary: one item per host with its status and detail.
        Assert.Matches($@"SUMMARY host1 status=failed duration=\d+\.\d{{3}} detail=.*`touch {dest}/ran; test -e {dest}/ok` exited with code 1", log);
        foreach (var h in hosts.Skip(1))
            Assert.Matches($@"SUMMARY {h.Name} status=skipped duration=\d+\.\d{{3}} detail=not started: host1 failed and the policy is StopOnFirst", log);
    }
}
