namespace Rmote.TestRig;

/// <summary>Where the repository is, how this test assembly was built, and `dotnet` runs that fail loudly.</summary>
public static class Repo
{
    public static string Root { get; } = FindRoot();

    /// <summary>Release under build/test.sh, Debug from an IDE: the configuration of this test assembly.</summary>
    public static string Configuration => Rmote.TestRig.TestBuild.Configuration;

    static string FindRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Rmote.Build.sln"))) return d.FullName;
        throw new InvalidOperationException("Rmote.Build.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>Quiet, no telemetry, no first-run banner: the output is what the test reads.</summary>
    public static Dictionary<string, string> DotNetEnvironment(IDictionary<string, string>? extra = null)
    {
        var env = new Dictionary<string, string>
        {
            ["DOTNET_NOLOGO"] = "1",
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1",
            ["NO_COLOR"] = "1",
        };
        foreach (var (k, v) in extra ?? new Dictionary<string, string>()) env[k] = v;
        return env;
    }

    public static async Task<ProcessResult> DotNetAsync(string cwd, TimeSpan timeout, params string[] args)
    {
        var r = await ProcessRunner.RunAsync("dotnet", args, cwd, DotNetEnvironment(), timeout);
        if (!r.Succeeded) throw new InvalidOperationException($"{r}\n{r.StdOut}\n{r.StdErr}");
        return r;
    }

    /// <summary>The samples' own Directory.Build files (they stand alone, as a user's projects would), and the SDK pin.</summary>
    public static void CopySampleProps(string samplesCopy)
    {
        Directory.CreateDirectory(samplesCopy);
        foreach (var file in new[] { "Directory.Build.props", "Directory.Build.targets" })
            if (File.Exists(Path.Combine(Root, "samples", file))) File.Copy(Path.Combine(Root, "samples", file), Path.Combine(samplesCopy, file), true);
        File.Copy(Path.Combine(Root, "global.json"), Path.Combine(Path.GetDirectoryName(samplesCopy)!, "global.json"), true);
    }

    /// <summary>Copies a folder (without bin/obj/out/tools) so a test can change it freely.</summary>
    public static void CopyTree(string from, string to)
    {
        foreach (var dir in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
        {
            var rel = Path.GetRelativePath(from, dir);
            if (rel.Split(Path.DirectorySeparatorChar).Any(p => p is "bin" or "obj" or "out" or "tools")) continue;
            Directory.CreateDirectory(Path.Combine(to, rel));
        }
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var rel = Path.GetRelativePath(from, file);
            if (rel.Split(Path.DirectorySeparatorChar).Any(p => p is "bin" or "obj" or "out" or "tools")) continue;
            File.Copy(file, Path.Combine(to, rel), true);
        }
    }
}
