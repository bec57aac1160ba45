namespace Rmote.Deploy;

/// <summary>A prepared release folder.</summary>
/// <param name="Path">Absolute path of <c>releases/&lt;id&gt;</c> on the host.</param>
/// <param name="SeededFrom">The release it was seeded from (hard links), or null.</param>
/// <param name="Linked">Files hard-linked from the seed.</param>
/// <param name="Copied">Files copied from the seed (hard links not possible there).</param>
public sealed record ReleasePrepared(string Path, string? SeededFrom, int Linked, int Copied);

/// <summary>A switch of the <c>current</c> symlink.</summary>
/// <param name="Previous">The release <c>current</c> pointed to before, or null.</param>
/// <param name="Current">The release it points to now.</param>
public sealed record ReleaseSwitched(string? Previous, string Current);

/// <summary>The releases on a host.</summary>
/// <param name="Releases">Release ids, oldest first (natural order: timestamps and v9 &lt; v10 sort right).</param>
/// <param name="Current">The id <c>current</c> points to, or null.</param>
public sealed record ReleaseListing(IReadOnlyList<string> Releases, string? Current);

/// <summary>What a release deploy did on one host.</summary>
public sealed record ReleaseDeployResult
{
    /// <summary>The host's name.</summary>
    public required string Host { get; init; }
    /// <summary>The release id.</summary>
    public required string ReleaseId { get; init; }
    /// <summary>The prepare step.</summary>
    public required ReleasePrepared Prepared { get; init; }
    /// <summary>The copy into the release folder.</summary>
    public required CopyResult Copy { get; init; }
    /// <summary>The switch of <c>current</c>; null when the switch did not happen (another host failed).</summary>
    public ReleaseSwitched? Switched { get; init; }
    /// <summary>Release ids deleted to keep the last N.</summary>
    public IReadOnlyList<string> Pruned { get; init; } = [];

    /// <inheritdoc/>
    public override string ToString() =>
        $"release {ReleaseId}: {Copy}" + (Switched is { } s ? $", current {s.Previous ?? "-"} -> {s.Current}" : ", not switched");
}
