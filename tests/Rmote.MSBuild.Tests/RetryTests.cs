using System.Text.RegularExpressions;
using Rmote.TestRig;

namespace Rmote.MSBuild.Tests;

/// <summary>
/// Issue 18, retries where they belong, through real <c>dotnet msbuild</c> against a private sshd host of their own
/// (stopped and started by the tests): a host that starts accepting only after the first connect attempt is reached
/// with <c>ConnectRetries</c> and not without; a changed host key is never retried (sshd's log counts the connections);
/// a failing command runs again only with <c>Retries</c>.
/// </summary>
[Collection("msbuild-local")]
public sealed class RetryTests(PackedFeed feed)
{
    [Fact]
    public async Task A_host_that_starts_accepting_after_the_first_attempt_is_reached_with_ConnectRetries_and_not_without()
    {
        await using var fleet = await SshFleet.StartAsync(1);
        var h = fleet[0];
        var dest = HostPaths.NewRemote(h, "retry");
        Directory.CreateDirectory(HostPaths.Local(h, dest));
        // ConnectionPersist="0": no shared master connection outlives a build, so each build really connects.
        var host = TestProject.HostItem(h, """ConnectionPersist="0" ConnectTimeout="20000" """);
        using var p = new TestProject(feed, $"""
              <ItemGroup>{host}</ItemGroup>
              <Target Name="Once">
                <RmoteExec Hosts="@(RmoteHost)" ShellCommand="touch {dest}/once" />
              </Target>
              <Target Name="Retried">
                <RmoteExec Hosts="@(RmoteHost)" ShellCommand="touch {dest}/retried" ConnectRetries="8" ConnectRetryDelayMilliseconds="300" />
              </Target>
              <Target Name="Flaky">
                <RmoteExec Hosts="@(RmoteHost)" ShellCommand="if test -e {dest}/marker; then true; else touch {dest}/marker; exit 3; fi" Retries="$(Retries)" RetryDelayMilliseconds="100" />
              </Target>
            """);
        await h.StopAsync();

        // Without retries: one attempt, refused, reported unreachable.
        var once = await p.RunAsync("Once");
        var onceLog = TestProject.Log(once);
        Assert.NotEqual(0, once.ExitCode);
        Assert.Contains($"error RMT0002: {h.Name}: unreachable: ", onceLog);
        Assert.Contains("connection refused", onceLog);
        Assert.DoesNotContain("retrying", onceLog);
        Assert.False(File.Exists(Path.Combine(HostPaths.Local(h, dest), "once")));

        // With retries: the host comes up once the build has logged its first failed attempt, and the build succeeds.
        using var build = p.Start("Retried");
        await build.WaitForTextAsync($"[{h.Name}] connect attempt 1 of 9 failed (ConnectionRefused); retrying in ", TimeSpan.FromMinutes(3));
        await h.StartAsync();
        var exit = await build.WaitAsync(TimeSpan.FromMinutes(3));
        Assert.True(exit == 0, build.Output);
        Assert.Contains($"{h.Name}: RmoteExec: exit 0", build.Output);
        Assert.True(File.Exists(Path.Combine(HostPaths.Local(h, dest), "retried")), build.Output);

        // A failing command is not run again unless asked (a command is not idempotent by default)...
        var noRetry = await p.RunAsync("Flaky", "m", "-p:Retries=0");
        var noRetryLog = TestProject.Log(noRetry);
        Assert.NotEqual(0, noRetry.ExitCode);
        Assert.Contains($"error RMT0005: {h.Name}: RmoteExec failed: ", noRetryLog);
        File.Delete(Path.Combine(HostPaths.Local(h, dest), "marker"));
        // ...and with Retries it is, after a logged warning, and the summary says how many attempts it took.
        var retried = await p.RunAsync("Flaky", "m", "-p:Retries=2");
        var retriedLog = TestProject.Log(retried);
        Assert.True(retried.ExitCode == 0, retriedLog);
        Assert.Matches($@"warning : \[{h.Name}\] RmoteExec attempt 1 of 3 failed \(.*exited with code 3.*\); retrying in \d+\.\d s", retriedLog);
        Assert.Contains($"{h.Name}: RmoteExec: exit 0 after 2 attempts", retriedLog);
    }

