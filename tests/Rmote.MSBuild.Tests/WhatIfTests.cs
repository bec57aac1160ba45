using Rmote.TestRig;
using Xunit.Abstractions;

namespace Rmote.MSBuild.Tests;

/// <summary><c>dotnet msbuild -t:Deploy -p:RmoteWhatIf=true</c> against the rig's sshd hosts: the plan is printed, nothing on the hosts changes.</summary>
[Collection("msbuild-ssh")]
public sealed class WhatIfTests(SshFleetFixture rig, PackedFeed feed, ITestOutputHelper output)
{
    [Fact]
    public async Task Deploy_with_RmoteWhatIf_prints_each_hosts_plan_and_leaves_every_deploy_base_as_it_was()
    {
        var dest = HostPaths.NewRemote(rig.Hosts[0], "whatif");
        using var p = new TestProject(feed, $"""
              <ItemGroup>
                <None Include="wwwroot/**" CopyToPublishDirectory="PreserveNewest" />
                {string.Join("\n    ", rig.Hosts.Select(TestProject.HostItem))}
              </ItemGroup>
              <Target Name="Configure" AfterTargets="RmoteDeployCopy">
                <RmoteTemplate Hosts="@(RmoteHost)" TemplateFile="app.conf.tpl" Properties="port=$(AppPort)" DestinationFile="{dest}/app.conf" />
                <RmoteExec Hosts="@(RmoteHost)" ShellCommand="touch {dest}/ran" />
                <RmoteServiceRestart Condition="'$(RmoteWhatIf)' == 'true'" Hosts="@(RmoteHost)" ServiceName="app.service" />
              </Target>
            """);
        p.Write("app.conf.tpl", "port=${port}\nname=demo\n");
        p.Write("wwwroot/index.html", "v1");
        p.Write("wwwroot/old.html", "old page");
        string[] props = [$"-p:RmoteDeployFolder={dest}", "-p:RmoteUseReleases=true"];
        var first = await p.RunAsync("Deploy", "m", [.. props, "-p:RmoteReleaseId=r1", "-p:AppPort=80"]);
        Assert.True(first.ExitCode == 0, TestProject.Log(first));

        // One file changed, one deleted (from the publish output too: publishing never removes a stale file), the template's port.
        p.Write("wwwroot/index.html", "version two");
        foreach (var stale in Directory.EnumerateFiles(p.Folder, "old.html", SearchOption.AllDirectories)) File.Delete(stale);
        var before = rig.Hosts.Select(h => TreeSnapshot.WithMetadata(HostPaths.Local(h, dest))).ToList();
        var check = await p.RunAsync("Deploy", "m", [.. props, "-p:RmoteReleaseId=r2", "-p:AppPort=8080", "-p:RmoteWhatIf=true"]);
        var log = TestProject.Log(check);
        output.WriteLine(log);
        Assert.True(check.ExitCode == 0, log);

        var after = rig.Hosts.Select(h => TreeSnapshot.WithMetadata(HostPaths.Local(h, dest))).ToList();
        // The lines that differ, so a failure names what changed on the host.
        Assert.Equal([], before.Zip(after).SelectMany(ba => ba.First.Split('\n').Except(ba.Second.Split('\n')).Select(l => "before: " + l)
            .Concat(ba.Second.Split('\n').Except(ba.First.Split('\n')).Select(l => "after:  " + l))));
        var hosts = string.Join(", ", rig.Hosts.Select(h => h.Name));
        // The recap counts nothing as changed, and no release as live, in a check run.
        foreach (var h in rig.Hosts)
            Assert.Matches($@"{h.Name}\s+: ok=\d+\s+changed=0\s+failed=0\s+unreachable=0\s+skipped=0\s+release=-", log);
        // The console logger indents a message's lines: each is checked on its own.
        Assert.Contains("WhatIf RmoteCopy: nothing was changed on the hosts", log);
        Assert.Contains($"  {hosts}: release r2 would become current (now r1); would copy 1 file(s) (11 bytes), delete 1 (8 bytes), 3 unchanged", log);
        Assert.Contains("    copy   wwwroot/index.html (11 bytes)", log);
        Assert.Contains("    delete wwwroot/old.html (8 bytes)", log);
        Assert.Contains($"  {hosts}: would change {dest}/app.conf", log);
        Assert.Contains("    -port=80", log);
        Assert.Contains("    +port=8080", log);
        Assert.Contains($"  {hosts}: would run: touch {dest}/ran", log);
        Assert.Contains($"  {hosts}: would restart app.service", log);
    }
}
