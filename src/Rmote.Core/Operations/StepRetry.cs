using Microsoft.Extensions.Logging;
using Rmote.Fleet;

namespace Rmote.Operations;

/// <summary>
/// Retries of a step on one host (<see cref="ExecRequest.Retries"/>), with a pause that doubles with jitter
/// (<see cref="Backoff"/>). Only while the host's connection is up and the build is not cancelled: a lost connection is the
/// connect retries' business, and a cancel is not a failure. Each failed attempt is logged as a warning on the host's
/// connection, naming the attempt and the next pause.
/// </summary>
internal static class StepRetry
{
    /// <summary>Runs <paramref name="attempt"/>; on failure runs it again up to <paramref name="retries"/> times. Returns the value and the attempts it took.</summary>
    public static async Task<(T Value, int Attempts)> RunAsync<T>(Protocol p, string step, int retries, TimeSpan delay,
        Func<CancellationToken, Task<T>> attempt, CancellationToken cancellationToken)
    {
        if (retries == 0) return (await attempt(cancellationToken).ConfigureAwait(false), 1);
        var attempts = 0;
        var pipeline = Backoff.Retrying<T>(retries, delay, e => e is not OperationCanceledException && p.IsConnected && !cancellationToken.IsCancellationRequested,
            (failed, failure, pause) =>
            {
                var why = (failure?.Message ?? "failed").ReplaceLineEndings(" ");
                if (why.StartsWith($"[{p.Name}] ", StringComparison.Ordinal)) why = why[(p.Name.Length + 3)..];
                p.Logger.LogWarning("[{Host}] {Step} attempt {Attempt} of {Attempts} failed ({Reason}); retrying in {Delay:0.0} s",
                    p.Name, step, failed, retries + 1, why, pause.TotalSeconds);
            });
        var value = await pipeline.ExecuteAsync(async ct =>
        {
            attempts++;
            return await attempt(ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        return (value, attempts);
    }
}
