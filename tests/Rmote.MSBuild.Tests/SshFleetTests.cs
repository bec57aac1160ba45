using Rmote.TestRig;
using Xunit.Abstractions;

namespace Rmote.MSBuild.Tests;

/// <summary>Real <c>dotnet msbuild</c> runs of the packed tasks against the rig's three sshd hosts.</summary>
[Collection("msbuild-ssh")]
public sealed class SshFleetTests(SshFleetFixture rig, PackedFeed feed, ITestOutputHelper output)
{
    static string Local(SshHost h, string remote) => Path.Combine(h.SrvRoot, remote[(h.RemoteSrv.TrimEnd('/').Length + 1)..]);

    const string Tpl = "port=${port} host=${rmote_host}";

    static int Logins(SshHost h) => h.Logins();

    [Fact]
    public async Task Unreachable_host_fails_with_code_while_the_others_deploy_over_one_connection_each()
    {
        var dest = rig.Hosts[0].RemoteSrv.TrimEnd('/') + "/msb-" + Guid.NewGuid().ToString("n")[..8];
        using var p = new TestProject(feed, $"""
              <ItemGroup>
                {string.Join("\n    ", rig.Hosts.Select(h => TestProject.HostItem(h, "ConnectionPersist=\"0\"")))}
                <RmoteHost Include="root@127.0.0.1:1" Name="dead" ConnectTimeout="5000" />
              </ItemGroup>
              <Target Name="Push">
                <RmoteCopy Hosts="@(RmoteHost)" SourceFolder="site" DestinationFolder="{dest}" ContinueOnError="ErrorAndContinue" />
                <RmoteExec Hosts="@(RmoteHost)" Command="cat {dest}/index.html" ContinueOnError="ErrorAndContinue" />
              </Target>
            """);
        p.Write("site/index.html", "hello fleet");
        p.Write("site/css/app.css", "body{}");
        var before = rig.Hosts.Select(Logins).ToList();

        // A plain copy: a release would (rightly) not switch anywhere while one host is down.
        var r = await p.RunAsync("Push");
        var log = TestProject.Log(r);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("error RMT0002: dead: unreachable", log);
        foreach (var h in rig.Hosts)
        {
            Assert.Equal("hello fleet", File.ReadAllText(Path.Combine(Local(h, dest), "index.html")));
            Assert.Contains($"{h.Name}: RmoteCopy: copied 2", log);
            Assert.Contains($"{h.Name}: hello fleet", log);
        }
        // One SSH login per host for the whole build, shared by both tasks (SSH connection sharing is off here).
        Assert.Equal(before.Select(n => n + 1), rig.Hosts.Select(Logins));
    }

    [Fact]
    public async Task The_next_build_runs_on_the_ssh_connections_the_previous_build_left_open()
    {
        // An ssh option of this run only: the shared connection's socket is named by the ssh arguments, so no earlier
        // test's connection can serve this build and the first build's logins are exactly one per host.
        var unique = $"SshOptions=\"-o SetEnv=RMOTE_TEST_RUN={Guid.NewGuid():n}\"";
        // Each host's own /srv says which host answered: a shared connection must lead to its own host.
        var id = HostPaths.NewRemote(rig.Hosts[0], "id");
        foreach (var h in rig.Hosts) File.WriteAllText(HostPaths.Local(h, id), "answered by " + h.Name);
        using var p = new TestProject(feed, $"""
              <ItemGroup>
                {string.Join("\n    ", rig.Hosts.Select(h => TestProject.HostItem(h, unique)))}
              </ItemGroup>
              <Target Name="Who">
                <RmoteExec Hosts="@(RmoteHost)" Command="cat {id}" />
              </Target>
            """);
        var before = rig.Hosts.Select(Logins).ToList();
        var first = await p.RunAsync("Who");
        Assert.True(first.ExitCode == 0, TestProject.Log(first));
        var afterFirst = rig.Hosts.Select(Logins).ToList();
        // The shared connection's one login per host. This fails only when one connection costs more than one login; a
        // build that opened a connection per task would still log in once here (the master serves the second), which
        // Unreachable_host_fails_with_code_while_the_others_deploy_over_one_connection_each (sharing off) catches.
        Assert.Equal(before.Select(n => n + 1), afterFirst);
        var second = await p.RunAsync("Who");
        Assert.True(second.ExitCode == 0, TestProject.Log(second));
        Assert.Equal(afterFirst, rig.Hosts.Select(Logins));  // no new SSH login: sessions on the shared connections
        foreach (var h in rig.Hosts)
            Assert.Contains($"{h.Name}: answered by {h.Name}", TestProject.Log(second));
    }

