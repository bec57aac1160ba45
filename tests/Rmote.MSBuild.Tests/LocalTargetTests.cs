using Rmote.TestRig;

[assembly: System.Runtime.Versioning.UnsupportedOSPlatform("windows")]

namespace Rmote.MSBuild.Tests;

/// <summary>Real <c>dotnet msbuild</c> runs of the packed tasks against the local embedded target.</summary>
[Collection("msbuild-local")]
public sealed class LocalTargetTests(PackedFeed feed)
{
    [Fact]
    public async Task Copy_follows_Copy_conventions_and_an_unchanged_run_says_so()
    {
        using var dest = new TempDir("rmote-msb-dest-");
        using var p = new TestProject(feed, $"""
              <ItemGroup>
                <RmoteHost Include="local" />
                <Src Include="src/**/*.txt" />
                <Src Include="extra/c.dat" DestinationSubPath="renamed/c.dat" />
              </ItemGroup>
              <Target Name="Push">
                <RmoteCopy Hosts="@(RmoteHost)" SourceFiles="@(Src)" DestinationFolder="{dest.Path}" FileMode="0640">
                  <Output TaskParameter="CopiedFiles" ItemName="Copied" />
                </RmoteCopy>
                <Message Importance="high" Text="COPIED=@(Copied->Count())" />
              </Target>
            """);
        var t = new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        p.Write("src/a.txt", "a", t);
        p.Write("src/sub/b.txt", "b", t);
        p.Write("extra/c.dat", "c", t);

        var first = await p.RunAsync("Push", "n");
        var log = TestProject.Log(first);
        Assert.True(first.ExitCode == 0, log);
        Assert.Contains("local: copied a.txt", log);          // -v:n: per-file detail
        Assert.Contains("local: copied sub/b.txt", log);
        Assert.Contains("COPIED=3", log);
        Assert.Equal("b", File.ReadAllText(Path.Combine(dest.Path, "sub", "b.txt")));
        Assert.Equal("c", File.ReadAllText(Path.Combine(dest.Path, "renamed", "c.dat")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(Path.Combine(dest.Path, "a.txt")));

        var second = await p.RunAsync("Push", "m");
        log = TestProject.Log(second);
        Assert.True(second.ExitCode == 0, log);
        Assert.Contains("local: RmoteCopy: up to date, no change (3 file(s) unchanged)", log); // -v:m: the summary line
        Assert.Contains("COPIED=0", log);
        Assert.DoesNotContain("copied a.txt", log);
    }

    [Fact]
    public async Task Exec_streams_prefixed_lines_masks_secrets_and_fails_with_codes()
    {
        using var p = new TestProject(feed, """
              <ItemGroup><RmoteHost Include="local" /></ItemGroup>
              <Target Name="Good">
                <RmoteExec Hosts="@(RmoteHost)" ShellCommand="echo line-one; echo token=$TOKEN; echo err-line >&amp;2"
                           SecretEnvironmentVariables="TOKEN" EnvironmentVariables="PLAIN=1" ConsoleToMSBuild="true">
                  <Output TaskParameter="ConsoleOutput" ItemName="Lines" />
                  <Output TaskParameter="ExitCode" PropertyName="Code" />
                </RmoteExec>
                <Message Importance="high" Text="LINES=@(Lines->Count()) CODE=$(Code)" />
              </Target>
              <Target Name="Bad">
                <RmoteExec Hosts="@(RmoteHost)" Command="echo failing >&amp;2; exit 3" ContinueOnError="true" />
                <RmoteServiceRestart Hosts="@(RmoteHost)" ServiceName="rmote-no-such-unit" Timeout="5000" ContinueOnError="true" />
              </Target>
              <Target Name="Slow">
                <RmoteExec Hosts="@(RmoteHost)" ShellCommand="sleep 30" Timeout="1000" />
              </Target>
            """);
        // The secret by name, from the build's environment (issue 18).
        var r = await p.RunAsync("Good;Bad;Slow", "m", new Dictionary<string, string> { ["TOKEN"] = "hunter2-secret" });
        var log = TestProject.Log(r);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("local: line-one", log);
        Assert.Contains("local: token=***", log);
        Assert.Contains("local: err-line", log);
        Assert.DoesNotContain("hunter2", log);
        Assert.Contains("LINES=3 CODE=0", log);
        Assert.Contains("warning RMT0005: local: RmoteExec failed:", log); // ContinueOnError turns the error into a warning
        Assert.Contains("exited with code 3", log);
        Assert.Contains("warning RMT0007: local: RmoteServiceRestart failed: rmote-no-such-unit: ", log); // no systemd here: the service step fails with its code
        Assert.Contains("error RMT0006: local: RmoteExec failed:", log);  // the time limit
    }

    [Fact]
    public async Task Connection_and_remote_logs_reach_the_build_log()
    {
        using var dest = new TempDir("rmote-msb-log-");
        // Python logging on the remote (here from a template expression) is forwarded: error as RMT0013, warning, info.
        using var p = new TestProject(feed, $"""
              <ItemGroup><RmoteHost Include="local" /></ItemGroup>
              <Target Name="Probe">
                <RmoteExec Hosts="@(RmoteHost)" ShellCommand="true" />
                <RmoteTemplate Hosts="@(RmoteHost)" DestinationFile="{dest.Path}/out.txt"
                  Template="{"${__import__('logging').getLogger('app').error('remote error record')}"
                      + "${__import__('logging').getLogger('app').warning('remote warning record')}"
                      + "${__import__('logging').getLogger('app').info('remote info record')}"}" />
              </Target>
            """);
        // The console at normal verbosity, and a diagnostic file log for the low-importance (debug) records.
        var diag = Path.Combine(p.Folder, "diag.log");
        var r = await p.RunAsync("Probe", "n", "-fl", $"-flp:LogFile={diag};Verbosity=diagnostic");
        var log = TestProject.Log(r);
        Assert.True(r.ExitCode == 0, log);
        // Rmote.Core's ILogger output (here the connection's own debug record) lands in the task's log at low importance.
        Assert.Contains("[local] connected: Python", File.ReadAllText(diag));
        Assert.DoesNotContain("[local] connected: Python", log);
        Assert.Matches(@"warning RMT0013: \[local\] app: remote error record", log);
        Assert.Matches(@"warning : \[local\] app: remote warning record", log);
        Assert.Contains("[local] app: remote info record", log);     // normal importance: shown at -v:n
    }

    [Fact]
    public async Task Invalid_host_is_a_parameter_error()
    {
        using var p = new TestProject(feed, """
              <Target Name="Go"><RmoteExec Hosts="root@:22" Command="true" /></Target>
            """);
        var r = await p.RunAsync("Go");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("error RMT0001", TestProject.Log(r));
    }

    [Fact]
    public async Task Ctrl_C_cancels_remote_work()
    {
        var marker = "61." + Random.Shared.Next(100000, 999999);
        using var p = new TestProject(feed, $"""
              <ItemGroup><RmoteHost Include="local" /></ItemGroup>
              <Target Name="Go"><RmoteExec Hosts="@(RmoteHost)" ShellCommand="echo started; exec sleep {marker}" /></Target>
            """);
        using var run = p.Start("Go");
        await run.WaitForTextAsync("local: started", TimeSpan.FromMinutes(2));
        Assert.True(ProcessTree.Signal(run.Pid, 2)); // SIGINT, as Ctrl+C sends
        var code = await run.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.NotEqual(0, code);
        Assert.Contains("RMT0003", run.Output);
        // the remote process group is gone (the local target's remote is this machine)
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (SleepRunning(marker) && DateTime.UtcNow < deadline) await Task.Delay(200);
        Assert.False(SleepRunning(marker), "the remote sleep survived the cancelled build");
    }

    static bool SleepRunning(string marker) =>
        Directory.GetDirectories("/proc").Select(d => Path.Combine(d, "cmdline")).Any(f =>
        {
            try { return File.ReadAllText(f).Replace('\0', ' ').Contains("sleep " + marker); }
            catch (IOException) { return false; }
            catch (UnauthorizedAccessException) { return false; }
        });
}
