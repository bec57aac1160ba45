// Deploy benchmark: Rmote's deploy engine next to rsync -a, scp -r, raw ssh and Ansible, in one run; medians and ratios.
// Usage: dotnet run -c Release --project build/bench/Deploy [-- --rounds 5] [--warmup 80] [--ansible] [--no-big] [--source DIR]
//        one part of the table: --only cold | redeploy | big;  diagnostics: --only connect | busy | profile | cpu [--cold|--one] [--tool rmote|rsync|scp] | bigcpu | onefile | session | pipeline
//        A/B knobs (environment): BENCH_DURABLE=0, BENCH_COMPRESS=1, BENCH_INFLIGHT=n, BENCH_SMALL=bytes; BENCH_CHUNK=bytes (1 GiB copy)
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Rmote;
using Rmote.Deploy;
using Rmote.Fleet;
using Rmote.TestRig;

if (args.Length >= 2 && args[0] == "--fanout-child")
    return await FanOut.ChildAsync(args[1], shared: !args.Contains("--unshared"));

const int DefaultWarmup = 80;  // untimed rmote deploys before the timed ones (see the warm-up below)
var rounds = Arg("--rounds") is { } r ? int.Parse(r, CultureInfo.InvariantCulture) : 3;
var withAnsible = args.Contains("--ansible");
var withBig = !args.Contains("--no-big");
var sourceDir = Arg("--source") ?? "/usr/share/dotnet/shared/Microsoft.NETCore.App/10.0.12";

await using var fleet = await SshFleet.StartAsync(4);
var hosts = fleet.Hosts;
// CPU of every host's ended sshd sessions (sshd, shell, python or the rsync/scp server), in ms.
double AllHostsCpuMs() => hosts.Sum(h => ReapedChildrenCpuMs(h.Pid));
var warmup = Arg("--warmup") is { } wu ? int.Parse(wu, CultureInfo.InvariantCulture) : DefaultWarmup;
using var work = new TempDir("rmote-bench-");
var src = work.Combine("app");
(await ProcessRunner.RunAsync("cp", "-a", sourceDir, src)).EnsureSuccess();
var files = Directory.GetFiles(src, "*", SearchOption.AllDirectories);
var totalMb = files.Sum(f => new FileInfo(f).Length) / 1e6;
Console.WriteLine($"Deploy benchmark: {rounds} rounds, medians; {Environment.ProcessorCount} cores; workload {files.Length} files, {totalMb:0.0} MB ({sourceDir}) to {hosts.Count} sshd hosts at once");

string SshE(SshHost h) => string.Join(' ', new[] { "ssh", "-i", h.IdentityFile, "-p", h.Port.ToString(CultureInfo.InvariantCulture) }.Concat(h.SshOptions));
// The interpreter by absolute path, as Ansible's ansible_python_interpreter below: on this box `python3` on the
// remote PATH is a pyenv shim (a bash script) that costs ~100-300 ms per connection; real hosts have /usr/bin/python3.
var remotePython = Environment.GetEnvironmentVariable("BENCH_PYTHON") ?? "/usr/bin/python3";
// Rmote shares each host's SSH connection between connections by default (ControlPersist, as Ansible does);
// "unshared" rows turn that off, so every connection pays OpenSSH's key exchange and login as rsync's does.
HostSpec Spec(SshHost h, string? name = null, bool shared = true) => new()
{
    Host = h.HostName, User = h.User, Port = h.Port, Identity = h.IdentityFile, KnownHostsFile = h.KnownHostsFile, Name = name ?? h.Name,
    Python = remotePython, ConnectionPersist = shared ? null : TimeSpan.Zero,
};
void Clean(string name) { foreach (var h in hosts) Rm(Path.Combine(h.SrvRoot, name)); }

