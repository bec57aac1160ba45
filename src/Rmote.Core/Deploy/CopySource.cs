namespace Rmote.Deploy;

/// <summary>What a copy sends: the contents of a local folder, or an explicit set of files with their destination paths.</summary>
public sealed class CopySource
{
    CopySource(string? folder, IReadOnlyList<CopyItem>? items) => (Folder, Items) = (folder, items);

    /// <summary>The local folder whose contents are copied (not the folder itself), or null for a file set.</summary>
    public string? Folder { get; }

    /// <summary>The explicit file set, or null for a folder.</summary>
    public IReadOnlyList<CopyItem>? Items { get; }

    /// <summary>Copies everything under <paramref name="folder"/> (like <c>rsync -a folder/ dest/</c>).</summary>
    public static CopySource FromFolder(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        var full = Path.GetFullPath(folder);
        if (!Directory.Exists(full))
            throw new DirectoryNotFoundException($"Source folder '{folder}' does not exist.");
        return new CopySource(full, null);
    }

    /// <summary>Copies the given files, each to its own destination path (validated here: nothing escapes the destination).</summary>
    public static CopySource FromFiles(IEnumerable<CopyItem> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        var list = items.Select(i => i with { DestinationPath = DestinationPath.Normalize(i.DestinationPath) }).ToList();
        return new CopySource(null, list);
    }

    /// <summary>Copies the given local files flat into the destination folder, under their own file names.</summary>
    public static CopySource FromFiles(IEnumerable<string> files) =>
        FromFiles(files.Select(f => new CopyItem(f, Path.GetFileName(f))));

    /// <inheritdoc/>
    public override string ToString() => Folder ?? $"{Items!.Count} file(s)";
}
