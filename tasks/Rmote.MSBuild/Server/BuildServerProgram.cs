using System.Runtime.Loader;

namespace Rmote.MSBuild.Server;

/// <summary>
/// The build server's entry point: <c>dotnet exec --runtimeconfig Rmote.MSBuild.runtimeconfig.json Rmote.MSBuild.dll
/// --rmote-build-server SOCKET MSBUILD_FOLDER IDLE_SECONDS</c>, started by <see cref="BuildServerClient"/>.
/// </summary>
internal static class BuildServerProgram
{
    /// <summary>The first argument, so that nothing else starts the assembly by accident.</summary>
    public const string Flag = "--rmote-build-server";

    static async Task<int> Main(string[] args)
    {
        if (args.Length != 4 || args[0] != Flag || !int.TryParse(args[3], out var idleSeconds) || idleSeconds <= 0)
        {
            Console.Error.WriteLine("Rmote.MSBuild.dll holds MSBuild tasks; the build server is started by them, not by hand.");
            return 2;
        }
        // MSBuild's own assemblies are not shipped with the tasks: they come from the MSBuild that started the server,
        // as they come from it when the tasks run inside the build.
        var msbuildFolder = args[2];
        AssemblyLoadContext.Default.Resolving += (context, name) =>
            Path.Combine(msbuildFolder, name.Name + ".dll") is var file && File.Exists(file) ? context.LoadFromAssemblyPath(file) : null;
        // RunAsync's signature names no MSBuild type, so nothing of MSBuild loads before the resolver is in place.
        return await BuildServer.RunAsync(args[1], TimeSpan.FromSeconds(idleSeconds), CancellationToken.None).ConfigureAwait(false);
    }
}
