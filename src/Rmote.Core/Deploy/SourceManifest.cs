using System.Security.Cryptography;
using System.Text;
using Rmote.Wire;

namespace Rmote.Deploy;

/// <summary>
/// The local side of a copy, enumerated and validated once and shared by every host: paths are checked here,
/// before anything is sent. On Linux the folder is read by raw bytes (<see cref="LocalFs"/>): a non-UTF-8 name
/// is copied byte-exact, and FIFOs, sockets and devices are refused (or skipped) without ever being opened.
/// </summary>
internal sealed class SourceManifest
{
    SourceManifest(List<SourceEntry> entries, List<string> warnings) => (Entries, Warnings) = (entries, warnings);

    /// <summary>Every entry; a folder before what it holds.</summary>
    public IReadOnlyList<SourceEntry> Entries { get; }

    /// <summary>One line per special file left out (<see cref="CopyOptions.SkipSpecialFiles"/>).</summary>
    public IReadOnlyList<string> Warnings { get; }

    public static SourceManifest Build(CopySource source, CopyOptions options)
    {
        var entries = new List<SourceEntry>();
        var warnings = new List<string>();
        if (source.Folder is { } folder)
        {
            var root = new SourceFolder("", folder);
            if (LocalFs.Available)
            {
                var st = LocalFs.Stat(folder, follow: true) ?? throw new DirectoryNotFoundException($"Source folder '{folder}' does not exist.");
                new RawWalk(options, entries, warnings, [(st.Device, st.Inode)]).Walk(root);
            }
            else
            {
                WalkFolder(new DirectoryInfo(folder), root, options, entries, new HashSet<string>(StringComparer.Ordinal) { Real(folder) });
            }
        }
        else
        {
            var root = new SourceFolder("", "");
            foreach (var item in source.Items!)
                if (FromItem(item, root, options, warnings) is { } e) entries.Add(e);
            entries.Sort((a, b) => a.Name.AsSpan().SequenceCompareTo(b.Name));
            CheckConflicts(entries);
        }
        if (options.ExcludePaths.Count > 0)
        {
            var excluded = options.ExcludePaths.Select(DestinationPath.Normalize).ToList();
            entries.RemoveAll(e => e.Path is var p && excluded.Exists(x => p == x || p.StartsWith(x + "/", StringComparison.Ordinal)));
        }
        entries.TrimExcess();
        return new SourceManifest(entries, warnings);
    }

