using Microsoft.Build.Framework;

namespace Rmote.MSBuild.Server;

/// <summary>
/// The build server's switches: <c>RMOTE_BUILD_SERVER=false</c> in the environment or <c>-p:RmoteBuildServer=false</c>
/// runs Rmote's tasks inside the build process; <c>RMOTE_BUILD_SERVER_IDLE</c> is how many seconds a server waits for
/// the next build before it exits (600).
/// </summary>
internal static class BuildServerSettings
{
    public const string EnvironmentVariable = "RMOTE_BUILD_SERVER", IdleVariable = "RMOTE_BUILD_SERVER_IDLE", Property = "RmoteBuildServer";

    public static bool Enabled(IBuildEngine6? engine) =>
        !IsOff(Environment.GetEnvironmentVariable(EnvironmentVariable))
        && !(engine != null && engine.GetGlobalProperties().TryGetValue(Property, out var value) && IsOff(value));

    public static int IdleSeconds =>
        int.TryParse(Environment.GetEnvironmentVariable(IdleVariable), out var seconds) && seconds > 0 ? seconds : 600;

    static bool IsOff(string? value) => value?.Trim().ToLowerInvariant() is "false" or "0" or "off" or "no";
}
