using System.Diagnostics;
using System.Text;

namespace Rmote.TestRig;

/// <summary>Exit code and captured output of a finished process.</summary>
public sealed record ProcessResult(int ExitCode, string StdOut, string StdErr)
{
    /// <summary>How long the process ran.</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>The command line that was run (for messages).</summary>
    public string CommandLine { get; init; } = "";

    public bool Succeeded => ExitCode == 0;

    /// <summary>Throws <see cref="InvalidOperationException"/> with the command, exit code and output unless the exit code is 0.</summary>
    public ProcessResult EnsureSuccess()
    {
        if (ExitCode != 0)
            throw new InvalidOperationException(
                $"'{CommandLine}' exited with {ExitCode}.\n--- stdout ---\n{Tail(StdOut)}\n--- stderr ---\n{Tail(StdErr)}");
        return this;
    }

    internal static string Tail(string s, int max = 8000) => s.Length <= max ? s : "..." + s[^max..];

    public override string ToString() => $"exit {ExitCode} ({Elapsed.TotalMilliseconds:F0} ms): {CommandLine}";
}

/// <summary>Runs a process to completion, capturing stdout/stderr; kills the whole tree on timeout or cancellation.</summary>
public static class ProcessRunner
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Runs <paramref name="file"/> with <paramref name="args"/> (no shell, no quoting issues).
    /// stdin is <paramref name="stdin"/> (then closed) or empty. On timeout the process tree is killed and a
    /// <see cref="TimeoutException"/> carrying the partial output is thrown; on cancellation the tree is killed
    /// and <see cref="OperationCanceledException"/> is thrown.
    /// </summary>
    public static async Task<ProcessResult> RunAsync(
        string file,
        IEnumerable<string> args,
        string? cwd = null,
        IDictionary<string, string>? env = null,
        TimeSpan? timeout = null,
        string? stdin = null,
        CancellationToken ct = default)
    {
        var argList = args.ToList();
        var psi = new ProcessStartInfo(file)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var a in argList) psi.ArgumentList.Add(a);
        if (cwd != null) psi.WorkingDirectory = cwd;
        if (env != null)
            foreach (var (k, v) in env)
            {
                if (v is null) psi.Environment.Remove(k); else psi.Environment[k] = v;
            }

        var commandLine = string.Join(' ', new[] { file }.Concat(argList).Select(Quote));
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var sw = Stopwatch.StartNew();
        using var p = new Process { StartInfo = psi };
        p.OutputDataReceived += (_, e) => { if (e.Data != null) lock (stdout) stdout.Append(e.Data).Append('\n'); };
        p.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (stderr) stderr.Append(e.Data).Append('\n'); };
        try
        {
            p.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException($"Cannot start '{file}': {ex.Message}. {RequiresTools.InstallHint}", ex);
        }
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        try
        {
            if (stdin != null) await p.StandardInput.WriteAsync(stdin.AsMemory(), ct).ConfigureAwait(false);
            p.StandardInput.Close();
        }
        catch (IOException) { /* child exited without reading stdin */ }

        using var timeoutCts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeoutCts.Token);
        try
        {
            await p.WaitForExitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            try { await p.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false); } catch (TimeoutException) { }
            ct.ThrowIfCancellationRequested();
            string o, e;
            lock (stdout) o = stdout.ToString();
            lock (stderr) e = stderr.ToString();
            throw new TimeoutException(
                $"'{commandLine}' did not finish within {(timeout ?? DefaultTimeout).TotalSeconds:F0} s; process tree killed.\n" +
                $"--- stdout ---\n{ProcessResult.Tail(o)}\n--- stderr ---\n{ProcessResult.Tail(e)}");
        }
        // WaitForExitAsync returns after the redirected streams reached EOF.
        lock (stdout) lock (stderr)
            return new ProcessResult(p.ExitCode, stdout.ToString(), stderr.ToString()) { Elapsed = sw.Elapsed, CommandLine = commandLine };
    }

    /// <summary>Convenience overload: <c>RunAsync("ssh", "-V")</c>.</summary>
    public static Task<ProcessResult> RunAsync(string file, params string[] args) => RunAsync(file, (IEnumerable<string>)args);

    internal static string Quote(string s) =>
        s.Length > 0 && s.All(c => char.IsLetterOrDigit(c) || "-_./=:@,+%".Contains(c)) ? s : "'" + s.Replace("'", "'\\''") + "'";
}
