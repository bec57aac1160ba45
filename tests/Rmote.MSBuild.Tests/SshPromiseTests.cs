using Rmote.TestRig;

namespace Rmote.MSBuild.Tests;

/// <summary>
/// Task parameters the package README documents, each observed on the rig's sshd hosts: TemplateFile with Variables
/// items, SkipUnchangedFiles=false, URL health waits against a real HTTP server, Retries.
/// </summary>
[Collection("msbuild-ssh")]
public sealed class SshPromiseTests(SshFleetFixture rig, PackedFeed feed)
{
    [Fact]
    public async Task Template_file_variables_content_compare_and_url_health_each_do_what_the_readme_says()
    {
        var (h1, h2) = (rig.Hosts[0], rig.Hosts[1]);
        var dest = HostPaths.NewRemote(h1, "promise");
        var local1 = HostPaths.Local(h1, dest);
        using var http = await LocalHttpServer.StartAsync(("health.txt", "ok"));
        // On host1: a file of the source's size and time but other content, and one identical in every way.
        var stamp = new DateTime(2024, 5, 6, 7, 8, 9, DateTimeKind.Utc);
        Directory.CreateDirectory(local1);
        File.WriteAllText(Path.Combine(local1, "changed.txt"), "OLD-CONTENT");
        File.WriteAllText(Path.Combine(local1, "same.txt"), "same");
        foreach (var f in new[] { "changed.txt", "same.txt" }) File.SetLastWriteTimeUtc(Path.Combine(local1, f), stamp);
        var inodes = new[] { await HostPaths.InodeAsync(Path.Combine(local1, "changed.txt")), await HostPaths.InodeAsync(Path.Combine(local1, "same.txt")) };

        using var p = new TestProject(feed, $"""
              <ItemGroup>
                <RmoteHost Include="{h1.Target}" Name="{h1.Name}" IdentityFile="{h1.IdentityFile}" KnownHostsFile="{h1.KnownHostsFile}" />
                <Both Include="@(RmoteHost)" />
                <Both Include="{h2.Target}" Name="{h2.Name}" IdentityFile="{h2.IdentityFile}" KnownHostsFile="{h2.KnownHostsFile}" />
                <AppVar Include="port" Value="8080" />
                <AppVar Include="workers" Value="3" />
              </ItemGroup>
              <Target Name="Template">
                <RmoteTemplate Hosts="@(Both)" TemplateFile="app.conf.tmpl" DestinationFile="{dest}/app.conf" Variables="@(AppVar)" Properties="env=prod" />
              </Target>
              <Target Name="Compare">
                <RmoteCopy Hosts="@(RmoteHost)" SourceFolder="site" DestinationFolder="{dest}" />
                <RmoteExec Hosts="@(RmoteHost)" ShellCommand="echo after-size-and-time: `cat {dest}/changed.txt`" />
                <RmoteCopy Hosts="@(RmoteHost)" SourceFolder="site" DestinationFolder="{dest}" SkipUnchangedFiles="false" />
              </Target>
              <Target Name="Health">
                <RmoteWaitForHealthy Hosts="@(Both)" Url="{http.Url("health.txt")}" Interval="200" Timeout="30000" />
                <RmoteWaitForHealthy Hosts="@(RmoteHost)" Url="{http.Url("missing")}" Interval="200" Timeout="1000" ContinueOnError="ErrorAndContinue" />
              </Target>
            """);
        p.Write("app.conf.tmpl", """
            host=${rmote_host} env=${env} port=${port}
            % for i in range(int(workers)):
            worker${i}
            % endfor
            """);
        p.Write("site/changed.txt", "NEW-CONTENT", stamp);
        p.Write("site/same.txt", "same", stamp);

        var r = await p.RunAsync("Template;Compare;Health");
        var log = TestProject.Log(r);
        Assert.NotEqual(0, r.ExitCode);   // the missing URL

        foreach (var h in new[] { h1, h2 })
        {
            Assert.Equal($"host={h.Name} env=prod port=8080\nworker0\nworker1\nworker2\n", File.ReadAllText(Path.Combine(HostPaths.Local(h, dest), "app.conf")));
            Assert.Matches($"{h.Name}: RmoteWaitForHealthy: healthy \\(HTTP 200\\)", log);
        }

        // SkipUnchangedFiles (default true) trusts size and time: the host kept its other content; false compares
        // content and rewrites only the file that differs (a new file, atomically: a new inode).
        Assert.Contains($"{h1.Name}: RmoteCopy: up to date, no change (2 file(s) unchanged)", log);
        Assert.Contains($"{h1.Name}: after-size-and-time: OLD-CONTENT", log);
        Assert.Contains($"{h1.Name}: RmoteCopy: copied 1, unchanged 1", log);
        Assert.Equal("NEW-CONTENT", File.ReadAllText(Path.Combine(local1, "changed.txt")));
        Assert.NotEqual(inodes[0], await HostPaths.InodeAsync(Path.Combine(local1, "changed.txt")));
        Assert.Equal(inodes[1], await HostPaths.InodeAsync(Path.Combine(local1, "same.txt")));

        Assert.Matches($"error RMT0010: {h1.Name}: RmoteWaitForHealthy failed: health check .*missing.* did not pass within 1 s .*HTTP 404", log);
    }

    [Fact]
    public async Task A_copy_that_fails_is_retried_and_the_retry_lands_the_files()
    {
        var h = rig.Hosts[2];
        var dest = HostPaths.NewRemote(h, "retry");
        var local = HostPaths.Local(h, dest);
        // A file where the destination folder should be: the first attempt fails (not a directory).
        File.WriteAllText(local, "in the way");
        using var p = new TestProject(feed, $"""
              <ItemGroup>
                {TestProject.HostItem(h, "ConnectionPersist=\"0\"")}
              </ItemGroup>
              <Target Name="Push">
                <RmoteCopy Hosts="@(RmoteHost)" SourceFolder="site" DestinationFolder="{dest}" Retries="1" RetryDelayMilliseconds="5000" />
              </Target>
            """);
        p.Write("site/index.html", "after the retry");

        using var run = p.Start("Push", "n");
        // The first attempt's warning is the event: the cause goes away while the task waits (5 s and more) to retry.
        await run.WaitForTextAsync($"[{h.Name}] RmoteCopy attempt 1 of 2 failed (", TimeSpan.FromMinutes(2));
        File.Delete(local);
        var code = await run.WaitAsync(TimeSpan.FromMinutes(2));
        Assert.True(code == 0, run.Output);
        Assert.Contains($"{h.Name}: copy succeeded on attempt 2", run.Output);
        Assert.Equal("after the retry", File.ReadAllText(Path.Combine(local, "index.html")));
    }
}
