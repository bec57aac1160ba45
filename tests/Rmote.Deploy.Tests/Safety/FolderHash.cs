using System.Security.Cryptography;

namespace Rmote.Deploy.Tests;

/// <summary>What a user checks of a folder outside the destination: every entry's path, type and content hash.</summary>
internal static class FolderHash
{
    /// <summary>Relative path -> "dir", "link:target" or the file's SHA-256, for everything under <paramref name="root"/>.</summary>
    public static SortedDictionary<string, string> Of(string root)
    {
        var map = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (!Directory.Exists(root)) return map;
        foreach (var path in Directory.EnumerateFileSystemEntries(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            var info = new FileInfo(path);
            var rel = Path.GetRelativePath(root, path);
            map[rel] = info.LinkTarget is { } target ? "link:" + target
                : (info.Attributes & FileAttributes.Directory) != 0 ? "dir"
                : Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));
        }
        return map;
    }

    /// <summary>The entries of <paramref name="before"/> missing or changed in <paramref name="after"/>, and new ones.</summary>
    public static string[] Diff(IReadOnlyDictionary<string, string> before, IReadOnlyDictionary<string, string> after) =>
    [
        .. before.Where(kv => !after.TryGetValue(kv.Key, out var v) || v != kv.Value).Select(kv => (after.ContainsKey(kv.Key) ? "changed " : "missing ") + kv.Key),
        .. after.Keys.Where(k => !before.ContainsKey(k)).Select(k => "new " + k),
    ];
}
