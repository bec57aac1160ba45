using Polly;
using Polly.Retry;

namespace Rmote.Fleet;

/// <summary>
/// The one retry policy of connects (<see cref="ConnectRetry"/>) and steps (<c>StepRetry</c>): Polly's retry strategy,
/// a pause that doubles from the first one with jitter (a fleet of builds does not knock in step), at most
/// <see cref="MaxDelay"/>.
/// </summary>
internal static class Backoff
{
    /// <summary>The longest pause between two attempts.</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A pipeline that runs an attempt up to <paramref name="retries"/> more times while <paramref name="shouldRetry"/>
    /// says so of its failure, pausing <paramref name="delay"/> (doubling) first; <paramref name="onRetry"/> hears of each
    /// retry: the attempt that failed (1-based), its failure and the pause before the next.
    /// </summary>
    public static ResiliencePipeline<T> Retrying<T>(int retries, TimeSpan delay, Func<Exception, bool> shouldRetry,
        Action<int, Exception?, TimeSpan> onRetry) =>
        new ResiliencePipelineBuilder<T>().AddRetry(new RetryStrategyOptions<T>
        {
            ShouldHandle = new PredicateBuilder<T>().Handle(shouldRetry),
            MaxRetryAttempts = retries,
            Delay = delay,
            MaxDelay = MaxDelay,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            OnRetry = args =>
            {
                onRetry(args.AttemptNumber + 1, args.Outcome.Exception, args.RetryDelay);
                return default;
            },
        }).Build();
}
