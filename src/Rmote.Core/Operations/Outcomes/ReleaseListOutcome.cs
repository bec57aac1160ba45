using Rmote.Deploy;

namespace Rmote.Operations;

/// <summary>One release on one host, as a listing shows it.</summary>
/// <param name="Id">The release id.</param>
/// <param name="Current">Whether <c>current</c> points to it.</param>
/// <param name="Complete">Whether its staging finished (only complete releases go live).</param>
/// <param name="Manifest">Its <c>.rmote-release.json</c>, or null (a release deployed before manifests, or one never completed).</param>
public sealed record ReleaseInfo(string Id, bool Current, bool Complete, ReleaseManifest? Manifest)
{
    /// <summary>One line: <c>* 20260102030405000 (current) commit 1a2b3c4d5e6f build 42 by ci on build01 at ... 12 file(s)</c>.</summary>
    public override string ToString() =>
        $"{(Current ? "*" : " ")} {Id}{(Current ? " (current)" : "")}{(Complete ? "" : " (incomplete)")}{(Manifest is { } m ? " " + m : "")}";
}

/// <summary>What <see cref="FleetOperations.ListReleasesAsync"/> found on one host.</summary>
public sealed record ReleaseListOutcome : IStepOutcome
{
    /// <summary>The releases, oldest first.</summary>
    public required IReadOnlyList<ReleaseInfo> Releases { get; init; }

    /// <summary>The current release, or null.</summary>
    public string? Current => Releases.FirstOrDefault(r => r.Current)?.Id;

    /// <inheritdoc/>
    public string Summary => Releases.Count == 0 ? "no releases" : $"{Releases.Count} release(s), current {Current ?? "none"}";

    /// <summary>The outcome of a host's <see cref="ReleaseListing"/>.</summary>
    public static ReleaseListOutcome From(ReleaseListing listing)
    {
        ArgumentNullException.ThrowIfNull(listing);
        var complete = listing.Complete.ToHashSet(StringComparer.Ordinal);
        return new ReleaseListOutcome
        {
            Releases = [.. listing.Releases.Select(id => new ReleaseInfo(id, id == listing.Current, complete.Contains(id), listing.Manifests.GetValueOrDefault(id)))],
        };
    }

    /// <inheritdoc/>
    public override string ToString() => Summary;
}
