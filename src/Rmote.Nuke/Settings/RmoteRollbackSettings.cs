namespace Rmote.Nuke;

/// <summary>Settings of <see cref="RmoteTasks.RmoteRollback(Configure{RmoteRollbackSettings})"/> (immutable: each setter returns a copy).</summary>
public sealed record RmoteRollbackSettings : RmoteSettings
{
    /// <summary>The releases' base folder on the hosts.</summary>
    public string? BaseFolder { get; init; }

    /// <summary>The release to go back to (default: the most recent one live on every host, complete and still present).</summary>
    public string? ToRelease { get; init; }

    /// <summary>How long to wait for a deploy holding the base's lock (null: 60 s).</summary>
    public TimeSpan? LockTimeout { get; init; }

    /// <summary>Units restarted on every host after the rollback, in order.</summary>
    public IReadOnlyList<string>? RestartServices { get; init; }

    /// <summary>How long each restarted unit may take to become active (null: 30 s).</summary>
    public TimeSpan? ServiceTimeout { get; init; }

    /// <summary>Runs once every host is back on the release and its services restarted; throwing fails the task.</summary>
    public Action<Operations.ReleaseRolledBack>? AfterRollback { get; init; }
}
