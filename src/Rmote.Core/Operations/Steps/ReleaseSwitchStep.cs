namespace Rmote.Operations;

/// <summary>A release switch step as every front end states it.</summary>
public sealed record ReleaseSwitchStep
{
    /// <summary>The releases' base folder on the hosts.</summary>
    public string? BaseFolder { get; init; }
    /// <summary>The release to make current.</summary>
    public string? ReleaseId { get; init; }
    /// <summary>Releases kept after the switch (null or 0: all).</summary>
    public int? KeepReleases { get; init; }
    /// <summary>How long to wait for a deploy holding the base's lock (default 60 s).</summary>
    public TimeSpan? LockTimeout { get; init; }
    /// <summary>The folder relative remote paths are resolved against (<see cref="StepInputs.RemotePath"/>).</summary>
    public string? DeployFolder { get; init; }
}
