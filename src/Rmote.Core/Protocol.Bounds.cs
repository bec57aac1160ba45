using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Rmote.Calls;
using Rmote.Wire;

namespace Rmote;

/// <summary>
/// The bounds a connection keeps on its remote after connect (docs/PROTOCOL.md §7): quotas on LOG records, stray
/// CHUNK bytes and stderr, the stall bound inside a frame (<see cref="FrameReader"/>), and the no-progress bound on
/// file data in flight. A remote past any of them is cut off: pending calls fail with the cause, the transport is killed.
/// </summary>
public sealed partial class Protocol
{
    readonly TokenBucket? logQuota;
    readonly TokenBucket? strayChunkQuota;
    readonly TimeSpan? noProgressTimeout;
    long lastReceived = Stopwatch.GetTimestamp();

    /// <summary>Counts a LOG frame against its quota.</summary>
    void CheckLogQuota()
    {
        if (logQuota is { } q && !q.TryTake(1))
            throw new ProtocolException($"the remote sent more than {q.Quota.PerSecond} log records per second (bursts of {q.Quota.Burst} allowed): " +
                "a tool logs in a loop, or the remote is not a Rmote runtime; raise ProtocolOptions.LogQuota if the volume is expected");
    }

    /// <summary>Counts a CHUNK frame that no stream reads (a cancelled stream's tail, or a single-value call's) against its quota.</summary>
    void CheckStrayChunk(Frame frame)
    {
        if (strayChunkQuota is { } q && !q.TryTake(FrameHeader.Size + frame.Json.Length + frame.Binary.Length))
            throw new ProtocolException($"the remote sent more than {q.Quota.PerSecond} bytes per second of stream items (CHUNK frames) that no stream reads " +
                $"(bursts of {q.Quota.Burst} allowed; the last for call {frame.Id}): the remote does not follow the protocol; the connection was closed");
    }

    /// <summary>
    /// Cuts the connection off for <paramref name="reason"/>: pending and later calls fail with it and the transport
    /// process is killed now (reaped when the connection is disposed).
    /// </summary>
    void Abort(Exception reason)
    {
        Close(reason);
        KillTransport();
    }

    /// <summary>
    /// Watches file data in flight: when calls carrying it are pending and nothing has come back from the remote since
    /// the oldest of them was queued (or since the last frame received, if later) for the no-progress bound, the host
    /// is frozen or its disk hung: abort with what was in flight.
    /// </summary>
    async Task WatchProgressAsync(TimeSpan limit)
    {
        var tick = TimeSpan.FromTicks(Math.Clamp(limit.Ticks / 4, TimeSpan.FromMilliseconds(50).Ticks, TimeSpan.FromSeconds(1).Ticks));
        using var timer = new PeriodicTimer(tick);
        try
        {
            while (await timer.WaitForNextTickAsync(shutdown.Token).ConfigureAwait(false) && closedReason is null)
            {
                long oldest = long.MaxValue, bytes = 0;
                var calls = new Dictionary<string, int>(StringComparer.Ordinal);
                foreach (var call in pending.Values)
                {
                    if (call.TransferBytes == 0) continue;
                    oldest = Math.Min(oldest, call.Started);
                    bytes += call.TransferBytes;
                    calls[call.What] = calls.GetValueOrDefault(call.What) + 1;
                }
                if (bytes == 0) continue;
                var since = Math.Max(oldest, Volatile.Read(ref lastReceived));
                if (Stopwatch.GetElapsedTime(since) < limit) continue;
                var what = string.Join(", ", calls.Select(c => c.Value > 1 ? $"{c.Key} ×{c.Value}" : c.Key));
                var reason = new RemoteStalledException(Name,
                    $"[{Name}] no progress for {Units.Seconds(limit)}: the host acknowledged none of the {Units.Size(bytes)} of file data in flight ({what}); " +
                    "its interpreter is frozen or its disk hung. The connection was closed; other hosts go on. " +
                    "If the host is only slow, raise NoProgressTimeout.");
                logger.LogError("{Message}", reason.Message);
                Abort(reason);
                return;
            }
        }
        catch (OperationCanceledException) { }
        catch (ObjectDisposedException) { }
    }
}
