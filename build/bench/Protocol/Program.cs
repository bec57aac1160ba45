// Protocol benchmark: Rmote.Core next to Mitogen (Debian python3-mitogen) in one run, medians and ratios.
// Usage: dotnet run -c Release --project build/bench/Protocol [-- --rounds 5]
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Rmote;
using Rmote.TestRig;
using Rmote.Tools;

var rounds = args.Length > 1 && args[0] == "--rounds" ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
Console.WriteLine($"Protocol benchmark: {rounds} rounds each, medians; {Environment.ProcessorCount} cores");

await using var fleet = await SshFleet.StartAsync(1);
var host = fleet[0];

// --- Rmote, local child ---
long rssAtStartKib;
await using (var fresh = await Protocol.FromSubprocessAsync())
    rssAtStartKib = (await fresh.CallAsync(Diag.Info)).RssKib ?? 0;
await using var local = await Protocol.FromSubprocessAsync();
for (var i = 0; i < 500; i++) await local.CallAsync(Diag.Echo<int>(), i);
var echoInt = Diag.Echo<int>();

double sequential = await Median(rounds, async () =>
{
    const int n = 3000;
    var sw = Stopwatch.StartNew();
    for (var i = 0; i < n; i++) await local.CallAsync(echoInt, i);
    return n / sw.Elapsed.TotalSeconds;
});

double pipelined = await Median(rounds, async () =>
{
    const int batches = 20, inFlight = 1000;
    var calls = new Task<int>[inFlight];
    var sw = Stopwatch.StartNew();
    for (var b = 0; b < batches; b++)
    {
        for (var i = 0; i < inFlight; i++) calls[i] = local.CallAsync(echoInt, i);
        await Task.WhenAll(calls);
    }
    return batches * inFlight / sw.Elapsed.TotalSeconds;
});

var blob = new byte[16 << 20];
Random.Shared.NextBytes(blob);
double bytesMiBs = await Median(rounds, async () =>
{
    var sw = Stopwatch.StartNew();
    var back = await local.CallAsync(Diag.EchoBytes, blob);
    if (back.Length != blob.Length) throw new InvalidOperationException("echo lost bytes");
    return 16 / sw.Elapsed.TotalSeconds;
});
var rssKib = (await local.CallAsync(Diag.Info)).RssKib ?? 0;

// --- SSH: plain `ssh host true` against Rmote connect + first call ---
var sshOptions = new SshOptions { Port = host.Port, Identity = host.IdentityFile, KnownHostsFile = host.KnownHostsFile, User = host.User };
double sshTrueMs = await Median(rounds, async () =>
{
    var sw = Stopwatch.StartNew();
    var result = await ProcessRunner.RunAsync("ssh", host.SshArgs("true"));
    if (result.ExitCode != 0) throw new InvalidOperationException("ssh true failed: " + result.StdErr);
    return sw.Elapsed.TotalMilliseconds;
});
double rmoteSshMs = await Median(rounds, async () =>
{
    var sw = Stopwatch.StartNew();
    await using var proto = await Protocol.FromSshAsync(host.HostName, sshOptions);
    await proto.CallAsync(Diag.Ping);
    return sw.Elapsed.TotalMilliseconds;
});

// --- Mitogen, same machine, same sshd ---
var script = Path.Combine(AppContext.BaseDirectory, "mitogen_bench.py");
var mitogenRun = await ProcessRunner.RunAsync("/usr/bin/python3",
    [script, rounds.ToString(CultureInfo.InvariantCulture), host.Port.ToString(CultureInfo.InvariantCulture), host.IdentityFile, host.KnownHostsFile],
    timeout: TimeSpan.FromMinutes(10));
if (mitogenRun.ExitCode != 0) throw new InvalidOperationException("Mitogen benchmark failed: " + mitogenRun.StdErr);
var mitogen = JsonSerializer.Deserialize<Dictionary<string, double>>(mitogenRun.StdOut.Trim().Split('\n')[^1])!;

Console.WriteLine();
Console.WriteLine($"{"measure",-44} {"Rmote",12} {"peer",12} {"ratio",8}  target");
Row("sequential calls/s (local child)", sequential, mitogen["sequential"], "Mitogen", ">= 2.0x");
Row("pipelined calls/s, 1,000 in flight", pipelined, mitogen["pipelined"], "Mitogen", ">= 2.0x");
Row("16 MiB bytes echo, MiB/s", bytesMiBs, mitogen["bytes_mib_s"], "Mitogen", ">= 2.0x");
Row("SSH connect + first call, ms (vs ssh true)", rmoteSshMs, sshTrueMs, "ssh true", "<= 1.2x", lowerIsBetter: true);
Row("SSH connect + first call, ms (vs Mitogen)", rmoteSshMs, mitogen["ssh_connect_ms"], "Mitogen", "faster", lowerIsBetter: true);
Console.WriteLine($"{"compressed bootstrap, bytes",-44} {Protocol.BootstrapSize,12:N0} {"",12} {"",8}  < 16 KiB");
Console.WriteLine($"{"remote python RSS after connect, KiB",-44} {rssAtStartKib,12:N0}");
Console.WriteLine($"{"remote python RSS after the run (16 MiB echoes), KiB",-44} {rssKib,12:N0}");

static void Row(string name, double rmote, double peer, string peerName, string target, bool lowerIsBetter = false)
{
    var ratio = rmote / peer;
    Console.WriteLine($"{name,-44} {rmote,12:N0} {peer,12:N0} {ratio,7:0.00}x  {target} ({peerName}{(lowerIsBetter ? ", lower is better" : "")})");
}

static async Task<double> Median(int rounds, Func<Task<double>> measure)
{
    var values = new List<double>();
    for (var i = 0; i < rounds; i++) values.Add(await measure());
    values.Sort();
    return values[values.Count / 2];
}
