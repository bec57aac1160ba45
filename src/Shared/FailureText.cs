using System.Text;
using Rmote.Fleet;

namespace Rmote.Integration;

/// <summary>The message of a failed step: which hosts failed and why, then the whole result table.</summary>
internal static class FailureText
{
    public static string For<T>(string step, FleetResult<T> result, Func<T, string>? describe = null)
    {
        var failed = result.Failures.ToList();
        var sb = new StringBuilder();
        sb.Append(step).Append(" failed on ").Append(failed.Count).Append(" of ").Append(result.Count).Append(" host(s)");
        if (result.StopReason != null) sb.Append(" (stopped: ").Append(result.StopReason).Append(')');
        sb.Append(':');
        foreach (var r in failed)
            sb.Append('\n').Append("  ").Append(r.Host).Append(": ").Append(r.Status.ToString().ToLowerInvariant())
              .Append(" - ").Append(Cause(r));
        sb.Append("\n\n").Append(result.ToTable(describe));
        return sb.ToString();
    }

    static string Cause<T>(HostResult<T> r)
    {
        // The reason is the one-line form; a remote error's full text (stderr, journal) is worth showing whole.
        var text = r.Error?.Message ?? r.Reason ?? "";
        return text.Trim().ReplaceLineEndings("\n    ");
    }
}
