namespace Rmote.Tools;

/// <summary>Wanted state of a package (Apt, Pacman).</summary>
public enum PackageState
{
    /// <summary>Installed, any version (or the pinned <c>name=version</c> on apt).</summary>
    Present,
    /// <summary>Not installed.</summary>
    Absent,
    /// <summary>Installed and upgraded to the repository's candidate version.</summary>
    Latest,
}

/// <summary>Whether a managed thing (repository, line, user...) should exist.</summary>
public enum Presence
{
    /// <summary>It exists with exactly the given settings.</summary>
    Present,
    /// <summary>It is removed.</summary>
    Absent,
}

/// <summary>Result of a package operation (Apt, Pacman).</summary>
public sealed record PackageResult
{
    /// <summary>True when anything was installed, upgraded, removed or the package lists were refreshed.</summary>
    public bool Changed { get; init; }

    /// <summary>Each requested package (present or latest) that is installed afterwards, with its version.</summary>
    public IReadOnlyDictionary<string, string> Installed { get; init; } = new Dictionary<string, string>();
}
