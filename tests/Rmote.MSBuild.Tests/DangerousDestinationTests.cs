using Rmote.TestRig;

namespace Rmote.MSBuild.Tests;

/// <summary>
/// Issue 16 case 5 in a real build: <c>DestinationFolder="$(Empty)/"</c> (an unset property in front of '/') with
/// DeleteExtraneous fails the build with RMT0001 before any host is contacted.
/// </summary>
[Collection("msbuild-ssh")]
public sealed class DangerousDestinationTests(PackedFeed feed)
{
    [Fact]
    public async Task An_empty_property_in_front_of_the_slash_fails_the_build_before_any_host_is_contacted()
    {
        // A private host: its /srv is its own folder, so even a deploy that wrongly went ahead could only hurt that.
        await using var fleet = await SshFleet.StartAsync(1);
        var host = fleet[0];
        Assert.True(host.IsolatedFilesystem, "the host needs its own /srv for this test");
        Directory.CreateDirectory(Path.Combine(host.SrvRoot, "app"));
        File.WriteAllText(Path.Combine(host.SrvRoot, "app", "keep.txt"), "the app the host runs");
        File.WriteAllText(Path.Combine(host.SrvRoot, "other.txt"), "another app's file");
        var srvBefore = TreeSnapshot.Of(host.SrvRoot);
        // "/" cannot be given a sandbox: the host's interpreter is a tripwire that records being started and exits.
        using var tmp = new TempDir("rmote-msb-danger-");
        var started = tmp.Combine("tripwire-started");
        var tripwire = tmp.WriteFile("tripwire-python", $"#!/bin/sh\necho \"$@\" >> '{started}'\nexit 1\n");
        File.SetUnixFileMode(tripwire, (UnixFileMode)0b111_101_101);

        using var p = new TestProject(feed, $"""
              <ItemGroup>
                {TestProject.HostItem(host, $"Python=\"{tripwire}\"").Replace("<RmoteHost ", "<RootHost ", StringComparison.Ordinal)}
                {TestProject.HostItem(host)}
              </ItemGroup>
              <Target Name="Push">
                <RmoteCopy Hosts="@(RootHost)" SourceFolder="site" DestinationFolder="$(Empty)/" DeleteExtraneous="true" ContinueOnError="ErrorAndContinue" />
                <RmoteCopy Hosts="@(RmoteHost)" SourceFolder="site" DestinationFolder="$(DeployDir)/srv/" DeleteExtraneous="true" UseReleases="true" ContinueOnError="ErrorAndContinue" />
              </Target>
            """);
        p.Write("site/index.html", "new site");
        var logins = host.Logins();

        var r = await p.RunAsync("Push");
        var log = TestProject.Log(r);

        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("error RMT0001: DestinationFolder '/' is the host's root folder: refusing to deploy there, where deleting extraneous files "
            + "or pruning releases would delete what it holds. This usually means a property or variable in front of '/' is empty "
            + "(for example \"$(DeployDir)/\" with DeployDir unset). Point it at an application folder such as /srv/app; "
            + "to use this folder on purpose, set AllowDangerousDestination.", log);
        Assert.Contains("error RMT0001: DestinationFolder '/srv/' is the top-level system folder /srv: refusing to deploy there", log);
        // Nothing reached the host: no login, no interpreter started, its files as they were.
        Assert.False(File.Exists(started), "the host's interpreter was started: " + (File.Exists(started) ? File.ReadAllText(started) : ""));
        Assert.Equal(logins, host.Logins());
        Assert.Equal(srvBefore, TreeSnapshot.Of(host.SrvRoot));
    }
}
