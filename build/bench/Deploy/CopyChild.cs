using System.Globalization;
using Rmote.Deploy;

/// <summary>
/// `--copy-child INVENTORY SRC DEST [--parallel N] [--unshared] [--not-kept]`: one copy of a folder to every host, as a user's tool
/// runs it (a fresh process: connect, copy, exit), with the bench's A/B knobs (BENCH_DURABLE, ...). Prints its own peak
/// RSS and CPU for the parent to report.
/// </summary>
static class CopyChild
{
    public static async Task<int> RunAsync(string[] args)
    {
        // As the front ends do, and as Copier.StartReading's docs advise: the source is read while the hosts connect.
        var copier = new Copier(CopySource.FromFolder(args[2]), Bench.CopyOptionsFromEnvironment(args[3]));
        _ = copier.StartReading();
        await using (var session = await FanOut.ConnectAsync(args))
        {
            var r = await copier.CopyAsync(session);
            if (Environment.GetEnvironmentVariable("BENCH_GCINFO") is { } info) AppendHeapFigures(info, session.Hosts.Count);
            // A pause with every connection still open, for a heap snapshot (dotnet-gcdump collect -p PID).
            if (Environment.GetEnvironmentVariable("BENCH_HOLD_SECONDS") is { } hold) await Task.Delay(TimeSpan.FromSeconds(int.Parse(hold, CultureInfo.InvariantCulture)));
            if (!r.AllSucceeded)
            {
                Console.Error.WriteLine(r.ToTable());
                return 1;
            }
        }
        // After the session's ssh clients are reaped: "children" is their CPU.
        var own = ProcStats.Own();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"copy-child hwm_kib={PeakRssKib()} cpu_ms={own.Self} children_ms={own.Children}"));
        return 0;
    }

    // Where the controller's memory went: the managed heap against the peak RSS.
    static void AppendHeapFigures(string file, int hosts)
    {
        var gc = GC.GetGCMemoryInfo(GCKind.Any);
        File.AppendAllText(file, $"{hosts} hosts: allocated {GC.GetTotalAllocatedBytes() >> 20} MiB, gen2 GCs {GC.CollectionCount(2)}, "
            + $"heap now {gc.HeapSizeBytes >> 20} MiB, live after a full GC {GC.GetTotalMemory(forceFullCollection: true) >> 20} MiB, "
            + $"peak RSS {PeakRssKib()} KiB\n");
    }

    static string PeakRssKib() =>
        File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];

    /// <summary>Reads a field ("hwm_kib", "cpu_ms", "children_ms") of the child's last line.</summary>
    public static double Field(string stdout, string name)
    {
        var line = stdout.Split('\n').Last(l => l.StartsWith("copy-child ", StringComparison.Ordinal));
        var kv = line.Split(' ').First(x => x.StartsWith(name + "=", StringComparison.Ordinal));
        return double.Parse(kv[(name.Length + 1)..], CultureInfo.InvariantCulture);
    }
}
