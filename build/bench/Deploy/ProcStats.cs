using System.Globalization;

/// <summary>CPU accounting from /proc: this process, its reaped children, a process's reaped children, the whole machine.</summary>
static class ProcStats
{
    /// <summary>The fields of /proc/PID/stat after the command name (index 0 is the state).</summary>
    public static string[] Stat(string pid)
    {
        var st = File.ReadAllText($"/proc/{pid}/stat");
        return st[(st.LastIndexOf(')') + 2)..].Split(' ');
    }

    /// <summary>This process's own CPU and that of its reaped children (ms), from /proc/self/stat.</summary>
    public static (double Self, double Children) Own()
    {
        var f = Stat("self");
        return ((long.Parse(f[11]) + long.Parse(f[12])) * 10.0, (long.Parse(f[13]) + long.Parse(f[14])) * 10.0);
    }

    /// <summary>CPU (ms) of a process's reaped children: for an sshd listener, every session it ran that has ended.</summary>
    public static double ReapedChildrenCpuMs(int pid)
    {
        var f = Stat(pid.ToString(CultureInfo.InvariantCulture));
        return (long.Parse(f[13]) + long.Parse(f[14])) * 10.0;
    }

    /// <summary>
    /// CPU (ms) of everything under a process: its reaped children and every live descendant with theirs. For an sshd
    /// listener: the sessions that ended and those still running (a ControlMaster's, kept open after the copy).
    /// </summary>
    public static double TreeCpuMs(int pid)
    {
        var stats = new Dictionary<int, string[]>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var p)) continue;
            try { stats[p] = Stat(p.ToString(CultureInfo.InvariantCulture)); }
            catch (IOException) { }   // ended meanwhile: its CPU is in its parent's reaped children
            catch (UnauthorizedAccessException) { }
        }
        var children = stats.GroupBy(x => int.Parse(x.Value[1], CultureInfo.InvariantCulture)).ToDictionary(g => g.Key, g => g.Select(x => x.Key).ToList());
        double Reaped(string[] f) => (long.Parse(f[13], CultureInfo.InvariantCulture) + long.Parse(f[14], CultureInfo.InvariantCulture)) * 10.0;
        double Own(string[] f) => (long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture)) * 10.0;
        var total = stats.TryGetValue(pid, out var root) ? Reaped(root) : 0;
        var todo = new Stack<int>(children.GetValueOrDefault(pid) ?? []);
        while (todo.TryPop(out var p))
        {
            if (!stats.TryGetValue(p, out var f)) continue;
            total += Own(f) + Reaped(f);
            foreach (var c in children.GetValueOrDefault(p) ?? []) todo.Push(c);
        }
        return total;
    }

    /// <summary>Time this process has spent compiling methods (ms), and how many: the JIT still at work when they grow.</summary>
    public static (double Ms, long Methods) Jit() =>
        (System.Runtime.JitInfo.GetCompilationTime().TotalMilliseconds, System.Runtime.JitInfo.GetCompiledMethodCount());

    /// <summary>Whole-machine busy CPU time in ms (user, nice, system, irq, softirq of all cores; 10 ms ticks).</summary>
    public static double Busy()
    {
        var f = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return (long.Parse(f[1]) + long.Parse(f[2]) + long.Parse(f[3]) + long.Parse(f[6]) + long.Parse(f[7])) * 10.0;
    }
}
