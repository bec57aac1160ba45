using Rmote.Deploy;
using Rmote.Fleet;

namespace Rmote.Operations;

/// <summary>
/// A copy for <see cref="FleetOperations.CopyAsync"/>: <see cref="Source"/> to <see cref="CopyOptions.DestinationFolder"/>,
/// or, with <see cref="UseReleases"/>, into a new release under it (<c>releases/&lt;id&gt;</c>, then <c>current</c> switched
/// on every host or none, then pruned to <see cref="KeepReleases"/>).
/// </summary>
public sealed record CopyRequest
{
    /// <summary>What is copied.</summary>
    public required CopySource Source { get; init; }
    /// <summary>How it is copied (the destination folder is the releases' base folder when <see cref="UseReleases"/>).</summary>
    public required CopyOptions Options { get; init; }
    /// <summary>Deploy as a release (Capistrano layout) instead of copying into the folder itself.</summary>
    public bool UseReleases { get; init; }
    /// <summary>The release id (default: a UTC timestamp); the same on every host.</summary>
    public string? ReleaseId { get; init; }
    /// <summary>Releases kept after the switch (default 5).</summary>
    public int KeepReleases { get; init; } = StepDefaults.KeepReleases;
    /// <summary>How long a release deploy waits for another deploy holding the same base (null: <see cref="Releases.LockWait"/>'s 60 s).</summary>
    public TimeSpan? LockWait { get; init; }
    /// <summary>Extra attempts for a host whose copy failed while its connection stayed up (default 0). A retry sends only what is still missing.</summary>
    public int Retries { get; init; }
    /// <summary>Pause before a retry (default 1 s).</summary>
    public TimeSpan RetryDelay { get; init; } = StepDefaults.RetryDelay;
    /// <summary>Release files and folders (a folder ends with '/') kept in <c>&lt;base&gt;/shared</c> and symlinked into each release (<see cref="Releases.SharedPaths"/>).</summary>
    public IReadOnlyList<string> SharedPaths { get; init; } = [];
    /// <summary>A release deploy that changes nothing keeps the current release instead of making a new one (<see cref="Releases.ReuseUnchanged"/>; default false).</summary>
    public bool ReuseUnchangedRelease { get; init; }
    /// <summary>A release deploy switches <c>current</c> and prunes (default true); false stages only, for a later switch step.</summary>
    public bool SwitchRelease { get; init; } = true;
    /// <summary>Runs once the release is staged on every host, before any host switches; if it throws, no host switches (<see cref="Releases.BeforeSwitch"/>).</summary>
    public Func<ReleaseStaged, CancellationToken, Task>? BeforeSwitch { get; init; }
    /// <summary>Where the deploy comes from, for each release's <c>.rmote-release.json</c> (null: detected from the current folder).</summary>
    public ReleaseManifest? Manifest { get; init; }
    /// <summary>Least time between two progress reports per host (default 2 s); zero: none. See <see cref="CopyProgressThrottle"/>.</summary>
    public TimeSpan ProgressInterval { get; init; } = StepDefaults.ProgressInterval;
    /// <summary>Fan-out options for this step (null: the session's).</summary>
    public FleetOptions? Fleet { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> when the request is incomplete or inconsistent (the operation calls it too).</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(Retries, nameof(Retries));
        ArgumentOutOfRangeException.ThrowIfLessThan(KeepReleases, 1, nameof(KeepReleases));
        if (ReleaseId != null) Releases.ValidateId(ReleaseId);
        ArgumentOutOfRangeException.ThrowIfLessThan(ProgressInterval, TimeSpan.Zero, nameof(ProgressInterval));
        if (LockWait is { } wait) ArgumentOutOfRangeException.ThrowIfLessThan(wait, TimeSpan.Zero, nameof(LockWait));
        if (!UseReleases && (SharedPaths.Count > 0 || ReuseUnchangedRelease || BeforeSwitch != null || !SwitchRelease))
            throw new ArgumentException("SharedPaths, ReuseUnchangedRelease, SwitchRelease and BeforeSwitch belong to release deploys: set UseReleases (or a ReleaseId).");
        Deploy.SharedPaths.Validate(SharedPaths);
    }
}
