using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Rmote.Fleet;

namespace Rmote.Integration;

/// <summary>
/// Open connections of one build process, keyed by host and connection settings, so that consecutive steps of a
/// script (copy, exec, restart...) reuse one SSH connection per host instead of paying ~0.5 s per step and host.
/// Closed by <see cref="DisposeAsync"/> (a disconnect step) or at process exit.
/// </summary>
internal sealed class ConnectionPool : IAsyncDisposable
{
    readonly ConcurrentDictionary<string, Lazy<Task<Protocol>>> open = new();

    /// <summary>The pool of this process; closed when the process exits.</summary>
    public static ConnectionPool Shared { get; } = CreateShared();

    static ConnectionPool CreateShared()
    {
        var pool = new ConnectionPool();
        // Build hosts (Cake, a Nuke console) have no teardown hook we can rely on; closing here lets each remote
        // runtime exit cleanly instead of finding its stdin gone. Bounded, so a dead host cannot hold the exit.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => pool.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5));
        return pool;
    }

    /// <summary>Connections currently held.</summary>
    public int Count => open.Count;

    /// <summary>The open connection for <paramref name="spec"/>, connecting first when there is none (or it was lost).</summary>
    public async Task<Protocol> GetAsync(HostSpec spec, ILogger? logger, CancellationToken cancellationToken)
    {
        var key = Key(spec);
        while (true)
        {
            // Lazy: two steps asking for the same host at once share one connect.
            var entry = open.GetOrAdd(key, _ => new Lazy<Task<Protocol>>(() => spec.ConnectAsync(logger, CancellationToken.None)));
            Protocol p;
            try
            {
                p = await entry.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                // A failed connect is not cached: the next step tries again.
                open.TryRemove(new KeyValuePair<string, Lazy<Task<Protocol>>>(key, entry));
                throw;
            }
            if (p.IsConnected) return p;
            if (open.TryRemove(new KeyValuePair<string, Lazy<Task<Protocol>>>(key, entry)))
                await p.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Everything that makes two connections to the same host different.</summary>
    static string Key(HostSpec s) => string.Join('\u001f',
        s.ToString(), s.Identity, s.Python, string.Join('\u001e', s.SshOptions), s.KnownHostsFile, s.ConfigFile,
        s.HostKeyChecking, s.Sudo, s.ConnectTimeout);

    /// <summary>Closes every connection (in parallel); the pool can be used again afterwards.</summary>
    public async ValueTask DisposeAsync()
    {
        var entries = open.ToArray();
        open.Clear();
        await Task.WhenAll(entries.Select(async e =>
        {
            try
            {
                var p = await e.Value.Value.ConfigureAwait(false);
                await p.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception) { /* a connect that failed has nothing to close */ }
        })).ConfigureAwait(false);
    }
}
