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
        foreach (var r in failed)
            sb.Append('\n').Append("  ").Append(r.Host).Append(": ").Append(r.Status.ToString().ToLowerInvariant())
              .Append(" - ").Append(Cause(r));
        sb.Append("\n\n").Append(Table(result));
        return sb.ToString();
    }

    static string Cause<T>(HostResult<T> r)
    {
        // The reason is the one-line form; a remote error's full text (stderr, journal) is worth showing whole.
        var text = r.Error?.Message ?? r.Reason ?? "";
        return text.Trim().ReplaceLineEndings("\n    ");
    }
}
