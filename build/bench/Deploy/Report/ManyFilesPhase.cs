using System.Globalization;

/// <summary>
/// The table's 100k-files rows (--only many): a node_modules-like tree (<see cref="ManyFiles"/>) to 4 hosts at once,
/// cold and no-change, rmote as users run it (a fresh `--copy-child` process: connect, copy, exit) against rsync -a
/// with and without ssh connection sharing (and, as information, offering AES-GCM first as Rmote's connections do);
/// rmote's controller peak RSS; the CPU of every role per run.
/// </summary>
static class ManyFilesPhase
{
    const string RmoteDest = "m-rmote";

    sealed record Run(double Seconds, double ControllerKib, double TreeKib, IDictionary<string, double> Cpu);

    /// <summary>
    /// A timed tool: its name in the rows, its destination, whether it shares its ssh connection, its rows' goal (or
    /// "(info)"), and its run (given the tool: destination and sharing come from here).
    /// </summary>
    sealed record Tool(string Name, string Dest, bool Sharing, string Goal, Func<Tool, Task<Run>> Run);

    public static async Task RunAsync(Bench bench, ResultTable table)
    {
        var src = bench.Combine("many");
        var total = ManyFiles.Generate(src);
        Console.WriteLine($"  100k files: {ManyFiles.FileCount} files in {ManyFiles.FolderCount} folders, {total / 1e6:0.0} MB ({src})");
        var inventory = bench.Combine("many.json");
        FanOut.WriteInventory(inventory, bench.Hosts.Select(h =>
            new FanOut.Target(h.Name, h.HostName, h.Port, h.User, h.IdentityFile, h.KnownHostsFile, Bench.RemotePython)));
        var (self, selfArgs) = FanOut.Self();

        async Task<Run> Rmote(Tool t, bool notKept = false)
        {
            await Bench.Settle();
            var cpu = CpuSampler.Start(bench);
            var m = await Measured.RunAsync(self, [.. selfArgs, "--copy-child", inventory, src, "/srv/" + t.Dest, .. notKept ? ["--not-kept"] : Array.Empty<string>()]);
            return new Run(m.Seconds, CopyChild.Field(m.Stdout, "hwm_kib"), m.TreePeakKib, await cpu.StopAsync());
        }
        async Task<Run> Rsync(Tool t, Func<Rmote.TestRig.SshHost, string> ssh)
        {
            var cpu = CpuSampler.Start(bench);
            var time = await Peers.Rsync(bench, src, t.Dest, ssh);
            if (t.Sharing) Peers.CheckShared(bench, bench.Hosts);
            return new Run(time, 0, 0, await cpu.StopAsync());
        }
        const string Goal = "<= 1.00x rsync";
        Tool[] tools =
        [
            new("rmote", RmoteDest, true, "", t => Rmote(t)),
            // The same with KeepRuntime off (each connection an SSH session and an interpreter on the host): the before row.
            new("rmote, KeepRuntime off", "m-rmote-nk", true, "(info: before)", t => Rmote(t, notKept: true)),
            new("rsync -a", "m-rsync", false, Goal, t => Rsync(t, Peers.SshE)),
            new("rsync -a ControlMaster", "m-rsync-cm", true, Goal, t => Rsync(t, h => Peers.SshESharing(bench, h))),
            // Rmote offers AES-GCM first on a CPU with AES instructions: the same cipher for rsync, as information.
            new("rsync -a AES-GCM first", "m-rsync-aes", false, "(info)", t => Rsync(t, Peers.SshEAesGcm)),
        ];
        var cold = new List<Run[]>(); var same = new List<Run[]>();
        for (var i = 0; i < bench.Options.Rounds; i++)
        {
            // Cold: new files over new connections for every tool (no master an earlier step left).
            cold.Add(await Round(i, [.. tools.Select(t => (Func<Task<Run>>)(async () =>
            {
                await Masters.CloseAsync();
                bench.Clean(t.Dest);
                await Bench.FreeMemoryAsync(src);
                return await t.Run(t);
            }))]));
            Print("cold", i, tools, cold[^1]);
            if (i == 0) Verify(bench, src, RmoteDest);
            // No change: a redeploy; the tools that share their connection find their master up (an untimed run just
            // before, as a second build within ControlPersist would), whatever the steps before took.
            same.Add(await Round(i, [.. tools.Select(t => (Func<Task<Run>>)(async () =>
            {
                if (t.Sharing) await t.Run(t);
                return await t.Run(t);
            }))]));
            Print("no-change", i, tools, same[^1]);
        }
        Rows(table, "100k files cold, 4 hosts", tools, cold);
        Rows(table, "100k files no-change, 4 hosts", tools, same);
        var all = cold.Concat(same).Select(r => r[0]).ToList();
        table.Add(["  100k files: controller peak RSS, .NET process (MiB)", Mib(all.Max(r => r.ControllerKib)), "", "", "", "< 300 MiB"]);
        table.Add(["  100k files: peak RSS, process tree incl. ssh (MiB)", Mib(all.Max(r => r.TreeKib)), "", "", "", "(info)"]);
    }

    static async Task<Run[]> Round(int i, Func<Task<Run>>[] steps)
    {
        var runs = new Run[steps.Length];
        // Rounds.Rotated permutes steps returning times; the runs keep their CPU and memory beside the time.
        await Rounds.Rotated(i, steps.Select((s, k) => (Func<Task<double>>)(async () => (runs[k] = await s()).Seconds)).ToArray());
        return runs;
    }

    static void Print(string what, int i, Tool[] tools, Run[] r)
    {
        Console.WriteLine($"  100k {what} round {i + 1}: rmote {r[0].Seconds:0.00}s (controller peak {Mib(r[0].ControllerKib)} MiB, tree {Mib(r[0].TreeKib)} MiB), "
            + string.Join(", ", tools.Skip(1).Select((t, k) => $"{t.Name} {r[k + 1].Seconds:0.00}s")));
        for (var k = 0; k < r.Length; k++) Console.WriteLine($"    {tools[k].Name} CPU (ms): {CpuSampler.Format(r[k].Cpu)}");
    }

    static void Rows(ResultTable table, string what, Tool[] tools, List<Run[]> rounds)
    {
        var rm = Rounds.Median(rounds.Select(r => r[0].Seconds));
        for (var k = 1; k < tools.Length; k++)
            table.Row(what, rm, Rounds.Median(rounds.Select(r => r[k].Seconds)), tools[k].Name, tools[k].Goal);
    }

    // Every host holds as many files as the source, and a sample of them byte for byte (every 97th by ordinal path).
    static void Verify(Bench bench, string src, string dest)
    {
        var files = Directory.GetFiles(src, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();
        foreach (var h in bench.Hosts)
        {
            var root = Path.Combine(h.SrvRoot, dest);
            var count = Directory.GetFiles(root, "*", SearchOption.AllDirectories).Length;
            if (count != files.Length) throw new InvalidOperationException($"{h.Name}: {count} files after the copy, {files.Length} in the source");
            for (var i = 0; i < files.Length; i += 97)
            {
                var remote = Path.Combine(root, Path.GetRelativePath(src, files[i]));
                if (!File.ReadAllBytes(remote).AsSpan().SequenceEqual(File.ReadAllBytes(files[i])))
                    throw new InvalidOperationException($"{h.Name}: {files[i]} differs after the copy");
            }
        }
        Console.WriteLine($"  100k files: verified on {bench.Hosts.Count} hosts ({files.Length} files each, every 97th byte for byte)");
    }

    static string Mib(double kib) => (kib / 1024).ToString("0", CultureInfo.InvariantCulture);
}
