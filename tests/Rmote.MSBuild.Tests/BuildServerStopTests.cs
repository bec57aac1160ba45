using Rmote.TestRig;

namespace Rmote.MSBuild.Tests;

/// <summary><c>-t:RmoteStopBuildServers</c> stops every server of the user (alone: other tests' servers would stop too).</summary>
[Collection("msbuild-solo")]
public sealed class BuildServerStopTests(PackedFeed feed)
{
    [Fact]
    public async Task RmoteStopBuildServers_stops_the_running_servers_and_the_next_build_starts_one_again()
    {
        using var p = new TestProject(feed, """
              <ItemGroup><RmoteHost Include="local" /></ItemGroup>
              <Target Name="Go"><RmoteExec Hosts="@(RmoteHost)" ShellCommand="true" /></Target>
            """);
        var first = await p.RunAsync("Go", "d");
        var pid = BuildServers.StartedBy(TestProject.Log(first));
        Assert.True(first.ExitCode == 0 && pid != null, TestProject.Log(first));
        await BuildServers.ListeningAsync(pid.Value, TimeSpan.FromSeconds(60));

        var stop = await p.RunAsync("RmoteStopBuildServers", "m");
        var log = TestProject.Log(stop);
        Assert.True(stop.ExitCode == 0, log);
        Assert.Matches(@"Stopped [1-9]\d* Rmote build server\(s\)\.", log);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (ProcessTree.IsAlive(pid.Value))
        {
            Assert.True(DateTime.UtcNow < deadline, $"build server {pid} still runs after RmoteStopBuildServers");
            await Task.Delay(20);
        }

        var next = await p.RunAsync("Go", "d");
        var nextLog = TestProject.Log(next);
        Assert.True(next.ExitCode == 0, nextLog);
        Assert.Empty(BuildServers.RanIn(nextLog));
        Assert.NotNull(BuildServers.StartedBy(nextLog));
    }
}
