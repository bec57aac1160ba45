using Rmote.TestRig;

namespace Rmote.Nuke.Tests;

/// <summary>
/// The packages a Nuke build references carry precompiled code: a Nuke build (or a C# script using Rmote.Core) is a
/// fresh process each run, where the JIT would otherwise compile every method it calls.
/// </summary>
public sealed class NukeStartupTests
{
    [Theory]
    [InlineData("Rmote.Core")]
    [InlineData("Rmote.Nuke")]
    public async Task The_package_ships_its_assembly_ReadyToRun(string id)
    {
        var feed = await PackedFeed.GetAsync();
        var dlls = PackageAssemblies.ReadyToRun(Path.Combine(feed.Folder, $"{id}.{feed.Version}.nupkg"), "lib/net10.0/");
        Assert.Equal([id + ".dll"], dlls.Keys);
        Assert.True(dlls[id + ".dll"], $"{id}.dll has no ReadyToRun code");
    }
}
