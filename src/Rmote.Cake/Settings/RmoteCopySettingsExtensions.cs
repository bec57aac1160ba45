namespace Rmote.Cake;

/// <summary>Fluent setters of <see cref="RmoteCopySettings"/>.</summary>
public static class RmoteCopySettingsExtensions
{
    /// <summary>Skips files whose size and time match (the default); false compares content (SHA-256) instead.</summary>
    public static RmoteCopySettings WithSkipUnchangedFiles(this RmoteCopySettings settings, bool skip = true)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.SkipUnchangedFiles = skip;
        return settings;
    }

    /// <summary>Compresses file data on the wire (for slow links).</summary>
    public static RmoteCopySettings WithCompression(this RmoteCopySettings settings, bool compress = true)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Compress = compress;
        return settings;
    }

    /// <summary>Sends changed files whole instead of only the blocks that differ from the host's version.</summary>
    public static RmoteCopySettings WithWholeFiles(this RmoteCopySettings settings, bool wholeFile = true)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.WholeFile = wholeFile;
        return settings;
    }

    /// <summary>Allows a destination normally refused as a mistake (the host's root, the home folder itself, /etc, /srv...).</summary>
    public static RmoteCopySettings WithDangerousDestinationAllowed(this RmoteCopySettings settings, bool allow = true)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.AllowDangerousDestination = allow;
        return settings;
    }

    /// <summary>Deletes destination files that the source does not have.</summary>
    public static RmoteCopySettings WithDeleteExtraneous(this RmoteCopySettings settings, bool delete = true)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.DeleteExtraneous = delete;
        return settings;
    }

    /// <summary>Forces the mode of copied files and, optionally, created folders (octal, <c>"0644"</c>).</summary>
    public static RmoteCopySettings WithFileMode(this RmoteCopySettings settings, string fileMode, string? directoryMode = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.FileMode = fileMode;
        settings.DirectoryMode = directoryMode ?? settings.DirectoryMode;
        return settings;
    }

    /// <summary>Sets the owner and, optionally, the group of copied files.</summary>
    public static RmoteCopySettings WithOwner(this RmoteCopySettings settings, string owner, string? group = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Owner = owner;
        settings.Group = group ?? settings.Group;
        return settings;
    }

    /// <summary>Has each host verify each written file's SHA-256.</summary>
    public static RmoteCopySettings WithVerifyChecksum(this RmoteCopySettings settings, bool verify = true)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.VerifyChecksum = verify;
        return settings;
    }

    /// <summary>Deploys as a release under the destination folder (switch on every host or none), keeping <paramref name="keep"/> releases.</summary>
    public static RmoteCopySettings WithReleases(this RmoteCopySettings settings, int keep = 5, string? releaseId = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.UseReleases = true;
        settings.KeepReleases = keep;
        settings.ReleaseId = releaseId ?? settings.ReleaseId;
        return settings;
    }

    /// <summary>With releases: waits up to <paramref name="timeout"/> for another deploy holding the base's lock.</summary>
    public static RmoteCopySettings WithLockTimeout(this RmoteCopySettings settings, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.LockTimeout = timeout;
        return settings;
    }

    /// <summary>Retries a host's failed copy this many times (only what is still missing is sent again), optionally after <paramref name="retryDelay"/>.</summary>
    public static RmoteCopySettings WithRetries(this RmoteCopySettings settings, int retries, TimeSpan? retryDelay = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Retries = retries;
        settings.RetryDelay = retryDelay ?? settings.RetryDelay;
        return settings;
    }

    /// <summary>Logs each host's progress (percentage, MiB/s) at most once per <paramref name="interval"/> (default 2 s; zero: no progress lines).</summary>
    public static RmoteCopySettings WithProgressInterval(this RmoteCopySettings settings, TimeSpan interval)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.ProgressInterval = interval;
        return settings;
    }
}
