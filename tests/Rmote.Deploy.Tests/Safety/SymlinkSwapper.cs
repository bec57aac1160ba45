using System.Diagnostics;
using Rmote.TestRig;

namespace Rmote.Deploy.Tests;

/// <summary>
/// The hostile app user of the race case: a python3 process, run as <see cref="LocalUser"/> inside a host's mount
/// namespace, that swaps two paths with <c>renameat2(RENAME_EXCHANGE)</c> as fast as it can. Paused (SIGSTOP) while the
/// test resets the scene, resumed (SIGCONT) while root deploys.
/// </summary>
internal sealed class SymlinkSwapper : IAsyncDisposable
{
    const string Script = """
        import ctypes, os, sys
        libc = ctypes.CDLL(None, use_errno=True)
        a, b = os.fsencode(sys.argv[1]), os.fsencode(sys.argv[2])
        sys.stdout.write("ready\n"); sys.stdout.flush()
        exchange = libc.renameat2
        while True:
            exchange(-100, a, -100, b, 2)  # AT_FDCWD, RENAME_EXCHANGE; ENOENT while root recreates a path: keep going
        """;

    readonly Process process;

    SymlinkSwapper(Process process) => this.process = process;

    /// <summary>Starts swapping <paramref name="a"/> and <paramref name="b"/> (paths as the host sees them), paused.</summary>
    public static async Task<SymlinkSwapper> StartAsync(SshHost host, LocalUser user, string a, string b)
    {
        var psi = new ProcessStartInfo("nsenter") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])["-t", host.Pid.ToString(), "-m", "--", .. user.RunAsPrefix, "python3", "-c", Script, a, b])
            psi.ArgumentList.Add(arg);
        // nsenter -m and setpriv exec: the process's pid is python's, so signals reach the swapping loop itself.
        var process = Process.Start(psi)!;
        var swapper = new SymlinkSwapper(process);
        var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        if (line != "ready")
        {
            await swapper.DisposeAsync();
            throw new InvalidOperationException("swapper did not start: " + await process.StandardError.ReadToEndAsync());
        }
        await swapper.PauseAsync();
        return swapper;
    }

    /// <summary>Stops the loop and waits until the kernel reports the process stopped (no swap in flight).</summary>
    public async Task PauseAsync()
    {
        ProcessTree.Signal(process.Id, 19); // SIGSTOP
        var sw = Stopwatch.StartNew();
        while (State() != 'T')
        {
            if (process.HasExited) throw new InvalidOperationException("swapper exited: " + await process.StandardError.ReadToEndAsync());
            if (sw.Elapsed > TimeSpan.FromSeconds(60)) throw new TimeoutException("swapper did not stop within 60 s");
            await Task.Delay(1);
        }
    }

    /// <summary>Lets the loop run again.</summary>
    public void Resume() => ProcessTree.Signal(process.Id, 18); // SIGCONT

    char State()
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{process.Id}/stat");
            return stat[stat.LastIndexOf(')') + 2];
        }
        catch (IOException)
        {
            return '?';
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill();
            ProcessTree.Signal(process.Id, 18);
            await process.WaitForExitAsync();
        }
        process.Dispose();
    }
}
