namespace Rmote.Fleet;

/// <summary>Runs one host's part of a step under its time limit (<see cref="HostSpec.Timeout"/>, <see cref="FleetOptions.Timeout"/>).</summary>
internal static class StepTimeout
{
    /// <summary>
    /// Runs <paramref name="operation"/>; past <paramref name="limit"/> its token is cancelled (the remote calls are
    /// cancelled and complete at once) and a <see cref="TimeoutException"/> naming the host and the limit is thrown,
    /// even if the operation ignores its token.
    /// </summary>
    public static async Task<T> RunAsync<T>(string host, TimeSpan? limit, Protocol protocol, Func<Protocol, CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
    {
        if (limit is not { } bound) return await operation(protocol, cancellationToken).ConfigureAwait(false);
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(bound);
        try
        {
            return await operation(protocol, timer.Token).WaitAsync(timer.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timer.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"[{host}] the step did not finish within its time limit of {Units.Seconds(bound)} (Timeout); its remote calls were cancelled. " +
                "Raise Timeout if the host needs longer.");
        }
    }
}
