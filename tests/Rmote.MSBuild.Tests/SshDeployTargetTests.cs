using Rmote.TestRig;

namespace Rmote.MSBuild.Tests;

/// <summary>The package's <c>Deploy</c> target with hosts from <c>-p:RmoteHosts</c>, against the rig's sshd hosts.</summary>
[Collection("msbuild-ssh")]
public sealed class SshDeployTargetTests(SshFleetFixture rig, PackedFeed feed)
{
    [Fact]
    public async Task Deploy_with_hosts_from_the_command_line_publishes_and_switches_a_release_on_those_hosts_only()
    {
        var (h1, h2, other) = (rig.Hosts[0], rig.Hosts[1], rig.Hosts[2]);
        var dest = HostPaths.NewRemote(h1, "deploy");
        using var p = new TestProject(feed, """
              <ItemGroup>
                <None Include="wwwroot/index.html" CopyToPublishDirectory="PreserveNewest" />
              </ItemGroup>
            """);
        p.Write("wwwroot/index.html", "published page");
        // The rig's hosts share one key and one known_hosts file, as a fleet often does.
        string[] props = [$"-p:RmoteHosts={h1.Target} {h2.Target}", $"-p:RmoteIdentityFile={h1.IdentityFile}", $"-p:RmoteKnownHostsFile={h1.KnownHostsFile}",
            $"-p:RmoteDeployFolder={dest}", "-p:RmoteReleaseId=r1"];

        var r = await p.RunAsync("Deploy", "m", props);
        var log = TestProject.Log(r);
        Assert.True(r.ExitCode == 0, log);
        foreach (var h in new[] { h1, h2 })
        {
            var local = HostPaths.Local(h, dest);
            Assert.Equal("releases/r1", new FileInfo(Path.Combine(local, "current")).LinkTarget?.TrimEnd('/').Replace(local + "/", ""));
            Assert.Equal("published page", File.ReadAllText(Path.Combine(local, "current", "wwwroot", "index.html")));
            Assert.True(File.Exists(Path.Combine(local, "current", "test.proj.dll")), $"{h.Name}: the published assembly is missing");
            Assert.Matches($"{h.Target.Replace(".", "\\.")}: RmoteCopy: release r1: copied [1-9]", log);
        }
        Assert.False(Directory.Exists(HostPaths.Local(other, dest)), "a host not named in RmoteHosts was deployed to");
    }
}
