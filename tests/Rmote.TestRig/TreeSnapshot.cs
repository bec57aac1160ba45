using System.Security.Cryptography;

namespace Rmote.TestRig;

/// <summary>What a folder holds, as text to compare before and after (each entry's relative path, a file's SHA-256).</summary>
public static class TreeSnapshot
{
    /// <summary>One line per entry under <paramref name="root"/>, sorted: <c>path sha256</c> for files, <c>path/</c> for folders.</summary>
    public static string Of(string root) => string.Join('\n', Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories)
        .Order(StringComparer.Ordinal)
        .Select(p => Path.GetRelativePath(root, p) + (File.Exists(p) ? " " + Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(p))) : "/")));
}
