using System.Security.Cryptography;

namespace Rmote.Deploy;

/// <summary>One thing a copy puts on the destination.</summary>
internal sealed class SourceEntry
{
    public required string Path { get; init; }
    public required string Type { get; init; }     // file | dir | symlink
    public string? LocalPath { get; init; }
    public long Size { get; init; }
    public long MtimeNs { get; init; }
    public int? Mode { get; init; }
    public string? Link { get; init; }
    public string? Sha256 { get; set; }

    public WireEntry ToWire() => new(Path, Type, Size, Type == "file" ? MtimeNs : null, Mode, Sha256, Link);
}

/// <summary>
/// The local side of a copy, enumerated and validated once and shared by every host: paths are checked here,
/// before anything is sent.
/// </summary>
internal sealed class SourceManifest
{
    SourceManifest(List<SourceEntry> entries)
    {
        Entries = entries;
        ByPath = entries.ToDictionary(e => e.Path, StringComparer.Ordinal);
    }

    public IReadOnlyList<SourceEntry> Entries { get; }
    public IReadOnlyDictionary<string, SourceEntry> ByPath { get; }

    public static SourceManifest Build(CopySource source, CopyOptions options)
    {
        var entries = new List<SourceEntry>();
        if (source.Folder is { } folder)
            WalkFolder(new DirectoryInfo(folder), "", options, entries, new HashSet<string>(StringComparer.Ordinal) { Real(folder) });
        else
            foreach (var item in source.Items!)
                entries.Add(FromItem(item, options));
        entries.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        CheckConflicts(entries);
        return new SourceManifest(entries);
    }

    /// <summary>Computes every file's SHA-256 (in parallel) once.</summary>
    public async Task EnsureHashesAsync(CancellationToken cancellationToken)
    {
        var files = Entries.Where(e => e.Type == "file" && e.Sha256 == null).ToList();
        await Parallel.ForEachAsync(files, new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount },
            async (e, ct) =>
            {
                await using var fs = new FileStream(e.LocalPath!, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, FileOptions.SequentialScan);
                e.Sha256 = Convert.ToHexStringLower(await SHA256.HashDataAsync(fs, ct).ConfigureAwait(false));
            }).ConfigureAwait(false);
    }

    static void WalkFolder(DirectoryInfo dir, string prefix, CopyOptions options, List<SourceEntry> entries, HashSet<string> visited)
    {
        foreach (var info in dir.EnumerateFileSystemInfos())
        {
            var rel = prefix.Length == 0 ? info.Name : prefix + "/" + info.Name;
            if (info.LinkTarget is { } target)
            {
                if (options.PreserveSymlinks)
                {
                    entries.Add(new SourceEntry { Path = rel, Type = "symlink", Link = target, LocalPath = info.FullName });
                    continue;
                }
                var resolved = info.ResolveLinkTarget(returnFinalTarget: true);
                if (resolved == null || !resolved.Exists)
                    throw new IOException($"Symlink '{info.FullName}' points to '{target}', which does not exist (set PreserveSymlinks to copy it as a link).");
                if (resolved is DirectoryInfo rd)
                {
                    if (!visited.Add(Real(rd.FullName)))
                        throw new IOException($"Symlink loop at '{info.FullName}'.");
                    entries.Add(DirEntry(rel, rd, options));
                    WalkFolder(rd, rel, options, entries, visited);
                    continue;
                }
                entries.Add(FileEntry(rel, (FileInfo)resolved, options));
                continue;
            }
            if (info is DirectoryInfo d)
            {
                entries.Add(DirEntry(rel, d, options));
                WalkFolder(d, rel, options, entries, visited);
            }
            else
            {
                entries.Add(FileEntry(rel, (FileInfo)info, options));
            }
        }
    }

    static SourceEntry FromItem(CopyItem item, CopyOptions options)
    {
        var info = new FileInfo(item.SourcePath);
        if (info.LinkTarget is { } target)
        {
            if (options.PreserveSymlinks)
                return new SourceEntry { Path = item.DestinationPath, Type = "symlink", Link = target, LocalPath = info.FullName };
            if (info.ResolveLinkTarget(true) is not FileInfo resolved || !resolved.Exists)
                throw new FileNotFoundException($"Source file '{item.SourcePath}' is a symlink to '{target}', which is not an existing file.", item.SourcePath);
            return FileEntry(item.DestinationPath, resolved, options);
        }
        if (!info.Exists)
        {
            if (Directory.Exists(item.SourcePath))
                throw new ArgumentException($"Source '{item.SourcePath}' is a folder; a file set lists files (use CopySource.FromFolder for folders).");
            throw new FileNotFoundException($"Source file '{item.SourcePath}' does not exist.", item.SourcePath);
        }
        return FileEntry(item.DestinationPath, info, options);
    }

    static SourceEntry FileEntry(string rel, FileInfo f, CopyOptions options) => new()
    {
        Path = rel,
        Type = "file",
        LocalPath = f.FullName,
        Size = f.Length,
        MtimeNs = (f.LastWriteTimeUtc - DateTime.UnixEpoch).Ticks * 100,
        Mode = !options.PreserveModes ? null : (int)(options.FileMode ?? Mode(f)),
    };

    static SourceEntry DirEntry(string rel, DirectoryInfo d, CopyOptions options) => new()
    {
        Path = rel,
        Type = "dir",
        LocalPath = d.FullName,
        Mode = !options.PreserveModes ? null : (int)(options.DirectoryMode ?? Mode(d)),
    };

    static UnixFileMode Mode(FileSystemInfo info) =>
        OperatingSystem.IsWindows() ? (info is DirectoryInfo ? (UnixFileMode)0b111_101_101 : (UnixFileMode)0b110_100_100) : info.UnixFileMode;

    static string Real(string path) => new DirectoryInfo(path).ResolveLinkTarget(true)?.FullName ?? Path.GetFullPath(path);

    /// <summary>Refuses duplicate destinations and paths below a file or a symlink of the same set (a link trick).</summary>
    static void CheckConflicts(List<SourceEntry> entries)
    {
        var byPath = new Dictionary<string, SourceEntry>(StringComparer.Ordinal);
        foreach (var e in entries)
            if (!byPath.TryAdd(e.Path, e))
                throw new ArgumentException($"Destination path '{e.Path}' is given twice (from '{byPath[e.Path].LocalPath}' and '{e.LocalPath}').");
        foreach (var e in entries)
        {
            var slash = e.Path.LastIndexOf('/');
            while (slash > 0)
            {
                var parent = e.Path[..slash];
                if (byPath.TryGetValue(parent, out var p) && p.Type != "dir")
                    throw new ArgumentException(
                        $"Destination path '{e.Path}' lies below '{parent}', which the same copy creates as a {p.Type}: refused (it could be written through a link).");
                slash = parent.LastIndexOf('/');
            }
        }
    }
}
