namespace Rmote.Operations;

/// <summary>A rollback step as every front end states it.</summary>
public sealed record RollbackStep
{
    /// <summary>The releases' base folder on the hosts.</summary>
    public string? BaseFolder { get; init; }
    /// <summary>The release to go back to (default: the most recent one live on every host, complete and present).</summary>
    public string? ToRelease { get; init; }
    /// <summary>How long to wait for a deploy holding the base's lock (default 60 s).</summary>
    public TimeSpan? LockTimeout { get; init; }
    /// <summary>The folder relative remote paths are resolved against (<see cref="StepInputs.RemotePath"/>).</summary>
    public string? DeployFolder { get; init; }
    /// <summary>Units restarted on every host after the rollback, in order (none by default).</summary>
    public IReadOnlyList<string>? RestartServices { get; init; }
    /// <summary>How long each restarted unit may take to become active (default 30 s).</summary>
    public TimeSpan? ServiceTimeout { get; init; }
    /// <summary>Runs once every host is back on the release and its services restarted; throwing fails the step.</summary>
    public Func<ReleaseRolledBack, CancellationToken, Task>? AfterRollback { get; init; }
}
