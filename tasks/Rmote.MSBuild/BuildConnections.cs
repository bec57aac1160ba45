using Microsoft.Build.Framework;
using Rmote.Fleet;
using Rmote.MSBuild.Server;

namespace Rmote.MSBuild;

/// <summary>
/// The build's connections: one per host, shared by every Rmote task through <see cref="IBuildEngine4.RegisterTaskObject"/>
/// and closed when MSBuild disposes it at the end of the build. A failed connect is remembered, so an unreachable
/// host costs its connect timeout once per build, not once per task.
/// </summary>
internal sealed class BuildConnections : IDisposable
{
    const string Key = "Rmote.MSBuild.BuildConnections/1";
    static readonly object Gate = new();
    readonly ConnectionPool pool;

    // In the build server, a connection outlives the build: parked until the next one (ParkedConnections).
    BuildConnections(bool inServer) => pool = new(rememberFailedConnects: true) { Parking = inServer ? ParkedConnections.Shared : null };

    bool InServer => pool.Parking != null;

    /// <summary>Where the connections' diagnostics and remote log records go: the running task's log.</summary>
    public RemoteLogForwarder Logs { get; } = new();

    public static BuildConnections For(IBuildEngine4 engine)
    {
        // Tasks of one build may run at once (parallel projects in the same node): create and register once.
        lock (Gate)
        {
            if (engine.GetRegisteredTaskObject(Key, RegisteredTaskObjectLifetime.Build) is BuildConnections existing) return existing;
            var connections = new BuildConnections(engine is ServerBuildEngine);
            engine.RegisterTaskObject(Key, connections, RegisteredTaskObjectLifetime.Build, allowEarlyCollection: false);
            return connections;
        }
    }

    /// <summary>The host's open connection, connecting on first use (or again when the old one was lost).</summary>
    public Task<Protocol> ConnectAsync(HostSpec spec, CancellationToken cancellationToken) =>
        pool.GetAsync(spec, InServer ? new LogRelay(Logs) : Logs, cancellationToken);

    // MSBuild calls this synchronously at build end: like Execute, a boundary where blocking is allowed.
    public void Dispose() => pool.DisposeAsync().AsTask().GetAwaiter().GetResult();
}
