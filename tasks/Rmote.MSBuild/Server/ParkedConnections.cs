using Microsoft.Extensions.Logging;
using Rmote.Fleet;

namespace Rmote.MSBuild.Server;

/// <summary>
/// The connections the build server keeps between builds: when a build ends, its open, idle connections wait here for
/// the host's <c>ConnectionPersist</c> (60 s; 0 keeps none), and the next build's connect to the same host with the
/// same settings takes one (checked with a ping) instead of connecting. A redeploy then costs the calls it makes,
/// not a connection and a runtime's start per host. As with kept runtimes, a host's runtime is not left running
/// between builds with <c>KeepRuntime=false</c> or with <c>Sudo</c> (it would be root's).
/// </summary>
internal sealed class ParkedConnections : IConnectionParking
{
    /// <summary>The server's one set.</summary>
    public static ParkedConnections Shared { get; } = new();

    readonly object gate = new();
    readonly Dictionary<string, List<(Protocol Protocol, long Until)>> parked = new(StringComparer.Ordinal);

    public Protocol? TryTake(string key, ILogger? logger)
    {
        List<Protocol> stale = [];
        Protocol? taken = null;
        lock (gate)
        {
            if (parked.TryGetValue(key, out var list))
            {
                while (taken == null && list.Count > 0)
                {
                    var (protocol, until) = list[^1];
                    list.RemoveAt(list.Count - 1);
                    if (protocol.IsConnected && Environment.TickCount64 < until) taken = protocol;
                    else stale.Add(protocol);
                }
                if (list.Count == 0) parked.Remove(key);
            }
        }
        Close(stale);
        // The connection was opened by another build: from now on its records are this build's.
        if (taken?.Logger is LogRelay relay) relay.Target = (logger as LogRelay)?.Target ?? logger;
        return taken;
    }

    public bool Park(string key, Protocol protocol, HostSpec spec)
    {
        var persist = spec.ConnectionPersist ?? TimeSpan.FromSeconds(60);
        if (persist <= TimeSpan.Zero || !spec.KeepRuntime || spec.Sudo || !protocol.IsConnected || !protocol.Idle || protocol.Logger is not LogRelay relay) return false;
        relay.Target = null;
        lock (gate)
        {
            if (!parked.TryGetValue(key, out var list)) parked[key] = list = [];
            list.Add((protocol, Environment.TickCount64 + (long)persist.TotalMilliseconds));
        }
        return true;
    }

    /// <summary>Closes what waited longer than its host's ConnectionPersist, or ended while parked.</summary>
    public void Expire()
    {
        List<Protocol> stale = [];
        lock (gate)
        {
            var now = Environment.TickCount64;
            foreach (var (key, list) in parked.ToList())
            {
                stale.AddRange(list.Where(p => !p.Protocol.IsConnected || now >= p.Until).Select(p => p.Protocol));
                list.RemoveAll(p => stale.Contains(p.Protocol));
                if (list.Count == 0) parked.Remove(key);
            }
        }
        Close(stale);
    }

    /// <summary>Closes every parked connection (the server is exiting).</summary>
    public async Task CloseAllAsync()
    {
        List<Protocol> all;
        lock (gate)
        {
            all = [.. parked.Values.SelectMany(l => l.Select(p => p.Protocol))];
            parked.Clear();
        }
        await Task.WhenAll(all.Select(p => p.DisposeAsync().AsTask())).ConfigureAwait(false);
    }

    static void Close(List<Protocol> protocols)
    {
        foreach (var p in protocols) _ = p.DisposeAsync().AsTask();
    }
}
