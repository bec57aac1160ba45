using System.Diagnostics;
using System.Text.RegularExpressions;
using Rmote.TestRig;

namespace Rmote.MSBuild.Tests;

/// <summary>
/// The build server through real <c>dotnet msbuild</c> runs: a project's first build runs its Rmote tasks itself and
/// starts a server; the next builds run them there, with the same log, outputs and effects, and Ctrl+C, a killed or
/// frozen server, another environment and the off switch each behave as a user expects.
/// </summary>
[Collection("msbuild-local")]
public sealed class BuildServerTests(PackedFeed feed)
{
    static readonly TimeSpan Startup = TimeSpan.FromSeconds(60);

    /// <summary>A project deploying to the local target: a copy with subfolders, a command whose output is captured, the recap.</summary>
    static TestProject Project(PackedFeed feed, string dest, string command = "echo `cat sub/b.txt`; echo done")
    {
        var p = new TestProject(feed, $"""
          <ItemGroup>
            <RmoteHost Include="local" />
            <Src Include="src/**/*.txt" />
          </ItemGroup>
          <Target Name="Go">
            <RmoteCopy Hosts="@(RmoteHost)" SourceFiles="@(Src)" DestinationFolder="{dest}">
              <Output TaskParameter="CopiedFiles" ItemName="Copied" />
            </RmoteCopy>
            <RmoteExec Hosts="@(RmoteHost)" ShellCommand="{command}" WorkingDirectory="{dest}" ConsoleToMSBuild="true">
              <Output TaskParameter="ConsoleOutput" ItemName="Lines" />
            </RmoteExec>
            <Message Importance="high" Text="COPIED=@(Copied->'%(Filename)%(Extension)') LINES=@(Lines)" />
            <RmoteRecap />
          </Target>
        """);
        p.Write("src/a.txt", "a");
        p.Write("src/sub/b.txt", "b1");
        return p;
    }

    /// <summary>Runs the project's first build and waits until the server it started listens; returns the server's pid.</summary>
    static async Task<int> FirstBuildAsync(TestProject p, IReadOnlyDictionary<string, string>? env = null, string extra = "-p:Sleep=0")
    {
        var first = await p.RunAsync("Go", "d", env, extra);
        var log = TestProject.Log(first);
        Assert.True(first.ExitCode == 0, log);
        Assert.Empty(BuildServers.RanIn(log));
        var pid = BuildServers.StartedBy(log);
        Assert.True(pid != null, "the first build started no build server:\n" + log);
        await BuildServers.ListeningAsync(pid.Value, Startup);
        return pid.Value;
    }

    [Fact]
    public async Task The_next_build_runs_its_tasks_in_the_server_with_the_same_log_outputs_and_effects()
    {
        using var dest = new TempDir("rmote-msb-bs-");
        using var p = Project(feed, dest.Path);
        var pid = await FirstBuildAsync(p);

        p.Write("src/sub/b.txt", "b2-changed");
        var second = await p.RunAsync("Go", "d");
        var log = TestProject.Log(second);
        Assert.True(second.ExitCode == 0, log);
        Assert.Equal([("RmoteCopy", pid), ("RmoteExec", pid), ("RmoteRecap", pid)], BuildServers.RanIn(log));
        Assert.Equal("b2-changed", File.ReadAllText(Path.Combine(dest.Path, "sub", "b.txt")));
        // Outputs as MSBuild's own items: the copied file (found through its wildcard's RecursiveDir) and the command's lines.
        Assert.Contains("COPIED=b.txt LINES=b2-changed;done", log);
        Assert.Contains("local: RmoteCopy: copied 1, unchanged 1", log);
        Assert.Contains("local: b2-changed", log);
        // The recap lives in the server with the build's other task objects: both steps of this build, none of the first's.
        Assert.Matches(@"RECAP \(2 step\(s\), 1 host\(s\)\)", log);
        Assert.Matches(@"local\s+: ok=2\s+changed=2\s+failed=0", log);
        Assert.True(ProcessTree.IsAlive(pid), "the server ended with the build");
    }

