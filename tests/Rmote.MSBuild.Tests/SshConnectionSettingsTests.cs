using Rmote.TestRig;

namespace Rmote.MSBuild.Tests;

/// <summary>
/// RmoteHost metadata that changes how ssh connects (HostKeyChecking, SshConfigFile, SshOptions), each observed in
/// one build: a host reachable only through the setting logs in (sshd's log counts it), a strict check refuses.
/// </summary>
[Collection("msbuild-ssh")]
public sealed class SshConnectionSettingsTests(SshFleetFixture rig, PackedFeed feed)
{
    [Fact]
    public async Task Host_key_checking_ssh_config_file_and_ssh_options_each_decide_whether_and_how_the_host_is_reached()
    {
        var (h1, h2, h3) = (rig.Hosts[0], rig.Hosts[1], rig.Hosts[2]);
        using var p = new TestProject(feed, $"""
              <ItemGroup>
                <RmoteHost Include="{h1.Target}" Name="keys-off" IdentityFile="{h1.IdentityFile}" KnownHostsFile="empty_known_hosts" HostKeyChecking="Off" ConnectionPersist="0" />
                <RmoteHost Include="{h2.Target}" Name="keys-strict" IdentityFile="{h2.IdentityFile}" KnownHostsFile="empty_known_hosts_2" ConnectionPersist="0" />
                <RmoteHost Include="rig-alias-only-in-config" Name="by-config" SshConfigFile="ssh_config" ConnectionPersist="0" />
                <RmoteHost Include="{h1.Target}" Name="by-options" KnownHostsFile="{h1.KnownHostsFile}" SshOptions="-i {h1.IdentityFile} -o IdentitiesOnly=yes" ConnectionPersist="0" />
              </ItemGroup>
              <Target Name="Reach">
                <RmoteExec Hosts="@(RmoteHost)" ShellCommand="echo reached" ContinueOnError="ErrorAndContinue" />
              </Target>
            """);
        p.Write("empty_known_hosts", "");
        p.Write("empty_known_hosts_2", "");
        // The port (and key, user, known_hosts) exist only in this file: the host is reached through it or not at all.
        p.Write("ssh_config", $"""
            Host rig-alias-only-in-config
                HostName {h3.HostName}
                Port {h3.Port}
                User root
                IdentityFile {h3.IdentityFile}
                IdentitiesOnly yes
                UserKnownHostsFile {h3.KnownHostsFile}
                GlobalKnownHostsFile /dev/null

            """);
        var before = rig.Hosts.Select(h => h.Logins()).ToList();

        var r = await p.RunAsync("Reach");
        var log = TestProject.Log(r);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("keys-off: reached", log);
        Assert.Matches("warning : .*keys-off.*SSH host-key checking is relaxed \\(Off\\)", log);
        Assert.Contains("error RMT0002: keys-strict: unreachable: ", log);
        Assert.Contains("Host key verification failed", log);
        Assert.DoesNotContain("keys-strict: reached", log);
        Assert.Contains("by-config: reached", log);
        Assert.Contains("by-options: reached", log);
        // host1: keys-off and by-options, one login each (sharing off); host2 refused before authentication; host3 through the config file.
        Assert.Equal([before[0] + 2, before[1], before[2] + 1], rig.Hosts.Select(h => h.Logins()));
    }

    [Fact]
    public async Task KeepRuntime_decides_whether_the_next_build_starts_an_ssh_session_on_the_host()
    {
        var (kept, notKept) = (rig.Hosts[0], rig.Hosts[1]);
        using var p = new TestProject(feed, $"""
              <ItemGroup>
                <RmoteHost Include="{kept.Target}" Name="kept" IdentityFile="{kept.IdentityFile}" KnownHostsFile="{kept.KnownHostsFile}" ConnectTimeout="21000" />
                <RmoteHost Include="{notKept.Target}" Name="not-kept" IdentityFile="{notKept.IdentityFile}" KnownHostsFile="{notKept.KnownHostsFile}" KeepRuntime="false" />
              </ItemGroup>
              <Target Name="Reach">
                <RmoteExec Hosts="@(RmoteHost)" ShellCommand="echo reached" />
              </Target>
            """);
        static int Sessions(SshHost h) => System.Text.RegularExpressions.Regex.Count(h.ReadLog(), "Starting session: command");
        Assert.Equal(0, (await p.RunAsync("Reach")).ExitCode);  // the first build leaves the kept host's keeper
        var before = (Sessions(kept), Sessions(notKept));
        var r = await p.RunAsync("Reach");
        var log = TestProject.Log(r);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("kept: reached", log);
        Assert.Contains("not-kept: reached", log);
        Assert.Equal((before.Item1, before.Item2 + 1), (Sessions(kept), Sessions(notKept)));
    }
}
