using System.ComponentModel;
using System.Diagnostics;

namespace Rmote.Transport;

/// <summary>A transport child process (python3, ssh, docker exec...) whose stdin/stdout carry the protocol.</summary>
internal sealed class RemoteProcess : IAsyncDisposable
{
    readonly Process process;

    RemoteProcess(Process process, bool ssh, Action<string>? onStderrLine, RateQuota? stderrQuota)
    {
        this.process = process;
        IsSsh = ssh;
        Input = process.StandardInput.BaseStream;
        Output = process.StandardOutput.BaseStream;
        // 1 MiB pipes instead of 64 KiB: a bulk copy's writer blocks, and the transport wakes, 16 times less often
        if (Input is System.IO.Pipes.PipeStream toChild) LinuxIo.TryGrowPipe(toChild.SafePipeHandle);
        if (Output is System.IO.Pipes.PipeStream fromChild) LinuxIo.TryGrowPipe(fromChild.SafePipeHandle);
        // A stderr flood kills the transport: the protocol then fails its calls with the tail's Flood reason.
        Stderr = new StderrTail(process.StandardError.BaseStream, onStderrLine, stderrQuota, Kill);
    }

    public Stream Input { get; }
    public Stream Output { get; }
    public StderrTail Stderr { get; }
    public int Pid => process.Id;

    /// <summary>The transport is the OpenSSH client (its exit code 255 has a meaning of its own).</summary>
    public bool IsSsh { get; }

    /// <summary>
    /// util-linux setsid: a terminal's Ctrl+C reaches its whole foreground process group, and an ssh client there (a
    /// direct connection or a mux client) dies at once, cutting the session before the controller can abort its
    /// writes (temp files left, "connection lost"). In a session of its own, ssh ends when the controller closes it.
    /// ssh runs with BatchMode=yes, so it never needs the terminal. (null where there is no setsid: as before.)
    /// </summary>
    internal static readonly string? Setsid = new[] { "/usr/bin/setsid", "/bin/setsid" }.FirstOrDefault(File.Exists);

    public static RemoteProcess Start(string host, IReadOnlyList<string> argv, IReadOnlyDictionary<string, string>? environment, bool viaSsh, Action<string>? onStderrLine,
        RateQuota? stderrQuota = null)
    {
        // (a child of this process is no process group leader, so setsid execs ssh in place: the pid stays ssh's)
        var detach = viaSsh && Setsid != null && Executable(argv[0]);  // (a missing ssh fails below, as without setsid)
        var info = new ProcessStartInfo(detach ? Setsid! : argv[0])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in detach ? argv : argv.Skip(1)) info.ArgumentList.Add(arg);
        if (environment is not null)
            foreach (var (key, value) in environment) info.Environment[key] = value;
        try
        {
            var process = Process.Start(info) ?? throw new Win32Exception("process did not start");
            return new RemoteProcess(process, viaSsh, onStderrLine, stderrQuota);
        }
        catch (Win32Exception e)
        {
            throw new RemoteConnectException(host, ConnectFailure.TransportNotFound,
                $"could not start '{argv[0]}': {e.Message}. Install it or put it on PATH (for SSH: apt-get install openssh-client).", inner: e);
        }
    }

    static bool Executable(string name) =>
        name.Contains('/')
            ? File.Exists(name)
            : (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Any(d => File.Exists(Path.Combine(d, name)));

    /// <summary>Waits up to <paramref name="timeout"/> for the process to exit; returns its exit code, or null while it still runs.</summary>
    public async Task<int?> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
            await Task.WhenAny(Stderr.Completion, Task.Delay(200)).ConfigureAwait(false);
            return process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>Closes stdin (the runtime exits on EOF), then kills the process tree if it lingers, and reaps it.</summary>
    public async ValueTask DisposeAsync()
    {
        try { Input.Dispose(); } catch (IOException) { }
        if (await WaitForExitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false) is null)
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            await WaitForExitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        process.Dispose();
    }

    /// <summary>Kills the process tree at once (used when the protocol is broken).</summary>
    public void Kill()
    {
        try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
    }
}
