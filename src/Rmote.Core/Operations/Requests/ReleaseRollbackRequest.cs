using Rmote.Deploy;
using Rmote.Fleet;

namespace Rmote.Operations;

/// <summary>A rollback for <see cref="FleetOperations.RollbackAsync(ReleaseRollbackRequest, CancellationToken)"/>: every host to one release, or none.</summary>
public sealed record ReleaseRollbackRequest
{
    /// <summary>Base folder of the releases layout on every host.</summary>
    public required string BaseFolder { get; init; }
    /// <summary>The release to go back to (null: the most recent one that was live on every host, is complete and still present).</summary>
    public string? To { get; init; }
    /// <summary>How long to wait for a deploy holding the base's lock (null: <see cref="Releases.LockWait"/>'s 60 s).</summary>
    public TimeSpan? LockWait { get; init; }
    /// <summary>Units restarted (and waited for) on every host after the switch, in order; a unit that fails fails its host.</summary>
    public IReadOnlyList<string> RestartServices { get; init; } = [];
    /// <summary>How long each restarted unit may take to become active (default 30 s).</summary>
    public TimeSpan ServiceTimeout { get; init; } = StepDefaults.ServiceTimeout;
    /// <summary>Runs once every host is back on the release and its services restarted (notifications, checks); if it throws, the step fails.</summary>
    public Func<ReleaseRolledBack, CancellationToken, Task>? AfterRollback { get; init; }
    /// <summary>Fan-out options for this step (null: the session's).</summary>
    public FleetOptions? Fleet { get; init; }
}

/// <summary>A rollback done on every host: what an <see cref="ReleaseRollbackRequest.AfterRollback"/> hook gets.</summary>
/// <param name="ReleaseId">The release now current on every host.</param>
/// <param name="BaseFolder">The releases' base folder.</param>
/// <param name="Hosts">The hosts rolled back.</param>
public sealed record ReleaseRolledBack(string ReleaseId, string BaseFolder, IReadOnlyList<string> Hosts);
