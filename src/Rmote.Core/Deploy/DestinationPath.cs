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

    /// <summary>Validates a remote folder given as the copy's destination: absolute (or <c>~/...</c>), no NUL.</summary>
    public static string ValidateRoot(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        if (folder.Contains('\0'))
            throw new ArgumentException("Destination folder contains a NUL character.", nameof(folder));
        if (!folder.StartsWith('/') && folder != "~" && !folder.StartsWith("~/"))
            throw new ArgumentException($"Destination folder '{folder}' must be an absolute path on the remote host (or start with ~/).", nameof(folder));
        return folder;
    }
}