    /// <summary>Computes every file's SHA-256 (in parallel) once.</summary>
    public async Task EnsureHashesAsync(CancellationToken cancellationToken)
    {
        var files = Entries.Where(e => e.Kind == EntryKind.File && e.Sha256 == null).ToList();
        await Parallel.ForEachAsync(files, new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount },
            async (e, ct) =>
            {
                using var handle = LocalFs.OpenRead(e.LocalPath);
                await using var fs = new FileStream(handle, FileAccess.Read, 1 << 16);
                e.Sha256 = Convert.ToHexStringLower(await SHA256.HashDataAsync(fs, ct).ConfigureAwait(false));
            }).ConfigureAwait(false);
    }

    /// <summary>Refuses a FIFO, socket or device (reading one hangs or sends nothing useful), or notes it when asked to skip it.</summary>
    internal static void Special(string path, LocalKind kind, bool viaLink, CopyOptions options, List<string> warnings)
    {
        var what = kind switch
        {
            LocalKind.Fifo => "a FIFO (named pipe)",
            LocalKind.Socket => "a socket",
            LocalKind.CharDevice => "a character device",
            LocalKind.BlockDevice => "a block device",
            _ => "neither a file, a folder nor a symlink",
        };
        var shown = SurrogateEscape.Escaped(path) + (viaLink ? " (through a symlink)" : "");
        if (options.SkipSpecialFiles)
        {
            warnings.Add($"Skipped '{shown}': it is {what}, not a regular file (SkipSpecialFiles).");
            return;
        }
        throw new IOException(
            $"Source '{shown}' is {what}, not a regular file: refused before anything was sent (it is never opened: reading it " +
            "could hang the copy or send an empty file). Remove it from the source, or set SkipSpecialFiles to leave such files out with a warning.");
    }

    /// <summary>The folder walk on Linux: names as bytes, kinds from readdir, one statx per file.</summary>
    sealed class RawWalk(CopyOptions options, List<SourceEntry> entries, List<string> warnings, HashSet<(ulong, ulong)> visited)
    {
        public void Walk(SourceFolder folder)
        {
            // files and folders are stat-ed through the open folder while it is listed: no path string per entry
            var items = LocalFs.ReadDirectory(folder.Local, StatKind);
            items.Sort(NameOrder);
            foreach (var (name, kind, st) in items)
            {
                switch (kind)
                {
                    case LocalKind.File:
                        entries.Add(File(folder, name, st!.Value, null));
                        break;
                    case LocalKind.Dir:
                        entries.Add(Dir(folder, name, st!.Value));
                        Walk(Child(folder, name, out _));
                        break;
                    case LocalKind.Symlink:
                        Link(folder, name);
                        break;
                    default:
                        Special(Path.Join(folder.Local, SurrogateEscape.Decode(name)), kind, false, options, warnings);
                        break;
                }
            }
        }

        static bool StatKind(LocalKind kind) => kind is LocalKind.Unknown or LocalKind.File or LocalKind.Dir;

        static readonly Comparison<LocalEntry> NameOrder = (a, b) => a.Name.AsSpan().SequenceCompareTo(b.Name);

        static SourceFolder Child(SourceFolder folder, byte[] name, out string full)
        {
            var text = SurrogateEscape.Decode(name);
            full = Path.Join(folder.Local, text);
            return new SourceFolder(folder.Rel.Length == 0 ? text : folder.Rel + "/" + text, full);
        }

        void Link(SourceFolder folder, byte[] name)
        {
            var child = Child(folder, name, out var full);
            var target = LocalFs.ReadLink(full);
            if (options.PreserveSymlinks)
            {
                entries.Add(new SourceEntry { Folder = folder, Name = name, Kind = EntryKind.Symlink, Link = target, Source = full });
                return;
            }
            var st = LocalFs.Stat(full, follow: true)
                ?? throw new IOException($"Symlink '{SurrogateEscape.Escaped(full)}' points to '{SurrogateEscape.Escaped(target)}', which does not exist (set PreserveSymlinks to copy it as a link).");
            switch (st.Kind)
            {
                case LocalKind.Dir:
                    if (!visited.Add((st.Device, st.Inode)))
                        throw new IOException($"Symlink loop at '{SurrogateEscape.Escaped(full)}'.");
                    entries.Add(Dir(folder, name, st));
                    Walk(child);
                    break;
                case LocalKind.File:
                    entries.Add(File(folder, name, st, full));
                    break;
                default:
                    Special(full, st.Kind, true, options, warnings);
                    break;
            }
        }

        SourceEntry File(SourceFolder folder, byte[] name, LocalStat st, string? source) => new()
        {
            Folder = folder, Name = name, Kind = EntryKind.File, Source = source, Size = st.Size, MtimeNs = st.MtimeNs,
            Mode = !options.PreserveModes ? null : (int?)options.FileMode ?? st.Mode,
        };

        SourceEntry Dir(SourceFolder folder, byte[] name, LocalStat st) => new()
        {
            Folder = folder, Name = name, Kind = EntryKind.Dir,
            Mode = !options.PreserveModes ? null : (int?)options.DirectoryMode ?? st.Mode,
        };
    }

    /// <summary>The folder walk elsewhere (.NET's names and metadata).</summary>
    static void WalkFolder(DirectoryInfo dir, SourceFolder folder, CopyOptions options, List<SourceEntry> entries, HashSet<string> visited)
    {
        foreach (var info in dir.EnumerateFileSystemInfos().OrderBy(i => i.Name, StringComparer.Ordinal))
        {
            var name = Encoding.UTF8.GetBytes(info.Name);
            var rel = folder.Rel.Length == 0 ? info.Name : folder.Rel + "/" + info.Name;
            if (info.LinkTarget is { } target)
            {
                if (options.PreserveSymlinks)
                {
                    entries.Add(new SourceEntry { Folder = folder, Name = name, Kind = EntryKind.Symlink, Link = target, Source = info.FullName });
                    continue;
                }
                var resolved = info.ResolveLinkTarget(returnFinalTarget: true);
                if (resolved == null || !resolved.Exists)
                    throw new IOException($"Symlink '{info.FullName}' points to '{target}', which does not exist (set PreserveSymlinks to copy it as a link).");
                if (resolved is DirectoryInfo rd)
                {
                    if (!visited.Add(Real(rd.FullName)))
                        throw new IOException($"Symlink loop at '{info.FullName}'.");
                    entries.Add(DirEntry(folder, name, rd, options));
                    WalkFolder(rd, new SourceFolder(rel, rd.FullName), options, entries, visited);
                    continue;
                }
                entries.Add(FileEntry(folder, name, (FileInfo)resolved, options));
                continue;
            }
            if (info is DirectoryInfo d)
            {
                entries.Add(DirEntry(folder, name, d, options));
                WalkFolder(d, new SourceFolder(rel, d.FullName), options, entries, visited);
            }
            else
            {
                entries.Add(FileEntry(folder, name, (FileInfo)info, options));
            }
        }
    }

    static SourceEntry? FromItem(CopyItem item, SourceFolder root, CopyOptions options, List<string> warnings)
    {
        var name = SurrogateEscape.Encode(item.DestinationPath);
        var info = new FileInfo(item.SourcePath);
        if (info.LinkTarget is { } target)
        {
            if (options.PreserveSymlinks)
                return new SourceEntry { Folder = root, Name = name, Kind = EntryKind.Symlink, Link = target, Source = info.FullName };
            if (info.ResolveLinkTarget(true) is not FileInfo resolved || !resolved.Exists)
                throw new FileNotFoundException($"Source file '{item.SourcePath}' is a symlink to '{target}', which is not an existing file.", item.SourcePath);
            if (SpecialKind(resolved.FullName) is { } linked)
            {
                Special(item.SourcePath, linked, true, options, warnings);
                return null;
            }
            return FileEntry(root, name, resolved, options);
        }
        if (SpecialKind(info.FullName) is { } kind)
        {
            Special(item.SourcePath, kind, false, options, warnings);
            return null;
        }
        if (!info.Exists)
        {
            if (Directory.Exists(item.SourcePath))
                throw new ArgumentException($"Source '{item.SourcePath}' is a folder; a file set lists files (use CopySource.FromFolder for folders).");
            throw new FileNotFoundException($"Source file '{item.SourcePath}' does not exist.", item.SourcePath);
        }
        return FileEntry(root, name, info, options);
    }

    static LocalKind? SpecialKind(string path) =>
        LocalFs.Available && LocalFs.Stat(path, follow: true) is { Kind: not (LocalKind.File or LocalKind.Dir or LocalKind.Symlink) } st ? st.Kind : null;

    static SourceEntry FileEntry(SourceFolder folder, byte[] name, FileInfo f, CopyOptions options) => new()
    {
        Folder = folder,
        Name = name,
        Kind = EntryKind.File,
        Source = f.FullName,
        Size = f.Length,
        MtimeNs = (f.LastWriteTimeUtc - DateTime.UnixEpoch).Ticks * 100,
        Mode = !options.PreserveModes ? null : (int)(options.FileMode ?? Mode(f)),
    };

    static SourceEntry DirEntry(SourceFolder folder, byte[] name, DirectoryInfo d, CopyOptions options) => new()
    {
        Folder = folder,
        Name = name,
        Kind = EntryKind.Dir,
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
                if (byPath.TryGetValue(parent, out var p) && p.Kind != EntryKind.Dir)
                    throw new ArgumentException(
                        $"Destination path '{e.Path}' lies below '{parent}', which the same copy creates as a {p.Type}: refused (it could be written through a link).");
                slash = parent.LastIndexOf('/');
            }
        }
    }
}
