using System.Diagnostics.CodeAnalysis;

namespace Rmote.Tools;

/// <summary>
/// DEB822 apt sources (<c>/etc/apt/sources.list.d/&lt;name&gt;.sources</c>) and their signing keys
/// (python/tools/apt_repository.py). File operations only: refresh afterwards with
/// <c>Apt.UpdateWith(new AptUpdateOptions { CacheValidTime = TimeSpan.Zero })</c>.
/// </summary>
public static class AptRepository
{
    /// <summary>The tool's Python source, shipped inside Rmote.Core.</summary>
    public static readonly PythonTool Tool = PythonTool.FromResource("AptRepository", "apt_repository.py");

    /// <summary><c>source(name, uris, suites, components, key, types, architectures, signed_by, state, enabled, directory, keyring_directory)</c>.</summary>
    public static readonly ToolMethod<AptSourceOptions, AptSourceResult> Source = Tool.KwMethod<AptSourceOptions, AptSourceResult>("source");
}

/// <summary>Arguments of <see cref="AptRepository.Source"/>.</summary>
public sealed record AptSourceOptions
{
    /// <summary>Creates the options for source <paramref name="name"/>.</summary>
    [SetsRequiredMembers]
    public AptSourceOptions(string name) => Name = name;

    /// <summary>File name without <c>.sources</c> (letters, digits, '_', '-', '.').</summary>
    public required string Name { get; init; }
    /// <summary>Repository URIs.</summary>
    public IReadOnlyList<string>? Uris { get; init; }
    /// <summary>Suites ("bookworm"); one ending in '/' is a flat repository (no components then).</summary>
    public IReadOnlyList<string>? Suites { get; init; }
    /// <summary>Components ("main"); required unless the suite is flat.</summary>
    public IReadOnlyList<string>? Components { get; init; }
    /// <summary>The repository's public key, ASCII-armored or binary, stored in the keyring directory and used as Signed-By.</summary>
    public byte[]? Key { get; init; }
    /// <summary>"deb" (default) and/or "deb-src".</summary>
    public IReadOnlyList<string>? Types { get; init; }
    /// <summary>Architectures to fetch ("amd64").</summary>
    public IReadOnlyList<string>? Architectures { get; init; }
    /// <summary>An existing keyring path for Signed-By (instead of <see cref="Key"/>).</summary>
    public string? SignedBy { get; init; }
    /// <summary>Present (default) or absent (the source file and its key are removed).</summary>
    public Presence? State { get; init; }
    /// <summary>False writes <c>Enabled: no</c>.</summary>
    public bool? Enabled { get; init; }
    /// <summary>Sources folder (default <c>/etc/apt/sources.list.d</c>).</summary>
    public string? Directory { get; init; }
    /// <summary>Keyring folder (default <c>/etc/apt/keyrings</c>).</summary>
    public string? KeyringDirectory { get; init; }
}

/// <summary>Result of <see cref="AptRepository.Source"/>.</summary>
public sealed record AptSourceResult
{
    /// <summary>True when the source file or key changed.</summary>
    public bool Changed { get; init; }
    /// <summary>The <c>.sources</c> file.</summary>
    public string Path { get; init; } = "";
    /// <summary>The keyring file written from <see cref="AptSourceOptions.Key"/>, or null.</summary>
    public string? KeyPath { get; init; }
}