var copyOptions = new CopyOptions { DestinationFolder = "/srv/b-rmote" };
if (Environment.GetEnvironmentVariable("BENCH_DURABLE") == "0") copyOptions = copyOptions with { Durable = false };
if (Environment.GetEnvironmentVariable("BENCH_COMPRESS") == "1") copyOptions = copyOptions with { Compress = true };
if (Environment.GetEnvironmentVariable("BENCH_INFLIGHT") is { } inflight) copyOptions = copyOptions with { MaxFilesInFlight = int.Parse(inflight, CultureInfo.InvariantCulture) };
if (Environment.GetEnvironmentVariable("BENCH_SMALL") is { } small) copyOptions = copyOptions with { SmallFileThreshold = int.Parse(small, CultureInfo.InvariantCulture) };
var copier = new Copier(CopySource.FromFolder(src), copyOptions);
var only = Arg("--only");
// Every timed run starts with no dirty pages left by the previous one (untimed `sync`): otherwise whoever
// runs next pays for the last tool's writeback (a 1 GiB `cat` leaves all of it; an fsync flushes others' data).
async Task Settle() => (await ProcessRunner.RunAsync("sync")).EnsureSuccess();
var timedJit = (Runs: 0, Ms: 0.0);  // JIT time inside RmoteDeploy's timed windows (steady state: near 0)
async Task<double> RmoteDeploy() => await RmoteDeployWith(shared: true);
async Task<double> RmoteUnshared() => await RmoteDeployWith(shared: false);
async Task<double> RmoteDeployWith(bool shared)
{
    await Settle();
    var jit0 = Jit().Ms;
    var sw = Stopwatch.StartNew();
    await using (var session = await FleetSession.ConnectAsync(hosts.Select(h => Spec(h, shared: shared))))
        (await copier.CopyAsync(session)).EnsureSuccess();
    var t = sw.Elapsed.TotalSeconds;
    timedJit = (timedJit.Runs + 1, timedJit.Ms + Jit().Ms - jit0);
    return t;
}
await using var warm = await FleetSession.ConnectAsync(hosts.Select(h => Spec(h)));
async Task<double> RmoteWarm()
{
    await Settle();
    var sw = Stopwatch.StartNew();
    (await copier.CopyAsync(warm)).EnsureSuccess();
    return sw.Elapsed.TotalSeconds;
}
async Task<double> Rsync(string dest)
{
    await Settle();
    var sw = Stopwatch.StartNew();
    var runs = await Task.WhenAll(hosts.Select(h => ProcessRunner.RunAsync("rsync", ["-a", "-e", SshE(h), src + "/", $"{h.UserAtHost}:/srv/{dest}/"])));
    foreach (var x in runs) x.EnsureSuccess();
    return sw.Elapsed.TotalSeconds;
}
async Task<double> Scp(string dest)
{
    await Settle();
    var sw = Stopwatch.StartNew();
    var runs = await Task.WhenAll(hosts.Select(h => ProcessRunner.RunAsync("scp",
        ["-r", "-q", "-i", h.IdentityFile, "-P", h.Port.ToString(CultureInfo.InvariantCulture), .. h.SshOptions, src, $"{h.UserAtHost}:/srv/{dest}"])));
    foreach (var x in runs) x.EnsureSuccess();
    return sw.Elapsed.TotalSeconds;
}
var changeTarget = files.OrderBy(f => f, StringComparer.Ordinal).First(f => new FileInfo(f).Length is > 200_000 and < 2_000_000);
var generation = 0;
void ChangeOneFile()
{
    var bytes = File.ReadAllBytes(changeTarget);
    bytes[^1] ^= 0x5a;
    File.WriteAllBytes(changeTarget, bytes);
    File.SetLastWriteTimeUtc(changeTarget, new DateTime(2030, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddMinutes(++generation));
}

var rows = new List<string[]>();
void Row(string what, double rmote, double peer, string peerName, string target) =>
    rows.Add([what, Fmt(rmote), peerName, Fmt(peer), (rmote / peer).ToString("0.00x", CultureInfo.InvariantCulture), target]);

if (only == "connect")
{
    for (var i = 0; i < 3; i++)
    {
        var sw0 = Stopwatch.StartNew();
        var s0 = await FleetSession.ConnectAsync(hosts.Select(h => Spec(h)));
        var tc = sw0.Elapsed.TotalSeconds;
        var r0 = await s0.RunAsync((p, ct) => Task.FromResult(1));
        var tr = sw0.Elapsed.TotalSeconds;
        await s0.DisposeAsync();
        Console.WriteLine($"connect {tc:0.00}s ({string.Join(", ", s0.Connects.Select(c => c.Duration.TotalSeconds.ToString("0.00")))}), run {tr - tc:0.00}s, dispose {sw0.Elapsed.TotalSeconds - tr:0.00}s");
        var sw1 = Stopwatch.StartNew();
        await Task.WhenAll(hosts.Select(h => ProcessRunner.RunAsync("ssh", h.SshArgs("true"))));
        Console.WriteLine($"4x ssh true {sw1.Elapsed.TotalSeconds:0.00}s");
    }
    return 0;
}

if (only == "cpu")
{
    // CPU per 4-host deploy, split into the controller, its child processes (ssh; rsync/scp clients) and the
    // host side (sshd's session processes, shell, python or rsync/scp server), for rmote, rsync and scp.
    var coldRun = args.Contains("--cold");
    var oneRun = args.Contains("--one");
    var n = coldRun ? 3 : 10;
    var tool = Arg("--tool"); // one tool only (for a profiler attached to the whole machine)
    async Task Measure(string name, Func<Task> run)
    {
        if (tool is not null && tool != name) return;
        var (s0, c0, h0) = (Own().Self, Own().Children, AllHostsCpuMs());
        for (var i = 0; i < n; i++) await run();
        Console.WriteLine($"{name,-6} CPU ms per {(coldRun ? "cold" : oneRun ? "one-changed" : "no-change")} deploy: controller {(Own().Self - s0) / n,5:0}, local children {(Own().Children - c0) / n,5:0}, host side {(AllHostsCpuMs() - h0) / n,5:0}");
    }
    await RmoteDeploy(); await Rsync("b-rsync"); // warm-up (JIT), and the no-change state
    for (var k = 0; k < 2; k++)
    {
        await Measure("rmote", async () => { if (coldRun) Clean("b-rmote"); if (oneRun) ChangeOneFile(); await RmoteDeploy(); });
        await Measure("rsync", async () => { if (coldRun) Clean("b-rsync"); if (oneRun) ChangeOneFile(); await Rsync("b-rsync"); });
        if (coldRun) await Measure("scp", async () => { Clean("b-scp"); await Scp("b-scp"); });
    }
    return 0;
}

if (only == "onefile")
{
    // One host, one changed 800 KB file, a fresh connection per copy: the copy's phases next to rsync and `ssh true`
    // (where a small redeploy's time goes; the no-change copy is the same file again, on a fresh connection too).
    var h = hosts[0];
    var f = work.Combine("one.bin");
    var bytes = new byte[800_000];
    Random.Shared.NextBytes(bytes);
    var cp = new Copier(CopySource.FromFiles([new CopyItem(f, "one.bin")]), new CopyOptions { DestinationFolder = "/srv/b-one" });
    void Change() { bytes[^1] ^= 0x5a; File.WriteAllBytes(f, bytes); File.SetLastWriteTimeUtc(f, new DateTime(2030, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddMinutes(++generation)); }
    Task<ProcessResult> RsyncOne() => ProcessRunner.RunAsync("rsync", ["-a", "-e", SshE(h), f, $"{h.UserAtHost}:/srv/b-one-rsync.bin"]);
    Change();
    await using (var p0 = await Spec(h).ConnectAsync()) await cp.CopyAsync(p0);
    (await RsyncOne()).EnsureSuccess();
    var (connect, copy, dispose, again, rsync, ssh) = (new List<double>(), new List<double>(), new List<double>(), new List<double>(), new List<double>(), new List<double>());
    for (var i = 0; i < 20; i++)
    {
        await Settle();
        Change();
        var sw = Stopwatch.StartNew();
        var p1 = await Spec(h).ConnectAsync();
        connect.Add(sw.Elapsed.TotalMilliseconds);
        await cp.CopyAsync(p1);
        copy.Add(sw.Elapsed.TotalMilliseconds - connect[^1]);
        await p1.DisposeAsync();
        dispose.Add(sw.Elapsed.TotalMilliseconds - connect[^1] - copy[^1]);
        await using (var p2 = await Spec(h).ConnectAsync())
        {
            sw.Restart();
            await cp.CopyAsync(p2);
            again.Add(sw.Elapsed.TotalMilliseconds);
        }
        await Settle();
        sw.Restart();
        (await RsyncOne()).EnsureSuccess();
        rsync.Add(sw.Elapsed.TotalMilliseconds);
        sw.Restart();
        (await ProcessRunner.RunAsync("ssh", h.SshArgs("true"))).EnsureSuccess();
        ssh.Add(sw.Elapsed.TotalMilliseconds);
    }
    Console.WriteLine($"rmote, fresh connection (ms): connect {Median(connect):0}, one-changed copy {Median(copy):0}, dispose {Median(dispose):0}, " +
        $"all {Median(connect.Select((x, i) => x + copy[i] + dispose[i])):0}; no-change copy {Median(again):0}");
    Console.WriteLine($"rsync one-changed {Median(rsync):0} ms; ssh true {Median(ssh):0} ms");
    return 0;
}

if (only == "pipeline")
{
    // A/B of the fan-out shape for a no-change redeploy: connect all, then copy on all, then close all (a session),
    // against each host connecting, copying and closing on its own; rsync alongside.
    async Task<double> PerHost()
    {
        await Settle();
        var sw = Stopwatch.StartNew();
        await Task.WhenAll(hosts.Select(async h =>
        {
            await using var p = await Spec(h).ConnectAsync();
            await copier.CopyAsync(p);
        }));
        return sw.Elapsed.TotalSeconds;
    }
    await RmoteDeploy(); await Rsync("b-rsync");
    for (var i = 0; i < 24; i++) { await RmoteDeploy(); await PerHost(); }
    var (se, ph, rs) = (new List<double>(), new List<double>(), new List<double>());
    for (var i = 0; i < rounds; i++)
    {
        var t = await Rotated(i, RmoteDeploy, PerHost, () => Rsync("b-rsync"));
        se.Add(t[0]); ph.Add(t[1]); rs.Add(t[2]);
    }
    Console.WriteLine($"no-change redeploy medians: session {Median(se):0.000} s ({Median(se) / Median(rs):0.00}x), per host {Median(ph):0.000} s ({Median(ph) / Median(rs):0.00}x), rsync {Median(rs):0.000} s");
    return 0;
}

if (only == "session")
{
    // The remote interpreter's own CPU (all threads, schedstat ns) and page faults in two phases of a fresh
    // connection: up to HELLO (counters start at the shell's fork: its rc files are included), and the no-change copy.
    var h = hosts[0];
    static (double Ms, long Faults) Usage(int pid)
    {
        var ns = Directory.GetDirectories($"/proc/{pid}/task").Sum(t => long.Parse(File.ReadAllText(t + "/schedstat").Split(' ')[0], CultureInfo.InvariantCulture));
        return (ns / 1e6, long.Parse(Stat(pid.ToString(CultureInfo.InvariantCulture))[7], CultureInfo.InvariantCulture));
    }
    await RmoteDeploy();
    var (hello, copy, helloF, copyF) = (new List<double>(), new List<double>(), new List<double>(), new List<double>());
    for (var i = 0; i < 20; i++)
    {
        await using var p = await Spec(h).ConnectAsync();
        var a = Usage(p.Info.Pid);
        await copier.CopyAsync(p);
        var b = Usage(p.Info.Pid);
        hello.Add(a.Ms); helloF.Add(a.Faults); copy.Add(b.Ms - a.Ms); copyF.Add(b.Faults - a.Faults);
    }
    Console.WriteLine($"remote python, medians of 20 fresh connections: to HELLO {Median(hello):0.0} ms CPU, {Median(helloF):0} faults; " +
                      $"no-change copy {Median(copy):0.0} ms, {Median(copyF):0} faults");
    return 0;
}

if (only == "busy")
{
    // Wall time against whole-machine CPU (both cores) per no-change redeploy: a tool whose busy time is near
    // 2x its wall time is CPU-bound; one with idle cores waits on round trips or stragglers. "own" is this
    // process (rmote's controller; for rsync, starting and reaping its clients), "host" the sshd sessions.
    for (var i = 0; i < warmup; i++) await RmoteDeploy();
    await Rsync("b-rsync");
    var samples = new Dictionary<string, List<double[]>> { ["rmote"] = [], ["rsync"] = [] };
    async Task Sample(string name, Func<Task<double>> run)
    {
        var (b0, o0, h0) = (Busy(), Own(), AllHostsCpuMs());
        var wall = await run() * 1000;
        var o1 = Own();
        samples[name].Add([wall, Busy() - b0, o1.Self - o0.Self, o1.Children - o0.Children, AllHostsCpuMs() - h0]);
    }
    for (var i = 0; i < Math.Max(rounds, 16); i++)
    {
        if (i % 2 == 0) { await Sample("rmote", RmoteDeploy); await Sample("rsync", () => Rsync("b-rsync")); }
        else { await Sample("rsync", () => Rsync("b-rsync")); await Sample("rmote", RmoteDeploy); }
    }
    // Whole batches with a pause after each deploy: nothing of one run is left running into the next sample.
    foreach (var (name, run) in new (string, Func<Task<double>>)[] { ("rmote", RmoteDeploy), ("rmote unshared", RmoteUnshared), ("rsync", () => Rsync("b-rsync")) })
    {
        var (b0, o0, h0, j0) = (Busy(), Own(), AllHostsCpuMs(), Jit());
        const int n = 16;
        for (var i = 0; i < n; i++) { await run(); await Task.Delay(300); }
        var o1 = Own();
        Console.WriteLine($"{name} batch of {n}, per deploy (ms): machine busy {(Busy() - b0) / n:0}; own {(o1.Self - o0.Self) / n:0} (JIT {(Jit().Ms - j0.Ms) / n:0.0}, {(Jit().Methods - j0.Methods) / (double)n:0.0} methods), local children {(o1.Children - o0.Children) / n:0}, host side {(AllHostsCpuMs() - h0) / n:0}");
    }
    foreach (var (name, list) in samples)
    {
        double M(int k) => Median(list.Select(x => x[k]));
        Console.WriteLine($"{name} no-change, medians (ms): wall {M(0):0}, machine busy {M(1):0}; own {M(2):0}, local children {M(3):0}, host side {M(4):0}");
    }
    return 0;
}

if (only == "profile")
{
    static double Cpu(int pid) { try { var st = File.ReadAllText($"/proc/{pid}/stat"); var f = st[(st.LastIndexOf(')') + 2)..].Split(' '); return (long.Parse(f[11]) + long.Parse(f[12])) / 100.0; } catch { return 0; } }
    static string Comm(int pid) { try { return File.ReadAllText($"/proc/{pid}/comm").Trim(); } catch { return "?"; } }
    for (var i = 0; i < 3; i++)
    {
        Clean("b-rmote");
        var pids = ProcessTree.GetDescendants(Environment.ProcessId).Concat(hosts.SelectMany(h => h.SessionPids())).Distinct().ToList();
        var before = pids.ToDictionary(p => p, Cpu);
        var me = Process.GetCurrentProcess(); me.Refresh(); var c0 = me.TotalProcessorTime.TotalSeconds;
        var t = await RmoteWarm();
        me.Refresh();
        var byComm = pids.GroupBy(Comm).Select(g => $"{g.Key} {g.Sum(p => Cpu(p) - before[p]):0.00}");
        Console.WriteLine($"warm cold copy {t:0.00}s: controller {me.TotalProcessorTime.TotalSeconds - c0:0.00}s; {string.Join(", ", byComm)}");
    }
    return 0;
}

// Untimed warm-up: the controller is a long-lived .NET process whose JIT recompiles hot code (tiered PGO)
// during its first few dozen deploys; the timed runs below measure the steady state, as rsync is native code.
// Measured (--only busy): after 24 warm-up deploys the JIT still took ~12 ms of CPU per no-change deploy, after 80 ~0.3 ms.
// Every sixth is cold and every sixth has one changed file, so the copy and delta paths are warm too.
for (var i = 0; i < warmup; i++)
{
    if (i % 6 == 0) Clean("b-rmote");
    if (i % 6 == 3) ChangeOneFile();
    await RmoteDeploy();
}
if (warmup > 0) Console.WriteLine($"  warm-up: {warmup} untimed rmote deploys (JIT steady state)");
timedJit = (0, 0);

bool Phase(string name) => only is null || only == name;

// Runs the steps of one round in the round's own permutation of them: on this VM a big write's speed depends on what
// ran just before it (measured: Rmote's 1 GiB copy went from 0.76x to 1.01x of `ssh cat` by swapping two steps), and
// a mere rotation keeps a 3-step cycle's predecessors fixed (fresh after cat, every round). With rounds a multiple
// of n!, every step follows every other equally often.
static async Task<double[]> Rotated(int round, params Func<Task<double>>[] steps)
{
    var order = Permutation(steps.Length, round);
    var times = new double[steps.Length];
    foreach (var j in order) times[j] = await steps[j]();
    return times;
}

static int[] Permutation(int n, int index)
{
    var left = Enumerable.Range(0, n).ToList();
    var order = new int[n];
    for (var k = 0; k < n; k++)
    {
        var f = Enumerable.Range(1, n - 1 - k).Aggregate(1, (a, b) => a * b);
        var pick = index / f % left.Count;
        order[k] = left[pick];
        left.RemoveAt(pick);
        index %= f;
    }
    return order;
}

// --- cold ---
var cold = new List<(double rm, double warm, double rs, double scp, double fresh)>();
if (only == "redeploy") { Clean("b-rmote"); Clean("b-rsync"); await RmoteDeploy(); await Rsync("b-rsync"); }
for (var i = 0; i < (Phase("cold") ? rounds : 0); i++)
{
    var t = await Rotated(i,
        () => { Clean("b-rmote"); return RmoteDeploy(); },
        () => { Clean("b-rmote"); return RmoteWarm(); },
        () => { Clean("b-rsync"); return Rsync("b-rsync"); },
        () => { Clean("b-scp"); return Scp("b-scp"); },
        () => { Clean("b-rmote"); return RmoteUnshared(); });
    var (a, w, b, c, f) = (t[0], t[1], t[2], t[3], t[4]);
    cold.Add((a, w, b, c, f));
    Console.WriteLine($"  cold round {i + 1}: rmote {a:0.00}s (open connections {w:0.00}s, unshared ssh {f:0.00}s), rsync {b:0.00}s, scp {c:0.00}s");
}
if (cold.Count > 0)
{
    Row("cold deploy, 4 hosts", Median(cold.Select(x => x.rm)), Median(cold.Select(x => x.rs)), "rsync -a", "<= 1.0x");
    Row("cold deploy, 4 hosts", Median(cold.Select(x => x.rm)), Median(cold.Select(x => x.scp)), "scp -r", "< 1.0x");
    Row("cold deploy, unshared ssh", Median(cold.Select(x => x.fresh)), Median(cold.Select(x => x.rs)), "rsync -a", "(info)");
    Row("cold deploy, connections open", Median(cold.Select(x => x.warm)), Median(cold.Select(x => x.rs)), "rsync -a", "(info)");
    VerifySame("b-rmote");
}

// --- no change ---
var same = new List<(double rm, double warm, double rs, double fresh)>();
for (var i = 0; i < (Phase("redeploy") ? rounds : 0); i++)
{
    var t = await Rotated(i, RmoteDeploy, RmoteWarm, () => Rsync("b-rsync"), RmoteUnshared);
    same.Add((t[0], t[1], t[2], t[3]));
    Console.WriteLine($"  no-change round {i + 1}: rmote {t[0]:0.00}s (open {t[1]:0.00}s, unshared ssh {t[3]:0.00}s), rsync {t[2]:0.00}s");
}
if (same.Count > 0)
{
    Row("no-change redeploy", Median(same.Select(x => x.rm)), Median(same.Select(x => x.rs)), "rsync -a", "<= 1.0x");
    Row("no-change, unshared ssh", Median(same.Select(x => x.fresh)), Median(same.Select(x => x.rs)), "rsync -a", "(info)");
    Row("no-change, connections open", Median(same.Select(x => x.warm)), Median(same.Select(x => x.rs)), "rsync -a", "(info)");
}

// --- one changed ---
// Every run is preceded by its own change of the same file, so each tool finds exactly one changed file; one
// sample per tool and round, in the round's permutation.
var one = new List<(double rm, double warm, double rs, double fresh)>();
for (var i = 0; i < (Phase("redeploy") ? rounds : 0); i++)
{
    var t = await Rotated(i,
        () => { ChangeOneFile(); return RmoteDeploy(); },
        () => { ChangeOneFile(); return RmoteWarm(); },
        () => { ChangeOneFile(); return Rsync("b-rsync"); },
        () => { ChangeOneFile(); return RmoteUnshared(); });
    one.Add((t[0], t[1], t[2], t[3]));
    Console.WriteLine($"  one-changed round {i + 1}: rmote {t[0]:0.00}s (open {t[1]:0.00}s, unshared ssh {t[3]:0.00}s), rsync {t[2]:0.00}s");
}
if (one.Count > 0)
{
    Row("one-changed redeploy", Median(one.Select(x => x.rm)), Median(one.Select(x => x.rs)), "rsync -a", "<= 1.0x");
    Row("one-changed, unshared ssh", Median(one.Select(x => x.fresh)), Median(one.Select(x => x.rs)), "rsync -a", "(info)");
    Row("one-changed, connections open", Median(one.Select(x => x.warm)), Median(one.Select(x => x.rs)), "rsync -a", "(info)");
    await RmoteWarm();  // the round may have ended with a change only rsync has seen
    VerifySame("b-rmote");
}

if (only == "bigcpu")
{
    // CPU per 1 GiB copy to one host: the controller, its children (ssh), the host side (sshd, python or cat) and the
    // whole machine (2 cores: "system busy" near 2x the wall time means the copy is CPU-bound).
    var big = work.Combine("big.bin");
    await using (var fs = File.Create(big))
    {
        var block = new byte[1 << 20];
        for (var i = 0; i < 1024; i++) { Random.Shared.NextBytes(block); fs.Write(block); }
    }
    var h = hosts[0];
    var bigCopier = new Copier(CopySource.FromFiles([new CopyItem(big, "big.bin")]), new CopyOptions { DestinationFolder = "/srv/b-big" });
    double HostSide() => ReapedChildrenCpuMs(h.Pid);
    async Task Measure(string name, Action before, Func<Task> run)
    {
        before();
        await Settle();
        var (s0, c0, h0, b0) = (Own().Self, Own().Children, HostSide(), Busy());
        var sw = Stopwatch.StartNew();
        await run();
        var t = sw.Elapsed.TotalSeconds;
        Console.WriteLine($"{name,-11} {1024 / t,4:0} MiB/s; CPU ms: controller {Own().Self - s0,5:0}, children {Own().Children - c0,5:0}, host side {HostSide() - h0,5:0}, system busy {Busy() - b0,5:0} (wall {t * 1000:0})");
    }
    void RmBig() => Rm(Path.Combine(h.SrvRoot, "b-big"));
    await using var open1 = await Spec(h).ConnectAsync();
    for (var i = 0; i < rounds; i++)
    {
        await Measure("rmote", RmBig, async () => { await using var p = await Spec(h).ConnectAsync(); await bigCopier.CopyAsync(p); });
        await Measure("rmote open", RmBig, () => bigCopier.CopyAsync(open1));
        await Measure("ssh cat", () => File.Delete(Path.Combine(h.SrvRoot, "big.raw")), async () =>
        {
            var psi = new ProcessStartInfo("sh", ["-c", $"{SshE(h)} -T {h.UserAtHost} 'cat > /srv/big.raw' < {big}"]);
            using var proc = Process.Start(psi)!;
            await proc.WaitForExitAsync();
        });
    }
    return 0;
}

// --- one 1 GiB file to one host ---
if (withBig && Phase("big"))
{
    var big = work.Combine("big.bin");
    await using (var fs = File.Create(big))
    {
        var block = new byte[1 << 20];
        for (var i = 0; i < 1024; i++) { Random.Shared.NextBytes(block); fs.Write(block); }
    }
    var h = hosts[0];
    var bigOptions = new CopyOptions { DestinationFolder = "/srv/b-big" };
    if (Environment.GetEnvironmentVariable("BENCH_CHUNK") is { } chunk) bigOptions = bigOptions with { ChunkSize = int.Parse(chunk, CultureInfo.InvariantCulture) };
    var bigCopier = new Copier(CopySource.FromFiles([new CopyItem(big, "big.bin")]), bigOptions);
    var rm = new List<double>(); var raw = new List<double>(); var rmOpen = new List<double>();
    await using var one1 = await Spec(h).ConnectAsync();
    for (var i = 0; i < rounds; i++)
    {
        var t = await Rotated(i,
            async () =>
            {
                Rm(Path.Combine(h.SrvRoot, "b-big"));
                await Settle();
                var sw = Stopwatch.StartNew();
                await using (var p = await Spec(h).ConnectAsync()) await bigCopier.CopyAsync(p);
                return sw.Elapsed.TotalSeconds;
            },
            async () =>
            {
                Rm(Path.Combine(h.SrvRoot, "b-big"));
                await Settle();
                var sw = Stopwatch.StartNew();
                await bigCopier.CopyAsync(one1);
                return sw.Elapsed.TotalSeconds;
            },
            async () =>
            {
                File.Delete(Path.Combine(h.SrvRoot, "big.raw"));
                await Settle();
                var sw = Stopwatch.StartNew();
                var psi = new ProcessStartInfo("sh", ["-c", $"{SshE(h)} -T {h.UserAtHost} 'cat > /srv/big.raw' < {big}"]);
                using (var proc = Process.Start(psi)!) { await proc.WaitForExitAsync(); if (proc.ExitCode != 0) throw new InvalidOperationException("ssh cat failed"); }
                return sw.Elapsed.TotalSeconds;
            });
        rm.Add(t[0]); rmOpen.Add(t[1]); raw.Add(t[2]);
        Console.WriteLine($"  1 GiB round {i + 1}: rmote {1024 / rm[^1]:0} MiB/s (open connection {1024 / rmOpen[^1]:0} MiB/s), ssh cat {1024 / raw[^1]:0} MiB/s");
    }
    if (!File.ReadAllBytes(big).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(h.SrvRoot, "b-big/big.bin"))))
        throw new InvalidOperationException("1 GiB copy differs");
    rows.Add(["1 GiB file, 1 host (MiB/s)", (1024 / Median(rm)).ToString("0", CultureInfo.InvariantCulture), "ssh 'cat > f'",
        (1024 / Median(raw)).ToString("0", CultureInfo.InvariantCulture), (Median(raw) / Median(rm)).ToString("0.00x", CultureInfo.InvariantCulture) + " thr", ">= 0.80x"]);
    rows.Add(["1 GiB, connection open (MiB/s)", (1024 / Median(rmOpen)).ToString("0", CultureInfo.InvariantCulture), "ssh 'cat > f'",
        (1024 / Median(raw)).ToString("0", CultureInfo.InvariantCulture), (Median(raw) / Median(rmOpen)).ToString("0.00x", CultureInfo.InvariantCulture) + " thr", "(info)"]);
    File.Delete(big);
}

