using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;

namespace Rmote.Tools;

/// <summary>
/// Debian/Ubuntu packages (python/tools/apt.py): state read with dpkg-query, changes through apt-get
/// (non-interactive, conffiles kept, waiting for the dpkg lock). Changes need root.
/// </summary>
/// <example><code>
/// await proto.CallAsync(Apt.Package, new AptPackageOptions("nginx", "curl") { UpdateCache = true });
/// await proto.CallAsync(Apt.Converge, new AptConvergeOptions { Present = ["nginx"], Absent = ["apache2"] });
/// </code></example>
public static class Apt
{
    /// <summary>The tool's Python source, shipped inside Rmote.Core.</summary>
    public static readonly PythonTool Tool = PythonTool.FromResource("Apt", "apt.py");

    /// <summary><c>update()</c>: <c>apt-get update</c> unless the lists are younger than an hour; returns changed.</summary>
    public static readonly ToolMethod<bool> Update = Tool.Method<bool>("update");

    /// <summary><c>update(cache_valid_time)</c>: with a TTL (<see cref="TimeSpan.Zero"/>: always); returns changed.</summary>
    public static readonly ToolMethod<AptUpdateOptions, bool> UpdateWith = Tool.KwMethod<AptUpdateOptions, bool>("update");

    /// <summary><c>package(names, state, update_cache, cache_valid_time, install_recommends, purge)</c>.</summary>
    public static readonly ToolMethod<AptPackageOptions, PackageResult> Package = Tool.KwMethod<AptPackageOptions, PackageResult>("package");

    /// <summary><c>converge(present, absent, latest, ...)</c>: one install for present + latest, then one removal.</summary>
    public static readonly ToolMethod<AptConvergeOptions, PackageResult> Converge = Tool.KwMethod<AptConvergeOptions, PackageResult>("converge");
}

/// <summary>Arguments of <see cref="Apt.UpdateWith"/>.</summary>
public sealed record AptUpdateOptions
{
    /// <summary>Skip the update when the lists were refreshed more recently than this (zero: always update).</summary>
    [JsonConverter(typeof(NullableSecondsConverter))]
    public TimeSpan? CacheValidTime { get; init; }
}

/// <summary>What <see cref="Apt.Package"/> and <see cref="Apt.Converge"/> share.</summary>
public abstract record AptOptions
{
    /// <summary>Run <c>apt-get update</c> first (subject to <see cref="CacheValidTime"/>).</summary>
    public bool? UpdateCache { get; init; }
    /// <summary>Lists younger than this are not refreshed (default 1 h).</summary>
    [JsonConverter(typeof(NullableSecondsConverter))]
    public TimeSpan? CacheValidTime { get; init; }
    /// <summary>True/false forces <c>--install-recommends</c>/<c>--no-install-recommends</c>; null keeps apt's setting.</summary>
    public bool? InstallRecommends { get; init; }
    /// <summary>Removal also purges configuration (and purges packages already removed).</summary>
    public bool? Purge { get; init; }
}

/// <summary>Arguments of <see cref="Apt.Package"/>: names are <c>name</c>, <c>name:arch</c> or (present only) <c>name=version</c>.</summary>
public sealed record AptPackageOptions : AptOptions
{
    /// <summary>Creates the options for <paramref name="names"/>.</summary>
    [SetsRequiredMembers]
    public AptPackageOptions(params string[] names) => Names = names;

    /// <summary>The packages.</summary>
    public required IReadOnlyList<string> Names { get; init; }
    /// <summary>Present (default), absent or latest.</summary>
    public PackageState? State { get; init; }
}

/// <summary>Arguments of <see cref="Apt.Converge"/>.</summary>
public sealed record AptConvergeOptions : AptOptions
{
    /// <summary>Installed (any version, or <c>name=version</c>).</summary>
    public IReadOnlyList<string>? Present { get; init; }
    /// <summary>Removed.</summary>
    public IReadOnlyList<string>? Absent { get; init; }
    /// <summary>Installed at the candidate version.</summary>
    public IReadOnlyList<string>? Latest { get; init; }
}