    [Fact]
    public async Task Deploy_reaches_a_host_whose_sshd_starts_after_the_first_attempt_with_RmoteConnectRetries()
    {
        await using var fleet = await SshFleet.StartAsync(1);
        var h = fleet[0];
        var dest = HostPaths.NewRemote(h, "deployretry");
        using var p = new TestProject(feed, $"""
              <ItemGroup>
                {TestProject.HostItem(h, "ConnectionPersist=\"0\"")}
                <None Include="wwwroot/index.html" CopyToPublishDirectory="PreserveNewest" />
              </ItemGroup>
            """);
        p.Write("wwwroot/index.html", "published page");
        await h.StopAsync();

        // The Deploy target's tasks take the properties: the host comes up once the build has logged its first failed attempt.
        using var build = p.Start("Deploy", "m", $"-p:RmoteDeployFolder={dest}", "-p:RmoteReleaseId=r1", "-p:RmoteConnectRetries=8",
            "-p:RmoteConnectRetryDelayMilliseconds=300");
        await build.WaitForTextAsync($"[{h.Name}] connect attempt 1 of 9 failed (ConnectionRefused); retrying in ", TimeSpan.FromMinutes(4));
        await h.StartAsync();
        var exit = await build.WaitAsync(TimeSpan.FromMinutes(4));

        Assert.True(exit == 0, build.Output);
        Assert.Matches($@"warning : \[{h.Name}\] connect attempt 1 of 9 failed \(ConnectionRefused\); retrying in \d+\.\d s", build.Output);
        var local = HostPaths.Local(h, dest);
        Assert.Equal("releases/r1", new FileInfo(Path.Combine(local, "current")).LinkTarget?.TrimEnd('/').Replace(local + "/", ""));
        Assert.Equal("published page", File.ReadAllText(Path.Combine(local, "current", "wwwroot", "index.html")));
        Assert.True(File.Exists(Path.Combine(local, "current", "test.proj.dll")), build.Output);
    }

    [Fact]
    public async Task A_failing_copy_is_retried_with_a_warning_per_attempt_and_lands_once_the_fault_is_gone()
    {
        await using var fleet = await SshFleet.StartAsync(1);
        var h = fleet[0];
        var dest = HostPaths.NewRemote(h, "copyretry");
        var local = HostPaths.Local(h, dest);
        Directory.CreateDirectory(local);
        // A file where the destination folder should be: every attempt fails until the test removes it.
        File.WriteAllText(Path.Combine(local, "site"), "in the way");
        using var p = new TestProject(feed, $"""
              <ItemGroup>{TestProject.HostItem(h)}</ItemGroup>
              <Target Name="Push">
                <RmoteCopy Hosts="@(RmoteHost)" SourceFolder="site" DestinationFolder="{dest}/site" Retries="$(Retries)" RetryDelayMilliseconds="500" />
              </Target>
            """);
        p.Write("site/conf/app.json", "{\"v\": 2}");

        // Without Retries: one attempt, no warning.
        var once = await p.RunAsync("Push", "m", "-p:Retries=0");
        var onceLog = TestProject.Log(once);
        Assert.NotEqual(0, once.ExitCode);
        Assert.Contains($"error RMT0004: {h.Name}: RmoteCopy failed: ", onceLog);
        Assert.DoesNotContain("retrying", onceLog);

        using var build = p.Start("Push", "n", "-p:Retries=6");
        await build.WaitForTextAsync($"[{h.Name}] RmoteCopy attempt 1 of 7 failed (", TimeSpan.FromMinutes(3));
        File.Delete(Path.Combine(local, "site"));
        var exit = await build.WaitAsync(TimeSpan.FromMinutes(3));

        Assert.True(exit == 0, build.Output);
        Assert.Matches($@"warning : \[{h.Name}\] RmoteCopy attempt 1 of 7 failed \(.+\); retrying in \d+\.\d s", build.Output);
        Assert.Matches($@"{h.Name}: copy succeeded on attempt [2-7]", build.Output);
        Assert.Equal("{\"v\": 2}", File.ReadAllText(Path.Combine(local, "site", "conf", "app.json")));
    }

    [Fact]
    public async Task A_changed_host_key_is_never_retried()
    {
        await using var fleet = await SshFleet.StartAsync(1);
        var h = fleet[0];
        using var p = new TestProject(feed, "");
        // known_hosts claims another key for the host (the client's own public key): ssh sees a changed host key.
        var wrongKey = string.Join(' ', File.ReadAllText(fleet.PublicKeyFile).Split(' ').Take(2));
        var knownHosts = Path.Combine(p.Folder, "known_hosts");
        File.WriteAllText(knownHosts, $"{h.KnownHostsPattern} {wrongKey}\n");
        File.WriteAllText(p.ProjectFile, File.ReadAllText(p.ProjectFile).Replace("</Project>", $"""
              <ItemGroup>
                <RmoteHost Include="{h.Target}" Name="{h.Name}" IdentityFile="{h.IdentityFile}" KnownHostsFile="{knownHosts}" ConnectionPersist="0" />
              </ItemGroup>
              <Target Name="Probe">
                <RmoteExec Hosts="@(RmoteHost)" Command="true" ConnectRetries="3" ConnectRetryDelayMilliseconds="100" />
              </Target>
            </Project>
            """));
        var before = Connections(h);

        var r = await p.RunAsync("Probe");
        var log = TestProject.Log(r);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains($"error RMT0002: {h.Name}: unreachable: ", log);
        Assert.Contains("the host key does not match the one in known_hosts", log);
        Assert.DoesNotContain("retrying", log);
        // One TCP connection reached sshd: the mismatch was not tried again.
        Assert.True(Connections(h) - before == 1, h.ReadLog());
    }

    /// <summary>Connections sshd accepted so far (its VERBOSE log's "Connection from" lines).</summary>
    static int Connections(SshHost h) => Regex.Count(h.ReadLog(), "Connection from ");
}
