using System.Text;
using Rmote.Fleet;

namespace Rmote.Operations;

/// <summary>The texts of a finished step: the per-host table, and the message of a failed step (which hosts failed and why, then the table).</summary>
public static class FailureText
{
    /// <summary>The result table, each row with its outcome's summary (<see cref="StepOutcome"/>) and the step's own time.</summary>
    public static string Table<T>(FleetResult<T> result) => ResultTable.Format(result, StepOutcome.Summary, StepOutcome.Time);

    /// <summary>"<paramref name="step"/> failed on N of M host(s):", one line per failed host with its cause, then <see cref="Table"/>.</summary>
    public static string For<T>(string step, FleetResult<T> result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var failed = result.Failures.ToList();
        var sb = new StringBuilder();
        sb.Append(step).Append(" failed on ").Append(failed.Count).Append(" of ").Append(result.Count).Append(" host(s)");
        if (result.StopReason != null) sb.Append(" (stopped: ").Append(result.StopReason).Append(')');
        sb.Append(':');
        foreach (var g in FailureGroups.Of(result))
            sb.Append('\n').Append("  ").Append(g.HostList).Append(": ").Append(g.First.Status.ToString().ToLowerInvariant())
              .Append(" - ").Append(Cause(g));
        sb.Append("\n\n").Append(Table(result));
        return sb.ToString();
    }

    static string Cause<T>(FailureGroup<T> g)
    {
        // The reason is the one-line form; a remote error's full text (stderr, journal) is worth showing whole.
        // A group's hosts are named in front: its text drops the "[host] " of the one host it came from.
        var text = g.Rows.Count > 1 ? FailureGroups.MessageOf(g.First) : g.First.Error?.Message ?? g.First.Reason ?? "";
        return text.Trim().ReplaceLineEndings("\n    ");
    }
}
