using Cake.Core;

namespace Rmote.Cake;

/// <summary>Settings of <see cref="RmoteAliases.RmoteCopy(ICakeContext, IEnumerable{string}, string, string, RmoteCopySettings)"/>.</summary>
public sealed class RmoteCopySettings : RmoteSettings
{
    /// <summary>Skip files whose size and modification time match (default true); false compares content (SHA-256) instead.</summary>
    public bool SkipUnchangedFiles { get; set; } = true;

    /// <summary>Allow a destination normally refused as a mistake: the host's root, the home folder itself, a top-level system folder such as /etc or /srv.</summary>
    public bool AllowDangerousDestination { get; set; }

    /// <summary>Delete files in the destination that the source does not have (rsync <c>--delete</c>).</summary>
    public bool DeleteExtraneous { get; set; }

    /// <summary>zlib-compress file data on the wire (rsync <c>-z</c>): worth it on slow links, a CPU cost on a LAN.</summary>
    public bool Compress { get; set; }

    /// <summary>Send changed files whole (rsync <c>--whole-file</c>) instead of only the blocks that differ from the host's version.</summary>
    public bool WholeFile { get; set; }

    /// <summary>Mode of every copied file, octal (<c>"0644"</c>); null keeps each source file's mode.</summary>
    public string? FileMode { get; set; }

    /// <summary>Mode of every created folder, octal (<c>"0755"</c>); null keeps the source's.</summary>
    public string? DirectoryMode { get; set; }

    /// <summary>Owner of copied files (needs root on the host).</summary>
    public string? Owner { get; set; }

    /// <summary>Group of copied files.</summary>
    public string? Group { get; set; }

    /// <summary>Have each host verify each written file's SHA-256 before it replaces the old one.</summary>
    public bool VerifyChecksum { get; set; }

    /// <summary>Deploy as a release: the destination is the base folder; files go to <c>releases/&lt;id&gt;</c> and <c>current</c> is switched on every host or none.</summary>
    public bool UseReleases { get; set; }

    /// <summary>Release id (default: a UTC timestamp), the same on every host.</summary>
    public string? ReleaseId { get; set; }

    /// <summary>Releases kept after the switch (default 5).</summary>
    public int KeepReleases { get; set; } = Operations.StepDefaults.KeepReleases;

    /// <summary>With releases: how long to wait for another deploy holding the base's lock (null: 60 s).</summary>
    public TimeSpan? LockTimeout { get; set; }

    /// <summary>Extra attempts for a host whose copy failed while its connection stayed up (default 0).</summary>
    public int Retries { get; set; }

    /// <summary>Pause before a retry (null: 1 s).</summary>
    public TimeSpan? RetryDelay { get; set; }

    /// <summary>With releases: files and folders (a folder ends with '/') kept in <c>&lt;base&gt;/shared</c> and symlinked into each release.</summary>
    public List<string> SharedPaths { get; set; } = [];

    /// <summary>With releases: a deploy that changes nothing keeps the current release instead of making a new one.</summary>
    public bool ReuseUnchangedRelease { get; set; }

    /// <summary>With releases: switch <c>current</c> and prune (default true); false stages the release only.</summary>
    public bool SwitchRelease { get; set; } = true;

    /// <summary>With releases: runs once the release is staged on every host, before any host switches; throwing vetoes the switch.</summary>
    public Action<Deploy.ReleaseStaged>? BeforeSwitch { get; set; }

    /// <summary>Least time between two progress lines of one host (null: 2 s; zero: none); a shorter copy logs none.</summary>
    public TimeSpan? ProgressInterval { get; set; }
}
