using Rmote.Tools;

namespace Rmote.Operations;

/// <summary>The units restarted on one host and their state afterwards.</summary>
/// <param name="Services">One result per unit, in request order.</param>
public sealed record ServiceRestartOutcome(IReadOnlyList<ServiceResult> Services) : IStepOutcome
{
    /// <summary>The units were reloaded, not restarted.</summary>
    public bool Reloaded { get; init; }

    /// <summary>In WhatIf mode, what the step would do on the host (nothing was changed); null when it ran.</summary>
    public StepPlan? Plan { get; init; }

    /// <inheritdoc/>
    public string Summary => Plan?.Summary ?? (Reloaded ? "reloaded " : "restarted ") + this;

    /// <inheritdoc/>
    public override string ToString() =>
        string.Join(", ", Services.Select(s => $"{s.Status.Unit} {s.Status.ActiveState}" + (s.Status.MainPid > 0 ? $" (pid {s.Status.MainPid})" : "")));
}
