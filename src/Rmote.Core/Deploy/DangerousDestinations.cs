namespace Rmote.Deploy;

/// <summary>
/// Destination roots a deploy must not use unless asked to on purpose: the host's root, the remote user's home
/// folder itself and the top-level system folders (the same list the host refuses again in deploy.py). A copy with
/// DeleteExtraneous or a release prune there would delete what the folder holds; the usual cause is an empty
/// property or variable in front of '/' (<c>$(DeployDir)/</c>).
/// </summary>
internal static class DangerousDestinations
{
    /// <summary>Top-level folders refused as a destination themselves (their sub-folders, such as /srv/app, are fine).</summary>
    public static readonly IReadOnlySet<string> TopLevel = new HashSet<string>(StringComparer.Ordinal)
    {
        "bin", "boot", "dev", "etc", "home", "lib", "lib32", "lib64", "libx32", "media",
        "mnt", "opt", "proc", "root", "run", "sbin", "srv", "sys", "tmp", "usr", "var",
    };

    /// <summary>
    /// What <paramref name="folder"/> (absolute or <c>~/...</c>) names when it is dangerous ("the host's root folder"),
    /// or null when it is an ordinary folder. "//", "/./", ".." and trailing '/' are resolved first.
    /// </summary>
    public static string? Describe(string folder)
    {
        var home = folder == "~" || folder.StartsWith("~/", StringComparison.Ordinal);
        var parts = new List<string>();
        var aboveHome = false;
        foreach (var part in (home ? folder[1..] : folder).Split('/'))
        {
            if (part is "" or ".") continue;
            if (part != "..") parts.Add(part);
            else if (parts.Count > 0) parts.RemoveAt(parts.Count - 1);
            else aboveHome |= home;  // "/.." is "/"; "~/.." leaves the home folder
        }
        if (aboveHome) return "a folder above the remote user's home folder";
        if (home) return parts.Count == 0 ? "the remote user's home folder itself" : null;
        if (parts.Count == 0) return "the host's root folder";
        return parts.Count == 1 && TopLevel.Contains(parts[0]) ? "the top-level system folder /" + parts[0] : null;
    }

    /// <summary>The refusal for an empty destination (no opt-in: an empty folder is never meant).</summary>
    public static string EmptyMessage(string what, string folder) =>
        $"{what} is empty ('{folder}'). This usually means the property or variable that should name it is empty "
        + "(for example \"$(DeployDir)\" with DeployDir unset). Set it to the folder on the hosts, such as /srv/app.";

    /// <summary>The refusal naming the value, what it is, the likely cause and the two ways out.</summary>
    public static string Message(string what, string folder, string description) =>
        $"{what} '{folder}' is {description}: refusing to deploy there, where deleting extraneous files or pruning "
        + "releases would delete what it holds. This usually means a property or variable in front of '/' is empty "
        + "(for example \"$(DeployDir)/\" with DeployDir unset). Point it at an application folder such as /srv/app; "
        + "to use this folder on purpose, set AllowDangerousDestination.";

    /// <summary>The refusal of a file destination (a template) that names one of these folders instead of a file.</summary>
    public static string FileMessage(string what, string path, string description) =>
        $"{what} '{path}' is {description}, not a file. This usually means a property or variable in front of '/' is "
        + "empty (for example \"$(ConfDir)/\" with ConfDir unset). Set it to the file on the hosts, such as /etc/app/app.conf.";
}
