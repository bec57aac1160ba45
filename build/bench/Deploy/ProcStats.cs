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
