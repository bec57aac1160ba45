using Rmote.Fleet;

namespace Rmote.Operations;

/// <summary>
/// The time limit a step gets on each host (issue 16: every step has a bound). Steps whose own wait the host
/// enforces (a command's timeout, a unit's wait to become active, a health wait) get that wait plus a grace period;
/// the others get the front end's generic <c>Timeout</c>.
/// </summary>
public static class StepBounds
{
    /// <summary>
    /// Added to a time limit the host enforces itself (an Exec's timeout kills its process group there), so that the
    /// host's own message, naming the command, comes first; the step limit then only ends a frozen host.
    /// </summary>
    public static readonly TimeSpan RemoteGrace = TimeSpan.FromSeconds(10);

    /// <summary>The limit of the step running <paramref name="request"/> on each host, or <paramref name="generic"/> for steps without a wait of their own.</summary>
    public static TimeSpan? For(object request, TimeSpan? generic) => request switch
    {
        // Every attempt has the command's own limit, and each pause is at most Backoff.MaxDelay.
        ExecRequest e => e.Timeout * (e.Retries + 1) + Backoff.MaxDelay * e.Retries + RemoteGrace,
        ServiceRestartRequest s => s.Timeout * Math.Max(1, s.Names.Count) + RemoteGrace,
        HealthCheckOptions h => h.Timeout + h.AttemptTimeout + RemoteGrace,
        _ => generic,
    };
}
