using Rmote.TestRig;
using Rmote.Tools;

namespace Rmote.Core.Tests.Tools;

/// <summary>Exec over a real local child and a real sshd host.</summary>
[Collection("ssh")]
public sealed class ExecToolTests(SshFleetFixture rig)
{
    [Theory]
    [MemberData(nameof(RemoteTarget.Transports), MemberType = typeof(RemoteTarget))]
    public async Task Command_and_shell_with_cwd_env_stdin_and_check(string transport)
    {
        await using var t = await RemoteTarget.OpenAsync(transport, rig);
        var p = t.Proto;

        var r = await p.CallAsync(Exec.Command, new ExecOptions("sh", "-c", "pwd; echo \"$GREETING\"; cat; echo oops >&2")
        {
            Cwd = t.Dir, Env = new Dictionary<string, string?> { ["GREETING"] = "hi there", ["HOME"] = null }, Stdin = "from stdin\n",
        });
        Assert.Equal(0, r.ExitCode);
        Assert.Equal($"{t.Dir}\nhi there\nfrom stdin\n", r.Stdout);
        Assert.Equal("oops\n", r.Stderr);
        Assert.True(r.Duration > TimeSpan.Zero);

        // argv never goes through a shell: metacharacters arrive verbatim.
        Assert.Equal("$HOME; rm -rf /\n", (await p.CallAsync(Exec.Command, new ExecOptions("echo", "$HOME; rm -rf /"))).Stdout);

        var failed = await p.CallAsync(Exec.Shell, new ShellOptions("echo out; echo err >&2; exit 3") { Check = false, MergeStderr = true });
        Assert.Equal(3, failed.ExitCode);
        Assert.Equal("out\nerr\n", failed.Stdout);

        var e = await Assert.ThrowsAsync<RemoteCommandException>(() => p.CallAsync(Exec.Shell, new ShellOptions("echo bad >&2; exit 7")));
        Assert.Equal(7, e.ExitCode);
        Assert.Contains("bad", e.Stderr);
        await Assert.ThrowsAsync<RemoteFileNotFoundException>(() => p.CallAsync(Exec.Command, new ExecOptions("/no/such/program")));
    }

    [Theory]
    [MemberData(nameof(RemoteTarget.Transports), MemberType = typeof(RemoteTarget))]
    public async Task Env_replaces_the_environment_as_in_rmote_unless_merged(string transport)
    {
        await using var t = await RemoteTarget.OpenAsync(transport, rig);
        var p = t.Proto;
        const string script = "echo \"$GREETING|${HOME:-no home}\"";
        var env = new Dictionary<string, string?> { ["GREETING"] = "hi" };

        Assert.Equal("|/root\n", (await p.CallAsync(Exec.Shell, new ShellOptions(script))).Stdout);
        Assert.Equal("hi|no home\n", (await p.CallAsync(Exec.Shell, new ShellOptions(script) { Env = env })).Stdout);
        Assert.Equal("hi|/root\n", (await p.CallAsync(Exec.Shell, new ShellOptions(script) { Env = env, MergeEnv = true })).Stdout);

        var lines = new List<string?>();
        await foreach (var line in p.StreamAsync(Exec.Stream, new ExecStreamOptions("/usr/bin/env") { Env = env }))
            lines.Add(line.Line);
        Assert.Equal(["GREETING=hi", null], lines);
    }

