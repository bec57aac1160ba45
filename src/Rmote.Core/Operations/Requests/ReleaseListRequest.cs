using Rmote.Fleet;

namespace Rmote.Operations;

/// <summary>A listing for <see cref="FleetOperations.ListReleasesAsync"/>: each host's releases with their manifests.</summary>
public sealed record ReleaseListRequest
{
    /// <summary>Base folder of the releases layout on every host.</summary>
    public required string BaseFolder { get; init; }
    /// <summary>Fan-out options for this step (null: the session's).</summary>
    public FleetOptions? Fleet { get; init; }
}
