using System.Diagnostics;
using Rmote.Deploy;

/// <summary>
/// --only bigcpu: CPU per 1 GiB copy to one host: the controller, its children (ssh), the host side (sshd, python or
/// cat) and the whole machine (2 cores: "system busy" near 2x the wall time means the copy is CPU-bound).
/// </summary>
static class BigCpuMode
{
    public static async Task RunAsync(Bench bench)
    {
        var big = bench.Combine("big.bin");
        await BigFile.CreateAsync(big);
        var h = bench.Hosts[0];
        var bigCopier = new Copier(CopySource.FromFiles([new CopyItem(big, "big.bin")]), new CopyOptions { DestinationFolder = "/srv/b-big" });
        double HostSide() => bench.Cpu.Host(h);
        async Task Measure(string name, Action before, Func<Task> run)
        {
            before();
            await Bench.Settle();
            var (s0, c0, h0, b0) = (ProcStats.Own().Self, bench.Cpu.Local(), HostSide(), ProcStats.Busy());
            var sw = Stopwatch.StartNew();
            await run();
            var t = sw.Elapsed.TotalSeconds;
            Console.WriteLine($"{name,-11} {BigFile.MiB / t,4:0} MiB/s; CPU ms: controller {ProcStats.Own().Self - s0,5:0}, "
                + $"children {bench.Cpu.Local() - c0,5:0}, host side {HostSide() - h0,5:0}, system busy {ProcStats.Busy() - b0,5:0} (wall {t * 1000:0})");
        }
        void RmBig() => Bench.Rm(Path.Combine(h.SrvRoot, "b-big"));
        await using var open1 = await bench.Spec(h).ConnectAsync();
        for (var i = 0; i < bench.Options.Rounds; i++)
        {
            await Measure("rmote", RmBig, async () => { await using var p = await bench.Spec(h).ConnectAsync(); await bigCopier.CopyAsync(p); });
            await Measure("rmote open", RmBig, () => bigCopier.CopyAsync(open1));
            await Measure("ssh cat", () => File.Delete(Path.Combine(h.SrvRoot, "big.raw")), async () =>
            {
                using var proc = Peers.StartSshCat(h, big);
                await proc.WaitForExitAsync();
            });
        }
    }
}
