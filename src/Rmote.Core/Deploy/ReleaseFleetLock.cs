using Rmote.Fleet;

namespace Rmote.Deploy;

/// <summary>
/// The deploy lock of a base folder over a fleet: taken host by host in the session's order (two fleet deploys
/// never each hold half the hosts and wait on each other), released on every host afterwards, best effort (the host
/// drops it anyway when the connection ends).
/// </summary>
internal static class ReleaseFleetLock
{
    // Unlocking happens after success, failure or cancellation alike; it must not hang the caller.
    static readonly TimeSpan UnlockBound = TimeSpan.FromSeconds(15);

    /// <summary>Locks <paramref name="releases"/>' base on every host, stopping at the first host that cannot get it.</summary>
    public static Task<FleetResult<ReleaseLocked>> LockAsync(FleetSession session, Releases releases, string what, FleetOptions options, CancellationToken cancellationToken) =>
        session.RunAsync((p, ct) => releases.LockAsync(p, what, ct), options with { Serial = 1, FailurePolicy = FailurePolicy.StopOnFirst }, cancellationToken);

    /// <summary>Releases the lock on every connected host (a host where this connection does not hold it answers false).</summary>
    public static async Task UnlockAsync(FleetSession session, Releases releases, FleetOptions options)
    {
        using var bound = new CancellationTokenSource(UnlockBound);
        try
        {
            await session.RunAsync(async (p, ct) =>
            {
                try
                {
                    return await releases.UnlockAsync(p, ct).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IRemoteError or TimeoutException or OperationCanceledException or IOException or ObjectDisposedException)
                {
                    return false; // the lock dies with the connection
                }
            }, options with { Serial = null, FailurePolicy = FailurePolicy.Continue, SkipFailedHostsInLaterSteps = false }, bound.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // past the bound: the connections' end releases what is left
        }
    }

    /// <summary>
    /// The rows of a step that could not run because <paramref name="step"/> did not succeed everywhere: its failed rows
    /// as they are, its successful rows skipped with <paramref name="why"/>.
    /// </summary>
    public static FleetResult<T> NotRun<T, TStep>(FleetResult<TStep> step, string why) =>
        new(step.Select(r => new HostResult<T>
        {
            Host = r.Host,
            Status = r.Success ? HostStatus.Skipped : r.Status,
            Error = r.Error,
            Reason = r.Success ? why : r.Reason,
            Duration = r.Duration,
            Batch = r.Batch,
        }).ToList(), step.Duration, step.StopReason, why);
}
