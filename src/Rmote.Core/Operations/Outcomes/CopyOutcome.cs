using Rmote.Deploy;

namespace Rmote.Operations;

/// <summary>What a <see cref="FleetOperations.CopyAsync"/> did on one host.</summary>
public sealed record CopyOutcome : IStepOutcome
{
    /// <summary>The copy (into the release folder when releases are used).</summary>
    public required CopyResult Copy { get; init; }
    /// <summary>The release deploy, or null for a plain copy.</summary>
    public ReleaseDeployResult? Release { get; init; }
    /// <summary>Attempts made (1 without retries).</summary>
    public int Attempts { get; init; } = 1;
    /// <summary>In WhatIf mode, what the step would do on the host (nothing was changed); null when it ran.</summary>
    public StepPlan? Plan { get; init; }

    /// <inheritdoc/>
    public string Summary
    {
        get
        {
            if (Plan is { } plan) return plan.Summary;
            var c = Copy;
            var what = c.Changed
                ? $"copied {c.Copied}, unchanged {c.Skipped}, deleted {c.Deleted}, {c.BytesSent / 1048576.0:0.00} MiB"
                : $"up to date, no change ({c.Skipped} file(s) unchanged)";
            if (Release is not { } r) return what;
            var pruned = r.Pruned.Count > 0 ? $"; pruned {r.Pruned.Count}" : "";
            if (r.Reused) return $"unchanged, release {r.ReleaseId} kept ({c.Skipped} file(s) unchanged){pruned}";
            return $"release {r.ReleaseId}: {what}"
                + (r.Shared is { Created.Count: > 0 } sh ? "; shared created: " + string.Join(", ", sh.Created) : "")
                + (r.Switched is { } s ? (s.Previous is { } prev ? $"; current {prev} -> {s.Current}" : $"; current -> {s.Current}") : "; not switched")
                + pruned;
        }
    }

    /// <summary>The copy's own time: a release row's time covers only its last step (the prune).</summary>
    public TimeSpan? StepTime => Copy.Duration;

    /// <inheritdoc/>
    public override string ToString() => Release?.ToString() ?? Copy.ToString();
}
