using System.Globalization;
using Rmote.TestRig;

/// <summary>
/// Exact CPU of the bench's two sides through CPU-accounting cgroups: each host's sshd listener goes into a group of
/// its own before any session starts, and every session (sshd, shell, python, the rsync or scp server) inherits it;
/// this process goes into a "local" group, which every tool it starts inherits, ssh masters that left their parent
/// included. Counting reaped processes from /proc missed what a ControlMaster's session runs (its sshd process outlives
/// the build, so the listener never reaps it: "hosts 0" for Rmote's redeploys) and the masters themselves. Where no
/// group can be made (no cpuacct v1 hierarchy or writable v2 one), reaped processes are counted as before, and
/// <see cref="Exact"/> says so.
/// </summary>
sealed class CpuAccounting : IDisposable
{
    readonly Dictionary<int, string> hostGroups = [];
    readonly string? localGroup;
    readonly string? usageFile;

    CpuAccounting(IReadOnlyList<SshHost> hosts)
    {
        var (root, usage) = Hierarchy();
        if (root is null) return;
        RemoveStale(root);
        try
        {
            foreach (var h in hosts) hostGroups[h.Pid] = Join(root, h.Port.ToString(CultureInfo.InvariantCulture), h.Pid);
            localGroup = Join(root, "local", Environment.ProcessId);
            usageFile = usage;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Dispose();
        }
    }

    /// <summary>Puts every host's sshd and this process into groups of their own (before any session runs).</summary>
    public static CpuAccounting Track(IReadOnlyList<SshHost> hosts) => new(hosts);

    /// <summary>True when the groups count everything; false: reaped processes only.</summary>
    public bool Exact => usageFile != null;

    /// <summary>CPU (ms) every process of <paramref name="h"/> used so far: its sshd, the sessions, what they ran.</summary>
    public double Host(SshHost h) =>
        usageFile != null && hostGroups.TryGetValue(h.Pid, out var group) ? Usage(group) : ProcStats.ReapedChildrenCpuMs(h.Pid);

    /// <summary>CPU (ms) of every local process this one started so far (tools, their ssh clients and masters), not its own.</summary>
    public double Local() => usageFile != null && localGroup != null ? Usage(localGroup) - ProcStats.Own().Self : ProcStats.Own().Children;

    double Usage(string group)
    {
        var text = File.ReadAllText(Path.Combine(group, usageFile!));
        // v1 cpuacct.usage: nanoseconds; v2 cpu.stat: "usage_usec N" first
        return usageFile == "cpuacct.usage"
            ? long.Parse(text.Trim(), CultureInfo.InvariantCulture) / 1e6
            : long.Parse(text.Split('\n')[0].Split(' ')[1], CultureInfo.InvariantCulture) / 1e3;
    }

    /// <summary>Removes the host groups (empty once the hosts stopped; one still in use stays, harmlessly).</summary>
    public void Dispose()
    {
        foreach (var group in hostGroups.Values) TryDelete(group);
        hostGroups.Clear();
    }

    static string Join(string root, string name, int pid)
    {
        var group = Path.Combine(root, $"rmote-bench-{Environment.ProcessId}-{name}");
        Directory.CreateDirectory(group);
        File.WriteAllText(Path.Combine(group, "cgroup.procs"), pid.ToString(CultureInfo.InvariantCulture));
        return group;
    }

    // cgroup v1's cpuacct hierarchy, else a v2 hierarchy (its cpu.stat has usage_usec without any controller enabled).
    static (string? Root, string? UsageFile) Hierarchy()
    {
        if (File.Exists("/sys/fs/cgroup/cpuacct/cpuacct.usage")) return ("/sys/fs/cgroup/cpuacct", "cpuacct.usage");
        foreach (var v2 in new[] { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" })
            if (File.Exists(Path.Combine(v2, "cgroup.subtree_control"))) return (v2, "cpu.stat");
        return (null, null);
    }

    // Groups of benches that ended or were killed: empty ones go (a group still holding a process refuses, and stays).
    static void RemoveStale(string root)
    {
        foreach (var dir in Directory.EnumerateDirectories(root, "rmote-bench-*")) TryDelete(dir);
    }

    static void TryDelete(string group)
    {
        try { Directory.Delete(group); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
