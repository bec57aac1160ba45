namespace Rmote.Deploy;

/// <summary>
/// Checks a release's shared paths on the controller, before anything connects: each is relative to the release (a
/// folder ends with '/'), stays inside <c>&lt;base&gt;/shared</c> (no absolute path, no '..'), and no two overlap.
/// The host checks them again.
/// </summary>
public static class SharedPaths
{
    /// <summary>The normalized paths (<c>./storage//</c> is <c>storage/</c>); <see cref="ArgumentException"/> naming a bad one and the fix.</summary>
    public static IReadOnlyList<string> Validate(IEnumerable<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var list = new List<string>();
        foreach (var raw in paths)
        {
            if (string.IsNullOrWhiteSpace(raw)) continue;
            var p = raw.Trim().Replace('\\', '/');
            string normal;
            try
            {
                normal = DestinationPath.Normalize(p.TrimEnd('/'));
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"Shared path '{raw}' is refused: {e.Message} A shared path is relative to the release "
                    + "(appsettings.Production.json, storage/) and lives in <base>/shared; it must not escape the base.", nameof(paths), e);
            }
            if (normal == ".rmote-release.json")
                throw new ArgumentException($"Shared path '{raw}' is refused: .rmote-release.json is each release's own manifest.", nameof(paths));
            list.Add(p.EndsWith('/') ? normal + "/" : normal);
        }
        var sorted = list.Select(p => p.TrimEnd('/')).Order(StringComparer.Ordinal).ToList();
        for (var i = 1; i < sorted.Count; i++)
            if (sorted[i] == sorted[i - 1] || sorted[i].StartsWith(sorted[i - 1] + "/", StringComparison.Ordinal))
                throw new ArgumentException($"Shared paths '{sorted[i - 1]}' and '{sorted[i]}' overlap: list each shared file or folder once.", nameof(paths));
        return list;
    }
}
