namespace Rmote.Deploy;

/// <summary>One local file and where it goes, relative to the destination folder.</summary>
/// <param name="SourcePath">Local file (a symlink is copied as a link when symlinks are preserved).</param>
/// <param name="DestinationPath">Path under the destination folder, '/'-separated (backslashes are accepted).</param>
public sealed record CopyItem(string SourcePath, string DestinationPath);
