using System.IO.Compression;
using System.Reflection.PortableExecutable;

namespace Rmote.TestRig;

/// <summary>The assemblies inside a packed .nupkg, as a user who unzips it would see them.</summary>
public static class PackageAssemblies
{
    /// <summary>
    /// Each dll under <paramref name="folder"/> (e.g. <c>tasks/net10.0/</c>) in the package, and whether it carries
    /// ReadyToRun code: a ManagedNativeHeader in its CLI header, which only crossgen2's output has.
    /// </summary>
    public static IReadOnlyDictionary<string, bool> ReadyToRun(string nupkg, string folder)
    {
        using var zip = ZipFile.OpenRead(nupkg);
        var result = new SortedDictionary<string, bool>(StringComparer.Ordinal);
        foreach (var entry in zip.Entries.Where(e => e.FullName.StartsWith(folder, StringComparison.Ordinal) && e.FullName.EndsWith(".dll", StringComparison.Ordinal)))
        {
            using var copy = new MemoryStream();
            using (var s = entry.Open()) s.CopyTo(copy);
            copy.Position = 0;
            using var pe = new PEReader(copy);
            result[entry.Name] = pe.PEHeaders.CorHeader?.ManagedNativeHeaderDirectory.Size > 0;
        }
        return result;
    }
}
