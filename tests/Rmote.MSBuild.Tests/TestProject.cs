using Rmote.TestRig;

namespace Rmote.MSBuild.Tests;

/// <summary>A real project file in a temp folder that references the packed Rmote.MSBuild from the test feed.</summary>
internal sealed class TestProject : IDisposable
{
    readonly TempDir dir = new("rmote-msbuild-proj-");
    readonly PackedFeed feed;

    public TestProject(PackedFeed feed, string body)
    {
        this.feed = feed;
        File.WriteAllText(Path.Combine(Folder, "NuGet.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources><clear /><add key="test-feed" value="{feed.Folder}" /></packageSources>
            </configuration>
            """);
        // Stop the repository's Directory.Build.props (the temp folder is outside it anyway) and keep restore local.
        File.WriteAllText(ProjectFile, $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <EnableDefaultItems>false</EnableDefaultItems>
                <RestorePackagesPath>{Path.Combine(Folder, "packages")}</RestorePackagesPath>
                <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Rmote.MSBuild" Version="{feed.Version}" />
              </ItemGroup>
            {body}
            </Project>
            """);
    }

    public string Folder => dir.Path;
    public string ProjectFile => Path.Combine(Folder, "test.proj.csproj");

    public void Write(string rel, string content, DateTime? mtime = null)
    {
        var p = Path.Combine(Folder, rel);
        Directory.CreateDirectory(Path.GetDirectoryName(p)!);
        File.WriteAllText(p, content);
        if (mtime != null) File.SetLastWriteTimeUtc(p, mtime.Value);
    }

    public IReadOnlyList<string> Args(string targets, string verbosity, params string[] extra) =>
        ["msbuild", ProjectFile, "-restore", "-t:" + targets, "-v:" + verbosity, "-nologo", "-nodeReuse:false", "-clp:NoSummary", .. extra];

    public Task<ProcessResult> RunAsync(string targets, string verbosity = "m", params string[] extra) => RunAsync(targets, verbosity, null, extra);

    /// <summary>Runs the build with extra environment variables (secrets a build reads by name).</summary>
    public async Task<ProcessResult> RunAsync(string targets, string verbosity, IReadOnlyDictionary<string, string>? env, params string[] extra)
    {
        var r = await MsBuild.RunDotnetAsync(Args(targets, verbosity, extra), Folder, TimeSpan.FromMinutes(3), env);
        File.WriteAllText(Path.Combine(Path.GetTempPath(), "rmote-msbuild-last-" + targets.Replace(';', '_') + ".log"), r.StdOut + r.StdErr); // for a failing assertion
        return r;
    }

    public MsBuild.Running Start(string targets, string verbosity = "m", params string[] extra) =>
        new(MsBuild.StartInfo(Args(targets, verbosity, extra), Folder));

    public void Dispose() => dir.Dispose();

    /// <summary>An RmoteHost item for a rig host.</summary>
    public static string HostItem(SshHost h) => HostItem(h, "");

    /// <summary>A host item with extra metadata attributes (<c>ConnectionPersist="0"</c>).</summary>
    public static string HostItem(SshHost h, string extra) =>
        $"""<RmoteHost Include="{h.Target}" Name="{h.Name}" IdentityFile="{h.IdentityFile}" KnownHostsFile="{h.KnownHostsFile}" {extra} />""";

    public static string Log(ProcessResult r) => r.StdOut + r.StdErr;
}
