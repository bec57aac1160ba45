using System.Globalization;
using System.Security.Cryptography;

namespace Rmote.TestRig;

/// <summary>What a folder holds, as text to compare before and after (each entry's relative path, a file's SHA-256).</summary>
public static class TreeSnapshot
{
    /// <summary>One line per entry under <paramref name="root"/>, sorted: <c>path sha256</c> for files, <c>path/</c> for folders.</summary>
    public static string Of(string root) => string.Join('\n', Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories)
        .Order(StringComparer.Ordinal)
        .Select(p => Path.GetRelativePath(root, p) + (File.Exists(p) ? " " + Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(p))) : "/")));

    /// <summary>
    /// Everything a host-side change could touch under <paramref name="root"/>, the folder itself included: every entry
    /// (hidden ones too; symlinks not followed) with its type, mode, modification time (100 ns), size, a file's SHA-256 and
    /// a link's target. Two equal snapshots mean nothing was written, created, deleted, renamed, chmodded or touched.
    /// </summary>
    public static string WithMetadata(string root)
    {
        var lines = new List<string> { Line(root, new DirectoryInfo(root)) };
        Walk(new DirectoryInfo(root));
        return string.Join('\n', lines);

        void Walk(DirectoryInfo dir)
        {
            foreach (var e in dir.EnumerateFileSystemInfos("*", new EnumerationOptions { AttributesToSkip = 0, RecurseSubdirectories = false })
                .OrderBy(e => e.Name, StringComparer.Ordinal))
            {
                lines.Add(Line(root, e));
                if (e is DirectoryInfo d && d.LinkTarget is null) Walk(d);
            }
        }
    }

    static string Line(string root, FileSystemInfo e)
    {
        var rel = Path.GetRelativePath(root, e.FullName);
        var stamp = $"{Convert.ToString((int)e.UnixFileMode, 8)} {e.LastWriteTimeUtc.Ticks.ToString(CultureInfo.InvariantCulture)}";
        if (e.LinkTarget is { } target) return $"{rel} -> {target} {stamp}";
        if (e is FileInfo f) return $"{rel} {f.Length} {stamp} {Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(f.FullName)))}";
        return $"{rel}/ {stamp}";
    }
}
