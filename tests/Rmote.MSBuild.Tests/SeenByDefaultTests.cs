using System.Text.RegularExpressions;
using Rmote.TestRig;

namespace Rmote.MSBuild.Tests;

/// <summary>A fleet of four rig hosts: the size of the deploy a user reported silent under the terminal logger.</summary>
public sealed class FourHostFleetFixture : SshFleetFixture
{
    public override int HostCount => 4;
}

[CollectionDefinition("msbuild-ssh4")]
public sealed class MsBuildSsh4Collection : ICollectionFixture<FourHostFleetFixture>, ICollectionFixture<PackedFeed> { }

/// <summary>
/// Per-host summaries, copy progress and the Deploy recap are on screen by default: under the terminal logger in a
/// pseudo-terminal (<c>-tl:on</c>, what a terminal gets) and in a plain <c>-v:m</c> log.
/// </summary>
[Collection("msbuild-ssh4")]
public sealed class SeenByDefaultTests(FourHostFleetFixture rig, PackedFeed feed)
{
    const int BigMiB = 24;

    TestProject DeployProject(string dest, string extraHosts = "")
    {
        var p = new TestProject(feed, $"""
              <PropertyGroup>
                <RmoteDeployFolder>{dest}</RmoteDeployFolder>
              </PropertyGroup>
              <ItemGroup>
                {string.Join("\n    ", rig.Hosts.Select(h => TestProject.HostItem(h)))}
                {extraHosts}
                <None Include="data/**" CopyToPublishDirectory="PreserveNewest" />
              </ItemGroup>
            """);
        return p;
    }

    static void WriteBig(TestProject p)
    {
        var path = Path.Combine(p.Folder, "data", "big.bin");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var buffer = new byte[1 << 20];
        using var f = File.Create(path);
        for (var i = 0; i < BigMiB; i++)
        {
            Random.Shared.NextBytes(buffer);
            f.Write(buffer);
        }
    }

    static string RecapLine(string screen, string host) =>
        Regex.Match(screen, $@"^\s*{Regex.Escape(host)}\s+: ok=.*$", RegexOptions.Multiline) is { Success: true } m ? m.Value : "";

    [Fact]
    public async Task A_four_host_deploy_under_the_terminal_logger_shows_each_hosts_line_its_progress_and_the_recap()
    {
        var dest = HostPaths.NewRemote(rig.Hosts[0], "seen");
        using var p = DeployProject(dest);
        WriteBig(p);
        // A 1 ms interval: every acknowledged chunk after the first millisecond may print, so a 24 MiB copy surely crosses it.
        var (exit, raw, screen) = await Pty.RunDotnetAsync(p.Args("Deploy", "m", "-tl:on", "-p:RmoteReleaseId=r1", "-p:RmoteProgressInterval=1"), p.Folder);
        Assert.True(exit == 0, screen);
        Assert.Contains("\x1b[", raw); // the terminal logger drew its live view: this was not the console logger
        // Two steps with releases: the copy stages the release, RmoteReleaseSwitch makes it live (after RmoteBeforeSwitch).
        Assert.Contains("RECAP (2 step(s), 4 host(s))", screen);
        foreach (var h in rig.Hosts)
        {
            Assert.Contains($"{h.Name}: RmoteCopy: release r1: copied ", screen);
            Assert.Matches($@"{h.Name}: RmoteCopy: copying \d+% of {BigMiB}\.\d MiB \(\d+/\d+ files\), [0-9.]+ MiB/s", screen);
            Assert.Matches(@"ok=2\s+changed=2\s+failed=0\s+unreachable=0\s+skipped=0\s+release=r1", RecapLine(screen, h.Name));
        }
    }

    [Fact]
    public async Task A_plain_minimal_log_shows_the_same_lines_and_a_small_copy_prints_no_progress()
    {
        var dest = HostPaths.NewRemote(rig.Hosts[0], "seen-m");
        using var p = DeployProject(dest);
        p.Write("data/small.txt", "small");
        // The default interval (2 s): a copy of a few small files ends before any host's first progress line is due.
        var r = await p.RunAsync("Deploy", "m", "-tl:off", "-p:RmoteReleaseId=r1");
        var log = TestProject.Log(r);
        Assert.True(r.ExitCode == 0, log);
        Assert.DoesNotContain("RmoteCopy: copying", log);
        Assert.Contains("RECAP (2 step(s), 4 host(s))", log);
        foreach (var h in rig.Hosts)
        {
            Assert.Contains($"{h.Name}: RmoteCopy: release r1: copied ", log);
            Assert.Matches(@"ok=2\s+changed=2\s+failed=0\s+unreachable=0\s+skipped=0\s+release=r1", RecapLine(log, h.Name));
        }
    }

    [Fact]
    public async Task A_deploy_with_an_unreachable_host_fails_and_still_prints_its_recap_on_the_terminal()
    {
        var dest = HostPaths.NewRemote(rig.Hosts[0], "seen-dead");
        using var p = DeployProject(dest, """<RmoteHost Include="root@127.0.0.1:1" Name="dead" ConnectTimeout="5000" />""");
        p.Write("data/small.txt", "small");
        var (exit, _, screen) = await Pty.RunDotnetAsync(p.Args("Deploy", "m", "-tl:on", "-p:RmoteReleaseId=r1"), p.Folder);
        Assert.NotEqual(0, exit);
        Assert.Contains("RECAP (1 step(s), 5 host(s))", screen);
        Assert.Matches(@"ok=0\s+changed=0\s+failed=0\s+unreachable=1\s+skipped=0\s+release=-", RecapLine(screen, "dead"));
        // A release goes live everywhere or nowhere: with one host down the others are not touched, and the recap says so.
        foreach (var h in rig.Hosts)
            Assert.Matches(@"ok=0\s+changed=0\s+failed=0\s+unreachable=0\s+skipped=1\s+release=-", RecapLine(screen, h.Name));
    }
}
