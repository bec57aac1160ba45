namespace Rmote.TestRig;

/// <summary>Large files of random (incompressible) bytes, made once per test process and deleted at its exit.</summary>
public static class RandomFiles
{
    static readonly Lazy<string> Large = new(() =>
    {
        var dir = Path.Combine(Path.GetTempPath(), "rmote-random-src-" + Environment.ProcessId);
        Directory.CreateDirectory(dir);
        var buffer = new byte[1 << 20];
        foreach (var (file, mib) in new[] { ("big.bin", 320), ("big2.bin", 64) })
        {
            using var f = File.Create(Path.Combine(dir, file));
            for (var i = 0; i < mib; i++)
            {
                Random.Shared.NextBytes(buffer);
                f.Write(buffer);
            }
        }
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { try { Directory.Delete(dir, true); } catch (IOException) { } };
        return dir;
    });

    /// <summary>A folder holding <c>big.bin</c> (320 MiB) and <c>big2.bin</c> (64 MiB): a copy that takes seconds, for cancel and kill tests.</summary>
    public static string LargeFolder => Large.Value;
}
