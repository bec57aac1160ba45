namespace Rmote.Deploy;

/// <summary>A file a WhatIf preview found would be copied or deleted on a host.</summary>
/// <param name="Path">Destination-relative path ('/'-separated).</param>
/// <param name="Size">Bytes: the local file's size for a copy; for a deletion, the host's file (a folder: the regular files below it).</param>
public sealed record PlannedFile(string Path, long Size);

/// <summary>
/// What a copy would change on one host (WhatIf): computed by the host's own sync plan, compare only, so a preview and
/// the copy it describes cannot disagree on what differs. Nothing is written, created or deleted to find out.
/// </summary>
public sealed record CopyPreview
{
    /// <summary>The folder compared against (a release deploy: the current release's folder).</summary>
    public required string DestinationFolder { get; init; }
    /// <summary>Files whose content would be sent.</summary>
    public required IReadOnlyList<PlannedFile> Copy { get; init; }
    /// <summary>Paths that would be deleted as extraneous.</summary>
    public required IReadOnlyList<PlannedFile> Delete { get; init; }
    /// <summary>Files and symlinks already up to date.</summary>
    public int Unchanged { get; init; }
    /// <summary>Symlinks that would be created or retargeted.</summary>
    public int LinksChanged { get; init; }
    /// <summary>Up-to-date entries whose mode, owner or time would be fixed.</summary>
    public int MetadataFixed { get; init; }

    /// <summary>True when the copy would change anything.</summary>
    public bool Changed => Copy.Count + Delete.Count + LinksChanged + MetadataFixed > 0;
}
