using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Rmote.TestRig;

namespace Rmote.MSBuild.Tests;

/// <summary>
/// The .NET publish conventions: a publish profile that deploys (<c>dotnet publish -p:PublishProfile=Staging</c>), Release as
/// the configuration a deploy uses unless one is given, and publish items' <c>%(RelativePath)</c> in RmoteCopy.
/// </summary>
[Collection("msbuild-ssh")]
public sealed class PublishProfileTests(SshFleetFixture rig, PackedFeed feed)
{
    [Fact]
    public async Task Dotnet_publish_with_a_deploying_profile_deploys_the_release_build_with_every_file_at_its_relative_path()
    {
        var (h1, h2, other) = (rig.Hosts[0], rig.Hosts[1], rig.Hosts[2]);
        var dest = HostPaths.NewRemote(h1, "profile");
        // Beside the profile's deploy, a target of the project copies @(ResolvedFileToPublish) itself, with items that
        // state their place each of the three ways.
        using var p = new TestProject(feed, $"""
              <ItemGroup>
                <None Include="data/seed.json" CopyToPublishDirectory="PreserveNewest" />
                <Extra Include="extra/plain.txt" DestinationSubPath="renamed/plain.txt" />
                <Extra Include="tree/**/*.txt" />
              </ItemGroup>
              <Target Name="CopyPublishItems" AfterTargets="RmoteDeployCopy">
                <RmoteCopy Hosts="@(RmoteHost)" SourceFiles="@(ResolvedFileToPublish);@(Extra)" DestinationFolder="{dest}-items" />
              </Target>
            """);
        p.Write("data/seed.json", """{"seed": 1}""");
        p.Write("extra/plain.txt", "plain");
        p.Write("tree/a/b.txt", "deep");
        p.Write("Properties/PublishProfiles/Staging.pubxml", $"""
            <Project>
              <PropertyGroup>
                <WebPublishMethod>Rmote</WebPublishMethod>
                <RmoteDeployFolder>{dest}</RmoteDeployFolder>
                <RmoteKeepReleases>2</RmoteKeepReleases>
              </PropertyGroup>
              <ItemGroup>
                {TestProject.HostItem(h1)}
                {TestProject.HostItem(h2)}
              </ItemGroup>
            </Project>
            """);

        var r = await MsBuild.RunDotnetAsync(["publish", p.ProjectFile, "-p:PublishProfile=Staging", "-v:m", "-nologo", "-nodeReuse:false"], p.Folder, TimeSpan.FromMinutes(3));
        var log = TestProject.Log(r);
        Assert.True(r.ExitCode == 0, log);
        Assert.True(Directory.Exists(Path.Combine(p.Folder, "bin", "Release", "net10.0", "publish")), "dotnet publish did not publish Release:\n" + log);
        foreach (var h in new[] { h1, h2 })
        {
            var current = Path.Combine(HostPaths.Local(h, dest), "current");
            Assert.True(Directory.Exists(current), $"{h.Name}: no current release:\n{log}");
            Assert.Equal("""{"seed": 1}""", File.ReadAllText(Path.Combine(current, "data", "seed.json")));
            Assert.Equal("Release", AssemblyConfiguration(Path.Combine(current, "test.proj.dll")));

            var items = HostPaths.Local(h, dest + "-items");
            Assert.Equal("""{"seed": 1}""", File.ReadAllText(Path.Combine(items, "data", "seed.json")));   // %(RelativePath)
            Assert.False(File.Exists(Path.Combine(items, "seed.json")), $"{h.Name}: seed.json also landed at the top");
            Assert.Equal("plain", File.ReadAllText(Path.Combine(items, "renamed", "plain.txt")));      // %(DestinationSubPath)
            Assert.Equal("deep", File.ReadAllText(Path.Combine(items, "a", "b.txt")));                 // %(RecursiveDir)
            Assert.Equal("Release", AssemblyConfiguration(Path.Combine(items, "test.proj.dll")));
        }
        Assert.False(Directory.Exists(HostPaths.Local(other, dest)), "a host the profile does not name was deployed to");
    }

    [Fact]
    public async Task Under_dotnet_msbuild_a_deploying_profile_deploys_the_release_build_then_restarts_its_services()
    {
        var h = rig.Hosts[0];
        var dest = HostPaths.NewRemote(h, "msbprofile");
        using var p = new TestProject(feed, "");
        // The rig's hosts run no systemd: the restart of the profile's unit fails there, which shows it was asked for
        // on the host, after the release went live.
        p.Write("Properties/PublishProfiles/Staging.pubxml", $"""
            <Project>
              <PropertyGroup>
                <RmoteDeployOnPublish>true</RmoteDeployOnPublish>
                <RmoteDeployFolder>{dest}</RmoteDeployFolder>
              </PropertyGroup>
              <ItemGroup>
                {TestProject.HostItem(h)}
                <RmoteService Include="rmote-profile-unit" />
              </ItemGroup>
            </Project>
            """);

        var r = await p.RunAsync("Publish", "m", "-p:PublishProfile=Staging");
        var log = TestProject.Log(r);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("Rmote: publishing and deploying the Release build (no Configuration was given; -p:Configuration=Debug deploys Debug)", log);
        Assert.Equal("Release", AssemblyConfiguration(Path.Combine(HostPaths.Local(h, dest), "current", "test.proj.dll")));
        var copied = log.IndexOf($"{h.Name}: RmoteCopy: release ", StringComparison.Ordinal);
        var restart = log.IndexOf($"error RMT0007: {h.Name}: RmoteServiceRestart failed: rmote-profile-unit: ", StringComparison.Ordinal);
        Assert.True(copied >= 0 && restart > copied, "the profile's service was not restarted after the copy:\n" + log);
    }

