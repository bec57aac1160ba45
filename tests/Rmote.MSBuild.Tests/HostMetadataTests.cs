using Rmote.TestRig;

namespace Rmote.MSBuild.Tests;

/// <summary>
/// <c>RmoteHost</c> metadata errors, as the build log shows them: the item and the metadata the user wrote, never
/// the C# API behind them, before anything connects, and in the advice of a failed connect.
/// </summary>
[Collection("msbuild-local")]
public sealed class HostMetadataTests(PackedFeed feed)
{
    [Fact]
    public async Task Bad_connection_metadata_is_named_as_written_in_the_project()
    {
        using var p = new TestProject(feed, """
              <ItemGroup>
                <BadPort Include="deploy@web01" Port="abc" />
                <BadSudo Include="local" Sudo="yes" />
                <BadConnect Include="local" ConnectTimeout="0" />
                <BadPolicy Include="web02" HostKeyChecking="Sometimes" />
                <Refused Include="root@127.0.0.1" Port="1" Name="refused" ConnectTimeout="5000" />
              </ItemGroup>
              <Target Name="Check">
                <RmoteExec Hosts="@(BadPort)" Command="true" ContinueOnError="ErrorAndContinue" />
                <RmoteExec Hosts="@(BadSudo)" Command="true" ContinueOnError="ErrorAndContinue" />
                <RmoteExec Hosts="@(BadConnect)" Command="true" ContinueOnError="ErrorAndContinue" />
                <RmoteExec Hosts="@(BadPolicy)" Command="true" ContinueOnError="ErrorAndContinue" />
                <RmoteExec Hosts="@(Refused)" Command="true" ContinueOnError="ErrorAndContinue" />
              </Target>
            """);
        var r = await p.RunAsync("Check");
        var log = TestProject.Log(r);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("error RMT0001: RmoteHost 'deploy@web01': metadata Port='abc' is not a port number (1-65535).", log);
        Assert.Contains("error RMT0001: RmoteHost 'local': metadata Sudo='yes' is not true or false.", log);
        Assert.Contains("error RMT0001: RmoteHost 'local': metadata ConnectTimeout='0' is not milliseconds, more than 0.", log);
        Assert.Contains("error RMT0001: RmoteHost 'web02': metadata HostKeyChecking='Sometimes' is not Strict, AcceptNew or Off.", log);
        // A connect failure's advice names the metadata too.
        Assert.Contains("Check the host and port (RmoteHost metadata Port)", log);
        Assert.DoesNotContain("SshOptions.", log);
        Assert.DoesNotContain("HostSpec", log);
    }
}
