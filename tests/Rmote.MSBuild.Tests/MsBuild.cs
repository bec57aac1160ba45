using System.Diagnostics;
using System.Text;
using Rmote.TestRig;

namespace Rmote.MSBuild.Tests;

/// <summary>Runs real <c>dotnet msbuild</c> out of process, with an environment free of the test host's MSBuild settings.</summary>
internal static class MsBuild
{
    static readonly string[] InheritedMsBuildVariables =
        [.. Environment.GetEnvironmentVariables().Keys.Cast<string>().Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || k is "DOTNET_HOST_PATH" or "VSTEST_HOST_DEBUG")];

    public static Dictionary<string, string?> Env()
    {
        // null removes the variable: the test host's own MSBuild settings must not leak into the child build.
        var env = InheritedMsBuildVariables.ToDictionary(k => k, _ => (string?)null);
        env["MSBUILDDISABLENODEREUSE"] = "1";
        env["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        env["DOTNET_NOLOGO"] = "1";
        env["MSBUILDTERMINALLOGGER"] = "off";
        // Builds after a project's first run their Rmote tasks in its build server, as users' do; a test's servers
        // exit soon after its last build instead of after the default ten minutes.
        env["RMOTE_BUILD_SERVER_IDLE"] = "30";
        return env;
    }

    public static ProcessStartInfo StartInfo(IEnumerable<string> args, string cwd)
    {
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, WorkingDirectory = cwd };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in Env()) { if (v == null) psi.Environment.Remove(k); else psi.Environment[k] = v; }
        return psi;
    }

    public static Task<ProcessResult> RunDotnetAsync(IEnumerable<string> args, string cwd, TimeSpan timeout, IReadOnlyDictionary<string, string>? extraEnv = null)
    {
        var env = Env();
        foreach (var (k, v) in extraEnv ?? new Dictionary<string, string>()) env[k] = v;
        // ProcessRunner removes a variable whose value is null.
        return ProcessRunner.RunAsync("dotnet", args, cwd, env.ToDictionary(kv => kv.Key, kv => kv.Value!), timeout);
    }

    /// <summary>A running build whose output can be watched (for Ctrl+C).</summary>
    public sealed class Running : IDisposable
    {
        readonly Process p;
        readonly StringBuilder output = new();

        public Running(ProcessStartInfo psi)
        {
            p = new Process { StartInfo = psi };
            p.OutputDataReceived += (_, e) => { if (e.Data != null) lock (output) output.Append(e.Data).Append('\n'); };
            p.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (output) output.Append(e.Data).Append('\n'); };
            p.Start();
            p.StandardInput.Close();
            p.BeginOutputReadLine();
            p.BeginErrorReadLine();
        }

        public int Pid => p.Id;
        public string Output { get { lock (output) return output.ToString(); } }

        public async Task WaitForTextAsync(string text, TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (!Output.Contains(text, StringComparison.Ordinal))
            {
                if (p.HasExited || DateTime.UtcNow > deadline) throw new TimeoutException($"'{text}' never appeared:\n{Output}");
                await Task.Delay(100);
            }
        }

        public async Task<int> WaitAsync(TimeSpan timeout)
        {
            await p.WaitForExitAsync().WaitAsync(timeout);
            p.WaitForExit(); // drains the output events
            return p.ExitCode;
        }

        public void Dispose()
        {
            try { if (!p.HasExited) p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            p.Dispose();
        }
    }
}
