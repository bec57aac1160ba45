using System.Net.Sockets;
using Microsoft.Build.Framework;

namespace Rmote.MSBuild.Server;

/// <summary>
/// One build's use of the build server, kept for the build's lifetime (<see cref="IBuildEngine4.RegisterTaskObject"/>).
/// The first Rmote task decides: with a server running, every task of the build runs there (they share its connections
/// and recap there); without one, this build runs its tasks itself and starts a server for the next builds. At the end
/// of the build the server is told, and closes the build's connections as MSBuild would.
/// </summary>
internal sealed class BuildServerSession : IDisposable
{
    const string Key = "Rmote.MSBuild.BuildServerSession/1/";
    static readonly object Gate = new();
    readonly object modeGate = new();
    bool? usesServer;
    // A connection reached the server: it may hold this build's connections and recap, to be ended with the build.
    bool reachedServer;

    BuildServerSession(byte[] hash, string? socket, string? whyNot)
    {
        EnvironmentHash = Convert.ToHexStringLower(hash);
        Socket = socket;
        WhyNot = whyNot;
        if (socket == null) usesServer = false;
    }

    /// <summary>The server's socket, or null when this build runs its tasks itself (<see cref="WhyNot"/>).</summary>
    public string? Socket { get; }

    /// <summary>Why the build does not use a server, for the log (null when it does, or when it was turned off).</summary>
    public string? WhyNot { get; private set; }

    /// <summary>Sent with every request; the server refuses a build whose environment is not its own.</summary>
    public string EnvironmentHash { get; }

    /// <summary>Names the build in the server.</summary>
    public string BuildId { get; } = Guid.NewGuid().ToString("N");

    public static BuildServerSession For(IBuildEngine4 engine)
    {
        lock (Gate)
        {
            // A server per project folder: the key names the folder MSBuild runs this project's tasks in.
            var key = Key + Environment.CurrentDirectory;
            if (engine.GetRegisteredTaskObject(key, RegisteredTaskObjectLifetime.Build) is BuildServerSession existing) return existing;
            string? socket = null, whyNot = null;
            var enabled = BuildServerSettings.Enabled(engine as IBuildEngine6);
            var hash = enabled ? BuildServerName.Hash() : [];
            if (enabled) socket = BuildServerName.Socket(hash, out whyNot);
            var session = new BuildServerSession(hash, socket, whyNot);
            engine.RegisterTaskObject(key, session, RegisteredTaskObjectLifetime.Build, allowEarlyCollection: false);
            return session;
        }
    }

    /// <summary>
    /// A connection to the server for the next task, or null: run it in this process. The first task that finds no
    /// server starts one (for later builds) and the rest of the build runs its tasks itself.
    /// </summary>
    public Socket? Connect()
    {
        lock (modeGate)
        {
            if (usesServer == false || Socket == null) return null;
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                socket.Connect(new UnixDomainSocketEndPoint(Socket));
                usesServer = reachedServer = true;
                return socket;
            }
            catch (SocketException e)
            {
                socket.Dispose();
                if (usesServer == null)
                {
                    var pid = BuildServerLauncher.Start(Socket);
                    WhyNot = pid is { } p ? $"no build server was running; started one (pid {p}) for the next builds" : "no build server was running, and none can be started here";
                }
                else
                {
                    WhyNot = $"the build server went away during the build ({e.SocketErrorCode}); the rest of the build runs Rmote's tasks itself";
                }
                usesServer = false;
                return null;
            }
        }
    }

    /// <summary>The server answered that it cannot run this build's tasks: the rest of the build runs them itself.</summary>
    public void Decline(string why)
    {
        lock (modeGate)
        {
            usesServer = false;
            WhyNot = why;
        }
    }

    // MSBuild calls this at the end of the build: the server parks the build's connections. Nothing waits for it.
    public void Dispose()
    {
        if (reachedServer && Socket != null) TaskFrames.Notify(Socket, TaskFrames.EndBuild, BuildId);
    }
}
