namespace Rmote;

/// <summary>
/// A rate limit with a burst (a token bucket): up to <see cref="Burst"/> units at once, refilled at
/// <see cref="PerSecond"/> units per second. Used to cut off a remote that floods the controller (log records,
/// stray stream items, stderr bytes): see <see cref="ProtocolOptions.LogQuota"/>.
/// </summary>
/// <param name="PerSecond">Units allowed per second, sustained (at least 1).</param>
/// <param name="Burst">Units allowed at once, above the sustained rate (at least <paramref name="PerSecond"/>).</param>
public sealed record RateQuota(long PerSecond, long Burst)
{
    internal void Validate(string name)
    {
        if (PerSecond < 1 || Burst < PerSecond)
            throw new ArgumentOutOfRangeException(name, this, $"ProtocolOptions.{name} needs PerSecond >= 1 and Burst >= PerSecond.");
    }
}
