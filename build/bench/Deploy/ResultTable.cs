using System.Globalization;
using System.Text.Json;

/// <summary>The report table: one row per measured work, rmote next to its peer, printed at the end.</summary>
sealed class ResultTable
{
    readonly List<string[]> rows = [];

    /// <summary>A row of two times (seconds) and their ratio rmote / peer.</summary>
    public void Row(string what, double rmote, double peer, string peerName, string target) =>
        rows.Add([what, Fmt(rmote), peerName, Fmt(peer), (rmote / peer).ToString("0.00x", CultureInfo.InvariantCulture), target]);

    /// <summary>A row already formatted (throughputs, memory).</summary>
    public void Add(string[] row) => rows.Add(row);

    /// <summary>Saves the rows as part <paramref name="part"/> of <paramref name="folder"/>, for <see cref="PrintSaved"/>.</summary>
    public void Save(string folder, string part)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, part + ".json"), JsonSerializer.Serialize(rows));
    }

    /// <summary>
    /// --only report: one table of every part saved in <paramref name="folder"/> (the parts that carry the goals first),
    /// so parts run one at a time (a 256-host curve takes most of an hour) still print as one table.
    /// </summary>
    public static void PrintSaved(string folder)
    {
        string[] order = ["frontend", "delta", "many", "scale"];
        var files = Directory.Exists(folder) ? Directory.GetFiles(folder, "*.json") : [];
        if (files.Length == 0) throw new InvalidOperationException($"no saved parts in {folder}: run the parts first (--only frontend, delta, many, scale)");
        var table = new ResultTable();
        foreach (var file in files.OrderBy(f => Array.IndexOf(order, Path.GetFileNameWithoutExtension(f)) is var i and >= 0 ? i : order.Length).ThenBy(f => f, StringComparer.Ordinal))
        {
            var part = Path.GetFileNameWithoutExtension(file);
            Console.WriteLine($"{part}: saved {File.GetLastWriteTimeUtc(file):yyyy-MM-dd HH:mm} UTC");
            table.rows.AddRange(JsonSerializer.Deserialize<List<string[]>>(File.ReadAllText(file))!.Select(r => r.Prepend(part).ToArray()));
        }
        table.PrintRows(["part", "work", "rmote", "vs", "peer", "ratio", "goal"]);
    }

    public void Print((int Runs, double Ms) timedJit)
    {
        PrintRows(["work", "rmote", "vs", "peer", "ratio", "target"]);
        if (timedJit.Runs > 0) Console.WriteLine($"(controller JIT inside the timed new-session rmote runs: {timedJit.Ms / timedJit.Runs:0.0} ms per run, {timedJit.Runs} runs)");
    }

    void PrintRows(string[] header)
    {
        Console.WriteLine();
        var widths = Enumerable.Range(0, header.Length).Select(i => rows.Select(x => x[i].Length).Append(header[i].Length).Max()).ToArray();
        Console.WriteLine(string.Join(" | ", header.Select((c, i) => c.PadRight(widths[i]))));
        Console.WriteLine(string.Join("-|-", widths.Select(w => new string('-', w))));
        foreach (var row in rows) Console.WriteLine(string.Join(" | ", row.Select((c, i) => c.PadRight(widths[i]))));
        Console.WriteLine("(times in seconds unless noted; ratio = rmote / peer, lower is better; \"thr\" rows: peer time / rmote time, higher is better)");
    }

    static string Fmt(double seconds) => seconds.ToString("0.00", CultureInfo.InvariantCulture);
}
