namespace Rmote.Deploy;

/// <summary>What a copy did on one host.</summary>
public sealed record CopyResult
{
    /// <summary>The host's name.</summary>
    public required string Host { get; init; }
    /// <summary>The destination folder on the host.</summary>
    public required string DestinationFolder { get; init; }
    /// <summary>Destination-relative paths of the files whose content was sent (MSBuild's CopiedFiles).</summary>
    public required IReadOnlyList<string> CopiedFiles { get; init; }
    /// <summary>Destination-relative paths deleted as extraneous.</summary>
    public required IReadOnlyList<string> DeletedFiles { get; init; }
    /// <summary>Files sent.</summary>
    public int Copied => CopiedFiles.Count;
    /// <summary>Files and symlinks already up to date.</summary>
    public int Skipped { get; init; }
    /// <summary>Paths deleted.</summary>
    public int Deleted => DeletedFiles.Count;
    /// <summary>Folders created.</summary>
    public int DirectoriesCreated { get; init; }
    /// <summary>Symlinks created or retargeted.</summary>
    public int LinksChanged { get; init; }
    /// <summary>Up-to-date entries whose mode, owner or time was fixed without sending content.</summary>
    public int MetadataFixed { get; init; }
    /// <summary>Temp files of earlier interrupted copies removed.</summary>
    public int TempFilesRemoved { get; init; }
    /// <summary>File bytes sent (before frame compression).</summary>
    public long BytesSent { get; init; }
    /// <summary>What the copy left out and why (special files skipped under <see cref="CopyOptions.SkipSpecialFiles"/>).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
    /// <summary>Wall time of the copy on this host.</summary>
    public TimeSpan Duration { get; init; }
    /// <summary>True when anything on the host changed.</summary>
    public bool Changed => Copied + Deleted + DirectoriesCreated + LinksChanged + MetadataFixed > 0;

    /// <inheritdoc/>
    public override string ToString() =>
        $"copied {Copied}, unchanged {Skipped}, deleted {Deleted}, {BytesSent / 1048576.0:0.0} MiB in {Duration.TotalSeconds:0.00} s";
}
