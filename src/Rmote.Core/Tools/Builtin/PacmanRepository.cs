using System.Diagnostics.CodeAnalysis;

namespace Rmote.Tools;

/// <summary>Repository sections of pacman.conf and their signing keys (python/tools/pacman_repository.py).</summary>
public static class PacmanRepository
{
    /// <summary>The tool's Python source, shipped inside Rmote.Core.</summary>
    public static readonly PythonTool Tool = PythonTool.FromResource("PacmanRepository", "pacman_repository.py");

    /// <summary><c>repository(name, servers, sig_level, include, key, key_id, state, before, conf)</c>.</summary>
    public static readonly ToolMethod<PacmanRepositoryOptions, PacmanRepositoryResult> Repository =
        Tool.KwMethod<PacmanRepositoryOptions, PacmanRepositoryResult>("repository");
}

/// <summary>Arguments of <see cref="PacmanRepository.Repository"/>.</summary>
public sealed record PacmanRepositoryOptions
{
    /// <summary>Creates the options for section <paramref name="name"/>.</summary>
    [SetsRequiredMembers]
    public PacmanRepositoryOptions(string name) => Name = name;

    /// <summary>Section name (not "options").</summary>
    public required string Name { get; init; }
    /// <summary>One <c>Server =</c> line each.</summary>
    public IReadOnlyList<string>? Servers { get; init; }
    /// <summary><c>SigLevel</c> value.</summary>
    public string? SigLevel { get; init; }
    /// <summary><c>Include</c> file (a mirror list).</summary>
    public string? Include { get; init; }
    /// <summary>Public key to import with pacman-key and locally sign.</summary>
    public byte[]? Key { get; init; }
    /// <summary>The key's fingerprint (otherwise read from the key with gpg).</summary>
    public string? KeyId { get; init; }
    /// <summary>Present (default) or absent.</summary>
    public Presence? State { get; init; }
    /// <summary>A new section goes before this section if present (pacman uses file order).</summary>
    public string? Before { get; init; }
    /// <summary>The pacman.conf path (default <c>/etc/pacman.conf</c>).</summary>
    public string? Conf { get; init; }
}

/// <summary>Result of <see cref="PacmanRepository.Repository"/>.</summary>
public sealed record PacmanRepositoryResult
{
    /// <summary>True when pacman.conf or the keyring changed.</summary>
    public bool Changed { get; init; }
    /// <summary>The pacman.conf path.</summary>
    public string Conf { get; init; } = "";
    /// <summary>True when a key was imported.</summary>
    public bool KeyChanged { get; init; }
    /// <summary>The key's fingerprint, when a key was given.</summary>
    public string? Fingerprint { get; init; }
}
