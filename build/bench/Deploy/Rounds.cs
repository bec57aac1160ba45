/// <summary>How a round runs its steps, and the median that summarises the rounds.</summary>
static class Rounds
{
    // Runs the steps of one round in the round's own permutation of them: on this VM a big write's speed depends on what
    // ran just before it (measured: Rmote's 1 GiB copy went from 0.76x to 1.01x of `ssh cat` by swapping two steps), and
    // a mere rotation keeps a 3-step cycle's predecessors fixed (fresh after cat, every round). With rounds a multiple
    // of n!, every step follows every other equally often.
    public static async Task<double[]> Rotated(int round, params Func<Task<double>>[] steps)
    {
        var order = Permutation(steps.Length, round);
        var times = new double[steps.Length];
        foreach (var j in order) times[j] = await steps[j]();
        return times;
    }

    public static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
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
}
