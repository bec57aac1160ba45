using System.Diagnostics;
using Rmote.TestRig;

/// <summary>--only profile: CPU of each process (controller, ssh, sshd, python) during a cold copy over the open session.</summary>
static class ProfileMode
{
    public static async Task RunAsync(Bench bench)
    {
        for (var i = 0; i < 3; i++)
        {
            bench.Clean("b-rmote");
            var pids = ProcessTree.GetDescendants(Environment.ProcessId).Concat(bench.Hosts.SelectMany(h => h.SessionPids())).Distinct().ToList();
            var before = pids.ToDictionary(p => p, Cpu);
            var me = Process.GetCurrentProcess(); me.Refresh(); var c0 = me.TotalProcessorTime.TotalSeconds;
            var t = await bench.RmoteWarmAsync();
            me.Refresh();
            var byComm = pids.GroupBy(Comm).Select(g => $"{g.Key} {g.Sum(p => Cpu(p) - before[p]):0.00}");
            Console.WriteLine($"warm cold copy {t:0.00}s: controller {me.TotalProcessorTime.TotalSeconds - c0:0.00}s; {string.Join(", ", byComm)}");
        }
    }

    static double Cpu(int pid)
    {
        try { var f = ProcStats.Stat(pid.ToString(System.Globalization.CultureInfo.InvariantCulture)); return (long.Parse(f[11]) + long.Parse(f[12])) / 100.0; }
        catch { return 0; }
    }

    static string Comm(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/comm").Trim(); }
        catch { return "?"; }
    }
}
