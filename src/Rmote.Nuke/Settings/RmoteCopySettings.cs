namespace Rmote.Nuke;

/// <summary>Settings of <see cref="RmoteTasks.RmoteCopy(Configure{RmoteCopySettings})"/> (immutable: each setter returns a copy).</summary>
public sealed record RmoteCopySettings : RmoteSettings
{
    /// <summary>The local folder whose contents are copied.</summary>
    public string? SourceFolder { get; init; }

    /// <summary>The folder on the hosts (the releases' base folder with releases).</summary>
    public string? DestinationFolder { get; init; }

    /// <summary>Whether a destination normally refused as a mistake is allowed (the host's root, the home folder itself, /etc, /srv...).</summary>
    public bool? AllowDangerousDestination { get; init; }

    /// <summary>Whether files whose size and time match are skipped (default true); false compares content (SHA-256).</summary>
    public bool? SkipUnchangedFiles { get; init; }

    /// <summary>Whether destination files the source lacks are deleted.</summary>
    public bool? DeleteExtraneous { get; init; }

    /// <summary>Whether file data is zlib-compressed on the wire (rsync <c>-z</c>; for slow links).</summary>
    public bool? Compress { get; init; }

    /// <summary>Whether changed files are sent whole (rsync <c>--whole-file</c>) rather than as the blocks that differ from the host's version.</summary>
    public bool? WholeFile { get; init; }

    /// <summary>The mode of every copied file, octal (<c>"0644"</c>).</summary>
    public string? FileMode { get; init; }

    /// <summary>The mode of every created folder, octal (<c>"0755"</c>).</summary>
    public string? DirectoryMode { get; init; }

    /// <summary>The owner of copied files.</summary>
    public string? Owner { get; init; }

    /// <summary>The group of copied files.</summary>
    public string? Group { get; init; }

    /// <summary>Whether each host verifies each written file's SHA-256.</summary>
    public bool? VerifyChecksum { get; init; }

    /// <summary>Whether the copy is a release (<c>releases/&lt;id&gt;</c>, <c>current</c> switched on every host or none).</summary>
    public bool? UseReleases { get; init; }

    /// <summary>The release id (default: a UTC timestamp).</summary>
    public string? ReleaseId { get; init; }

    /// <summary>How many releases are kept (default 5).</summary>
    public int? KeepReleases { get; init; }

    /// <summary>With releases: how long to wait for another deploy holding the base's lock (null: 60 s).</summary>
    public TimeSpan? LockTimeout { get; init; }

    /// <summary>Extra attempts for a host whose copy failed.</summary>
    public int? Retries { get; init; }

    /// <summary>The pause before a retry (default 1 s).</summary>
    public TimeSpan? RetryDelay { get; init; }

    /// <summary>With releases: files and folders (a folder ends with '/') kept in <c>&lt;base&gt;/shared</c> and symlinked into each release.</summary>
    public IReadOnlyList<string>? SharedPaths { get; init; }

    /// <summary>With releases: a deploy that changes nothing keeps the current release instead of making a new one (null: false).</summary>
    public bool? ReuseUnchangedRelease { get; init; }

    /// <summary>With releases: switch <c>current</c> and prune (null: true); false stages the release only.</summary>
    public bool? SwitchRelease { get; init; }

    /// <summary>With releases: runs once the release is staged on every host, before any host switches; throwing vetoes the switch.</summary>
    public Action<Deploy.ReleaseStaged>? BeforeSwitch { get; init; }

    /// <summary>Least time between two progress lines of one host (default 2 s; zero: none); a shorter copy logs none.</summary>
    public TimeSpan? ProgressInterval { get; init; }
}
