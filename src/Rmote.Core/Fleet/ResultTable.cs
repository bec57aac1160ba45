using System.Globalization;
using System.Text;

namespace Rmote.Fleet;

/// <summary>Formats per-host results as a fixed-width text table.</summary>
public static class ResultTable
{
    /// <summary>Columns HOST, STATUS, TIME, DETAIL, then a summary line; <paramref name="describe"/> and <paramref name="time"/> override a row's detail and time.</summary>
    public static string Format<T>(FleetResult<T> result, Func<T, string>? describe = null, Func<HostResult<T>, TimeSpan>? time = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        var rows = result.Select(r => new[]
        {
            r.Host,
            r.Status.ToString().ToLowerInvariant(),
            (time?.Invoke(r) ?? r.Duration).TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture) + " s",
            OneLine(r.Success && describe != null && r.Value is { } v ? describe(v) : r.Detail),
        }).ToList();
        string[] header = ["HOST", "STATUS", "TIME", "DETAIL"];
        var widths = Enumerable.Range(0, 3).Select(i => rows.Select(r => r[i].Length).Append(header[i].Length).Max()).ToArray();
        var sb = new StringBuilder();
        void Line(string[] cells) => sb.Append(cells[0].PadRight(widths[0])).Append("  ").Append(cells[1].PadRight(widths[1])).Append("  ")
            .Append(cells[2].PadLeft(widths[2])).Append("  ").Append(cells[3]).Append('\n');
        Line(header);
        foreach (var r in rows) Line(r);
        var counts = result.GroupBy(r => r.Status).OrderBy(g => g.Key).Select(g => $"{g.Count()} {g.Key.ToString().ToLowerInvariant()}");
        sb.Append(CultureInfo.InvariantCulture, $"{result.Count} host(s): {string.Join(", ", counts)} in {result.Duration.TotalSeconds:0.00} s");
        if (result.StopReason != null) sb.Append("; stopped: ").Append(result.StopReason);
        if (result.Note != null) sb.Append("; ").Append(result.Note);
        return sb.Append('\n').ToString();
    }

    static string OneLine(string s)
    {
        var first = s.ReplaceLineEndings("\n").Split('\n', 2)[0];
        return first.Length > 160 ? first[..157] + "..." : first;
    }
}
