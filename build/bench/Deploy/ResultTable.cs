using System.Globalization;

/// <summary>The report table: one row per measured work, rmote next to its peer, printed at the end.</summary>
sealed class ResultTable
{
    readonly List<string[]> rows = [];

    /// <summary>A row of two times (seconds) and their ratio rmote / peer.</summary>
    public void Row(string what, double rmote, double peer, string peerName, string target) =>
        rows.Add([what, Fmt(rmote), peerName, Fmt(peer), (rmote / peer).ToString("0.00x", CultureInfo.InvariantCulture), target]);

    /// <summary>A row already formatted (throughputs, memory).</summary>
    public void Add(string[] row) => rows.Add(row);

    public void Print((int Runs, double Ms) timedJit)
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

    static string Fmt(double seconds) => seconds.ToString("0.00", CultureInfo.InvariantCulture);
}
