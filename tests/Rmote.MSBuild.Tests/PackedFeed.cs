using Rmote.TestRig;

namespace Rmote.MSBuild.Tests;

/// <summary>
/// Packs tasks/Rmote.MSBuild once per test run into a temp feed, with a version unique to the run so that no
/// NuGet cache can hand back another build's package.
/// </summary>
public sealed class PackedFeed : IAsyncLifetime
{
    // One pack per test run, shared by every collection (xunit 2 has no assembly fixtures); deleted at process exit.
    static readonly TempDir dir = new("rmote-msbuild-feed-");
    static readonly Lazy<Task> packed = new(PackAsync);

    public string Folder => Path.Combine(dir.Path, "feed");
    public string Version => SharedVersion;
    static readonly string SharedVersion = "0.1.0-test" + DateTime.UtcNow.ToString("yyyyMMddHHmmssfff");
    static string FeedFolder => Path.Combine(dir.Path, "feed");

    public static string RepoRoot { get; } = FindRoot();

    static string FindRoot()
    {
        var d = AppContext.BaseDirectory;
        while (d != null && !File.Exists(Path.Combine(d, "Rmote.Build.sln"))) d = Path.GetDirectoryName(d);
        return d ?? throw new InvalidOperationException("Rmote.Build.sln not found above " + AppContext.BaseDirectory);
    }

    public Task InitializeAsync() => packed.Value;

    static async Task PackAsync()
    {
        var project = Path.Combine(RepoRoot, "tasks", "Rmote.MSBuild", "Rmote.MSBuild.csproj");
        // The test project references the task project, so its build (in this test run's configuration) is already there: pack without building.
        var r = await MsBuild.RunDotnetAsync(["pack", project, "-c", Rmote.TestRig.TestBuild.Configuration, "--no-build", "-nologo", "-o", FeedFolder, "-p:Version=" + SharedVersion], RepoRoot, TimeSpan.FromMinutes(3));
        r.EnsureSuccess();
        var nupkg = Path.Combine(FeedFolder, $"Rmote.MSBuild.{SharedVersion}.nupkg");
        if (!File.Exists(nupkg)) throw new InvalidOperationException("pack did not produce " + nupkg + "\n" + r.StdOut);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    static PackedFeed() => AppDomain.CurrentDomain.ProcessExit += (_, _) => dir.Dispose();
}

[CollectionDefinition("msbuild-ssh")]
public sealed class MsBuildSshCollection : ICollectionFixture<SshFleetFixture>, ICollectionFixture<PackedFeed> { }

[CollectionDefinition("msbuild-local")]
public sealed class MsBuildLocalCollection : ICollectionFixture<PackedFeed> { }
