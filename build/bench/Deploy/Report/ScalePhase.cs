using System.Globalization;
using Rmote.TestRig;

/// <summary>
/// --only scale: one controller to 4, 16, 64 and N loopback sshd hosts (--hosts, default 256), each in its own mount
/// namespace: the 79 MB workload copied to every host (rmote in a fresh process against rsync -a per host, at most
/// --parallel at once, both sharing ssh connections as users run them) and `true` on every host (rmote against
/// `ansible -f` at the same parallelism). Time, and peak memory of the controller (every local process but the ssh
/// clients: the .NET process, Ansible's forks, the local rsyncs) and of the whole tree; a PNG of both against hosts.
/// Rmote's connections offer AES-GCM first on a CPU with AES instructions: an rsync with the same cipher order runs
/// beside, as information.
/// </summary>
static class ScalePhase
{
    sealed record Point(int Hosts, string Tool, string Work, double Seconds, double ControllerMiB, double TreeMiB);

    public static async Task RunAsync(Bench bench, ResultTable table)
    {
        var max = bench.Options.ScaleHosts;
        var parallelCap = bench.Options.ScaleParallel;
        Console.WriteLine($"  scale: starting {max} sshd hosts");
        await using var fleet = await SshFleet.StartAsync(max);
        Console.WriteLine($"  scale: {max} hosts up in {fleet.StartupTime.TotalSeconds:0.0} s (mount namespaces: {fleet.UsesMountNamespaces})");
        var (self, selfArgs) = FanOut.Self();
        var points = new List<Point>();
        foreach (var n in new[] { 4, 16, 64, max }.Where(n => n <= max).Distinct())
        {
            var hosts = fleet.Hosts.Take(n).ToList();
            var parallel = Math.Min(n, parallelCap);
            var inventory = bench.Combine($"scale-{n}.json");
            FanOut.WriteInventory(inventory, hosts.Select(h => new FanOut.Target(h.Name, h.HostName, h.Port, h.User, h.IdentityFile, h.KnownHostsFile, Bench.RemotePython)));
            var ansible = Ansible.Write(bench, hosts, $"scale-{n}.ini", parallel);
            var rsyncList = bench.Combine($"scale-{n}.rsync");
            File.WriteAllLines(rsyncList, hosts.Select(h => Peers.SshESharing(bench, h)));
            var rsyncAesList = bench.Combine($"scale-{n}-aes.rsync");
            File.WriteAllLines(rsyncAesList, hosts.Select(h => Peers.SshESharing(bench, h, aesGcmFirst: true)));
            var par = parallel.ToString(CultureInfo.InvariantCulture);
            var verified = false;

            // Each step: its name, its kind of work, and a run that starts from the same state for every tool (the round
            // closes this run's ssh masters before each step: Masters).
            var steps = new (string Tool, string Work, Func<Task<Measured>> Run)[]
            {
                ("rmote", "copy", async () =>
                {
                    CleanCopies(hosts);
                    await Bench.Settle();
                    var m = await Measured.RunAsync(self, [.. selfArgs, "--copy-child", inventory, bench.Src, "/srv/s-rmote", "--parallel", par], sampleMs: 50);
                    // sizes on every host, bytes on the first and the last (256 full reads of the workload would take minutes)
                    if (!verified) bench.VerifySame(hosts, "s-rmote", i => i == 0 || i == hosts.Count - 1);
                    verified = true;
                    return m;
                }),
                // One rsync per host, `parallel` at once; each line of the list is that host's ssh command (-e).
                // (Each host's one rsync is its master's only session: a step longer than ControlPersist leaves no master
                // behind to check. Rmote's copy, too, logs in once per host.)
                ("rsync", "copy", () => ParallelRsync(hosts, rsyncList, par, bench.Src, "s-rsync")),
                ("rsync AES-GCM", "copy", () => ParallelRsync(hosts, rsyncAesList, par, bench.Src, "s-rsync-aes")),
                ("rmote", "fan-out", () => Measured.RunAsync(self, [.. selfArgs, "--fanout-child", inventory, "--parallel", par], sampleMs: 50)),
                ("ansible", "fan-out", () => Measured.RunAsync("ansible", ["all", "-i", ansible.Inventory, "-m", "command", "-a", "true", "-f", par, "-o"], ansible.Env, sampleMs: 50)),
            };
            var runs = steps.Select(_ => new List<Measured>()).ToArray();
            for (var round = 0; round < bench.Options.Rounds; round++)
            {
                await Rounds.Rotated(round * 7, [.. steps.Select((s, k) => (Func<Task<double>>)(async () =>
                {
                    await Masters.CloseAsync();
                    var m = await s.Run();
                    runs[k].Add(m);
                    return m.Seconds;
                }))]);
                Console.WriteLine($"  scale {n} hosts, -P {parallel}, round {round + 1}: " + string.Join(", ", steps.Select((s, k) =>
                    $"{s.Tool} {s.Work} {runs[k][^1].Seconds:0.00}s {runs[k][^1].ControllerPeakKib / 1024} MiB (tree {runs[k][^1].TreePeakKib / 1024})")));
            }
            for (var k = 0; k < steps.Length; k++)
                points.Add(new Point(n, steps[k].Tool, steps[k].Work, Rounds.Median(runs[k].Select(m => m.Seconds)),
                    Rounds.Median(runs[k].Select(m => m.ControllerPeakKib / 1024.0)), Rounds.Median(runs[k].Select(m => m.TreePeakKib / 1024.0))));
            CleanCopies(hosts);
        }
        AddRows(table, points, max, parallelCap);
        var png = bench.Options.PlotPath;
        ScalePlot.Write(png, points.Select(p => (p.Hosts, $"{p.Tool} {p.Work}", p.Seconds, p.ControllerMiB)).ToList(),
            $"{bench.Files.Length} files, {bench.Files.Sum(f => new FileInfo(f).Length) / 1e6:0} MB copy and `true` fan-out, at most {parallelCap} hosts at once");
        Console.WriteLine($"  scale: plot written to {png}");
    }