    [Fact]
    public async Task Deploy_target_publishes_release_unless_a_configuration_is_given()
    {
        var h = rig.Hosts[0];
        var dest = HostPaths.NewRemote(h, "config");
        using var p = new TestProject(feed, $"""
              <PropertyGroup>
                <RmoteDeployFolder>{dest}</RmoteDeployFolder>
              </PropertyGroup>
              <ItemGroup>
                {TestProject.HostItem(h)}
              </ItemGroup>
              <!-- A project's hook sees the configuration deployed. -->
              <Target Name="SayConfiguration" AfterTargets="RmoteDeployCopy">
                <Message Importance="high" Text="DEPLOYED-CONFIGURATION=$(Configuration)" />
              </Target>
            """);
        var local = HostPaths.Local(h, dest);

        var release = await p.RunAsync("Deploy", "m", "-p:RmoteReleaseId=r1");
        var log = TestProject.Log(release);
        Assert.True(release.ExitCode == 0, log);
        Assert.Equal("Release", AssemblyConfiguration(Path.Combine(local, "releases", "r1", "test.proj.dll")));
        Assert.Contains("DEPLOYED-CONFIGURATION=Release", log);
        Assert.DoesNotContain("DEPLOYED-CONFIGURATION=Debug", log);

        var debug = await p.RunAsync("Deploy", "m", "-p:RmoteReleaseId=r2", "-p:Configuration=Debug");
        log = TestProject.Log(debug);
        Assert.True(debug.ExitCode == 0, log);
        Assert.Equal("Debug", AssemblyConfiguration(Path.Combine(local, "current", "test.proj.dll")));
        Assert.Equal("releases/r2", new FileInfo(Path.Combine(local, "current")).LinkTarget?.TrimEnd('/').Replace(local + "/", ""));
        Assert.Contains("DEPLOYED-CONFIGURATION=Debug", log);
    }

    [Fact]
    public async Task A_source_item_whose_relative_path_leaves_the_destination_is_refused_before_any_host_changes()
    {
        var h = rig.Hosts[0];
        var dest = HostPaths.NewRemote(h, "escape");
        var escapeName = "escaped-" + Guid.NewGuid().ToString("n")[..8] + ".json";
        using var p = new TestProject(feed, $"""
              <ItemGroup>
                {TestProject.HostItem(h)}
                <Good Include="data/seed.json" RelativePath="data/seed.json" />
                <Bad Include="data/seed.json" RelativePath="data/fresh.json" />
                <Bad Include="data/seed.json" RelativePath="../{escapeName}" />
                <Absolute Include="data/seed.json" RelativePath="/tmp/{escapeName}" />
              </ItemGroup>
              <Target Name="Good"><RmoteCopy Hosts="@(RmoteHost)" SourceFiles="@(Good)" DestinationFolder="{dest}" /></Target>
              <Target Name="Bad"><RmoteCopy Hosts="@(RmoteHost)" SourceFiles="@(Bad)" DestinationFolder="{dest}" ContinueOnError="ErrorAndContinue" /></Target>
              <Target Name="Absolute"><RmoteCopy Hosts="@(RmoteHost)" SourceFiles="@(Absolute)" DestinationFolder="{dest}" ContinueOnError="ErrorAndContinue" /></Target>
            """);
        p.Write("data/seed.json", "seed");
        var good = await p.RunAsync("Good");
        Assert.True(good.ExitCode == 0, TestProject.Log(good));
        var local = HostPaths.Local(h, dest);
        var before = TreeSnapshot.Of(local);

        var r = await p.RunAsync("Bad;Absolute");
        var log = TestProject.Log(r);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains($"error RMT0001: SourceFiles item 'data/seed.json' has %(RelativePath) '../{escapeName}', which is refused: " +
            $"Destination path '../{escapeName}' contains '..'; it must stay inside the destination folder. Set its %(RelativePath) to a path under DestinationFolder.", log);
        Assert.Contains($"error RMT0001: SourceFiles item 'data/seed.json' has %(RelativePath) '/tmp/{escapeName}', which is refused: " +
            $"Destination path '/tmp/{escapeName}' is absolute; it must be relative to the destination folder.", log);
        // Refused as a whole before connecting: the good item of the same task did not land either.
        Assert.Equal(before, TreeSnapshot.Of(local));
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(local)!, escapeName)), "the escaping file was written beside the destination");
        Assert.DoesNotContain("copied", log);
    }

    /// <summary>The assembly's <c>[AssemblyConfiguration]</c> (the SDK writes the build's Configuration into it), read without loading it.</summary>
    static string AssemblyConfiguration(string path)
    {
        using var pe = new PEReader(File.OpenRead(path));
        var md = pe.GetMetadataReader();
        foreach (var handle in md.GetAssemblyDefinition().GetCustomAttributes())
        {
            var attribute = md.GetCustomAttribute(handle);
            if (attribute.Constructor.Kind != HandleKind.MemberReference) continue;
            var ctor = md.GetMemberReference((MemberReferenceHandle)attribute.Constructor);
            if (ctor.Parent.Kind != HandleKind.TypeReference || md.GetString(md.GetTypeReference((TypeReferenceHandle)ctor.Parent).Name) != "AssemblyConfigurationAttribute")
                continue;
            var value = md.GetBlobReader(attribute.Value);
            value.ReadUInt16(); // the custom attribute blob's prolog
            return value.ReadSerializedString() ?? "";
        }
        throw new InvalidOperationException($"{path} has no AssemblyConfiguration attribute");
    }
}
