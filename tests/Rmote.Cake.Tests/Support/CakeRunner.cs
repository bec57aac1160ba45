using Rmote.TestRig;

namespace Rmote.Cake.Tests.Support;

/// <summary>Runs a real <c>dotnet cake</c> (Cake.Tool 7.0.0 from the repository's tool manifest) on a script.</summary>
public static class CakeRunner
{
    /// <summary>The #addin line a user writes, for this run's package.</summary>
    public static string AddinLine(PackedFeed feed) => $"#addin nuget:?package=Cake.Rmote&version={feed.Version}";

    /// <summary>
    /// Writes nuget.config (this run's feed only) and the tool manifest next to <paramref name="script"/>, then runs
    /// Cake there with its tools folder inside the script's folder, so no other run's addin cache is involved.
    /// </summary>
    public static async Task<ProcessResult> RunAsync(PackedFeed feed, string script, params string[] arguments)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(script))!;
        File.WriteAllText(Path.Combine(dir, "nuget.config"), feed.NuGetConfig(clear: true));
        Directory.CreateDirectory(Path.Combine(dir, ".config"));
        File.Copy(Path.Combine(Repo.Root, ".config", "dotnet-tools.json"), Path.Combine(dir, ".config", "dotnet-tools.json"), true);
        var env = Repo.DotNetEnvironment(new Dictionary<string, string>
        {
            ["CAKE_PATHS_TOOLS"] = Path.Combine(dir, "tools"),
            ["CAKE_PATHS_ADDINS"] = Path.Combine(dir, "tools", "Addins"),
        });
        return await ProcessRunner.RunAsync("dotnet", ["cake", Path.GetFileName(script), "--verbosity=normal", .. arguments], dir, env, TimeSpan.FromMinutes(4));
    }

    /// <summary>The output with Cake's colours gone (NO_COLOR is not honoured by every Cake version).</summary>
    public static string Text(ProcessResult r) =>
        System.Text.RegularExpressions.Regex.Replace(r.StdOut + r.StdErr, "\u001b\\[[0-9;]*m", "");
}
