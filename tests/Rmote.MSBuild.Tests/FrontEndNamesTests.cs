using Rmote.TestRig;

namespace Rmote.MSBuild.Tests;

/// <summary>
/// The MSBuild side of docs/FRONT-ENDS.md in real <c>dotnet msbuild</c> runs: the shared names (<c>FileMode</c>,
/// <c>VerifyChecksum</c>), the shared summary texts, and messages that name what the user wrote in MSBuild
/// (<c>RmoteHost</c> metadata, task parameters), never Rmote.Core's C# API.
/// </summary>
[Collection("msbuild-local")]
public sealed class FrontEndNamesTests(PackedFeed feed)
{
    [Fact]
    public async Task Shared_parameter_names_work_and_summaries_read_as_in_Cake_and_Nuke()
    {
        using var dest = new TempDir("rmote-msb-names-");
        using var p = new TestProject(feed, $"""
              <ItemGroup>
                <RmoteHost Include="local" />
                <Src Include="src/*.txt" />
              </ItemGroup>
              <Target Name="Push">
                <RmoteCopy Hosts="@(RmoteHost)" SourceFiles="@(Src)" DestinationFolder="{dest.Path}/app" FileMode="0600" VerifyChecksum="true" Retries="1" RetryDelayMilliseconds="10" />
                <RmoteTemplate Hosts="@(RmoteHost)" Template="port=$(Port)" DestinationFile="{dest.Path}/app.conf" FileMode="0o640" />
              </Target>
              <Target Name="BadMode">
                <RmoteTemplate Hosts="@(RmoteHost)" Template="x" DestinationFile="{dest.Path}/x.conf" FileMode="0999" />
              </Target>
            """);
        p.Write("src/a.txt", "a");

        var r = await p.RunAsync("Push", "m", "-p:Port=8080");
        var log = TestProject.Log(r);
        Assert.True(r.ExitCode == 0, log);
        Assert.Contains("local: RmoteCopy: copied 1, unchanged 0, deleted 0, 0.00 MiB", log);
        Assert.Contains($"local: RmoteTemplate: wrote {dest.Path}/app.conf", log);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dest.Path, "app", "a.txt")));
        Assert.Equal("port=8080", File.ReadAllText(Path.Combine(dest.Path, "app.conf")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(Path.Combine(dest.Path, "app.conf")));

        var again = await p.RunAsync("Push", "m", "-p:Port=8080");
        Assert.Contains($"local: RmoteTemplate: unchanged {dest.Path}/app.conf", TestProject.Log(again));

        var bad = await p.RunAsync("BadMode", "m");
        log = TestProject.Log(bad);
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("error RMT0001: FileMode '0999' is not an octal mode: give 3 or 4 octal digits, such as 0644", log);
        Assert.False(File.Exists(Path.Combine(dest.Path, "x.conf")));
    }

    [Fact]
    public async Task A_connection_error_names_the_RmoteHost_metadata_not_the_CSharp_option()
    {
        // Port 1 on loopback: nothing listens, so ssh reports "Connection refused", which Rmote.Core explains in terms
        // of its SshOptions; the build log must say which RmoteHost metadata to change.
        using var p = new TestProject(feed, """
              <ItemGroup><RmoteHost Include="root@127.0.0.1" Port="1" ConnectTimeout="10000" /></ItemGroup>
              <Target Name="Probe">
                <RmoteExec Hosts="@(RmoteHost)" Command="true" />
              </Target>
            """);
        var r = await p.RunAsync("Probe", "m");
        var log = TestProject.Log(r);
        Assert.NotEqual(0, r.ExitCode);
        Assert.True(log.Contains("connection refused", StringComparison.Ordinal), log);
        Assert.Contains("(RmoteHost metadata Port)", log);
        Assert.DoesNotContain("SshOptions.", log);
    }
}
