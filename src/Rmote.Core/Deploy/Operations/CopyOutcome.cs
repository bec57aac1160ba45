namespace Rmote.Deploy;

/// <summary>What a <see cref="FleetOperations.CopyAsync"/> did on one host.</summary>
public sealed record CopyOutcome
{
    /// <summary>The copy (into the release folder when releases are used).</summary>
    public required CopyResult Copy { get; init; }
    /// <summary>The release deploy, or null for a plain copy.</summary>
    public ReleaseDeployResult? Release { get; init; }
    /// <summary>Attempts made (1 without retries).</summary>
    public int Attempts { get; init; } = 1;

    /// <inheritdoc/>
    public override string ToString() => Release?.ToString() ?? Copy.ToString();
}
