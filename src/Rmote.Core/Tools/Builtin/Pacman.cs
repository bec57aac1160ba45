using System.Diagnostics.CodeAnalysis;

namespace Rmote.Tools;

/// <summary>Arch Linux packages through pacman (python/tools/pacman.py). Changes need root.</summary>
public static class Pacman
{
    /// <summary>The tool's Python source, shipped inside Rmote.Core.</summary>
    public static readonly PythonTool Tool = PythonTool.FromResource("Pacman", "pacman.py");

    /// <summary><c>update()</c>: refresh the sync databases (<c>pacman -Sy</c>); returns changed.</summary>
    public static readonly ToolMethod<bool> Update = Tool.Method<bool>("update");

    /// <summary><c>update(upgrade)</c>: with true also upgrade the whole system (<c>-Su</c>); returns changed.</summary>
    public static readonly ToolMethod<bool, bool> UpdateUpgrade = Tool.Method<bool, bool>("update");

    /// <summary><c>package(names, state, update_cache, remove_dependencies)</c>.</summary>
    public static readonly ToolMethod<PacmanPackageOptions, PackageResult> Package = Tool.KwMethod<PacmanPackageOptions, PackageResult>("package");

    /// <summary><c>converge(present, absent, latest, update_cache, remove_dependencies)</c>: installs first, then removals.</summary>
    public static readonly ToolMethod<PacmanConvergeOptions, PackageResult> Converge = Tool.KwMethod<PacmanConvergeOptions, PackageResult>("converge");
}

/// <summary>Arguments of <see cref="Pacman.Package"/>.</summary>
public sealed record PacmanPackageOptions
{
    /// <summary>Creates the options for <paramref name="names"/>.</summary>
    [SetsRequiredMembers]
    public PacmanPackageOptions(params string[] names) => Names = names;

    /// <summary>Package names (not groups).</summary>
    public required IReadOnlyList<string> Names { get; init; }
    /// <summary>Present (default), absent or latest.</summary>
    public PackageState? State { get; init; }
    /// <summary>Run <c>pacman -Sy</c> first.</summary>
    public bool? UpdateCache { get; init; }
    /// <summary>Removal also removes unneeded dependencies (<c>-Rs</c>).</summary>
    public bool? RemoveDependencies { get; init; }
}

/// <summary>Arguments of <see cref="Pacman.Converge"/>.</summary>
public sealed record PacmanConvergeOptions
{
    /// <summary>Installed (any version).</summary>
    public IReadOnlyList<string>? Present { get; init; }
    /// <summary>Removed.</summary>
    public IReadOnlyList<string>? Absent { get; init; }
    /// <summary>Installed and upgraded.</summary>
    public IReadOnlyList<string>? Latest { get; init; }
    /// <summary>Run <c>pacman -Sy</c> first.</summary>
    public bool? UpdateCache { get; init; }
    /// <summary>Removal also removes unneeded dependencies.</summary>
    public bool? RemoveDependencies { get; init; }
}
