using System.Text.RegularExpressions;
using Rmote.TestRig;

namespace Rmote.MSBuild.Tests;

/// <summary>
/// Runs a build under a pseudo-terminal (<c>script</c>), as a user at a terminal sees it: with <c>-tl:on</c> MSBuild's
/// terminal logger draws its live view there. <see cref="Screen"/> is the captured bytes without the escape sequences.
/// </summary>
internal static partial class Pty
{
    public static async Task<(int ExitCode, string Raw, string Screen)> RunDotnetAsync(IEnumerable<string> args, string cwd)
    {
        var capture = Path.Combine(cwd, "terminal.typescript");
        var command = "dotnet " + string.Join(' ', args.Select(Quote));
        var env = MsBuild.Env();
        env.Remove("MSBUILDTERMINALLOGGER"); // MsBuild.Env turns it off for redirected runs; here the terminal decides.
        env["TERM"] = "xterm-256color";
        env["COLUMNS"] = "160";
        // -e: script exits with the build's exit code; -q: no "Script started" lines on stdout.
        var r = await ProcessRunner.RunAsync("script", ["-q", "-e", "-c", command, capture], cwd, env.ToDictionary(kv => kv.Key, kv => kv.Value!), TimeSpan.FromMinutes(3));
        var raw = File.ReadAllText(capture);
        File.WriteAllText(Path.Combine(Path.GetTempPath(), "rmote-msbuild-last-terminal.log"), raw); // for a failing assertion
        return (r.ExitCode, raw, Strip(raw));
    }

    /// <summary>The text without ANSI/VT100 control sequences and carriage returns.</summary>
    public static string Strip(string raw) => Escapes().Replace(raw, "").Replace("\r", "");

    static string Quote(string a) => "'" + a.Replace("'", "'\\''") + "'";

    [GeneratedRegex(@"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[=>]")]
    private static partial Regex Escapes();
}
