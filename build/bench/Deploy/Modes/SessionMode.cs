using System.Globalization;

/// <summary>
/// --only session: the remote interpreter's own CPU (all threads, schedstat ns) and page faults in two phases of a fresh
/// connection: up to HELLO (counters start at the shell's fork: its rc files are included), and the no-change copy.
/// </summary>
static class SessionMode
{
    public static async Task RunAsync(Bench bench)
    {
        var h = bench.Hosts[0];
        await bench.RmoteDeployAsync();
        var (hello, copy, helloF, copyF) = (new List<double>(), new List<double>(), new List<double>(), new List<double>());
        for (var i = 0; i < 20; i++)
        {
            await using var p = await bench.Spec(h).ConnectAsync();
            var a = Usage(p.Info.Pid);
            await bench.Copier.CopyAsync(p);
            var b = Usage(p.Info.Pid);
            hello.Add(a.Ms); helloF.Add(a.Faults); copy.Add(b.Ms - a.Ms); copyF.Add(b.Faults - a.Faults);
        }
        Console.WriteLine($"remote python, medians of 20 fresh connections: to HELLO {Rounds.Median(hello):0.0} ms CPU, {Rounds.Median(helloF):0} faults; " +
                          $"no-change copy {Rounds.Median(copy):0.0} ms, {Rounds.Median(copyF):0} faults");
    }

    static (double Ms, long Faults) Usage(int pid)
    {
        var ns = Directory.GetDirectories($"/proc/{pid}/task").Sum(t => long.Parse(File.ReadAllText(t + "/schedstat").Split(' ')[0], CultureInfo.InvariantCulture));
        return (ns / 1e6, long.Parse(ProcStats.Stat(pid.ToString(CultureInfo.InvariantCulture))[7], CultureInfo.InvariantCulture));
    }
}
