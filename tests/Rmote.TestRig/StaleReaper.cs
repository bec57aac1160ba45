namespace Rmote.TestRig;

/// <summary>
/// Cleans up after test processes that died without disposing their rig (crash, kill -9, CI timeout): every rig
/// root (/tmp/rmote-rig-*) records its owner (pid + start time). When the owner is gone, its sshd trees are
/// killed, its systemd-nspawn container killed, its network namespace / veth / route removed and its folders deleted. Live owners (other test
/// processes on the machine, running concurrently) are never touched.
/// </summary>
public static class StaleReaper
{
    static int ran;

    internal static void WriteOwner(string root) =>
        File.WriteAllText(Path.Combine(root, "owner"), $"{Environment.ProcessId} {ProcessTree.GetStartTime(Environment.ProcessId)}\n");

    /// <summary>Runs once per process (called by the rig before it starts anything).</summary>
    internal static async Task ReapOnceAsync()
    {
        if (Interlocked.Exchange(ref ran, 1) == 1) return;
        try { await ReapAsync().ConfigureAwait(false); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException) { }
    }

    /// <summary>Reaps every rig root whose owner process is gone; returns how many roots were removed.</summary>
    public static async Task<int> ReapAsync()
    {
        var n = 0;
        foreach (var root in Directory.EnumerateDirectories(Path.GetTempPath(), "rmote-rig-*"))
        {
            var ownerFile = Path.Combine(root, "owner");
            // No owner file: being created right now, a probe dir, or made by another tool/version: never touched.
            if (!File.Exists(ownerFile)) continue;
            {
                var parts = File.ReadAllText(ownerFile).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                if (parts.Length == 2 && int.TryParse(parts[0], out var pid) && ProcessTree.IsAlive(pid) &&
                    ProcessTree.GetStartTime(pid)?.ToString() == parts[1])
                    continue; // owner alive
            }
            foreach (var pidFile in Directory.EnumerateFiles(root, "sshd.pid", SearchOption.AllDirectories))
            {
                if (!int.TryParse(File.ReadAllText(pidFile).Trim(), out var sshd)) continue;
                var cmd = ProcessTree.GetCommandLine(sshd) ?? "";
                var config = Path.Combine(Path.GetDirectoryName(pidFile)!, "sshd_config");
                if (cmd.Contains("sshd") && cmd.Contains(config))
                    await ProcessTree.KillTreeAsync(sshd).ConfigureAwait(false);
            }
            // A systemd host: its systemd-nspawn (whose -D path lies under this root) and the container below it.
            foreach (var pidFile in Directory.EnumerateFiles(root, "nspawn.pid", SearchOption.AllDirectories))
            {
                if (!int.TryParse(File.ReadAllText(pidFile).Trim(), out var nspawn)) continue;
                var cmd = ProcessTree.GetCommandLine(nspawn) ?? "";
                if (cmd.Contains("systemd-nspawn") && cmd.Contains(root))
                    await ProcessTree.KillTreeAsync(nspawn).ConfigureAwait(false);
            }
            var netFile = Path.Combine(root, "netns");
            if (File.Exists(netFile))
            {
                var f = File.ReadAllText(netFile).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                if (f.Length == 3)
                {
                    foreach (var pid in (await ProcessRunner.RunAsync("ip", ["netns", "pids", f[0]], timeout: TimeSpan.FromSeconds(20)).ConfigureAwait(false)).StdOut
                                 .Split('\n', StringSplitOptions.RemoveEmptyEntries))
                        if (int.TryParse(pid, out var p)) await ProcessTree.KillTreeAsync(p).ConfigureAwait(false);
                    await ProcessRunner.RunAsync("ip", ["link", "del", f[1]], timeout: TimeSpan.FromSeconds(20)).ConfigureAwait(false);
                    await ProcessRunner.RunAsync("ip", ["netns", "del", f[0]], timeout: TimeSpan.FromSeconds(20)).ConfigureAwait(false);
                    await ProcessRunner.RunAsync("ip", ["route", "del", "unreachable", f[2], "metric", "4000"], timeout: TimeSpan.FromSeconds(20)).ConfigureAwait(false);
                }
            }
            DeleteAside(Path.Combine("/srv", Path.GetFileName(root)));
            DeleteAside(root);
            n++;
        }
        // Trees moved aside by a process that exited before its background delete finished.
        foreach (var parent in new[] { Path.GetTempPath(), "/srv" })
            if (Directory.Exists(parent))
                foreach (var aside in Directory.EnumerateDirectories(parent, AsidePrefix + "*"))
                    _ = Task.Run(() => TempDir.DeleteDirectory(aside));
        return n;
    }

    const string AsidePrefix = "rmote-reap-";

    /// <summary>
    /// Moves a dead rig's tree aside at once and deletes it in the background: a killed benchmark's hosts hold
    /// hundreds of thousands of files, and a fixture waiting minutes for their delete reads as a hung test run.
    /// </summary>
    static void DeleteAside(string path)
    {
        if (!Directory.Exists(path)) return;
        var aside = Path.Combine(Path.GetDirectoryName(path)!, AsidePrefix + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            Directory.Move(path, aside);
        }
        catch (IOException)
        {
            TempDir.DeleteDirectory(path);
            return;
        }
        _ = Task.Run(() => TempDir.DeleteDirectory(aside));
    }
}
