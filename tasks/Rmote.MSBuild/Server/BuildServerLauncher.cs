using System.Diagnostics;
using System.Globalization;
using Rmote.Transport;

namespace Rmote.MSBuild.Server;

/// <summary>
/// Starts a build server in the background, detached from the build: no standard streams of the build, and a session
/// of its own (through util-linux setsid, as Rmote's ssh clients are), so the terminal's Ctrl+C reaches only the build.
/// </summary>
internal static class BuildServerLauncher
{
    /// <summary>The started process's id, or null when this MSBuild does not run on the dotnet host (nothing to start the server with).</summary>
    public static int? Start(string socket)
    {
        var assembly = typeof(BuildServerLauncher).Assembly.Location;
        var config = Path.ChangeExtension(assembly, ".runtimeconfig.json");
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : Environment.ProcessPath;
        if (dotnet == null || Path.GetFileNameWithoutExtension(dotnet) != "dotnet" || !File.Exists(config)) return null;
        // The shell points the server's standard streams at /dev/null before it runs: a build whose output is piped
        // (dotnet msbuild | tee) must see its end when the build ends, not when the server exits.
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, WorkingDirectory = Environment.CurrentDirectory };
        string[] server = [dotnet, "exec", "--runtimeconfig", config, assembly,
            BuildServerProgram.Flag, socket, BuildServerName.MsBuildFolder, BuildServerSettings.IdleSeconds.ToString(CultureInfo.InvariantCulture)];
        foreach (var arg in (string[])["-c", "exec \"$0\" \"$@\" </dev/null >/dev/null 2>&1", .. RemoteProcess.Setsid is { } setsid ? [setsid, .. server] : server])
            start.ArgumentList.Add(arg);
        try
        {
            using var process = Process.Start(start);
            return process?.Id;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or IOException)
        {
            return null;
        }
    }
}
