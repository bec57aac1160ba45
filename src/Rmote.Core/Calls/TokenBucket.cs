using System.Diagnostics;

namespace Rmote.Calls;

/// <summary>Counts what a remote sends against a <see cref="RateQuota"/>; thread-safe.</summary>
internal sealed class TokenBucket(RateQuota quota)
{
    readonly object gate = new();
    double tokens = quota.Burst;
    long last = Stopwatch.GetTimestamp();

    public RateQuota Quota { get; } = quota;

    /// <summary>Takes <paramref name="units"/>; false once the remote has used up its burst and the sustained rate.</summary>
    public bool TryTake(long units)
    {
        lock (gate)
        {
            var now = Stopwatch.GetTimestamp();
            tokens = Math.Min(Quota.Burst, tokens + Stopwatch.GetElapsedTime(last, now).TotalSeconds * Quota.PerSecond);
            last = now;
            tokens -= units;
            return tokens >= 0;
        }
    }
}
