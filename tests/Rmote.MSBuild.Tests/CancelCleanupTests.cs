using Rmote.TestRig;

namespace Rmote.MSBuild.Tests;

/// <summary>Issue 16 case 11 through a real <c>dotnet msbuild</c>: Ctrl+C mid-copy leaves no temp file and says so once per host.</summary>
[Collection("msbuild-ssh")]
public sealed class CancelCleanupTests(SshFleetFixture rig, PackedFeed feed)
{
    [Fact]
    public async Task CtrlC_mid_copy_removes_the_temp_files_and_logs_one_cancel_line_per_host()
    {
        var hosts = rig.Hosts.Take(2).ToList();
        var name = "msb-cancel-" + Guid.NewGuid().ToString("n")[..8];
        var dest = hosts[0].RemoteSrv.TrimEnd('/') + "/" + name;
        using var p = new TestProject(feed, $"""
              <ItemGroup>
                {string.Join("\n    ", hosts.Select(TestProject.HostItem))}
              </ItemGroup>
              <Target Name="Push">
                <RmoteCopy Hosts="@(RmoteHost)" SourceFolder="{RandomFiles.LargeFolder}" DestinationFolder="{dest}" />
              </Target>
            """);
        // The build leads its own process group, so the SIGINT below reaches every process of it, as a terminal's Ctrl+C does.
        var psi = MsBuild.StartInfo(p.Args("Push", "m"), p.Folder);
        psi.ArgumentList.Insert(0, psi.FileName);
        psi.FileName = "setsid";
        using var run = new MsBuild.Running(psi);

        // Mid-copy: every host's temp files hold over 1 MiB (polled: the copy is the event, the build's restore comes first).
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (!hosts.All(h => DeployTemps.BytesUnder(Path.Combine(h.SrvRoot, name)) > 1 << 20))
        {
            Assert.True(DateTime.UtcNow < deadline, "the copy never started:\n" + run.Output);
            Assert.False(run.Output.Contains("RmoteCopy: copied", StringComparison.Ordinal), "the copy finished before Ctrl+C:\n" + run.Output);
            await Task.Delay(10);
        }
        Assert.True(ProcessTree.SignalGroup(run.Pid, 2)); // SIGINT
        // A generous deadline only (no wall-clock bound): an ignored Ctrl+C finishes the copy, so the "copy cancelled"
        // lines and the empty temp folders below are what show the cancel took effect.
        var code = await run.WaitAsync(TimeSpan.FromSeconds(120));
        var log = run.Output;
        File.WriteAllText(Path.Combine(Path.GetTempPath(), "rmote-msbuild-last-cancel.log"), log);

        Assert.NotEqual(0, code);
        foreach (var h in hosts)
        {
            Assert.Empty(DeployTemps.Under(Path.Combine(h.SrvRoot, name)));
            // (big2.bin may have landed before the signal: one or two files in flight)
            Assert.Single(log.Split('\n'), l => System.Text.RegularExpressions.Regex.IsMatch(l,
                $@"error RMT0003: {h.Name}: RmoteCopy: copy cancelled: (1 file in flight, its temp file|2 files in flight, their temp files) removed$"));
        }
        Assert.DoesNotContain("connection lost", log, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(log.Split('\n'), l => l.Contains("warning", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain("   at ", log);  // no stack trace
    }
}
