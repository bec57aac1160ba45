using System.Collections.Concurrent;
using Microsoft.Build.Framework;
using Rmote.Fleet;

namespace Rmote.MSBuild;

/// <summary>
/// One connection per host for the whole build, shared by every Rmote task through
/// <see cref="IBuildEngine4.RegisterTaskObject"/>; MSBuild disposes it at the end of the build, which closes them.
/// A failed connect is remembered too, so an unreachable host costs its connect timeout once, not once per task.
/// </summary>
internal sealed class ConnectionPool : IDisposable
{
    const string Key = "Rmote.MSBuild.ConnectionPool/1";
    static readonly object Gate = new();
    readonly ConcurrentDictionary<string, Lazy<Task<Protocol>>> connections = new();
    int disposed;

    public static ConnectionPool For(IBuildEngine4 engine)
    {
        // Tasks of one build may run at once (parallel projects in the same node): create and register once.
        lock (Gate)
        {
            if (engine.GetRegisteredTaskObject(Key, RegisteredTaskObjectLifetime.Build) is ConnectionPool existing) return existing;
            var pool = new ConnectionPool();
            engine.RegisterTaskObject(Key, pool, RegisteredTaskObjectLifetime.Build, allowEarlyCollection: false);
            return pool;
        }
    }

    /// <summary>The host's open connection, connecting on first use (or again when the old one was lost).</summary>
    public Task<Protocol> ConnectAsync(HostSpec spec, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(disposed != 0, this);
        var key = HostItems.Key(spec);
        while (true)
        {
            var lazy = connections.GetOrAdd(key, _ => new Lazy<Task<Protocol>>(
                // Not the caller's token: the connection outlives the task that opened it.
                () => spec.ConnectAsync(null, CancellationToken.None)));
            var t = lazy.Value;
            if (t.IsCompletedSuccessfully && !t.Result.IsConnected)
            {
                connections.TryRemove(new KeyValuePair<string, Lazy<Task<Protocol>>>(key, lazy));
                continue;
            }
            return t.WaitAsync(cancellationToken);
        }
    }

    /// <summary>How many hosts have a connection (or a connect attempt).</summary>
    public int Count => connections.Count;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0) return;
        // MSBuild calls this synchronously at build end: the one place besides Execute allowed to block.
        Task.WhenAll(connections.Values.Select(async l =>
        {
            try { await (await l.Value.ConfigureAwait(false)).DisposeAsync().ConfigureAwait(false); }
            catch (Exception) { /* a host that never connected has nothing to close */ }
        })).GetAwaiter().GetResult();
        connections.Clear();
    }
}
