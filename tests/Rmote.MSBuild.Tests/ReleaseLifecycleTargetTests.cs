using Rmote.TestRig;
using Xunit.Abstractions;

namespace Rmote.MSBuild.Tests;

/// <summary>
/// The release lifecycle through real <c>dotnet msbuild</c> runs of the package's targets (Deploy, ListReleases,
/// Rollback) on two rig sshd hosts: shared paths, the RmoteBeforeSwitch hook, the release manifest, reuse of an
/// unchanged release, the AfterRollback hook and the service restart of a rollback.
/// </summary>
[Collection("msbuild-ssh")]
public sealed class ReleaseLifecycleTargetTests(SshFleetFixture rig, PackedFeed feed, ITestOutputHelper output)
{
    [Fact]
    public async Task Deploy_links_shared_paths_obeys_the_BeforeSwitch_hook_reuses_an_unchanged_release_lists_and_rolls_back()
    {
        var (h1, h2) = (rig.Hosts[0], rig.Hosts[1]);
        var dest = HostPaths.NewRemote(h1, "life");
        var locals = new[] { HostPaths.Local(h1, dest), HostPaths.Local(h2, dest) };
        using var p = new TestProject(feed, """
              <ItemGroup>
                <None Include="data.txt" CopyToPublishDirectory="PreserveNewest" />
                <None Include="appsettings.Production.json" CopyToPublishDirectory="PreserveNewest" />
              </ItemGroup>
              <PropertyGroup>
                <RmoteSharedPaths>appsettings.Production.json;storage/</RmoteSharedPaths>
                <RmoteReuseUnchangedRelease>true</RmoteReuseUnchangedRelease>
                <RmoteBeforeSwitchDependsOn>SmokeTest</RmoteBeforeSwitchDependsOn>
                <RmoteAfterRollbackDependsOn>Notify</RmoteAfterRollbackDependsOn>
              </PropertyGroup>
              <Target Name="SmokeTest">
                <RmoteExec Hosts="@(RmoteHost)" ShellCommand="echo SMOKE staged=$(RmoteDeployedFolder) live=`readlink $(RmoteDeployFolder)/current`; test '$(FailSmoke)' != 'true'" />
              </Target>
              <Target Name="Notify">
                <Message Importance="high" Text="AFTER-ROLLBACK now on $(RmoteCurrentRelease)" />
              </Target>
            """);
        p.Write("data.txt", "v1");
        p.Write("appsettings.Production.json", "{\"from\":\"publish\"}");
        foreach (var args in (string[][])[["init", "-q"], ["-c", "user.email=t@t", "-c", "user.name=t", "commit", "-q", "--allow-empty", "-m", "x"]])
            (await ProcessRunner.RunAsync("git", args, p.Folder)).EnsureSuccess();
        var head = (await ProcessRunner.RunAsync("git", ["rev-parse", "HEAD"], p.Folder)).EnsureSuccess().StdOut.Trim();
        string[] hosts = [$"-p:RmoteHosts={h1.Target} {h2.Target}", $"-p:RmoteIdentityFile={h1.IdentityFile}", $"-p:RmoteKnownHostsFile={h1.KnownHostsFile}",
            $"-p:RmoteDeployFolder={dest}"];
        var ci = new Dictionary<string, string> { ["GITHUB_RUN_ID"] = "777" };
        async Task<string> Run(string target, bool ok, params string[] extra)
        {
            var r = await p.RunAsync(target, "m", ci, [.. hosts, .. extra]);
            var log = TestProject.Log(r);
            output.WriteLine($"--- {target} {string.Join(' ', extra)} (exit {r.ExitCode})\n{log}");
            Assert.True((r.ExitCode == 0) == ok, log);
            return log;
        }
        string Current(string local) => new FileInfo(Path.Combine(local, "current")).LinkTarget!;

        var first = await Run("Deploy", true, "-p:RmoteReleaseId=r1");
        Assert.Contains($"SMOKE staged={dest}/releases/r1 live=", first);   // the hook ran before the first switch: nothing live yet
        Assert.Contains("shared created: appsettings.Production.json, storage/", first);
        foreach (var local in locals)
        {
            Assert.Equal("releases/r1", Current(local));
            var manifest = File.ReadAllText(Path.Combine(local, "releases/r1/.rmote-release.json"));
            Assert.Contains($"\"commit\": \"{head}\"", manifest);
            Assert.Contains("\"build\": \"777\"", manifest);
            Assert.Contains($"\"controller\": \"{Environment.MachineName}\"", manifest);
            File.WriteAllText(Path.Combine(local, "shared/appsettings.Production.json"), "{\"db\":\"prod\"}");
            File.WriteAllText(Path.Combine(local, "shared/storage/upload.bin"), "user data");
        }

        p.Write("data.txt", "v2");
        var vetoed = await Run("Deploy", false, "-p:RmoteReleaseId=r2", "-p:FailSmoke=true");
        Assert.Contains($"SMOKE staged={dest}/releases/r2 live=releases/r1", vetoed);
        Assert.DoesNotContain("RmoteReleaseSwitch", vetoed);
        Assert.All(locals, l => Assert.Equal("releases/r1", Current(l)));
        Assert.All(locals, l => Assert.Equal("v1", File.ReadAllText(Path.Combine(l, "current/data.txt"))));

        var second = await Run("Deploy", true, "-p:RmoteReleaseId=r3");
        Assert.Contains("RmoteReleaseSwitch: current r1 -> r3", second);
        foreach (var local in locals)
        {
            Assert.Equal("releases/r3", Current(local));
            Assert.Equal("{\"db\":\"prod\"}", File.ReadAllText(Path.Combine(local, "current/appsettings.Production.json")));
            Assert.Equal("user data", File.ReadAllText(Path.Combine(local, "current/storage/upload.bin")));
            Assert.Equal("../../shared/appsettings.Production.json", new FileInfo(Path.Combine(local, "releases/r3/appsettings.Production.json")).LinkTarget);
            Assert.Equal("v2", File.ReadAllText(Path.Combine(local, "current/data.txt")));
        }

        var same = await Run("Deploy", true, "-p:RmoteReleaseId=r4");
        Assert.Contains("RmoteCopy: unchanged, release r3 kept", same);
        Assert.DoesNotContain("SMOKE", same);
        Assert.All(locals, l => Assert.False(Directory.Exists(Path.Combine(l, "releases/r4"))));
        Assert.All(locals, l => Assert.Equal("releases/r3", Current(l)));

        var listed = await Run("ListReleases", true);
        foreach (var h in new[] { h1, h2 })
        {
            Assert.Contains($"{h.Target}: RmoteListReleases: 3 release(s), current r3", listed);
            Assert.Contains($"{h.Target}: * r3 (current) commit {head[..12]} build 777 by {Environment.UserName} on {Environment.MachineName} at ", listed);
            Assert.Contains($"{h.Target}:   r2 commit {head[..12]}", listed);
        }

        var back = await Run("Rollback", true);
        Assert.Contains("AFTER-ROLLBACK now on r1", back);
        Assert.All(locals, l => Assert.Equal("releases/r1", Current(l)));

        // The rig's plain hosts have no systemd: the restart after the rollback runs on each host and fails there, naming the unit.
        var restart = await Run("Rollback", false, "-p:RmoteRollbackTo=r3", "-p:RmoteServices=rmote-no-such-unit");
        Assert.Contains($"error RMT0007: {h1.Target}: RmoteRollback failed: rmote-no-such-unit", restart);
        Assert.Contains($"error RMT0007: {h2.Target}: RmoteRollback failed: rmote-no-such-unit", restart);
        Assert.DoesNotContain("AFTER-ROLLBACK", restart);
        Assert.All(locals, l => Assert.Equal("releases/r3", Current(l)));
    }
}
