namespace Rmote.Fleet;

/// <summary>
/// A set of hosts and fan-out options. <see cref="ConnectAsync"/> opens a <see cref="FleetSession"/> whose connections
/// are reused by every step; <see cref="RunAsync{T}"/> is the one-step shortcut.
/// </summary>
public sealed class HostGroup
{
    /// <summary>Creates a group.</summary>
    public HostGroup(IEnumerable<HostSpec> hosts, FleetOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        Hosts = hosts.ToList();
        if (Hosts.Count == 0) throw new ArgumentException("A host group needs at least one host.", nameof(hosts));
        Options = options ?? new FleetOptions();
        Options.Validate();
    }

    /// <summary>Parses host strings (<c>user@host:port</c>, <c>local</c>, <c>[::1]:22</c>); settings not in the string come from <paramref name="defaults"/>.</summary>
    public static HostGroup Parse(IEnumerable<string> hosts, HostSpec? defaults = null, FleetOptions? options = null) =>
        new(hosts.Select(h => HostSpec.Parse(h, defaults)), options);

    /// <summary>The hosts.</summary>
    public IReadOnlyList<HostSpec> Hosts { get; }

    /// <summary>The fan-out options.</summary>
    public FleetOptions Options { get; }

    /// <summary>Opens every connection in parallel; unreachable hosts are kept with their error.</summary>
    public Task<FleetSession> ConnectAsync(CancellationToken cancellationToken = default) =>
        FleetSession.ConnectAsync(Hosts, Options, cancellationToken);

    /// <summary>Connects, runs <paramref name="operation"/> on every host, closes the connections.</summary>
    public async Task<FleetResult<T>> RunAsync<T>(Func<Protocol, CancellationToken, Task<T>> operation, CancellationToken cancellationToken = default)
    {
        await using var session = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        return await session.RunAsync(operation, cancellationToken).ConfigureAwait(false);
    }
}