    [Fact]
    public async Task Release_lifecycle_template_and_health_on_every_host()
    {
        var dest = rig.Hosts[0].RemoteSrv.TrimEnd('/') + "/msb-" + Guid.NewGuid().ToString("n")[..8];
        using var p = new TestProject(feed, $"""
              <ItemGroup>
                {string.Join("\n    ", rig.Hosts.Select(TestProject.HostItem))}
              </ItemGroup>
              <Target Name="Life">
                <RmoteCopy Hosts="@(RmoteHost)" SourceFolder="v1" DestinationFolder="{dest}" ReleaseId="r1" />
                <RmoteCopy Hosts="@(RmoteHost)" SourceFolder="v2" DestinationFolder="{dest}" ReleaseId="r2" />
                <RmoteRollback Hosts="@(RmoteHost)" BaseFolder="{dest}"><Output TaskParameter="CurrentRelease" PropertyName="AfterRollback" /></RmoteRollback>
                <Message Importance="high" Text="AFTER-ROLLBACK=$(AfterRollback)" />
                <RmoteReleaseSwitch Hosts="@(RmoteHost)" BaseFolder="{dest}" ReleaseId="r2" KeepReleases="1" Serial="1" />
                <RmoteTemplate Hosts="@(RmoteHost)" Template="{Tpl}" DestinationFile="{dest}/shared/app.conf" Properties="port=8080" />
                <RmoteWaitForHealthy Hosts="@(RmoteHost)" Command="test;-f;{dest}/shared/app.conf" Interval="200" Timeout="10000" />
              </Target>
            """);
        p.Write("v1/app.txt", "one");
        p.Write("v2/app.txt", "two", DateTime.UtcNow.AddHours(1)); // same size: only the time tells them apart
        var r = await p.RunAsync("Life");
        var log = TestProject.Log(r);
        Assert.True(r.ExitCode == 0, log);
        Assert.Contains("AFTER-ROLLBACK=r1", log);
        foreach (var h in rig.Hosts)
        {
            var local = Local(h, dest);
            Assert.Equal("two", File.ReadAllText(Path.Combine(local, "current", "app.txt")));
            Assert.False(Directory.Exists(Path.Combine(local, "releases", "r1")), "KeepReleases=1 pruned r1");
            Assert.Equal($"port=8080 host={h.Name}", File.ReadAllText(Path.Combine(local, "shared", "app.conf")));
            Assert.Contains($"{h.Name}: RmoteWaitForHealthy: healthy", log);
        }
    }

    [Fact]
    public async Task Timeout_bounds_a_sleeping_exec_and_a_copy_on_every_host_each_failing_with_its_host_and_limit()
    {
        var dest = rig.Hosts[0].RemoteSrv.TrimEnd('/') + "/msb-bound-" + Guid.NewGuid().ToString("n")[..8];
        using var p = new TestProject(feed, $"""
              <ItemGroup>
                {string.Join("\n    ", rig.Hosts.Take(2).Select(TestProject.HostItem))}
              </ItemGroup>
              <Target Name="Bounded">
                <RmoteExec Hosts="@(RmoteHost)" ShellCommand="sleep 60" Timeout="2000" ContinueOnError="ErrorAndContinue" />
                <RmoteCopy Hosts="@(RmoteHost)" SourceFolder="site" DestinationFolder="{dest}" Timeout="1" NoProgressTimeout="30000" ContinueOnError="ErrorAndContinue" />
                <RmoteExec Hosts="@(RmoteHost)" Command="true" Timeout="5000" />
              </Target>
            """);
        p.Write("site/index.html", "bounded");
        // No wall clock: an ignored Timeout lets `sleep 60` succeed, and the RMT0006 lines below are missing.
        var r = await p.RunAsync("Bounded");
        var log = TestProject.Log(r);
        Assert.NotEqual(0, r.ExitCode);
        output.WriteLine(string.Join("\n", log.Split('\n').Where(l => l.Contains("RMT0006"))));
        foreach (var h in rig.Hosts.Take(2))
        {
            // The sleeping command: the host's own limit ends it, named, with the time-out code; then the copy's 1 ms limit.
            Assert.Matches($"error RMT0006: {h.Name}: RmoteExec failed: .*(timed out|did not finish within)", log);
            Assert.Contains($"error RMT0006: {h.Name}: RmoteCopy failed: the step did not finish within its time limit of 0.001 s (Timeout)", log);
            Assert.Contains($"{h.Name}: RmoteExec: exit 0", log);   // the connections are still good afterwards
        }
    }

    [Fact]
    public async Task A_release_copy_refused_by_a_held_deploy_lock_names_the_holder_and_stages_nowhere()
    {
        var dest = rig.Hosts[0].RemoteSrv.TrimEnd('/') + "/msb-" + Guid.NewGuid().ToString("n")[..8];
        var h = rig.Hosts[1];
        // another deploy (this test's own connection) holds host2's base
        await using var holder = await Rmote.Protocol.FromSshAsync(h.HostName, new Rmote.SshOptions
        {
            Name = h.Name, User = h.User, Port = h.Port, Identity = h.IdentityFile, KnownHostsFile = h.KnownHostsFile,
        });
        await new Rmote.Deploy.Releases(dest).LockAsync(holder, "deploy by the test");
        using var p = new TestProject(feed, $"""
              <ItemGroup>
                {string.Join("\n    ", rig.Hosts.Select(TestProject.HostItem))}
              </ItemGroup>
              <Target Name="Push">
                <RmoteCopy Hosts="@(RmoteHost)" SourceFolder="v1" DestinationFolder="{dest}" ReleaseId="r1" LockTimeout="300" />
              </Target>
            """);
        p.Write("v1/app.txt", "one");
        var r = await p.RunAsync("Push");
        var log = TestProject.Log(r);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains($"another deploy holds {dest} (pid {Environment.ProcessId}, started at 20", log);
        Assert.Contains("deploy by the test); waited 0.3 s", log);
        foreach (var host in rig.Hosts)
            Assert.False(Directory.Exists(Path.Combine(Local(host, dest), "releases", "r1")), $"{host.Name} staged without every host's lock");
    }
}