    [Fact]
    public async Task Errors_and_warnings_keep_their_codes_and_positions()
    {
        using var dest = new TempDir("rmote-msb-bs-");
        using var p = Project(feed, dest.Path, "echo &apos;src/app.cs(3,5): warning CS0168: unused&apos;; echo &apos;src/app.cs(7,9): error CS1002: ; expected&apos;; exit 3");
        var first = await p.RunAsync("Go", "d");
        var inProcess = TestProject.Log(first);
        Assert.NotEqual(0, first.ExitCode);
        var pid = BuildServers.StartedBy(inProcess);
        Assert.True(pid != null, inProcess);
        await BuildServers.ListeningAsync(pid.Value, Startup);

        var second = await p.RunAsync("Go", "d");
        var log = TestProject.Log(second);
        Assert.NotEqual(0, second.ExitCode);
        Assert.Contains(("RmoteExec", pid.Value), BuildServers.RanIn(log));
        Assert.Contains("src/app.cs(3,5): warning CS0168: local: unused", log);
        Assert.Contains("src/app.cs(7,9): error CS1002: local: ; expected", log);
        // The failed step: RMT0005 at the task's line in the project file, as inside the build.
        Assert.Matches(@"test\.proj\.csproj\(\d+,\d+\): error RMT0005: local: RmoteExec failed", log);
        Assert.Equal(Diagnostics(inProcess), Diagnostics(log));
        Assert.DoesNotContain("   at ", log);
    }

    /// <summary>The log's errors and warnings as the console logger prints them, whatever the verbosity's prefixes.</summary>
    static string[] Diagnostics(string log) =>
        [.. Regex.Matches(log, @"^(?:\s*\d+:\d+>)?\s*(\S+: (?:error|warning) [A-Z]+\d+: .*?)\s*$", RegexOptions.Multiline)
            .Select(m => m.Groups[1].Value).Distinct().Order(StringComparer.Ordinal)];

    [Fact]
    public async Task CtrlC_cancels_the_task_in_the_server_and_stops_the_remote_command()
    {
        using var dest = new TempDir("rmote-msb-bs-");
        var tag = "bs-cancel-" + Guid.NewGuid().ToString("n")[..8];
        using var p = Project(feed, dest.Path, $"echo started-{tag}; sleep $(Sleep); echo {tag}");
        var pid = await FirstBuildAsync(p, extra: "-p:Sleep=0");

        // The build leads its own process group, so SIGINT reaches every process of it, as a terminal's Ctrl+C does;
        // the server is in a session of its own and learns of it from the build.
        var psi = MsBuild.StartInfo(p.Args("Go", "d", "-p:Sleep=3600"), p.Folder);
        psi.ArgumentList.Insert(0, psi.FileName);
        psi.FileName = "setsid";
        using var run = new MsBuild.Running(psi);
        await run.WaitForTextAsync("local: started-" + tag, TimeSpan.FromMinutes(2));
        Assert.True(ProcessTree.SignalGroup(run.Pid, 2));
        var code = await run.WaitAsync(TimeSpan.FromSeconds(120));
        var log = run.Output;
        Assert.NotEqual(0, code);
        Assert.Contains(("RmoteExec", pid), BuildServers.RanIn(log));
        Assert.Contains("error RMT0003", log);
        Assert.DoesNotContain("   at ", log);
        await NoProcessAsync(tag);
        Assert.True(ProcessTree.IsAlive(pid), "Ctrl+C in the build stopped the server");
    }

