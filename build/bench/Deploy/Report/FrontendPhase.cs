using System.Globalization;

/// <summary>
/// The table's front-end rows, the path users run: a fresh `dotnet msbuild` and a fresh `dotnet cake` per deploy, net
/// of the same tool's empty target timed in the same rounds, against rsync -a with and without OpenSSH connection
/// sharing (ControlMaster, as Rmote shares its own), for cold, no-change and one-changed deploys, and against
/// rsync -a --fsync, durable as Rmote's copy is (each file fsynced before its rename), and, as information, against
/// rsync -a offering AES-GCM first, the cipher order Rmote's new connections use here. The same deploys with KeepRuntime
/// off (each connection an SSH session and an interpreter, as before kept runtimes), the msbuild deploy with its tasks in
/// the build process (-p:RmoteBuildServer=false, as before the build server) and the IL-only packages (no ReadyToRun;
/// BENCH_FRONTEND_IL=0: not) run in the same rounds as information.
/// </summary>
static class FrontendPhase
{
    // One round's steps, in this order in each result array.
    const int MsEmpty = 0, MsDeploy = 1, CakeEmpty = 2, CakeDeploy = 3, Rsync = 4, RsyncShared = 5, RsyncFsync = 6, RsyncAes = 7,
        MsDeployNotKept = 8, CakeDeployNotKept = 9, MsDeployInProcess = 10, MsDeployIl = 11, CakeDeployIl = 12;

    static readonly string[] StepNames =
        ["msbuild empty", "msbuild deploy", "cake empty", "cake deploy", "rsync", "rsync+ControlMaster", "rsync --fsync", "rsync AES-GCM",
         "msbuild deploy, not kept", "cake deploy, not kept", "msbuild deploy, in process", "msbuild deploy, IL", "cake deploy, IL"];

