using Rmote.Deploy;
using Rmote.Fleet;

namespace Rmote.Operations;

/// <summary>A switch of <c>current</c> for <see cref="FleetOperations.SwitchReleaseAsync"/> (all hosts or none).</summary>
public sealed record ReleaseSwitchRequest
{
    /// <summary>Base folder of the releases layout on every host.</summary>
    public required string BaseFolder { get; init; }
    /// <summary>The release to make current (it must exist on every host).</summary>
    public required string ReleaseId { get; init; }
    /// <summary>After switching, delete the oldest releases so that this many remain (null: keep all).</summary>
    public int? Keep { get; init; }
    /// <summary>How long to wait for a deploy holding the base's lock (null: <see cref="Releases.LockWait"/>'s 60 s).</summary>
    public TimeSpan? LockWait { get; init; }
    /// <summary>Fan-out options for this step (null: the session's).</summary>
    public FleetOptions? Fleet { get; init; }
}