    [Theory]
    [MemberData(nameof(RemoteTarget.Transports), MemberType = typeof(RemoteTarget))]
    public async Task Stream_yields_lines_as_produced_then_the_exit_code(string transport)
    {
        await using var t = await RemoteTarget.OpenAsync(transport, rig);
        var items = new List<OutputLine>();
        // The command holds its second line until the test has received the first one and answers with a go file:
        // buffered output would never deliver "one" before the command ends, and the command gives up ("no go", exit 9).
        var go = t.Path("stream.go");
        var script = $"echo one; i=0; while [ ! -e {go} ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done; " +
                     $"[ -e {go} ] || {{ echo 'no go: the first line was not delivered while the command ran' >&2; exit 9; }}; echo two >&2; echo three";
        await foreach (var line in t.Proto.StreamAsync(Exec.StreamShell, new ShellStreamOptions(script) { Check = false }))
        {
            if (items.Count == 0) await t.Proto.CallAsync(FileSystem.WriteStr, go, "");
            items.Add(line);
        }
        // Each stream keeps its order; between stdout and stderr (two pipes, read as either has data) no order exists to keep.
        Assert.Equal(["one", "three"], items.Where(i => i.Stream == OutputStream.Stdout).Select(i => i.Line));
        Assert.Equal(["two"], items.Where(i => i.Stream == OutputStream.Stderr).Select(i => i.Line));
        Assert.Equal("one", items[0].Line);
        Assert.Equal(new OutputLine { Stream = OutputStream.Exit, ExitCode = 0 }, items[^1]);

        var lines = new List<string?>();
        var e = await Assert.ThrowsAsync<RemoteCommandException>(async () =>
        {
            await foreach (var line in t.Proto.StreamAsync(Exec.Stream, new ExecStreamOptions("sh", "-c", "echo partial; exit 4")))
                lines.Add(line.Line);
        });
        Assert.Equal(4, e.ExitCode);
        Assert.Equal(["partial", null], lines);
    }

    [Theory]
    [MemberData(nameof(RemoteTarget.Transports), MemberType = typeof(RemoteTarget))]
    public async Task Timeout_and_cancellation_kill_the_remote_child(string transport)
    {
        await using var t = await RemoteTarget.OpenAsync(transport, rig);
        var p = t.Proto;

        // The remote's TimeoutError is the event; the 25 s guard (under the command's 30 s) turns a timeout that
        // never fires into a clear failure instead of a sleep that happens to end.
        await Assert.ThrowsAsync<RemoteTimeoutException>(() =>
            p.CallAsync(Exec.Command, new ExecOptions("sleep", "30") { Timeout = TimeSpan.FromMilliseconds(300) }).WaitAsync(TimeSpan.FromSeconds(25)));

        // A cancelled call must not leave its child (or the child's children) running.
        var pidFile = t.Path("child.pid");
        using var cts = new CancellationTokenSource();
        var call = p.CallAsync(Exec.Shell, new ShellOptions($"sleep 60 & echo $! > {pidFile}; wait"), cts.Token);
        var pid = await WaitForPidAsync(p, pidFile);
        Assert.True(await IsAliveAsync(p, pid));
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        await AssertDiesAsync(p, pid);

        // Leaving a stream early kills its process group too.
        var streamPid = t.Path("stream.pid");
        await foreach (var line in p.StreamAsync(Exec.StreamShell, new ShellStreamOptions($"sleep 60 & echo $! > {streamPid}; echo started; wait")))
            break;
        await AssertDiesAsync(p, await WaitForPidAsync(p, streamPid));
    }

    /// <summary>How long a polled remote state may take to appear on a loaded machine (a deadline, not a sleep).</summary>
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    static async Task<int> WaitForPidAsync(Protocol p, string pidFile)
    {
        for (var deadline = DateTime.UtcNow + Patience; DateTime.UtcNow < deadline; await Task.Delay(50))
        {
            var text = await p.CallAsync(Exec.Shell, new ShellOptions($"cat {pidFile} 2>/dev/null") { Check = false });
            if (int.TryParse(text.Stdout.Trim(), out var pid)) return pid;
        }
        throw new TimeoutException($"{pidFile} never appeared within {Patience.TotalSeconds} s");
    }

    static async Task<bool> IsAliveAsync(Protocol p, int pid) =>
        // A zombie still answers kill -0; its /proc state says Z.
        (await p.CallAsync(Exec.Shell, new ShellOptions($"kill -0 {pid} 2>/dev/null && ! grep -q '^State:.*Z' /proc/{pid}/status") { Check = false })).ExitCode == 0;

    static async Task AssertDiesAsync(Protocol p, int pid)
    {
        for (var deadline = DateTime.UtcNow + Patience; DateTime.UtcNow < deadline && await IsAliveAsync(p, pid);) await Task.Delay(50);
        Assert.False(await IsAliveAsync(p, pid), $"remote process {pid} survived {Patience.TotalSeconds} s");
    }
}
