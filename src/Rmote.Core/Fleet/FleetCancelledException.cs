namespace Rmote.Fleet;

/// <summary>
/// A fleet step was cancelled: its message holds one line per host that was running (what each host was doing and
/// what was cleaned up, e.g. "[web01] copy cancelled: 2 file(s) in flight, their temp files removed").
/// </summary>
public sealed class FleetCancelledException : OperationCanceledException
{
    /// <summary>Creates the exception from the hosts' own cancellations (in host order).</summary>
    public FleetCancelledException(IReadOnlyList<OperationCanceledException> hosts, CancellationToken token)
        : base(hosts.Count == 0 ? "cancelled before any host started" : string.Join("\n", hosts.Select(h => h.Message)), token)
    {
        Hosts = hosts;
    }

    /// <summary>The cancellation of each host that was running, each naming its host (<c>[host] ...</c>).</summary>
    public IReadOnlyList<OperationCanceledException> Hosts { get; }
}
