/// <summary>The table's cold rows: the workload to 4 empty hosts, rmote against rsync -a and scp -r.</summary>
static class ColdPhase
{
    /// <summary>One round's times (s): rmote in a new session, over the open session, rsync, scp, rmote unshared.</summary>
    public sealed record Round(double Rmote, double Open, double Rsync, double Scp, double Unshared);

    public static async Task<List<Round>> RunAsync(Bench bench, ResultTable table)
    {
        var cold = new List<Round>();
        if (bench.Options.Only == "redeploy") { bench.Clean("b-rmote"); bench.Clean("b-rsync"); await bench.RmoteDeployAsync(); await Peers.Rsync(bench, "b-rsync"); }
        for (var i = 0; i < (bench.Options.Phase("cold") ? bench.Options.Rounds : 0); i++)
        {
            var t = await Rounds.Rotated(i,
                () => { bench.Clean("b-rmote"); return bench.RmoteDeployAsync(); },
                () => { bench.Clean("b-rmote"); return bench.RmoteWarmAsync(); },
                () => { bench.Clean("b-rsync"); return Peers.Rsync(bench, "b-rsync"); },
                () => { bench.Clean("b-scp"); return Peers.Scp(bench, "b-scp"); },
                () => { bench.Clean("b-rmote"); return bench.RmoteUnsharedAsync(); });
            var (a, w, b, c, f) = (t[0], t[1], t[2], t[3], t[4]);
            cold.Add(new Round(a, w, b, c, f));
            Console.WriteLine($"  cold round {i + 1}: rmote {a:0.00}s (open connections {w:0.00}s, unshared ssh {f:0.00}s), rsync {b:0.00}s, scp {c:0.00}s");
        }
        if (cold.Count > 0)
        {
            var rsync = Rounds.Median(cold.Select(x => x.Rsync));
            table.Row("cold deploy, 4 hosts", Rounds.Median(cold.Select(x => x.Rmote)), rsync, "rsync -a", WarmupPhase.Info);
            table.Row("cold deploy, 4 hosts", Rounds.Median(cold.Select(x => x.Rmote)), Rounds.Median(cold.Select(x => x.Scp)), "scp -r", WarmupPhase.Info);
            table.Row("cold deploy, unshared ssh", Rounds.Median(cold.Select(x => x.Unshared)), rsync, "rsync -a", "(info)");
            table.Row("cold deploy, connections open", Rounds.Median(cold.Select(x => x.Open)), rsync, "rsync -a", "(info)");
            bench.VerifySame("b-rmote");
        }
        return cold;
    }
}
