/// <summary>
/// A node_modules-like tree for the 100k-files rows: 10,000 folders (package roots with nested lib/, dist/, src/ ...
/// folders) holding 100,000 files, mostly under 4 KiB with a small tail of larger ones; the same tree for a seed.
/// </summary>
static class ManyFiles
{
    public const int FolderCount = 10_000;
    public const int FileCount = 100_000;

    static readonly string[] Words = ["core", "util", "parse", "lodash", "react", "babel", "eslint", "types", "async", "glob", "chalk", "debug", "json", "yaml", "micro", "fast", "deep", "merge",
         "stream", "path"];
    static readonly string[] SubFolders = ["lib", "dist", "src", "esm", "cjs", "internal", "helpers", "test", "types", "locale"];
    static readonly string[] Extensions = [".js", ".js", ".js", ".d.ts", ".json", ".map", ".md", ".mjs", ".cjs", ".ts"];

    /// <summary>Writes the tree under <paramref name="root"/> (which must not exist); returns its total size in bytes.</summary>
    public static long Generate(string root, int seed = 21)
    {
        var rnd = new Random(seed);
        var noise = new byte[1 << 20];
        rnd.NextBytes(noise);
        // Text-like bytes (printable ASCII) as JavaScript sources are, whatever the copy's compression setting.
        for (var i = 0; i < noise.Length; i++) noise[i] = (byte)(32 + noise[i] % 95);
        var folders = new List<string>(FolderCount);
        var nm = Path.Combine(root, "node_modules");
        // Packages of 10 folders each: the root, then subfolders nested up to 3 levels below it.
        for (var p = 0; folders.Count < FolderCount; p++)
        {
            var name = $"{Words[rnd.Next(Words.Length)]}-{Words[rnd.Next(Words.Length)]}-{p}";
            var pkg = p % 7 == 0 ? Path.Combine(nm, "@scope" + p % 50, name) : Path.Combine(nm, name);
            folders.Add(pkg);
            var parent = pkg;
            for (var k = 1; k < 10 && folders.Count < FolderCount; k++)
            {
                if (k % 3 == 1) parent = pkg;  // a new branch: depth 1, 2, 3 below the package root
                parent = Path.Combine(parent, SubFolders[(k + p) % SubFolders.Length]);
                folders.Add(parent);
            }
        }
        long total = 0;
        for (var f = 0; f < FileCount; f++)
        {
            var dir = folders[f % FolderCount];
            Directory.CreateDirectory(dir);
            var roll = rnd.Next(1000);
            // 92% under 4 KiB, 7% 4-32 KiB, 1% 32-256 KiB.
            var size = roll < 920 ? rnd.Next(0, 4096) : roll < 990 ? rnd.Next(4096, 32 << 10) : rnd.Next(32 << 10, 256 << 10);
            var file = Path.Combine(dir, (f / FolderCount == 0 ? "index" : $"{Words[rnd.Next(Words.Length)]}{f / FolderCount}") + Extensions[rnd.Next(Extensions.Length)]);
            var at = rnd.Next(noise.Length - size);
            File.WriteAllBytes(file, noise.AsSpan(at, size).ToArray());
            total += size;
        }
        return total;
    }
}
