using System.Collections.Concurrent;
using Rmote.Deploy;

namespace Rmote.Operations;

/// <summary>
/// Passes a copy's progress on at most once per <see cref="Interval"/> per host, so a long copy says where it is (host,
/// percentage, rate) without flooding a build log: the copier reports every acknowledged chunk, many per second. A host's
/// first report passes one interval after its first one, so a copy shorter than the interval reports nothing.
/// </summary>
public sealed class CopyProgressThrottle : IProgress<CopyProgress>
{
    readonly Action<CopyProgress> sink;
    readonly TimeProvider time;
    // Per host: the timestamp its next report may pass at.
    readonly ConcurrentDictionary<string, long> due = new();

    /// <summary>Forwards to <paramref name="sink"/> (called from several hosts at once: it must be thread-safe).</summary>
    /// <param name="interval">The least time between two reports of one host; must be positive.</param>
    /// <param name="sink">Receives the reports that pass.</param>
    /// <param name="time">The clock (tests pass their own; default the system's).</param>
    public CopyProgressThrottle(TimeSpan interval, Action<CopyProgress> sink, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero, nameof(interval));
        ArgumentNullException.ThrowIfNull(sink);
        Interval = interval;
        this.sink = sink;
        this.time = time ?? TimeProvider.System;
    }

    /// <summary>The least time between two reports of one host.</summary>
    public TimeSpan Interval { get; }

    long Ticks => (long)(Interval.TotalSeconds * time.TimestampFrequency);

    /// <inheritdoc/>
    public void Report(CopyProgress value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var now = time.GetTimestamp();
        var next = due.GetOrAdd(value.Host, now + Ticks);
        // A finished copy's last report adds nothing: the step's summary line follows at once.
        if (now < next || value.Fraction >= 1) return;
        // One winner per interval when several of the host's chunks are acknowledged at once.
        if (!due.TryUpdate(value.Host, now + Ticks, next)) return;
        sink(value);
    }
}
