using Rmote.TestRig;

namespace Rmote.Cake.Tests;

/// <summary>The addin package's assemblies carry precompiled code: Cake loads them into a fresh process each run.</summary>
public sealed class CakeStartupTests
{
    [Fact]
    public async Task The_addin_package_ships_its_assemblies_ReadyToRun()
    {
        var feed = await PackedFeed.GetAsync();
        var dlls = PackageAssemblies.ReadyToRun(Path.Combine(feed.Folder, $"Cake.Rmote.{feed.Version}.nupkg"), "lib/net10.0/");
        Assert.Contains("Cake.Rmote.dll", dlls.Keys);
        Assert.Contains("Rmote.Core.dll", dlls.Keys);
        Assert.All(dlls, d => Assert.True(d.Value, $"{d.Key} has no ReadyToRun code"));
    }
}
