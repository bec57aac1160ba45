using System.Globalization;

/// <summary>
/// The table's fan-out rows: a trivial command on 32 connections (8 per host), rmote (a child process, see
/// <see cref="FanOut"/>) against `ansible -f 32`, with and without ssh connection sharing; time and peak RSS.
/// </summary>
static class FanOutPhase
{
    const int Connections = 32;

    public static async Task RunAsync(Bench bench, ResultTable table, Ansible ansible)
    {
        var inventory = bench.Combine("fanout.json");
        FanOut.WriteInventory(inventory, Enumerable.Range(0, Connections).Select(i => bench.Hosts[i % bench.Hosts.Count]).Select((h, i) =>
            new FanOut.Target($"c{i:00}", h.HostName, h.Port, h.User, h.IdentityFile, h.KnownHostsFile, Bench.RemotePython)));
        var (self, selfArgs) = FanOut.Self();
        var fr = new List<Measured>(); var fa = new List<Measured>();
        var frU = new List<Measured>(); var faU = new List<Measured>();
        string[] ansibleFanOut = ["all", "-i", ansible.Inventory, "-m", "command", "-a", "true", "-f", "32", "-o"];
        for (var i = 0; i < bench.Options.Rounds; i++)
        {
            fr.Add(await Measured.RunAsync(self, [.. selfArgs, "--fanout-child", inventory]));
            fa.Add(await Measured.RunAsync("ansible", ansibleFanOut, ansible.Env));
            frU.Add(await Measured.RunAsync(self, [.. selfArgs, "--fanout-child", inventory, "--unshared"]));
            faU.Add(await Measured.RunAsync("ansible", ansibleFanOut, ansible.UnsharedEnv));
            Console.WriteLine($"  fan-out round {i + 1}: rmote {fr[^1].Seconds:0.00}s {fr[^1].TreePeakKib / 1024} MiB, ansible {fa[^1].Seconds:0.00}s {fa[^1].TreePeakKib / 1024} MiB; " +
                              $"unshared ssh: rmote {frU[^1].Seconds:0.00}s {frU[^1].TreePeakKib / 1024} MiB, ansible {faU[^1].Seconds:0.00}s {faU[^1].TreePeakKib / 1024} MiB");
        }
        Rows(table, "fan-out `true`, 32 connections (s)", fr, fa, "(report)");
        Rows(table, "fan-out, both without ssh sharing (s)", frU, faU, "(info)");
    }

    static void Rows(ResultTable table, string what, List<Measured> rm, List<Measured> an, string target)
    {
        table.Row(what, Rounds.Median(rm.Select(x => x.Seconds)), Rounds.Median(an.Select(x => x.Seconds)), "ansible -f 32", target);
        var (rmRss, anRss) = (Rounds.Median(rm.Select(x => (double)x.TreePeakKib)), Rounds.Median(an.Select(x => (double)x.TreePeakKib)));
        table.Add(["  controller peak RSS, process tree (MiB)", (rmRss / 1024).ToString("0", CultureInfo.InvariantCulture), "ansible -f 32",
            (anRss / 1024).ToString("0", CultureInfo.InvariantCulture), (rmRss / anRss).ToString("0.00x", CultureInfo.InvariantCulture), target]);
    }
}
