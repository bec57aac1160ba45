namespace Rmote.TestRig;

/// <summary>The deploy engine's temp files (<c>.name.rmote-tmp-*</c>) under a host's folder, looked for as a user would.</summary>
public static class DeployTemps
{
    /// <summary>Every temp file or folder under <paramref name="dir"/> (none when it does not exist).</summary>
    public static string[] Under(string dir) =>
        Directory.Exists(dir) ? Directory.GetFileSystemEntries(dir, "*.rmote-tmp-*", SearchOption.AllDirectories) : [];

    /// <summary>The bytes the temp files under <paramref name="dir"/> hold now: grows while a copy is in flight.</summary>
    public static long BytesUnder(string dir) =>
        Under(dir).Sum(t => { try { return new FileInfo(t).Length; } catch (IOException) { return 0L; } });
}
