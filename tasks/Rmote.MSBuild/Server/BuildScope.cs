using System.Collections.Concurrent;
using Microsoft.Build.Framework;

namespace Rmote.MSBuild.Server;

/// <summary>
/// The task objects one build registered in the server (its connections, its recap), disposed when the build ends
/// (<see cref="TaskFrames.EndBuild"/>), or when the build went away without saying so and nothing used them for the
/// server's idle time. Objects registered for the process's lifetime are shared by every build.
/// </summary>
internal sealed class BuildScope
{
    static readonly ConcurrentDictionary<object, object> ProcessObjects = new();
    readonly ConcurrentDictionary<object, object> objects = new();
    int running;
    long lastUsedTicks = Environment.TickCount64;

    /// <summary>Tasks of this build running now: a scope in use is never expired.</summary>
    public IDisposable Use()
    {
        Interlocked.Increment(ref running);
        return new Release(this);
    }

    public bool IdleLongerThan(TimeSpan idle) => Volatile.Read(ref running) == 0 && Environment.TickCount64 - Volatile.Read(ref lastUsedTicks) > idle.TotalMilliseconds;

    public void Register(object key, object obj, RegisteredTaskObjectLifetime lifetime) => Table(lifetime)[key] = obj;

    public object? Get(object key, RegisteredTaskObjectLifetime lifetime) => Table(lifetime).TryGetValue(key, out var obj) ? obj : null;

    public object? Unregister(object key, RegisteredTaskObjectLifetime lifetime) => Table(lifetime).TryRemove(key, out var obj) ? obj : null;

    ConcurrentDictionary<object, object> Table(RegisteredTaskObjectLifetime lifetime) => lifetime == RegisteredTaskObjectLifetime.Build ? objects : ProcessObjects;

    /// <summary>Disposes the build's objects, as MSBuild does at the end of a build (connections close here).</summary>
    public void End()
    {
        foreach (var key in objects.Keys)
            if (objects.TryRemove(key, out var obj) && obj is IDisposable disposable)
            {
                try { disposable.Dispose(); }
                catch (Exception) { /* as MSBuild: one object's failure does not keep the others open */ }
            }
    }

    public static void EndProcess()
    {
        foreach (var obj in ProcessObjects.Values) (obj as IDisposable)?.Dispose();
        ProcessObjects.Clear();
    }

    sealed class Release(BuildScope scope) : IDisposable
    {
        int done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref done, 1) != 0) return;
            Volatile.Write(ref scope.lastUsedTicks, Environment.TickCount64);
            Interlocked.Decrement(ref scope.running);
        }
    }
}