if (only is not null) { PrintTable(); return 0; }

// --- fan-out of a trivial command to 32 connections ---
var inventory = work.Combine("fanout.json");
File.WriteAllText(inventory, JsonSerializer.Serialize(Enumerable.Range(0, 32).Select(i => hosts[i % hosts.Count]).Select((h, i) =>
    new FanOut.Target($"c{i:00}", h.HostName, h.Port, h.User, h.IdentityFile, h.KnownHostsFile, remotePython)).ToList()));
var ansibleInv = work.Combine("inventory.ini");
File.WriteAllText(ansibleInv, "[all]\n" + string.Concat(Enumerable.Range(0, 32).Select(i =>
{
    var h = hosts[i % hosts.Count];
    return $"c{i:00} ansible_host={h.HostName} ansible_port={h.Port} ansible_user={h.User} ansible_ssh_private_key_file={h.IdentityFile} " +
           $"ansible_ssh_common_args='-o UserKnownHostsFile={h.KnownHostsFile} -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes' ansible_python_interpreter=/usr/bin/python3\n";
})));
// Ansible with its default ssh arguments (-C -o ControlMaster=auto -o ControlPersist=60s): it shares connections
// as Rmote does. The "unshared" pair turns sharing off on both sides.
var ansibleEnv = new Dictionary<string, string>
{
    ["ANSIBLE_PIPELINING"] = "True", ["ANSIBLE_HOST_KEY_CHECKING"] = "True", ["ANSIBLE_FORKS"] = "32",
    ["ANSIBLE_LOCAL_TEMP"] = work.Combine("ansible-tmp"),
    ["ANSIBLE_STDOUT_CALLBACK"] = "minimal", ["ANSIBLE_LOAD_CALLBACK_PLUGINS"] = "1", ["ANSIBLE_GATHERING"] = "explicit",
};
var ansibleUnsharedEnv = new Dictionary<string, string>(ansibleEnv) { ["ANSIBLE_SSH_ARGS"] = "-o ControlMaster=no -o ControlPath=none" };
var self = Environment.ProcessPath!;
var selfArgs = self.EndsWith("dotnet", StringComparison.Ordinal) ? new[] { typeof(FanOut).Assembly.Location } : [];
var fr = new List<(double t, long rss)>(); var fa = new List<(double t, long rss)>();
var frU = new List<(double t, long rss)>(); var faU = new List<(double t, long rss)>();
string[] ansibleFanOut = ["all", "-i", ansibleInv, "-m", "command", "-a", "true", "-f", "32", "-o"];
for (var i = 0; i < rounds; i++)
{
    fr.Add(await FanOut.MeasureAsync(self, [.. selfArgs, "--fanout-child", inventory], null));
    fa.Add(await FanOut.MeasureAsync("ansible", ansibleFanOut, ansibleEnv));
    frU.Add(await FanOut.MeasureAsync(self, [.. selfArgs, "--fanout-child", inventory, "--unshared"], null));
    faU.Add(await FanOut.MeasureAsync("ansible", ansibleFanOut, ansibleUnsharedEnv));
    Console.WriteLine($"  fan-out round {i + 1}: rmote {fr[^1].t:0.00}s {fr[^1].rss / 1024} MiB, ansible {fa[^1].t:0.00}s {fa[^1].rss / 1024} MiB; " +
                      $"unshared ssh: rmote {frU[^1].t:0.00}s {frU[^1].rss / 1024} MiB, ansible {faU[^1].t:0.00}s {faU[^1].rss / 1024} MiB");
}
void FanOutRows(string what, List<(double t, long rss)> rm, List<(double t, long rss)> an, string target)
{
    Row(what, Median(rm.Select(x => x.t)), Median(an.Select(x => x.t)), "ansible -f 32", target);
    rows.Add(["  controller peak RSS, process tree (MiB)", (Median(rm.Select(x => (double)x.rss)) / 1024).ToString("0", CultureInfo.InvariantCulture), "ansible -f 32",
        (Median(an.Select(x => (double)x.rss)) / 1024).ToString("0", CultureInfo.InvariantCulture),
        (Median(rm.Select(x => (double)x.rss)) / Median(an.Select(x => (double)x.rss))).ToString("0.00x", CultureInfo.InvariantCulture), target]);
}
FanOutRows("fan-out `true`, 32 connections (s)", fr, fa, "(report)");
FanOutRows("fan-out, both without ssh sharing (s)", frU, faU, "(info)");

