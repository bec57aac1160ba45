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
    /// <summary>Fan-out options for this step (null: the session's).</summary>
    public FleetOptions? Fleet { get; init; }
}
