using System.Collections.Concurrent;
using System.Net.Sockets;

namespace Rmote.MSBuild.Server;

/// <summary>
/// The build server: a process that outlives a build, as the compiler server does for csc, so that the next build's
/// Rmote tasks run in warm code instead of paying the .NET start and JIT in every fresh <c>dotnet msbuild</c>. It
/// listens on a Unix socket in the user's private control socket folder, answers only its own user, runs each task
/// it is sent (<see cref="TaskConnection"/>) and exits after <c>RMOTE_BUILD_SERVER_IDLE</c> seconds (600) without a build.
/// </summary>
internal static class BuildServer
{
    /// <summary>Serves until idle (or asked to stop); returns the exit code.</summary>
    public static async Task<int> RunAsync(string socketPath, TimeSpan idle, CancellationToken cancellationToken)
    {
        if (!OperatingSystem.IsLinux()) return 2;  // builds elsewhere never start one (BuildServerName)
        // Only a server whose environment is the one the build hashed may run its tasks.
        var hash = BuildServerName.Hash();
        if (BuildServerName.Socket(hash, out _) != socketPath) return 3;
        using var lockFile = TryLock(socketPath + ".lock");
        if (lockFile == null) return 0;  // another build started one a moment ago
        File.Delete(socketPath);  // one that crashed left its socket
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var state = new State(idle, Convert.ToHexStringLower(hash), stop);
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(socketPath));
            File.SetUnixFileMode(socketPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            listener.Listen(64);
            using var ticks = new Timer(_ => state.Tick(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
            // Closing the listener is what ends the blocking accepts below.
            using var closeOnStop = stop.Token.Register(listener.Dispose);
            // A thread that blocks in accept and a thread per build: each hop through the thread pool cost the next
            // task milliseconds here, on a machine whose cores the build itself keeps busy.
            await Task.Factory.StartNew(() => Accept(listener, state), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)
                .ConfigureAwait(false);
        }
        finally
        {
            // No new build reaches a server on its way out; tasks still running finish first.
            listener.Dispose();
            File.Delete(socketPath);
            await state.DrainAsync().ConfigureAwait(false);
            await state.EndAllAsync().ConfigureAwait(false);
            File.Delete(socketPath + ".lock");  // still held: a server starting now fails to lock it and leaves
        }
        return 0;
    }

    static void Accept(Socket listener, State state)
    {
        while (true)
        {
            Socket client;
            try { client = listener.Accept(); }
            catch (Exception e) when (e is SocketException or ObjectDisposedException) { return; }
            state.Connected();
            new Thread(() =>
            {
                try { new TaskConnection(client, state).Serve(); }
                finally { state.Disconnected(); }
            }) { IsBackground = true, Name = "rmote build" }.Start();
        }
    }

    /// <summary>The lock that makes one server per socket (FileShare.None is an exclusive flock on Linux), or null when another holds it.</summary>
    static FileStream? TryLock(string path)
    {
        try { return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); }
        catch (IOException) { return null; }
    }

    /// <summary>What the connections share: the builds' scopes, the environment's hash, the idle clock.</summary>
    internal sealed class State(TimeSpan idle, string environmentHash, CancellationTokenSource stop)
    {
        readonly ConcurrentDictionary<string, BuildScope> builds = new();
        int connections;
        long lastActivity = Environment.TickCount64;

        public string EnvironmentHash => environmentHash;

        public BuildScope Scope(string buildId) => builds.GetOrAdd(buildId, _ => new BuildScope());

        public void EndBuild(string buildId)
        {
            if (builds.TryRemove(buildId, out var scope)) scope.End();
        }

        public void Stop() => stop.Cancel();

        public void Connected()
        {
            Interlocked.Increment(ref connections);
            Volatile.Write(ref lastActivity, Environment.TickCount64);
        }

        public void Disconnected()
        {
            Volatile.Write(ref lastActivity, Environment.TickCount64);
            Interlocked.Decrement(ref connections);
        }

        /// <summary>Ends builds that went away without saying so, and the server once nothing has happened for the idle time.</summary>
        public void Tick()
        {
            foreach (var (id, scope) in builds)
                if (scope.IdleLongerThan(idle)) EndBuild(id);
            ParkedConnections.Shared.Expire();
            if (Volatile.Read(ref connections) == 0 && Environment.TickCount64 - Volatile.Read(ref lastActivity) > idle.TotalMilliseconds)
                stop.Cancel();
        }

        public async Task DrainAsync()
        {
            while (Volatile.Read(ref connections) > 0) await Task.Delay(100).ConfigureAwait(false);
        }

        public async Task EndAllAsync()
        {
            foreach (var id in builds.Keys) EndBuild(id);
            BuildScope.EndProcess();
            await ParkedConnections.Shared.CloseAllAsync().ConfigureAwait(false);
        }
    }
}
