namespace Rmote.Fleet;

/// <summary>What a fan-out does when a host fails.</summary>
public enum FailurePolicy
{
    /// <summary>Run on every host regardless; failures are reported per host.</summary>
    Continue,
    /// <summary>Start no further host after the first failure (hosts already running finish).</summary>
    StopOnFirst,
    /// <summary>Start no further host once more than <see cref="FleetOptions.MaxFailurePercentage"/> percent of the hosts failed.</summary>
    MaxFailurePercentage,
}
