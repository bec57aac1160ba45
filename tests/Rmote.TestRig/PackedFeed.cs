using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Xunit;

namespace Rmote.TestRig;

/// <summary>
/// The repository's packages packed once per test run into a temp feed, under a version no earlier run used:
/// Cake's tools/Addins folder and NuGet's global cache both keep a package by id and version, so a fixed version
/// could load a stale build. Packing uses no build: the test project references (builds) the projects it packs.
/// <para>
/// Two ways in: <see cref="GetAsync"/> with the projects to pack, or as an xunit collection fixture, which packs the
/// projects the test assembly names in <c>&lt;AssemblyMetadata Include="RmotePackedProjects" Value="tasks/Rmote.MSBuild" /&gt;</c>
/// (several separated by ';').
/// </para>
/// </summary>
public sealed partial class PackedFeed : IAsyncLifetime
{
    const string ProjectsKey = "RmotePackedProjects";
    static readonly ConcurrentDictionary<string, Lazy<Task<PackedFeed>>> Packed = new(StringComparer.Ordinal);
    static readonly string RunVersion = "0.1.0-t" + DateTime.UtcNow.ToString("yyyyMMddHHmmssfff", CultureInfo.InvariantCulture);

    /// <summary>For xunit: a fixture filled by <see cref="InitializeAsync"/>.</summary>
    public PackedFeed() { }

    PackedFeed(string folder, string version) => (Folder, Version) = (folder, version);

    /// <summary>The feed folder.</summary>
    public string Folder { get; private set; } = "";

    /// <summary>The packages' version.</summary>
    public string Version { get; private set; } = "";

    /// <summary>The repository root (where Rmote.Build.sln is).</summary>
    public static string RepoRoot => Repo.Root;

    /// <summary>
    /// The feed holding <paramref name="projects"/> (paths relative to the repository root; none: the test assembly's
    /// <c>RmotePackedProjects</c>), packed on first use.
    /// </summary>
    public static Task<PackedFeed> GetAsync(params string[] projects)
    {
        if (projects.Length == 0) projects = ProjectsOfTestAssembly();
        var key = string.Join(';', projects.Order(StringComparer.Ordinal));
        return Packed.GetOrAdd(key, _ => new Lazy<Task<PackedFeed>>(() => CreateAsync(projects))).Value;
    }

    /// <inheritdoc/>
    public async Task InitializeAsync()
    {
        var feed = await GetAsync();
        (Folder, Version) = (feed.Folder, feed.Version);
    }

    static string[] ProjectsOfTestAssembly()
    {
        var projects = AppDomain.CurrentDomain.GetAssemblies()
            .SelectMany(a => a.GetCustomAttributes<AssemblyMetadataAttribute>())
            .Where(m => m.Key == ProjectsKey).SelectMany(m => (m.Value ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Distinct().ToArray();
        if (projects.Length == 0)
            throw new InvalidOperationException($"The test assembly names no project to pack: add <AssemblyMetadata Include=\"{ProjectsKey}\" Value=\"tasks/Rmote.MSBuild\" /> to its project file.");
        return projects;
    }

    /// <inheritdoc/>
    public Task DisposeAsync() => Task.CompletedTask;

    static async Task<PackedFeed> CreateAsync(string[] projects)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"rmote-feed-{RunVersion}-{Packed.Count}");
        Directory.CreateDirectory(folder);
        var ids = projects.Select(PackageId).ToList();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Cleanup(folder, ids);
        await Repo.DotNetAsync(Repo.Root, TimeSpan.FromMinutes(2), "tool", "restore");
        foreach (var project in projects)
        {
            // no-build: the projects were built (in this configuration) as references of the test project; only
            // the package version differs, which does not touch the assemblies.
            await Repo.DotNetAsync(Repo.Root, TimeSpan.FromMinutes(3), "pack", project, "--no-build", "--no-restore", "-c", Repo.Configuration,
                "-o", folder, "-p:PackageVersion=" + RunVersion, "-nologo");
        }
        foreach (var id in ids)
            if (!File.Exists(Path.Combine(folder, $"{id}.{RunVersion}.nupkg")))
                throw new InvalidOperationException($"pack did not produce {id}.{RunVersion}.nupkg in {folder}");
        return new PackedFeed(folder, RunVersion);
    }

    [GeneratedRegex("<PackageId>([^<]+)</PackageId>")]
    private static partial Regex PackageIdElement();

    static string PackageId(string project)
    {
        var dir = Path.Combine(Repo.Root, project);
        var csproj = Directory.GetFiles(dir, "*.csproj").Single();
        var m = PackageIdElement().Match(File.ReadAllText(csproj));
        return m.Success ? m.Groups[1].Value : Path.GetFileNameWithoutExtension(csproj);
    }

    static void Cleanup(string folder, IEnumerable<string> ids)
    {
        try { Directory.Delete(folder, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        // Restores (the Nuke sample, MSBuild test projects) put this run's versions into the global cache: of no use later.
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (var id in ids)
        {
            try { Directory.Delete(Path.Combine(cache, id.ToLowerInvariant(), RunVersion), true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>A nuget.config whose only feed is this one (so nothing else can answer for our ids).</summary>
    public string NuGetConfig(bool clear) => $"""
        <?xml version="1.0" encoding="utf-8"?>
        <configuration>
          <packageSources>
            {(clear ? "<clear />" : "")}
            <add key="rmote-test" value="{Folder}" />
          </packageSources>
        </configuration>
        """;
}