// --- Ansible copy module, once ---
if (withAnsible)
{
    var inv4 = work.Combine("inventory4.ini");
    File.WriteAllText(inv4, string.Join('\n', File.ReadAllLines(ansibleInv).Take(1 + hosts.Count)) + "\n");
    var playbook = work.Combine("copy.yml");
    File.WriteAllText(playbook, $"- hosts: all\n  gather_facts: false\n  tasks:\n    - copy:\n        src: {src}/\n        dest: /srv/b-ansible/\n        mode: preserve\n");
    Clean("b-ansible");
    var env4 = new Dictionary<string, string>(ansibleEnv) { ["ANSIBLE_FORKS"] = "4" };
    var sw = Stopwatch.StartNew();
    (await ProcessRunner.RunAsync("ansible-playbook", ["-i", inv4, playbook, "-f", "4"], env: env4, timeout: TimeSpan.FromMinutes(30))).EnsureSuccess();
    var ansibleCold = sw.Elapsed.TotalSeconds;
    Row("cold deploy, 4 hosts", Median(cold.Select(x => x.rm)), ansibleCold, "ansible copy", "(report)");
}

PrintTable();
return 0;

void PrintTable()
{
Console.WriteLine();
string[] header = ["work", "rmote", "vs", "peer", "ratio", "target"];
var widths = Enumerable.Range(0, header.Length).Select(i => rows.Select(x => x[i].Length).Append(header[i].Length).Max()).ToArray();
Console.WriteLine(string.Join(" | ", header.Select((c, i) => c.PadRight(widths[i]))));
Console.WriteLine(string.Join("-|-", widths.Select(w => new string('-', w))));
foreach (var row in rows) Console.WriteLine(string.Join(" | ", row.Select((c, i) => c.PadRight(widths[i]))));
Console.WriteLine("(times in seconds unless noted; ratio = rmote / peer, lower is better; \"thr\" rows: peer time / rmote time, higher is better)");
if (timedJit.Runs > 0) Console.WriteLine($"(controller JIT inside the timed new-session rmote runs: {timedJit.Ms / timedJit.Runs:0.0} ms per run, {timedJit.Runs} runs)");
}

