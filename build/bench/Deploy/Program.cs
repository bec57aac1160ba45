// Deploy benchmark: Rmote's deploy engine next to rsync -a, scp -r, raw ssh and Ansible, in one run; medians and ratios.
// Usage: dotnet run -c Release --project build/bench/Deploy [-- --rounds 5] [--warmup 80] [--ansible] [--no-big] [--source DIR]
//        one part of the table: --only cold | redeploy | big | frontend | many (100k files) | scale | delta (against rsync, BENCH_ROUNDS=n)
//          (frontend: fresh `dotnet msbuild` / `dotnet cake` processes; its rounds: --rounds, else BENCH_ROUNDS, else 8; BENCH_FRONTEND_WORK=no-change,one-changed: only those;
//           BENCH_FRONTEND_HOLD=FILE: write a script setting a shell up as the timed runs are, then hold the hosts up, timing nothing)
//          (scale: 4/16/64/N hosts, --hosts N (256), --parallel P (32), --plot FILE.png)
//        the goal parts (frontend, delta, many, scale) save their rows in --results DIR (./bench-results); --only report prints them as one table
//        child modes (timed from the outside): --fanout-child INVENTORY, --copy-child INVENTORY SRC DEST [--parallel N] [--unshared]
//          (BENCH_GCINFO=FILE: the copy child appends its heap figures; BENCH_HOLD_SECONDS=n: it waits with connections open, for dotnet-gcdump)
//        diagnostics: --only connect | busy | profile | cpu [--cold|--one] [--tool rmote|rsync|scp] | bigcpu | onefile | session | pipeline
//        A/B knobs (environment): BENCH_DURABLE=0 (delta runs both ways anyway), BENCH_COMPRESS=1, BENCH_INFLIGHT=n, BENCH_SMALL=bytes; BENCH_CHUNK=bytes (1 GiB copy)
// The table's parts are in Report/, the diagnostics in Modes/; Bench holds what they share.

if (args.Length >= 2 && args[0] == "--fanout-child")
    return await FanOut.ChildAsync(args);
if (args.Length >= 4 && args[0] == "--copy-child")
    return await CopyChild.RunAsync(args);

var options = BenchOptions.Parse(args);
if (options.Only == "report")
{
    ResultTable.PrintSaved(options.ResultsFolder);
    return 0;
}
await using var bench = await Bench.StartAsync(options);

Func<Bench, Task>? diagnostic = options.Only switch
{
    "connect" => ConnectMode.RunAsync,
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
// The parts that carry issue 21's goals print their rows and save them for `--only report` (one table of all parts).
Func<Bench, ResultTable, Task>? part = options.Only switch
{
    "scale" => ScalePhase.RunAsync,
    "many" => ManyFilesPhase.RunAsync,  // fresh child processes, as the front-end part
    "delta" => DeltaPhase.RunAsync,
    "frontend" => FrontendPhase.RunAsync,  // fresh processes only: the in-process warm-up would time nothing here
    _ => null,
};
if (part is not null)
{
    await part(bench, table);
    table.Print(bench.TimedJit);
    table.Save(options.ResultsFolder, options.Only!);
    Console.WriteLine($"(rows saved to {Path.Combine(options.ResultsFolder, options.Only + ".json")}; --only report prints every saved part as one table)");
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
