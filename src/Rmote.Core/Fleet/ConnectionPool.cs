using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Rmote.Tools;
using Rmote.Transport;

namespace Rmote.Fleet;

/// <summary>
/// Open connections keyed by what connecting would run: the transport's full argv (every ssh setting, the control
/// socket, ConnectionPersist, sudo, the interpreter) and every protocol option (code cache, bounds, label), so no
/// hand-kept field list can go stale. Consecutive steps of one build (copy, exec, restart...) reuse one connection per host instead of paying an SSH login per step and host. Steps asking for the
/// same host at once share one connect; a lost connection is replaced on next use. Hand <see cref="GetAsync"/> to
/// <see cref="FleetSession.ConnectAsync(IEnumerable{HostSpec}, FleetOptions?, Func{HostSpec, CancellationToken, Task{Protocol}}?, CancellationToken)"/>:
/// sessions borrow the connections, the pool closes them.
/// </summary>
/// <param name="rememberFailedConnects">
/// True: a host that failed to connect fails again at once with the same error for the pool's lifetime (a build:
/// an unreachable host costs its connect timeout once, not once per step). False: the next step tries again.
/// </param>
public sealed class ConnectionPool(bool rememberFailedConnects = false) : IAsyncDisposable
{
    readonly ConcurrentDictionary<string, Lazy<Task<Protocol>>> open = new();
    readonly ConcurrentDictionary<string, HostSpec> specs = new();

    /// <summary>Where open connections go when the pool is disposed, and come from before a connect (null: none; they are closed).</summary>
    internal IConnectionParking? Parking { get; init; }

    /// <summary>How long a parked connection may take to answer a ping before it is closed and the host connected afresh.</summary>
    static readonly TimeSpan ParkedCheck = TimeSpan.FromSeconds(5);

    /// <summary>Hosts with a connection (or a connect under way or remembered as failed).</summary>
    public int Count => open.Count;

    /// <summary>The open connection for <paramref name="spec"/>, connecting first when there is none or it was lost.</summary>
    /// <param name="spec">The host and its connection settings.</param>
    /// <param name="logger">Logger of the connection, when this call opens it.</param>
    /// <param name="cancellationToken">Stops waiting; a connect under way goes on for other callers.</param>
    public async Task<Protocol> GetAsync(HostSpec spec, ILogger? logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        // The step's time limit is not a connection setting: the session applies it per step, and a pooled connection serves many steps.
        var plan = (spec with { Timeout = null }).ToTransportPlan(logger);
        var key = plan.Key;
        while (true)
        {
            // Not the caller's token: the connection outlives the step that opened it.
            var entry = open.GetOrAdd(key, _ => new Lazy<Task<Protocol>>(() => Parking is null
                ? ConnectRetry.StartAsync(plan, spec, logger, CancellationToken.None)
                : ParkedOrNewAsync(Parking, plan, spec, logger)));
            Protocol protocol;
            try
            {
                protocol = await entry.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested && !rememberFailedConnects)
            {
                open.TryRemove(new KeyValuePair<string, Lazy<Task<Protocol>>>(key, entry));
                throw;
            }
            if (protocol.IsConnected) return protocol;
            if (open.TryRemove(new KeyValuePair<string, Lazy<Task<Protocol>>>(key, entry)))
                await protocol.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>A parked connection for the host that still answers, else a new one.</summary>
    async Task<Protocol> ParkedOrNewAsync(IConnectionParking parking, TransportPlan plan, HostSpec spec, ILogger? logger)
    {
        specs[plan.Key] = spec;
        while (parking.TryTake(plan.Key, logger) is { } parked)
        {
            try
            {
                // A host that went away while the connection was parked would hang the step's first call.
                await parked.CallAsync(Diag.Ping).WaitAsync(ParkedCheck).ConfigureAwait(false);
                return parked;
            }
            catch (Exception)
            {
                await parked.DisposeAsync().ConfigureAwait(false);
            }
        }
        return await ConnectRetry.StartAsync(plan, spec, logger, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Closes every connection (or parks it, see <see cref="Parking"/>), in parallel; the pool can be used again afterwards.</summary>
    public ValueTask DisposeAsync()
    {
        var entries = open.ToArray();
        open.Clear();
        // The closes' own task, no async layer over it: one state machine less to JIT at a build process's end.
        return new ValueTask(Task.WhenAll(entries.Select(async e =>
        {
            try
            {
                var protocol = await e.Value.Value.ConfigureAwait(false);
                if (Parking != null && specs.TryGetValue(e.Key, out var spec) && Parking.Park(e.Key, protocol, spec)) return;
                await protocol.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception) { /* a connect that failed has nothing to close */ }
        })));
    }
}
