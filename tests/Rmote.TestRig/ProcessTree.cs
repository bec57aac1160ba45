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

    /// <summary>True if the pid exists and is not a zombie.</summary>
    public static bool IsAlive(int pid)
    {
        var st = ReadStat(pid);
        return st != null && st.Value.State != 'Z' && st.Value.State != 'X';
    }

    /// <summary>Parent pid from /proc/PID/stat, or null if gone.</summary>
    public static int? GetParent(int pid) => ReadStat(pid)?.PPid;

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
    /// Kills pid and all its descendants with <paramref name="signal"/> (snapshot taken first so reparented
    /// orphans are still found), repeating until nothing of the tree is left or the timeout passes.
    /// Returns true if everything is gone.
    /// </summary>
    public static async Task<bool> KillTreeAsync(int pid, int signal = SIGKILL, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        var known = new HashSet<int>();
        while (true)
        {
            var tree = new List<int>();
            if (IsAlive(pid)) tree.Add(pid);
            tree.AddRange(GetDescendants(pid));
            foreach (var k in known.ToList())
                if (IsAlive(k)) { tree.AddRange(GetDescendants(k)); tree.Add(k); }
            tree = tree.Distinct().Where(IsAlive).ToList();
            if (tree.Count == 0) return true;
            foreach (var p in tree) { known.Add(p); Signal(p, signal); }
            if (DateTime.UtcNow > deadline) return false;
            await Task.Delay(50).ConfigureAwait(false);
            if (signal != SIGKILL && DateTime.UtcNow > deadline - TimeSpan.FromSeconds(2)) signal = SIGKILL;
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