void VerifySame(string dest)
{
    foreach (var h in hosts)
        foreach (var f in files)
        {
            var rel = Path.GetRelativePath(src, f);
            var remote = Path.Combine(h.SrvRoot, dest, rel);
            if (new FileInfo(remote).Length != new FileInfo(f).Length || !File.ReadAllBytes(remote).AsSpan().SequenceEqual(File.ReadAllBytes(f)))
                throw new InvalidOperationException($"{h.Name}: {rel} differs after the copy");
        }
}

static string[] Stat(string pid) { var st = File.ReadAllText($"/proc/{pid}/stat"); return st[(st.LastIndexOf(')') + 2)..].Split(' '); }

// This process's own CPU and that of its reaped children (ms), from /proc/self/stat.
static (double Self, double Children) Own() { var f = Stat("self"); return ((long.Parse(f[11]) + long.Parse(f[12])) * 10.0, (long.Parse(f[13]) + long.Parse(f[14])) * 10.0); }

// CPU (ms) of a process's reaped children: for an sshd listener, every session it ran that has ended.
static double ReapedChildrenCpuMs(int pid) { var f = Stat(pid.ToString(CultureInfo.InvariantCulture)); return (long.Parse(f[13]) + long.Parse(f[14])) * 10.0; }

string? Arg(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;

static double Median(IEnumerable<double> values)
{
    var v = values.Order().ToArray();
    return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
}

static string Fmt(double seconds) => seconds.ToString("0.00", CultureInfo.InvariantCulture);

static void Rm(string path)
{
    if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
}

// Time this process has spent compiling methods (ms), and how many: the JIT still at work when they grow.
static (double Ms, long Methods) Jit() => (System.Runtime.JitInfo.GetCompilationTime().TotalMilliseconds, System.Runtime.JitInfo.GetCompiledMethodCount());

// Whole-machine busy CPU time in ms (user, nice, system, irq, softirq of all cores; 10 ms ticks).
static double Busy()
{
    var f = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
    return (long.Parse(f[1]) + long.Parse(f[2]) + long.Parse(f[3]) + long.Parse(f[6]) + long.Parse(f[7])) * 10.0;
}