    /// <summary>Waits until no process's command line holds <paramref name="tag"/> (the cancelled command is stopped, not left running).</summary>
    static async Task NoProcessAsync(string tag)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (Process.GetProcesses().Any(x => CommandLine(x.Id).Contains(tag, StringComparison.Ordinal)))
        {
            Assert.True(DateTime.UtcNow < deadline, $"a process holding '{tag}' still runs after the cancel");
            await Task.Delay(50);
        }
    }

    static string CommandLine(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' '); }
        catch (IOException) { return ""; }
    }

    [Fact]
    public async Task A_server_killed_mid_task_fails_that_task_with_the_reason_and_the_next_build_recovers()
    {
        using var dest = new TempDir("rmote-msb-bs-");
        var tag = "bs-kill-" + Guid.NewGuid().ToString("n")[..8];
        using var p = Project(feed, dest.Path, $"echo started-{tag}; sleep $(Sleep)");
        var pid = await FirstBuildAsync(p, extra: "-p:Sleep=0");

        using var run = p.Start("Go", "n", "-p:Sleep=3600");
        await run.WaitForTextAsync("local: started-" + tag, TimeSpan.FromMinutes(2));
        Assert.True(ProcessTree.Signal(pid, 9));
        var code = await run.WaitAsync(TimeSpan.FromSeconds(120));
        var log = run.Output;
        Assert.NotEqual(0, code);
        Assert.Contains($"error RMT0012: RmoteExec failed: the Rmote build server (pid {pid}) ended while the task ran", log);
        Assert.Contains("RMOTE_BUILD_SERVER=false", log);
        Assert.DoesNotContain("   at ", log);
        await NoProcessAsync(tag);

        // The next build finds no server: it runs its tasks itself and starts a new one.
        var next = await p.RunAsync("Go", "d", "-p:Sleep=0");
        var nextLog = TestProject.Log(next);
        Assert.True(next.ExitCode == 0, nextLog);
        Assert.Empty(BuildServers.RanIn(nextLog));
        Assert.NotNull(BuildServers.StartedBy(nextLog));
    }

    [Fact]
    public async Task A_frozen_server_costs_the_build_a_bounded_wait_and_never_runs_the_task_twice()
    {
        using var dest = new TempDir("rmote-msb-bs-");
        using var p = Project(feed, dest.Path, "echo run >> runs.txt");
        var pid = await FirstBuildAsync(p);
        Assert.True(ProcessTree.Signal(pid, 19));  // SIGSTOP
        try
        {
            var frozen = await p.RunAsync("Go", "d");
            var log = TestProject.Log(frozen);
            Assert.True(frozen.ExitCode == 0, log);
            Assert.Contains("the build server did not accept the task in time", log);
            Assert.Empty(BuildServers.RanIn(log));
        }
        finally
        {
            ProcessTree.Signal(pid, 18);  // SIGCONT
        }
        // The thawed server reads the request the build gave up on, and runs nothing without the build's go.
        var third = await p.RunAsync("Go", "d");
        var thirdLog = TestProject.Log(third);
        Assert.True(third.ExitCode == 0, thirdLog);
        Assert.Contains(("RmoteExec", pid), BuildServers.RanIn(thirdLog));
        Assert.Equal(["run", "run", "run"], File.ReadAllLines(Path.Combine(dest.Path, "runs.txt")));
    }

    [Fact]
    public async Task Another_environment_gets_another_server_and_the_switch_turns_the_server_off()
    {
        using var dest = new TempDir("rmote-msb-bs-");
        using var p = Project(feed, dest.Path, "echo $RMOTE_TEST_FLAVOUR");
        var pid = await FirstBuildAsync(p, new Dictionary<string, string> { ["RMOTE_TEST_FLAVOUR"] = "one" });

        // A variable the tasks could read differs: not the first server, which runs with the old value.
        var other = await p.RunAsync("Go", "d", new Dictionary<string, string> { ["RMOTE_TEST_FLAVOUR"] = "two" });
        var otherLog = TestProject.Log(other);
        Assert.True(other.ExitCode == 0, otherLog);
        Assert.Empty(BuildServers.RanIn(otherLog));
        Assert.NotEqual(pid, BuildServers.StartedBy(otherLog));

        foreach (var (env, extra) in new[] { (new Dictionary<string, string> { ["RMOTE_TEST_FLAVOUR"] = "one", ["RMOTE_BUILD_SERVER"] = "false" }, Array.Empty<string>()),
                     (new Dictionary<string, string> { ["RMOTE_TEST_FLAVOUR"] = "one" }, ["-p:RmoteBuildServer=false"]) })
        {
            var off = await p.RunAsync("Go", "d", env, extra);
            var offLog = TestProject.Log(off);
            Assert.True(off.ExitCode == 0, offLog);
            Assert.Empty(BuildServers.RanIn(offLog));
            Assert.Null(BuildServers.StartedBy(offLog));
        }

        var same = await p.RunAsync("Go", "d", new Dictionary<string, string> { ["RMOTE_TEST_FLAVOUR"] = "one" });
        var sameLog = TestProject.Log(same);
        Assert.True(same.ExitCode == 0, sameLog);
        Assert.Contains(("RmoteExec", pid), BuildServers.RanIn(sameLog));
        Assert.Contains("local: one", sameLog);
    }
}
