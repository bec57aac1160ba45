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
        var (dir, env, args) = Prepare(feed, script, arguments);
        return await ProcessRunner.RunAsync("dotnet", args, dir, env, TimeSpan.FromMinutes(4));
    }

    /// <summary>
    /// Starts Cake as <see cref="RunAsync"/> does, leading a process group of its own (<c>setsid</c>), so a test can send
    /// the group a terminal's Ctrl+C. Output lines are appended to <paramref name="output"/> as they come.
    /// </summary>
    public static System.Diagnostics.Process StartInOwnGroup(PackedFeed feed, string script, System.Text.StringBuilder output, params string[] arguments)
    {
        var (dir, env, args) = Prepare(feed, script, arguments);
        var psi = new System.Diagnostics.ProcessStartInfo("setsid") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = dir };
        psi.ArgumentList.Add("dotnet");
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env) psi.Environment[k] = v;
        var p = new System.Diagnostics.Process { StartInfo = psi };
        p.OutputDataReceived += (_, e) => { if (e.Data != null) lock (output) output.Append(e.Data).Append('\n'); };
        p.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (output) output.Append(e.Data).Append('\n'); };
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    static (string Dir, Dictionary<string, string> Env, string[] Args) Prepare(PackedFeed feed, string script, string[] arguments)
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
        return (dir, env, ["cake", Path.GetFileName(script), "--verbosity=normal", .. arguments]);
    }

    /// <summary>The output with Cake's colours gone (NO_COLOR is not honoured by every Cake version).</summary>
    public static string Text(ProcessResult r) =>
        System.Text.RegularExpressions.Regex.Replace(r.StdOut + r.StdErr, "\u001b\\[[0-9;]*m", "");
}
