using System.Runtime.InteropServices;

namespace Rmote.TestRig;

/// <summary>Linux process-tree helpers over /proc (to kill sshd session trees and to assert reaping).</summary>
public static partial class ProcessTree
{
    public const int SIGTERM = 15;
    public const int SIGKILL = 9;
    public const int SIGSTOP = 19;
    public const int SIGCONT = 18;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SysKill(int pid, int sig);

    /// <summary>Sends a signal; false if the process does not exist (any more).</summary>
    public static bool Signal(int pid, int signal) => pid > 0 && SysKill(pid, signal) == 0;

    /// <summary>Sends <paramref name="signal"/> to every process of a process group, as a terminal's Ctrl+C does to its foreground group.</summary>
    public static bool SignalGroup(int pgid, int signal) => pgid > 0 && SysKill(-pgid, signal) == 0;

    /// <summary>True if the pid exists and is not a zombie.</summary>
    public static bool IsAlive(int pid)
    {
        var st = ReadStat(pid);
        return st != null && st.Value.State != 'Z' && st.Value.State != 'X';
    }

    /// <summary>Parent pid from /proc/PID/stat, or null if gone.</summary>
    public static int? GetParent(int pid) => ReadStat(pid)?.PPid;

    /// <summary>Start time (clock ticks since boot, /proc/PID/stat field 22): with the pid, identifies a process.</summary>
    public static long? GetStartTime(int pid)
    {
        try
        {
            var s = File.ReadAllText($"/proc/{pid}/stat");
            var rest = s[(s.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(rest[19]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException) { return null; }
    }

    /// <summary>Command line (argv joined by spaces) from /proc/PID/cmdline, or null if gone.</summary>
    public static string? GetCommandLine(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').TrimEnd(); }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    /// <summary>Direct children of <paramref name="pid"/> (live, non-zombie).</summary>
    public static IReadOnlyList<int> GetChildren(int pid) =>
        Snapshot().Where(p => p.PPid == pid && p.State != 'Z').Select(p => p.Pid).ToList();

    /// <summary>All descendants of <paramref name="pid"/>, parents before children (not including pid itself).</summary>
    public static IReadOnlyList<int> GetDescendants(int pid)
    {
        var all = Snapshot();
        var byParent = all.ToLookup(p => p.PPid);
        var result = new List<int>();
        var queue = new Queue<int>();
        queue.Enqueue(pid);
        while (queue.Count > 0)
        {
            foreach (var child in byParent[queue.Dequeue()])
            {
                if (child.State == 'Z' || result.Contains(child.Pid)) continue;
                result.Add(child.Pid);
                queue.Enqueue(child.Pid);
            }
        }
        return result;
    }

    /// <summary>
    /// Kills pid and all its descendants. The tree is first frozen (SIGSTOP, repeated until a snapshot finds no new
    /// member), so nothing can fork or get reparented away while it is being killed; then every member gets
    /// <paramref name="signal"/> (and SIGCONT, so a catchable signal is delivered). Returns true if all are gone.
    /// </summary>
    public static async Task<bool> KillTreeAsync(int pid, int signal = SIGKILL, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        var members = new List<int>();
        var seen = new HashSet<int>();
        for (var round = 0; round < 50; round++)
        {
            var tree = new List<int>();
            if (IsAlive(pid)) tree.Add(pid);
            tree.AddRange(GetDescendants(pid));
            foreach (var m in members.ToList()) tree.AddRange(GetDescendants(m));
            var fresh = tree.Where(seen.Add).ToList();
            if (fresh.Count == 0) break;
            foreach (var p in fresh) { Signal(p, SIGSTOP); members.Add(p); }
            await Task.Delay(5).ConfigureAwait(false); // let the stops land before re-reading the tree
        }
        foreach (var p in members) { Signal(p, signal); if (signal != SIGKILL) Signal(p, SIGCONT); }
        while (true)
        {
            var alive = members.Where(IsAlive).ToList();
            if (alive.Count == 0) return true;
            if (DateTime.UtcNow > deadline) return false;
            await Task.Delay(25).ConfigureAwait(false);
            if (signal != SIGKILL && DateTime.UtcNow > deadline - TimeSpan.FromSeconds(2))
            {
                signal = SIGKILL;
                foreach (var p in alive) Signal(p, SIGKILL);
            }
        }
    }

    /// <summary>The mount namespace of a process ("mnt:[4026532...]"), or null if gone.</summary>
    public static string? GetMountNamespace(int pid)
    {
        try { return new FileInfo($"/proc/{pid}/ns/mnt").LinkTarget; }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    /// <summary>An open handle on the process's mount namespace (keeps it, and its inode number, alive); null if gone.</summary>
    public static Microsoft.Win32.SafeHandles.SafeFileHandle? HoldMountNamespace(int pid)
    {
        try { return File.OpenHandle($"/proc/{pid}/ns/mnt", FileMode.Open, FileAccess.Read, FileShare.ReadWrite); }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    /// <summary>Every live process in the given mount namespace.</summary>
    public static IReadOnlyList<int> GetProcessesInMountNamespace(string mountNamespace) =>
        Snapshot().Where(p => p.State != 'Z' && GetMountNamespace(p.Pid) == mountNamespace).Select(p => p.Pid).ToList();

    /// <summary>
    /// SIGKILLs every process in a mount namespace (e.g. a host's private one: catches even daemonized session
    /// children that left the sshd tree). Refuses to touch the caller's own namespace. Returns true if all are gone.
    /// The caller must hold the namespace open (<see cref="HoldMountNamespace"/>) so its number cannot be reused.
    /// </summary>
    public static async Task<bool> KillMountNamespaceAsync(string mountNamespace, TimeSpan? timeout = null)
    {
        if (mountNamespace == GetMountNamespace(Environment.ProcessId)) return false;
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        var emptyScans = 0;
        while (true)
        {
            var procs = GetProcessesInMountNamespace(mountNamespace);
            // Two empty scans in a row: one scan of /proc can miss a process whose namespace link is briefly
            // unreadable (seen once under a full CI run's load: a session process outlived Stop).
            if (procs.Count == 0 && ++emptyScans == 2) return true;
            if (procs.Count > 0) emptyScans = 0;
            if (DateTime.UtcNow > deadline) return false;
            foreach (var p in procs) Signal(p, SIGKILL);
            await Task.Delay(25).ConfigureAwait(false);
        }
    }

    /// <summary>Waits until the pid is gone (or a zombie); false on timeout.</summary>
    public static async Task<bool> WaitForExitAsync(int pid, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (IsAlive(pid))
        {
            if (DateTime.UtcNow > deadline) return false;
            await Task.Delay(25).ConfigureAwait(false);
        }
        return true;
    }

    internal readonly record struct StatEntry(int Pid, int PPid, char State);

    internal static StatEntry? ReadStat(int pid)
    {
        try
        {
            var s = File.ReadAllText($"/proc/{pid}/stat");
            // "pid (comm) S ppid ..." ; comm may contain spaces and parentheses: split after the last ')'.
            var close = s.LastIndexOf(')');
            if (close < 0) return null;
            var rest = s[(close + 2)..].Split(' ');
            return new StatEntry(pid, int.Parse(rest[1]), rest[0][0]);
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
        catch (FormatException) { return null; }
    }

    internal static List<StatEntry> Snapshot()
    {
        var list = new List<StatEntry>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            var name = Path.GetFileName(dir);
            if (name.Length == 0 || !char.IsAsciiDigit(name[0]) || !int.TryParse(name, out var pid)) continue;
            var st = ReadStat(pid);
            if (st != null) list.Add(st.Value);
        }
        return list;
    }
}