    // Every copy step starts with no tool's copy on the hosts: the same disk state for each, and room on it (256 hosts
    // hold 21 GB per tool's copy).
    static void CleanCopies(List<SshHost> hosts)
    {
        foreach (var dest in new[] { "s-rmote", "s-rsync", "s-rsync-aes" }) Bench.Clean(hosts, dest);
    }

    static async Task<Measured> ParallelRsync(List<SshHost> hosts, string sshList, string parallel, string src, string dest)
    {
        CleanCopies(hosts);
        await Bench.Settle();
        return await Measured.RunAsync("xargs", ["-a", sshList, "-d", "\n", "-P", parallel, "-I{}",
            "rsync", "-a", "-e", "{}", src + "/", $"root@127.0.0.1:/srv/{dest}/"], sampleMs: 50);
    }

    static void AddRows(ResultTable table, List<Point> points, int max, int parallelCap)
    {
        Point P(int n, string tool, string work) => points.Single(p => p.Hosts == n && p.Tool == tool && p.Work == work);
        foreach (var n in points.Select(p => p.Hosts).Distinct())
        {
            var peer = $"-P {Math.Min(n, parallelCap)}";
            table.Row($"scale {n} hosts: copy (s)", P(n, "rmote", "copy").Seconds, P(n, "rsync", "copy").Seconds, "rsync -a " + peer, "(curve)");
            table.Row($"scale {n} hosts: copy (s)", P(n, "rmote", "copy").Seconds, P(n, "rsync AES-GCM", "copy").Seconds, $"rsync -a {peer}, AES-GCM first", "(info)");
            table.Row($"scale {n} hosts: fan-out `true` (s)", P(n, "rmote", "fan-out").Seconds, P(n, "ansible", "fan-out").Seconds, "ansible -f " + peer[3..], "(curve)");
        }
        var small = points.Min(p => p.Hosts);
        foreach (var work in new[] { "copy", "fan-out" })
        {
            var peerTool = work == "copy" ? "rsync" : "ansible";
            var (a, b) = (P(small, "rmote", work), P(max, "rmote", work));
            var (pa, pb) = (P(small, peerTool, work), P(max, peerTool, work));
            // Memory a host adds: the controller's peak growth from the smallest to the largest fleet, per added host.
            double PerHost(Point x, Point y) => (y.ControllerMiB - x.ControllerMiB) / (y.Hosts - x.Hosts);
            table.Add([$"scale {work}: controller MiB per added host, {small}->{max}", Mib(PerHost(a, b)), peerTool, Mib(PerHost(pa, pb)),
                (PerHost(a, b) / PerHost(pa, pb)).ToString("0.00x", CultureInfo.InvariantCulture), "rmote < 2 MiB"]);
            table.Add([$"scale {work}: controller peak MiB at {max} hosts (tree incl. ssh)", $"{Mib(b.ControllerMiB)} ({Mib(b.TreeMiB)})", peerTool,
                $"{Mib(pb.ControllerMiB)} ({Mib(pb.TreeMiB)})", (b.ControllerMiB / pb.ControllerMiB).ToString("0.00x", CultureInfo.InvariantCulture), "(report)"]);
            // Linear: time per host does not grow from the curve's last point but one to its end (with hosts beyond the
            // parallelism, hosts / parallelism grows as hosts do; below it, 2 cores keep copies from running faster anyway).
            var mid = points.Select(p => p.Hosts).Where(h => h < max).DefaultIfEmpty(small).Max();
            var (m, e) = (P(mid, "rmote", work), P(max, "rmote", work));
            var expected = (double)max / mid;
            table.Add([$"scale {work}: time growth {mid}->{max} hosts", (e.Seconds / m.Seconds).ToString("0.00x", CultureInfo.InvariantCulture), "hosts ratio",
                expected.ToString("0.00x", CultureInfo.InvariantCulture), (e.Seconds / m.Seconds / expected).ToString("0.00x", CultureInfo.InvariantCulture), "<= 1.00x (linear)"]);
        }
    }

    static string Mib(double v) => v.ToString(v < 10 ? "0.00" : "0", CultureInfo.InvariantCulture);
}
