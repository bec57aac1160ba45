using System.Globalization;
using Rmote.TestRig;

namespace Rmote.Cake.Tests.Support;

/// <summary>
/// Cake.Rmote, Rmote.Core and Rmote.Nuke packed once per test run into a temp feed, under a version no earlier run
/// used: Cake's tools/Addins folder and NuGet's global cache both keep a package by id and version, so a fixed
/// version could load a stale build.
/// </summary>
public sealed class PackedFeed
{
    static readonly Lazy<Task<PackedFeed>> Shared = new(CreateAsync);

    PackedFeed(string folder, string version) => (Folder, Version) = (folder, version);

    /// <summary>The feed folder.</summary>
    public string Folder { get; }

    /// <summary>The packages' version.</summary>
    public string Version { get; }

    public static Task<PackedFeed> GetAsync() => Shared.Value;

    static async Task<PackedFeed> CreateAsync()
    {
        var version = "0.1.0-t" + DateTime.UtcNow.ToString("yyyyMMddHHmmssfff", CultureInfo.InvariantCulture);
        var folder = Path.Combine(Path.GetTempPath(), "rmote-feed-" + version);
        Directory.CreateDirectory(folder);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Cleanup(folder, version);
        await Repo.DotNetAsync(Repo.Root, TimeSpan.FromMinutes(2), "tool", "restore");
        foreach (var project in new[] { "src/Rmote.Core", "src/Rmote.Cake", "src/Rmote.Nuke" })
        {
            // no-build: the projects were built (in this configuration) as references of this test project; only
            // the package version differs, which does not touch the assemblies.
            await Repo.DotNetAsync(Repo.Root, TimeSpan.FromMinutes(2), "pack", project, "--no-build", "--no-restore", "-c", Repo.Configuration,
                "-o", folder, "-p:PackageVersion=" + version, "-nologo");
        }
        return new PackedFeed(folder, version);
    }

    static void Cleanup(string folder, string version)
    {
        try { Directory.Delete(folder, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        // Restores of the Nuke sample put this run's versions into the global cache: they are of no use later.
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (var id in new[] { "rmote.core", "rmote.nuke", "cake.rmote" })
        {
            try { Directory.Delete(Path.Combine(cache, id, version), true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
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
