using Rmote.Tools;

namespace Rmote.Deploy;

/// <summary>The units restarted on one host and their state afterwards.</summary>
/// <param name="Services">One result per unit, in request order.</param>
public sealed record ServiceRestartOutcome(IReadOnlyList<ServiceResult> Services)
{
    /// <inheritdoc/>
    public override string ToString() =>
        string.Join(", ", Services.Select(s => $"{s.Status.Unit} {s.Status.ActiveState}" + (s.Status.MainPid > 0 ? $" (pid {s.Status.MainPid})" : "")));
}
