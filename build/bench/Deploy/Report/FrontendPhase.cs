using System.Globalization;

/// <summary>
/// The table's front-end rows, the path users run: a fresh `dotnet msbuild` and a fresh `dotnet cake` per deploy, net
/// of the same tool's empty target timed in the same rounds, against rsync -a with and without OpenSSH connection
/// sharing (ControlMaster, as Rmote shares its own), for cold, no-change and one-changed deploys.
/// </summary>
static class FrontendPhase
{
    // One round's steps, in this order in each result array.
    const int MsEmpty = 0, MsDeploy = 1, CakeEmpty = 2, CakeDeploy = 3, Rsync = 4, RsyncShared = 5;

    public static async Task RunAsync(Bench bench, ResultTable table)
    {
        var fe = await FrontEnds.CreateAsync(bench);
        var rounds = bench.Options.FrontendRounds;
        foreach (var work in new[] { "cold", "no-change", "one-changed" })
        {
            // Before each deploy: cold empties that tool's destination, one-changed changes the same file again, so
            // every tool finds the same work; the empty targets get no preparation.
            Func<Task<double>> Deploy(string dest, Func<Task<double>> run) => () =>
            {
                if (work == "cold") bench.Clean(dest);
                if (work == "one-changed") bench.ChangeOneFile();
                return run();
            };
            // Every tool up to date before the first no-change round.
            if (work == "no-change")
                foreach (var d in new[] { Deploy(FrontEnds.MsBuildDest, () => fe.MsBuildAsync("BenchDeploy")), Deploy(FrontEnds.CakeDest, () => fe.CakeAsync("Deploy")),
                    Deploy("b-rsync", () => Peers.Rsync(bench, "b-rsync")), Deploy("b-rsync-cm", () => Peers.RsyncSharing(bench, "b-rsync-cm")) })
                    await d();
            var (msJit, cakeJit) = (fe.MsBuildJit.Count, fe.CakeJit.Count);
            var times = new List<double[]>();
            var cpu = Enumerable.Range(0, 6).Select(_ => new List<(double Local, double Host)>()).ToArray();
            // Where the time goes: CPU of the step's reaped local processes (the dotnet process, rsync and their ssh
            // clients) and of the hosts' ended sshd sessions; a shared connection's master and its session are still
            // running, so their share is not counted.
            Func<Task<double>> Cpu(int k, Func<Task<double>> run) => async () =>
            {
                var (o0, h0) = (ProcStats.Own().Children, bench.AllHostsCpuMs());
                var t = await run();
                cpu[k].Add((ProcStats.Own().Children - o0, bench.AllHostsCpuMs() - h0));
                return t;
            };
            for (var i = 0; i < rounds; i++)
            {
                // 6 steps, 720 orders: a stride coprime to 720 spreads the rounds over them (every step early and late).
                var t = await Rounds.Rotated(i * 139,
                    Cpu(MsEmpty, () => fe.MsBuildAsync("BenchEmpty")),
                    Cpu(MsDeploy, Deploy(FrontEnds.MsBuildDest, () => fe.MsBuildAsync("BenchDeploy"))),
                    Cpu(CakeEmpty, () => fe.CakeAsync("Empty")),
                    Cpu(CakeDeploy, Deploy(FrontEnds.CakeDest, () => fe.CakeAsync("Deploy"))),
                    Cpu(Rsync, Deploy("b-rsync", () => Peers.Rsync(bench, "b-rsync"))),
                    Cpu(RsyncShared, Deploy("b-rsync-cm", () => Peers.RsyncSharing(bench, "b-rsync-cm"))));
                times.Add(t);
                Console.WriteLine($"  front-end {work} round {i + 1}: msbuild {t[MsDeploy]:0.00}s (empty {t[MsEmpty]:0.00}s), cake {t[CakeDeploy]:0.00}s (empty {t[CakeEmpty]:0.00}s), "
                    + $"rsync {t[Rsync]:0.00}s, rsync+ControlMaster {t[RsyncShared]:0.00}s");
            }
            AddRows(table, work, times);
            Console.WriteLine($"  front-end {work} JIT per deploy, medians: msbuild {JitText(fe.MsBuildJit.Skip(msJit))}; cake {JitText(fe.CakeJit.Skip(cakeJit))}");
            string C(int k) => $"local {Rounds.Median(cpu[k].Select(x => x.Local)):0}, hosts {Rounds.Median(cpu[k].Select(x => x.Host)):0}";
            Console.WriteLine($"  front-end {work} CPU ms per run, medians: msbuild deploy {C(MsDeploy)} (empty {C(MsEmpty)}); cake deploy {C(CakeDeploy)} (empty {C(CakeEmpty)}); "
                + $"rsync {C(Rsync)}; rsync+ControlMaster {C(RsyncShared)}");
        }
        await fe.MsBuildAsync("BenchDeploy");  // the last round may have ended with a change only another tool has seen
        await fe.CakeAsync("Deploy");
        bench.VerifySame(FrontEnds.MsBuildDest);
        bench.VerifySame(FrontEnds.CakeDest);
    }

    static void AddRows(ResultTable table, string work, List<double[]> rounds)
    {
        double M(int k) => Rounds.Median(rounds.Select(x => x[k]));
        // The goal's peer: rsync sharing its connection for a redeploy (as Rmote does), plain rsync for a cold one.
        var (peer, peerName, goal) = work == "cold" ? (M(Rsync), "rsync -a", "<= 0.8x") : (M(RsyncShared), "rsync -a, ControlMaster", "<= 1.0x");
        foreach (var (tool, deploy, empty) in new[] { ("msbuild", MsDeploy, MsEmpty), ("cake", CakeDeploy, CakeEmpty) })
        {
            var net = M(deploy) - M(empty);
            table.Row($"{work}, fresh `dotnet {tool}` net of {M(empty).ToString("0.00", CultureInfo.InvariantCulture)}s start", net, peer, peerName, goal);
            if (work == "cold") table.Row($"{work}, fresh `dotnet {tool}` net", net, M(RsyncShared), "rsync -a, ControlMaster", "(info)");
            else table.Row($"{work}, fresh `dotnet {tool}` net", net, M(Rsync), "rsync -a", "(info)");
        }
        table.Row($"{work}, rsync -a with ControlMaster", M(RsyncShared), M(Rsync), "rsync -a", "(info)");
    }

    static string JitText(IEnumerable<FrontEnds.JitSample> samples)
    {
        var s = samples.ToList();
        if (s.Count == 0) return "no rmote-jit lines";
        return string.Create(CultureInfo.InvariantCulture,
            $"{Rounds.Median(s.Select(x => (double)x.Methods)):0} methods, {Rounds.Median(s.Select(x => x.Ms)):0} ms inside Rmote's steps "
            + $"(process: {Rounds.Median(s.Select(x => (double)x.ProcessMethods)):0} methods, {Rounds.Median(s.Select(x => x.ProcessMs)):0} ms)");
    }
}
