/// <summary>
/// --only cpu [--cold|--one] [--tool rmote|rsync|scp]: CPU per 4-host deploy, split into the controller, its child
/// processes (ssh; rsync/scp clients) and the host side (sshd's session processes, shell, python or rsync/scp server),
/// for rmote, rsync and scp.
/// </summary>
static class CpuMode
{
    public static async Task RunAsync(Bench bench)
    {
        var coldRun = bench.Options.Cold;
        var oneRun = bench.Options.One;
        var n = coldRun ? 3 : 10;
        var tool = bench.Options.Tool;
        async Task Measure(string name, Func<Task> run)
        {
            if (tool is not null && tool != name) return;
            var (s0, c0, h0) = (ProcStats.Own().Self, bench.Cpu.Local(), bench.AllHostsCpuMs());
            for (var i = 0; i < n; i++) await run();
            Console.WriteLine($"{name,-6} CPU ms per {(coldRun ? "cold" : oneRun ? "one-changed" : "no-change")} deploy: "
                + $"controller {(ProcStats.Own().Self - s0) / n,5:0}, local children {(bench.Cpu.Local() - c0) / n,5:0}, "
                + $"host side {(bench.AllHostsCpuMs() - h0) / n,5:0}");
        }
        await bench.RmoteDeployAsync(); await Peers.Rsync(bench, "b-rsync"); // warm-up (JIT), and the no-change state
        for (var k = 0; k < 2; k++)
        {
            await Measure("rmote", async () => { if (coldRun) bench.Clean("b-rmote"); if (oneRun) bench.ChangeOneFile(); await bench.RmoteDeployAsync(); });
            await Measure("rsync", async () => { if (coldRun) bench.Clean("b-rsync"); if (oneRun) bench.ChangeOneFile(); await Peers.Rsync(bench, "b-rsync"); });
            if (coldRun) await Measure("scp", async () => { bench.Clean("b-scp"); await Peers.Scp(bench, "b-scp"); });
        }
    }
}
