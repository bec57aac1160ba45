using System.Globalization;
using Rmote.TestRig;

/// <summary>
/// This run's lingering ssh ControlPersist masters: Rmote's (its default socket folder), the sharing rsync's (the
/// bench's folder) and Ansible's, started after this process. A master renames itself ("ssh: SOCKET [mux]"), which
/// overwrites its environment block too, so only its socket path and start time say whose it is. Stopping them before
/// a timed step makes every tool start from the same state, no shared login; otherwise a step finds the masters an
/// earlier step left, or not, as the order of the round and ControlPersist's 60 s decide.
/// </summary>
static class Masters
{
    static readonly string Home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    // Rmote's default ControlPath folder, Ansible's, and the bench's own (Peers.ControlSocket, under its TempDir).
    static readonly string[] Folders = [Path.Combine(Home, ".cache", "rmote", "ssh") + "/", Path.Combine(Home, ".ansible", "cp") + "/", "/rmote-bench-"];

    static readonly long Started = StartTicks("self") ?? 0;

    /// <summary>Stops (SIGTERM: each removes its socket) and waits for every master of this run.</summary>
    public static async Task CloseAsync()
    {
        var pids = Directory.EnumerateDirectories("/proc").Select(d => int.TryParse(Path.GetFileName(d), out var p) ? p : 0).Where(IsOurs).ToList();
        if (pids.Count == 0) return;
        await ProcessRunner.RunAsync("kill", ["-TERM", .. pids.Select(p => p.ToString(CultureInfo.InvariantCulture))]);
        for (var i = 0; i < 200 && pids.Any(p => Directory.Exists("/proc/" + p.ToString(CultureInfo.InvariantCulture))); i++)
            await Task.Delay(50);
    }

    /// <summary>True for a master of this run (see the class).</summary>
    public static bool IsOurs(int pid)
    {
        if (pid <= 0) return false;
        try
        {
            var dir = "/proc/" + pid.ToString(CultureInfo.InvariantCulture);
            if (File.ReadAllText(dir + "/comm").Trim() != "ssh") return false;
            var title = File.ReadAllText(dir + "/cmdline");
            return title.StartsWith("ssh: ", StringComparison.Ordinal) && title.Contains(" [mux]", StringComparison.Ordinal)
                && Folders.Any(f => title.Contains(f, StringComparison.Ordinal))
                && StartTicks(pid.ToString(CultureInfo.InvariantCulture)) >= Started;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;  // gone meanwhile, or not ours
        }
    }

    // Field 22 of /proc/PID/stat: clock ticks from boot to the start.
    static long? StartTicks(string pid)
    {
        try
        {
            return long.Parse(ProcStats.Stat(pid)[19], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
