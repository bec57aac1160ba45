/// <summary>
/// The table's redeploy rows: no change, then one changed file, rmote (new session, open session, unshared ssh)
/// against rsync -a.
/// </summary>
static class RedeployPhase
{
    public static async Task RunAsync(Bench bench, ResultTable table)
    {
        var rounds = bench.Options.Phase("redeploy") ? bench.Options.Rounds : 0;
        var same = new List<double[]>();
        for (var i = 0; i < rounds; i++)
        {
            var t = await Rounds.Rotated(i, bench.RmoteDeployAsync, bench.RmoteWarmAsync, () => Peers.Rsync(bench, "b-rsync"), bench.RmoteUnsharedAsync);
            same.Add(t);
            Console.WriteLine($"  no-change round {i + 1}: rmote {t[0]:0.00}s (open {t[1]:0.00}s, unshared ssh {t[3]:0.00}s), rsync {t[2]:0.00}s");
        }
        if (same.Count > 0) AddRows(table, "no-change", same);

        // Every run is preceded by its own change of the same file, so each tool finds exactly one changed file; one
        // sample per tool and round, in the round's permutation.
        var one = new List<double[]>();
        for (var i = 0; i < rounds; i++)
        {
            var t = await Rounds.Rotated(i,
                () => { bench.ChangeOneFile(); return bench.RmoteDeployAsync(); },
                () => { bench.ChangeOneFile(); return bench.RmoteWarmAsync(); },
                () => { bench.ChangeOneFile(); return Peers.Rsync(bench, "b-rsync"); },
                () => { bench.ChangeOneFile(); return bench.RmoteUnsharedAsync(); });
            one.Add(t);
            Console.WriteLine($"  one-changed round {i + 1}: rmote {t[0]:0.00}s (open {t[1]:0.00}s, unshared ssh {t[3]:0.00}s), rsync {t[2]:0.00}s");
        }
        if (one.Count > 0)
        {
            AddRows(table, "one-changed", one);
            await bench.RmoteWarmAsync();  // the round may have ended with a change only rsync has seen
            bench.VerifySame("b-rmote");
        }
    }

    // Each round's times: [0] rmote, [1] over the open session, [2] rsync, [3] rmote unshared.
    static void AddRows(ResultTable table, string what, List<double[]> rounds)
    {
        double M(int k) => Rounds.Median(rounds.Select(x => x[k]));
        table.Row($"{what} redeploy", M(0), M(2), "rsync -a", WarmupPhase.Info);
        table.Row($"{what}, unshared ssh", M(3), M(2), "rsync -a", "(info)");
        table.Row($"{what}, connections open", M(1), M(2), "rsync -a", "(info)");
    }
}
