using System.Text.RegularExpressions;
using Rmote.TestRig;

namespace Rmote.MSBuild.Tests;

/// <summary>The build server's connections to real sshd hosts: kept between builds as the host's settings allow.</summary>
[Collection("msbuild-ssh")]
public sealed class BuildServerSshTests(SshFleetFixture rig, PackedFeed feed)
{
    [Fact]
    public async Task The_server_keeps_a_build_s_connections_for_the_next_build_unless_KeepRuntime_is_off()
    {
        var h = rig.Hosts[0];
        // $PPID of the command is the host's runtime: the same one in two builds means the connection was kept.
        using var p = new TestProject(feed, $"""
              <ItemGroup>
                {TestProject.HostItem(h).Replace($"Name=\"{h.Name}\"", "Name=\"kept\"", StringComparison.Ordinal)}
                <Off Include="@(RmoteHost)" Name="off" KeepRuntime="false" />
              </ItemGroup>
              <Target Name="Go">
                <RmoteExec Hosts="@(RmoteHost)" ShellCommand="echo runtime-$PPID" />
                <RmoteExec Hosts="@(Off)" ShellCommand="echo runtime-$PPID" />
              </Target>
            """);
        var first = await p.RunAsync("Go", "d");
        var pid = BuildServers.StartedBy(TestProject.Log(first));
        Assert.True(first.ExitCode == 0 && pid != null, TestProject.Log(first));
        await BuildServers.ListeningAsync(pid.Value, TimeSpan.FromSeconds(60));

        async Task<(int Kept, int Off)> RuntimesAsync()
        {
            var r = await p.RunAsync("Go", "d");
            var log = TestProject.Log(r);
            Assert.True(r.ExitCode == 0, log);
            Assert.Equal([("RmoteExec", pid.Value), ("RmoteExec", pid.Value)], BuildServers.RanIn(log));
            int Of(string host) => int.Parse(Regex.Match(log, host + @": runtime-(\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            return (Of("kept"), Of("off"));
        }
        var second = await RuntimesAsync();
        var third = await RuntimesAsync();
        Assert.Equal(second.Kept, third.Kept);
        Assert.NotEqual(second.Off, third.Off);
        // A kept runtime that ended between builds is not handed out: the next build connects afresh.
        Assert.True(ProcessTree.Signal(third.Kept, 9));  // the rig's hosts run on this machine, as this user
        var fourth = await RuntimesAsync();
        Assert.NotEqual(third.Kept, fourth.Kept);
    }
}
