// The MSBuild figures of issue 5: samples/MSBuildDeploy's `dotnet msbuild -t:Deploy` to 3 loopback sshd hosts,
// cold and no-change (median of 3), next to the same deploy to the local target.
// Usage: dotnet run -c Release --project build/bench/Sample
using System.Diagnostics;
using System.Globalization;
using Rmote.TestRig;

var root = FindRepoRoot();
await using var fleet = await SshFleet.StartAsync(3);
var hosts = fleet.Hosts;
var dest = "/srv/sample-" + Guid.NewGuid().ToString("n")[..6];
string[] sshProps =
[
    "-p:RmoteHosts=" + string.Join(" ", hosts.Select(h => h.Target)), "-p:RmoteIdentityFile=" + fleet.IdentityFile,
    "-p:RmoteKnownHostsFile=" + fleet.KnownHostsFile, "-p:RmoteDeployFolder=" + dest,
];
string[] msbuild = ["msbuild", "samples/MSBuildDeploy/MSBuildDeploy.csproj", "-restore", "-t:Deploy", "-p:Configuration=Release", "-nologo"];

var cold = await Timed("cold: pack, restore, build, publish, deploy to 3 empty hosts", "bash", ["build/deploy-sample.sh", .. sshProps]);
var noChange = new List<double>();
ProcessResult last = cold.Result;
for (var i = 0; i < 3; i++)
{
    var run = await Timed($"no-change #{i + 1}", "dotnet", [.. msbuild, .. sshProps]);
    noChange.Add(run.Seconds);
    last = run.Result;
}
var local = new List<double>();
for (var i = 0; i < 3; i++) local.Add((await Timed($"local target #{i + 1}", "dotnet", msbuild)).Seconds);
foreach (var h in hosts)
    if (!File.Exists(Path.Combine(h.SrvRoot, dest["/srv/".Length..], "shared", "app.conf")))
        throw new InvalidOperationException($"{h.Name}: the sample's config was not deployed");

Console.WriteLine();
Console.WriteLine($"{"dotnet msbuild -t:Deploy (samples/MSBuildDeploy)",-58} seconds");
Console.WriteLine($"{"3 SSH hosts, cold (includes pack, restore, publish)",-58} {cold.Seconds,7:0.00}");
Console.WriteLine($"{"3 SSH hosts, no change (median of 3)",-58} {Median(noChange),7:0.00}");
Console.WriteLine($"{"local target, no change (median of 3)",-58} {Median(local),7:0.00}");
Console.WriteLine();
Console.WriteLine("--- what a user sees at default verbosity (no-change run to 3 hosts) ---");
Console.WriteLine(last.StdOut.Trim());

async Task<(double Seconds, ProcessResult Result)> Timed(string label, string file, IEnumerable<string> args)
{
    var sw = Stopwatch.StartNew();
    var r = await ProcessRunner.RunAsync(file, args, root, timeout: TimeSpan.FromMinutes(10));
    var s = sw.Elapsed.TotalSeconds;
    Console.WriteLine($"{label}: {s.ToString("0.00", CultureInfo.InvariantCulture)} s (exit {r.ExitCode})");
    if (r.ExitCode != 0) throw new InvalidOperationException($"{label} failed:\n{r.StdOut}\n{r.StdErr}");
    return (s, r);
}

static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

static string FindRepoRoot()
{
    for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
        if (File.Exists(Path.Combine(d.FullName, "Rmote.Build.sln"))) return d.FullName;
    throw new InvalidOperationException("run from inside the repository");
}
