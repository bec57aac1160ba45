using Rmote.TestRig;

namespace Rmote.MSBuild.Tests;

/// <summary>
/// The package README's error codes, each triggered for real on the rig's sshd hosts in one <c>dotnet msbuild</c> run
/// (one target per condition, every task <c>ContinueOnError="ErrorAndContinue"</c>), and what the hosts were left with.
/// </summary>
[Collection("msbuild-ssh")]
public sealed class ErrorCodeTests(SshFleetFixture rig, PackedFeed feed)
{
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
