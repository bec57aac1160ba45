namespace Rmote.Operations;

/// <summary>
/// A copy step as every front end states it (MSBuild parameters, Cake and Nuke settings), in the names of
/// docs/FRONT-ENDS.md; null means the default. <see cref="StepMapper.Copy"/> turns it into a <see cref="CopyRequest"/>.
/// </summary>
public sealed record CopyStep
{
    /// <summary>Local folder whose contents are copied (or <see cref="SourceFiles"/>).</summary>
    public string? SourceFolder { get; init; }
    /// <summary>Local files and their paths under the destination (or <see cref="SourceFolder"/>).</summary>
    public IReadOnlyList<Deploy.CopyItem>? SourceFiles { get; init; }
    /// <summary>Folder on the hosts; the releases' base folder with releases.</summary>
    public string? DestinationFolder { get; init; }
    /// <summary>Allow a destination normally refused as a mistake (default false).</summary>
    public bool? AllowDangerousDestination { get; init; }
    /// <summary>Skip files whose size and time match (default true); false compares SHA-256.</summary>
    public bool? SkipUnchangedFiles { get; init; }
    /// <summary>Delete files on the host that the source lacks (default false).</summary>
    public bool? DeleteExtraneous { get; init; }
    /// <summary>zlib-compress file data on the wire (default false).</summary>
    public bool? Compress { get; init; }
    /// <summary>Send changed files whole instead of the blocks that differ (default false).</summary>
    public bool? WholeFile { get; init; }
    /// <summary>Octal mode of every copied file (default: the source's).</summary>
    public string? FileMode { get; init; }
    /// <summary>Octal mode of every created folder (default: the source's).</summary>
    public string? DirectoryMode { get; init; }
    /// <summary>Owner of the copied files.</summary>
    public string? Owner { get; init; }
    /// <summary>Group of the copied files.</summary>
    public string? Group { get; init; }
    /// <summary>Each host verifies each written file's SHA-256 before it replaces the old one (default false).</summary>
    public bool? VerifyChecksum { get; init; }
    /// <summary>Deploy as a release (implied by <see cref="ReleaseId"/>; default false).</summary>
    public bool? UseReleases { get; init; }
    /// <summary>Release id (default: a UTC timestamp).</summary>
    public string? ReleaseId { get; init; }
    /// <summary>Releases kept after the switch (default 5).</summary>
    public int? KeepReleases { get; init; }
    /// <summary>How long to wait for another deploy holding the base's lock (default 60 s).</summary>
    public TimeSpan? LockTimeout { get; init; }
    /// <summary>Extra attempts for a host whose copy failed (default 0).</summary>
    public int? Retries { get; init; }
    /// <summary>Pause before a retry (default 1 s).</summary>
    public TimeSpan? RetryDelay { get; init; }
    /// <summary>The folder relative remote paths are resolved against (<see cref="StepInputs.RemotePath"/>).</summary>
    public string? DeployFolder { get; init; }
    /// <summary>Release files and folders (a folder ends with '/') kept in <c>&lt;base&gt;/shared</c> and symlinked into each release.</summary>
    public IReadOnlyList<string>? SharedPaths { get; init; }
    /// <summary>A release deploy that changes nothing keeps the current release (default false).</summary>
    public bool? ReuseUnchangedRelease { get; init; }
    /// <summary>A release deploy switches <c>current</c> (default true); false stages only.</summary>
    public bool? SwitchRelease { get; init; }
    /// <summary>Runs once the release is staged on every host, before any switch; throwing vetoes the switch.</summary>
    public Func<Deploy.ReleaseStaged, CancellationToken, Task>? BeforeSwitch { get; init; }
    /// <summary>Least time between two progress lines per host (default 2 s); zero turns progress lines off.</summary>
    public TimeSpan? ProgressInterval { get; init; }
}
