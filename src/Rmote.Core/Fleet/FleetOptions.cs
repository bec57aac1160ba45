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

    /// <summary>
    /// Time limit of the step on each host whose <see cref="HostSpec.Timeout"/> is not set: on expiry that host's remote
    /// calls are cancelled and it fails with a <see cref="TimeoutException"/>; the others go on and are reported.
    /// Null (the default) and <see cref="TimeSpan.Zero"/>: none.
    /// </summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>
    /// No-progress bound of copies for hosts whose <see cref="ConnectionSettings.NoProgressTimeout"/> is not set, applied when the
    /// session connects (null: the default, 120 s; <see cref="TimeSpan.Zero"/>: off). See <see cref="ProtocolOptions.NoProgressTimeout"/>.
    /// </summary>
    public TimeSpan? NoProgressTimeout { get; init; }

    /// <summary>Logger handed to every connection.</summary>
    public ILogger? Logger { get; init; }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxParallel, 1, nameof(MaxParallel));
        _ = DurationSetting.Resolve(Timeout, null, "FleetOptions.Timeout");
        _ = DurationSetting.Resolve(NoProgressTimeout, null, "FleetOptions.NoProgressTimeout");
        if (MaxFailurePercentage is < 0 or > 100)
            throw new ArgumentOutOfRangeException(nameof(MaxFailurePercentage), MaxFailurePercentage, "must be in [0, 100]");
    }
}
