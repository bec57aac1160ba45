namespace Rmote.Deploy;

/// <summary>
/// Validates and normalizes destination-relative paths on the controller, before anything is sent:
/// the same rules the remote side enforces again (no absolute paths, no <c>..</c>, no NUL).
/// </summary>
public static class DestinationPath
{
    /// <summary>
    /// Returns <paramref name="path"/> as a clean '/'-separated relative path: backslashes become '/',
    /// empty and '.' components are dropped. Throws <see cref="ArgumentException"/> naming the path when it is
    /// empty, absolute (including a drive letter), contains NUL or a <c>..</c> component.
    /// </summary>
    public static string Normalize(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Contains('\0'))
            throw new ArgumentException($"Destination path '{path.Replace("\0", "\\0")}' contains a NUL character.", nameof(path));
        var p = path.Replace('\\', '/');
        if (p.StartsWith('/') || (p.Length >= 2 && char.IsAsciiLetter(p[0]) && p[1] == ':'))
            throw new ArgumentException($"Destination path '{path}' is absolute; it must be relative to the destination folder.", nameof(path));
        var parts = new List<string>();
        foreach (var part in p.Split('/'))
        {
            if (part is "" or ".") continue;
            if (part == "..")
                throw new ArgumentException($"Destination path '{path}' contains '..'; it must stay inside the destination folder.", nameof(path));
            parts.Add(part);
        }
        if (parts.Count == 0)
            throw new ArgumentException($"Destination path '{path}' is empty; it must name a file inside the destination folder.", nameof(path));
        return string.Join('/', parts);
    }

    /// <summary>
    /// Validates a remote folder given as a copy's destination or a releases base: absolute (or <c>~/...</c>), no NUL,
    /// and not a dangerous root (see <see cref="ValidateRoot(string, bool, string)"/>).
    /// </summary>
    public static string ValidateRoot(string folder) => ValidateRoot(folder, allowDangerousDestination: false);

    /// <summary>
    /// Validates a remote folder given as a copy's destination or a releases base, before anything is sent: absolute
    /// (or <c>~/...</c>), no NUL, not empty, and, unless <paramref name="allowDangerousDestination"/>, not the host's
    /// root, the remote user's home folder itself or a top-level system folder (<c>/etc</c>, <c>/usr</c>, <c>/var</c>,
    /// ...; "//", "/./", ".." and trailing '/' resolved first). Returns <paramref name="folder"/> unchanged.
    /// </summary>
    /// <param name="folder">The folder on the hosts.</param>
    /// <param name="allowDangerousDestination">The caller really means a folder of the dangerous list (rare).</param>
    /// <param name="what">How messages name the value ("Destination folder", "Releases base folder").</param>
    /// <exception cref="ArgumentException">The message names the value, the likely cause (an empty property) and the fix.</exception>
    public static string ValidateRoot(string folder, bool allowDangerousDestination, string what = "Destination folder")
    {
        if (string.IsNullOrWhiteSpace(folder))
            throw new ArgumentException(DangerousDestinations.EmptyMessage(what, folder ?? ""));
        if (folder.Contains('\0'))
            throw new ArgumentException($"{what} contains a NUL character.", nameof(folder));
        if (!folder.StartsWith('/') && folder != "~" && !folder.StartsWith("~/"))
            throw new ArgumentException($"{what} '{folder}' must be an absolute path on the remote host (or start with ~/).", nameof(folder));
        if (!allowDangerousDestination && DangerousDestinations.Describe(folder) is { } dangerous)
            // No parameter name: the message is shown to a build's user as it is.
            throw new ArgumentException(DangerousDestinations.Message(what, folder, dangerous));
        return folder;
    }
}