    public static async Task RunAsync(Bench bench, ResultTable table)
    {
        var fe = await FrontEnds.CreateAsync(bench);
        if (Environment.GetEnvironmentVariable("BENCH_FRONTEND_HOLD") is { Length: > 0 } hold)
        {
            fe.WriteHoldScript(bench, hold);
            Console.WriteLine($"  frontend: hosts up; `source {hold}` sets a shell up as the timed runs are; stop this process to end");
            await Task.Delay(Timeout.Infinite);
        }
        var il = Environment.GetEnvironmentVariable("BENCH_FRONTEND_IL") == "0" ? null : await FrontEnds.CreateAsync(bench, il: true);
        var rounds = bench.Options.FrontendRounds;
        // BENCH_FRONTEND_WORK=no-change,one-changed: only those works (a quicker A/B of a redeploy's cost)
        var only = Environment.GetEnvironmentVariable("BENCH_FRONTEND_WORK")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var work in new[] { "cold", "no-change", "one-changed" }.Where(w => only is not { Length: > 0 } || only.Contains(w)))
        {
            // Before each deploy: cold empties that tool's destination, one-changed changes the same file again, so
            // every tool finds the same work; the empty targets get no preparation. A cold deploy is a first one for
            // every tool: new files over new connections. Without closing the masters an earlier step left, Rmote's
            // steps and the sharing rsync reused a login that plain rsync paid for (here a fresh connection's first
            // megabytes crawl for about half a second, on top of the login).
            Func<Task<double>> Deploy(string dest, Func<Task<double>> run) => async () =>
            {
                if (work == "cold")
                {
                    await Masters.CloseAsync();
                    bench.Clean(dest);
                }
                if (work == "one-changed") bench.ChangeOneFile();
                return await run();
            };
            var steps = new List<Func<Task<double>>>
            {
                () => fe.MsBuildAsync("BenchEmpty"),
                Deploy(fe.MsBuildDest, () => fe.MsBuildAsync("BenchDeploy")),
                () => fe.CakeAsync("Empty"),
                Deploy(fe.CakeDest, () => fe.CakeAsync("Deploy")),
                Deploy("b-rsync", () => Peers.Rsync(bench, "b-rsync")),
                Deploy("b-rsync-cm", () => Peers.RsyncSharing(bench, "b-rsync-cm")),
                Deploy("b-rsync-fs", () => Peers.Rsync(bench, bench.Src, "b-rsync-fs", Peers.SshE, "--fsync")),
                // Rmote offers AES-GCM first on a CPU with AES instructions: the same cipher for rsync, as information.
                Deploy("b-rsync-aes", () => Peers.Rsync(bench, bench.Src, "b-rsync-aes", Peers.SshEAesGcm)),
                // The same deploys with KeepRuntime off (as before kept runtimes): each connection an SSH session and an interpreter.
                Deploy(fe.MsBuildNotKeptDest, () => fe.MsBuildAsync("BenchDeployNotKept")),
                Deploy(fe.CakeNotKeptDest, () => fe.CakeAsync("DeployNotKept")),
                // The msbuild deploy with its tasks inside the build process (as before the build server).
                Deploy(fe.MsBuildInProcessDest, fe.MsBuildInProcessAsync),
            };
            if (il != null) steps.AddRange([Deploy(il.MsBuildDest, () => il.MsBuildAsync("BenchDeploy")), Deploy(il.CakeDest, () => il.CakeAsync("Deploy"))]);
            // Every tool up to date before the first no-change round.
            if (work == "no-change" || only is { Length: > 0 })
                foreach (var k in new[] { MsDeploy, CakeDeploy, Rsync, RsyncShared, RsyncFsync, RsyncAes, MsDeployNotKept, CakeDeployNotKept, MsDeployInProcess,
                             MsDeployIl, CakeDeployIl }.Where(k => k < steps.Count))
                    await steps[k]();
            var jitFrom = (fe.MsBuildJit.Count, fe.CakeJit.Count, il?.MsBuildJit.Count ?? 0, il?.CakeJit.Count ?? 0, fe.MsBuildInProcessJit.Count);
            var times = new List<double[]>();
            var cpu = steps.Select(_ => new List<(double Local, double Host)>()).ToArray();
            // Where the time goes: CPU of the step's local processes (the dotnet process, rsync and their ssh clients
            // and masters) and of everything the hosts ran for it (CpuAccounting; without cgroups, reaped processes only).
            Func<Task<double>> Cpu(int k) => async () =>
            {
                var (o0, h0) = (bench.Cpu.Local(), bench.AllHostsCpuMs());
                var t = await steps[k]();
                cpu[k].Add((bench.Cpu.Local() - o0, bench.AllHostsCpuMs() - h0));
                return t;
            };
            for (var i = 0; i < rounds; i++)
            {
                // 11 or 13 steps, millions of orders: a prime stride spreads the rounds over them (every step early and late).
                var t = await Rounds.Rotated(i * 139, [.. Enumerable.Range(0, steps.Count).Select(Cpu)]);
                times.Add(t);
                Console.WriteLine($"  front-end {work} round {i + 1}: " + string.Join(", ", t.Select((x, k) => $"{StepNames[k]} {x:0.00}s")));
            }
            AddRows(table, work, times, il != null);
            Console.WriteLine($"  front-end {work} JIT per deploy, medians: msbuild {JitText(fe.MsBuildJit.Skip(jitFrom.Item1))}; cake {JitText(fe.CakeJit.Skip(jitFrom.Item2))}; "
                + $"msbuild in process {JitText(fe.MsBuildInProcessJit.Skip(jitFrom.Item5))}");
            if (il != null)
                Console.WriteLine($"  front-end {work} JIT per deploy, IL packages: msbuild {JitText(il.MsBuildJit.Skip(jitFrom.Item3))}; cake {JitText(il.CakeJit.Skip(jitFrom.Item4))}");
            Console.WriteLine($"  front-end {work} CPU ms per run, medians: " + string.Join("; ", cpu.Select((c, k) =>
                $"{StepNames[k]} local {Rounds.Median(c.Select(x => x.Local)):0}, hosts {Rounds.Median(c.Select(x => x.Host)):0}")));
        }
        foreach (var f in il is null ? [fe] : new[] { fe, il })
        {
            await f.MsBuildAsync("BenchDeploy");  // the last round may have ended with a change only another tool has seen
            await f.CakeAsync("Deploy");
            await f.MsBuildAsync("BenchDeployNotKept");
            await f.CakeAsync("DeployNotKept");
            await f.MsBuildInProcessAsync();
            bench.VerifySame(f.MsBuildDest);
            bench.VerifySame(f.CakeDest);
            bench.VerifySame(f.MsBuildNotKeptDest);
            bench.VerifySame(f.CakeNotKeptDest);
            bench.VerifySame(f.MsBuildInProcessDest);
        }
    }

    static void AddRows(ResultTable table, string work, List<double[]> rounds, bool withIl)
    {
        double M(int k) => Rounds.Median(rounds.Select(x => x[k]));
        // The goal's peer: rsync sharing its connection for a redeploy (as Rmote does), plain rsync for a cold one.
        var (peer, peerName, goal) = work == "cold" ? (M(Rsync), "rsync -a", "<= 0.8x") : (M(RsyncShared), "rsync -a, ControlMaster", "<= 1.0x");
        var tools = new[] { ("msbuild", MsDeploy, MsEmpty, MsDeployIl, MsDeployNotKept), ("cake", CakeDeploy, CakeEmpty, CakeDeployIl, CakeDeployNotKept) };
        foreach (var (tool, deploy, empty, ilDeploy, notKept) in tools)
        {
            var net = M(deploy) - M(empty);
            table.Row($"{work}, fresh `dotnet {tool}` net of {M(empty).ToString("0.00", CultureInfo.InvariantCulture)}s start", net, peer, peerName, goal);
            if (work == "cold")
            {
                // Like with like on durability: Rmote's copy fsyncs each file before its rename, as rsync --fsync does.
                table.Row($"{work}, fresh `dotnet {tool}` net", net, M(RsyncFsync), "rsync -a --fsync", goal);
                table.Row($"{work}, fresh `dotnet {tool}` net", net, M(RsyncShared), "rsync -a, ControlMaster", "(info)");
                table.Row($"{work}, fresh `dotnet {tool}` net", net, M(RsyncAes), "rsync -a, AES-GCM first", "(info)");
            }
            else table.Row($"{work}, fresh `dotnet {tool}` net", net, M(Rsync), "rsync -a", "(info)");
            table.Row($"{work}, fresh `dotnet {tool}` net, KeepRuntime off", M(notKept) - M(empty), peer, peerName, "(info: before)");
            if (tool == "msbuild") table.Row($"{work}, fresh `dotnet msbuild` net, tasks in the build process", M(MsDeployInProcess) - M(empty), peer, peerName, "(info: before)");
            if (withIl) table.Row($"{work}, fresh `dotnet {tool}` net, IL-only packages", M(ilDeploy) - M(empty), peer, peerName, "(info: before)");
        }
        table.Row($"{work}, rsync -a with ControlMaster", M(RsyncShared), M(Rsync), "rsync -a", "(info)");
        if (work == "cold") table.Row($"{work}, rsync -a with AES-GCM first", M(RsyncAes), M(Rsync), "rsync -a", "(info)");
    }

    static string JitText(IEnumerable<FrontEnds.JitSample> samples)
    {
        var s = samples.ToList();
        if (s.Count == 0) return "no rmote-jit lines";
        return string.Create(CultureInfo.InvariantCulture,
            $"{Rounds.Median(s.Select(x => (double)x.Methods)):0} methods, {Rounds.Median(s.Select(x => x.Ms)):0} ms inside Rmote's steps "
            + $"(process: {Rounds.Median(s.Select(x => (double)x.ProcessMethods)):0} methods, {Rounds.Median(s.Select(x => x.ProcessMs)):0} ms); "
            + $"steps: {string.Join(", ", s[0].Steps.Select((step, i) => $"{step.Step} {Rounds.Median(s.Where(x => x.Steps.Length > i).Select(x => x.Steps[i].Ms)):0} ms"))}");
    }
}
