using Microsoft.Extensions.Logging;

namespace Rmote.Fleet;

/// <summary>How a fan-out runs over the hosts of a group.</summary>
public sealed record FleetOptions
{
    /// <summary>Hosts running an operation at once (default 32; also bounds parallel connects).</summary>
    public int MaxParallel { get; init; } = 32;

    /// <summary>Rolling batches: the next batch starts when the previous one is done (null: all hosts in one batch).</summary>
    public BatchSize? Serial { get; init; }

    /// <summary>What a failure does to the hosts not started yet (default <see cref="FailurePolicy.Continue"/>).</summary>
    public FailurePolicy FailurePolicy { get; init; } = FailurePolicy.Continue;

    /// <summary>With <see cref="FailurePolicy.MaxFailurePercentage"/>: stop once failed hosts exceed this percentage of all hosts.</summary>
    public double MaxFailurePercentage { get; init; }

    /// <summary>A host that failed a step is skipped by the session's later steps (default true, like Ansible).</summary>
    public bool SkipFailedHostsInLaterSteps { get; init; } = true;

    /// <summary>Logger handed to every connection.</summary>
    public ILogger? Logger { get; init; }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxParallel, 1, nameof(MaxParallel));
        if (MaxFailurePercentage is < 0 or > 100)
            throw new ArgumentOutOfRangeException(nameof(MaxFailurePercentage), MaxFailurePercentage, "must be in [0, 100]");
    }
}
