using Rmote.TestRig;

namespace Rmote.MSBuild.Tests;

/// <summary>What a fresh build process pays to start the tasks: precompiled code in the package, and the JIT line the deploy bench reads.</summary>
[Collection("msbuild-local")]
public sealed class StartupTests(PackedFeed feed)
{
    [Fact]
    public void The_package_ships_its_task_assemblies_ReadyToRun()
    {
        var dlls = PackageAssemblies.ReadyToRun(Path.Combine(feed.Folder, $"Rmote.MSBuild.{feed.Version}.nupkg"), "tasks/net10.0/");
        Assert.Contains("Rmote.MSBuild.dll", dlls.Keys);
        Assert.Contains("Rmote.Core.dll", dlls.Keys);
        Assert.All(dlls, d => Assert.True(d.Value, $"{d.Key} has no ReadyToRun code"));
    }

    [Fact]
    public async Task RMOTE_JIT_STATS_logs_each_task_s_JIT_work_and_only_then()
    {
        using var p = new TestProject(feed, """
              <ItemGroup><RmoteHost Include="local" /></ItemGroup>
              <Target Name="Go"><RmoteExec Hosts="@(RmoteHost)" ShellCommand="true" /></Target>
            """);
        var asked = await p.RunAsync("Go", "m", new Dictionary<string, string> { ["RMOTE_JIT_STATS"] = "1" });
        var log = TestProject.Log(asked);
        Assert.True(asked.ExitCode == 0, log);
        Assert.Matches(@"rmote-jit: RmoteExec methods=\+\d+ ms=\+[\d.]+ process-methods=\d+ process-ms=[\d.]+ step-ms=[\d.]+", log);

        var plain = await p.RunAsync("Go", "m");
        Assert.True(plain.ExitCode == 0, TestProject.Log(plain));
        Assert.DoesNotContain("rmote-jit", TestProject.Log(plain));
    }
}
