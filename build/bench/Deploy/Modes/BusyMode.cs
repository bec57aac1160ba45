/// <summary>
/// --only busy: wall time against whole-machine CPU (both cores) per no-change redeploy: a tool whose busy time is near
/// 2x its wall time is CPU-bound; one with idle cores waits on round trips or stragglers. "own" is this process
/// (rmote's controller; for rsync, starting and reaping its clients), "host" the sshd sessions.
/// </summary>
static class BusyMode
{
    public static async Task RunAsync(Bench bench)
    {
        for (var i = 0; i < bench.Options.Warmup; i++) await bench.RmoteDeployAsync();
        await Peers.Rsync(bench, "b-rsync");
        Task<double> Rsync() => Peers.Rsync(bench, "b-rsync");
        var samples = new Dictionary<string, List<double[]>> { ["rmote"] = [], ["rsync"] = [] };
        async Task Sample(string name, Func<Task<double>> run)
        {
            var (b0, o0, l0, h0) = (ProcStats.Busy(), ProcStats.Own(), bench.Cpu.Local(), bench.AllHostsCpuMs());
            var wall = await run() * 1000;
            var o1 = ProcStats.Own();
            samples[name].Add([wall, ProcStats.Busy() - b0, o1.Self - o0.Self, bench.Cpu.Local() - l0, bench.AllHostsCpuMs() - h0]);
        }
        for (var i = 0; i < Math.Max(bench.Options.Rounds, 16); i++)
        {
            if (i % 2 == 0) { await Sample("rmote", bench.RmoteDeployAsync); await Sample("rsync", Rsync); }
            else { await Sample("rsync", Rsync); await Sample("rmote", bench.RmoteDeployAsync); }
        }
        // Whole batches with a pause after each deploy: nothing of one run is left running into the next sample.
        foreach (var (name, run) in new (string, Func<Task<double>>)[] { ("rmote", bench.RmoteDeployAsync), ("rmote unshared", bench.RmoteUnsharedAsync), ("rsync", Rsync) })
        {
            var (b0, o0, l0, h0, j0) = (ProcStats.Busy(), ProcStats.Own(), bench.Cpu.Local(), bench.AllHostsCpuMs(), ProcStats.Jit());
            const int n = 16;
            for (var i = 0; i < n; i++) { await run(); await Task.Delay(300); }
            var o1 = ProcStats.Own();
            var j1 = ProcStats.Jit();
            Console.WriteLine($"{name} batch of {n}, per deploy (ms): machine busy {(ProcStats.Busy() - b0) / n:0}; "
                + $"own {(o1.Self - o0.Self) / n:0} (JIT {(j1.Ms - j0.Ms) / n:0.0}, {(j1.Methods - j0.Methods) / (double)n:0.0} methods), "
                + $"local children {(bench.Cpu.Local() - l0) / n:0}, host side {(bench.AllHostsCpuMs() - h0) / n:0}");
        }
        foreach (var (name, list) in samples)
        {
            double M(int k) => Rounds.Median(list.Select(x => x[k]));
            Console.WriteLine($"{name} no-change, medians (ms): wall {M(0):0}, machine busy {M(1):0}; own {M(2):0}, local children {M(3):0}, host side {M(4):0}");
        }
    }
}
