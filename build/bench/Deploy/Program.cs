// Deploy benchmark: Rmote's deploy engine next to rsync -a, scp -r, raw ssh and Ansible, in one run; medians and ratios.
// Usage: dotnet run -c Release --project build/bench/Deploy [-- --rounds 5] [--warmup 80] [--ansible] [--no-big] [--source DIR]
//        one part of the table: --only cold | redeploy | big | frontend | many (100k files, fresh child processes);  delta against rsync: --only delta (BENCH_ROUNDS=n)
//          (frontend: fresh `dotnet msbuild` / `dotnet cake` processes; its rounds: --rounds, else BENCH_ROUNDS, else 8)
//        diagnostics: --only connect | busy | profile | cpu [--cold|--one] [--tool rmote|rsync|scp] | bigcpu | onefile | session | pipeline
//        A/B knobs (environment): BENCH_DURABLE=0, BENCH_COMPRESS=1, BENCH_INFLIGHT=n, BENCH_SMALL=bytes; BENCH_CHUNK=bytes (1 GiB copy)
// The table's parts are in Report/, the diagnostics in Modes/; Bench holds what they share.

if (args.Length >= 2 && args[0] == "--fanout-child")
    return await FanOut.ChildAsync(args[1], shared: !args.Contains("--unshared"));
if (args.Length >= 4 && args[0] == "--copy-child")
    return await CopyChild.RunAsync(args[1], args[2], args[3]);

CpuSampler.Mark();  // before any ssh starts: the 100k-files part finds this run's ssh masters by it
var options = BenchOptions.Parse(args);
await using var bench = await Bench.StartAsync(options);

Func<Bench, Task>? diagnostic = options.Only switch
{
    "connect" => ConnectMode.RunAsync,
    "delta" => DeltaMode.RunAsync,
    "cpu" => CpuMode.RunAsync,
    "onefile" => OneFileMode.RunAsync,
    "pipeline" => PipelineMode.RunAsync,
    "session" => SessionMode.RunAsync,
    "busy" => BusyMode.RunAsync,
    "profile" => ProfileMode.RunAsync,
    _ => null,
};
if (diagnostic is not null)
{
    await diagnostic(bench);
    return 0;
}

var table = new ResultTable();
if (options.Only == "many")
{
    // Fresh processes only, as the front-end part.
    await ManyFilesPhase.RunAsync(bench, table);
    table.Print(bench.TimedJit);
    return 0;
}
if (options.Only == "frontend")
{
    // Fresh processes only: the in-process warm-up would time nothing here.
    await FrontendPhase.RunAsync(bench, table);
    table.Print(bench.TimedJit);
    return 0;
}
await WarmupPhase.RunAsync(bench);
var cold = await ColdPhase.RunAsync(bench, table);
await RedeployPhase.RunAsync(bench, table);
if (options.Only == "bigcpu")
{
    await BigCpuMode.RunAsync(bench);  // after the warm-up, as the copy's code is then steady
    return 0;
}
if (options.WithBig && options.Phase("big")) await BigFilePhase.RunAsync(bench, table);
if (options.Only is null)
{
    await FrontendPhase.RunAsync(bench, table);
    var ansible = Ansible.Write(bench, connections: 32);
    await FanOutPhase.RunAsync(bench, table, ansible);
    if (options.WithAnsible) await AnsibleCopyPhase.RunAsync(bench, table, ansible, cold);
}
table.Print(bench.TimedJit);
return 0;
