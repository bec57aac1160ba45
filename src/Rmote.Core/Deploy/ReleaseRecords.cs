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
public sealed record ReleaseSwitched(string? Previous, string Current) : Operations.IStepOutcome
{
    /// <summary>In WhatIf mode, the switch that would happen (nothing was changed); null when it happened.</summary>
    public Operations.StepPlan? Plan { get; init; }

    /// <inheritdoc/>
    public string Summary => Plan?.Summary ?? ToString();

    /// <inheritdoc/>
    public override string ToString() => $"current {Previous ?? "-"} -> {Current}";
}

/// <summary>The releases on a host.</summary>
/// <param name="Releases">Release ids, oldest first (natural order: timestamps and v9 &lt; v10 sort right).</param>
/// <param name="Current">The id <c>current</c> points to, or null.</param>
public sealed record ReleaseListing(IReadOnlyList<string> Releases, string? Current)
{
    /// <summary>The releases whose staging finished (only these can go live or be rolled back to).</summary>
    public IReadOnlyList<string> Complete { get; init; } = [];

    /// <summary>The releases that were live, oldest first (a release live twice appears twice).</summary>
    public IReadOnlyList<ReleaseLive> History { get; init; } = [];

    /// <summary>Each release's <c>.rmote-release.json</c> (releases deployed before manifests existed have none).</summary>
    public IReadOnlyDictionary<string, ReleaseManifest> Manifests { get; init; } = new Dictionary<string, ReleaseManifest>();
}

/// <summary>One entry of a host's history of live releases.</summary>
/// <param name="Release">The release id.</param>
/// <param name="At">When <c>current</c> was switched to it (the host's clock, UTC).</param>
public sealed record ReleaseLive(string Release, DateTimeOffset At);

/// <summary>The deploy lock of a base folder, taken by this connection.</summary>
/// <param name="Base">The base folder (the host's real path).</param>
/// <param name="WaitedMs">How long the host waited for another deploy to finish, in milliseconds.</param>
public sealed record ReleaseLocked(string Base, long WaitedMs);

/// <summary>A release marked complete (its staging finished).</summary>
/// <param name="Release">The release id.</param>
/// <param name="CompletedAt">When, on the host's clock (ISO-8601, UTC).</param>
public sealed record ReleaseCompleted(string Release, string CompletedAt);

/// <summary>A first switch withdrawn: <c>current</c> removed (it pointed at the release), the release kept, complete, not live.</summary>
/// <param name="Release">The release id.</param>
/// <param name="WithdrawnAt">When, on the host's clock (ISO-8601, UTC).</param>
public sealed record ReleaseWithdrawn(string Release, string WithdrawnAt);

/// <summary>Who holds a deploy lock, as another deploy's error names it: the controller's pid and machine, when it started.</summary>
internal sealed record LockHolder(int Pid, string Host, string Started, string? What)
{
    /// <summary>This process, starting <paramref name="what"/> now.</summary>
    public static LockHolder Here(string? what) =>
        new(Environment.ProcessId, Environment.MachineName, DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture), what);
}

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
    /// <summary>How long the host waited for another deploy of the same base to finish.</summary>
    public TimeSpan LockWaited { get; init; }
    /// <summary>The shared paths created and linked into the release (null without <see cref="Releases.SharedPaths"/>).</summary>
    public SharedLinked? Shared { get; init; }
    /// <summary>
    /// True when nothing changed and <see cref="Releases.ReuseUnchanged"/> kept the current release: <see cref="ReleaseId"/>
    /// is that release, and the release staged for comparison was removed.
    /// </summary>
    public bool Reused { get; init; }

    /// <inheritdoc/>
    public override string ToString() => Reused ? $"unchanged, release {ReleaseId} kept" :
        $"release {ReleaseId}: {Copy}" + (Switched is { } s ? $", current {s.Previous ?? "-"} -> {s.Current}" : ", not switched")
        + (LockWaited >= TimeSpan.FromSeconds(1) ? $", waited {LockWaited.TotalSeconds:0.0} s for another deploy" : "");
}
