using Microsoft.Extensions.Logging;
using Rmote.Calls;
using Rmote.Transport;
using Rmote.Wire;

namespace Rmote;

public sealed partial class Protocol
{
    /// <summary>Routes every incoming frame to its call; ends by failing whatever is still pending.</summary>
    async Task ReadLoopAsync()
    {
        Exception? error = null;
        try
        {
            while (await reader.ReadAsync(shutdown.Token).ConfigureAwait(false) is { } frame)
            {
                Volatile.Write(ref lastReceived, System.Diagnostics.Stopwatch.GetTimestamp());
                Dispatch(frame);
            }
        }
        catch (OperationCanceledException) when (shutdown.IsCancellationRequested) { }
        catch (EndOfStreamException e) when (process is null && keptSocket is null)
        {
            // Over bare streams a cut frame is all we know; a transport process that ends mid-frame has died
            // (ssh timed out, the host went away): that is a lost connection, with its exit code and stderr below.
            error = new ProtocolException($"[{Name}] {e.Message}", e);
        }
        catch (ProtocolException e)
        {
            error = new ProtocolException($"[{Name}] {e.Message}", e);
            KillTransport();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            error = e;
        }
        catch (Exception e)
        {
            // Whatever went wrong while handling a frame, the pending calls must fail rather than wait forever.
            error = new ProtocolException($"[{Name}] the connection was closed after an unexpected error while handling a frame from the remote: {e.GetType().Name}: {e.Message}", e);
            KillTransport();
        }
        if (closedReason is not null) return;
        // A stderr flood killed the transport: that, not the lost connection it caused, is what went wrong.
        if (process?.Stderr.Flood is { } flood) error = new ProtocolException($"[{Name}] {flood}; the connection was closed");
        if (error is ProtocolException)
        {
            logger.LogError("[{Host}] protocol error, connection closed: {Message}", Name, error.Message);
            Close(error);
            return;
        }
        int? exitCode = null;
        string? stderr = null;
        if (process is not null)
        {
            exitCode = await process.WaitForExitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
            stderr = process.Stderr.ToString();
        }
        var closed = keptSocket is null ? "the remote closed the connection"
            : $"the host's kept runtime (pid {Info.Pid}) closed the connection: it ended, or the SSH master went away";
        var reason = new RemoteConnectionLostException(Name, error is null ? closed : error.Message, exitCode, stderr, error,
            TransportExit.Describe(exitCode, process?.IsSsh ?? false));
        if (!pending.IsEmpty) logger.LogWarning("{Message}", reason.Message);
        Close(reason);
    }

    void Dispatch(Frame frame)
    {
        PendingCall? call;
        switch (frame.Type)
        {
            case FrameType.Result:
                if (pending.TryRemove(frame.Id, out call)) call.OnResult(frame);
                break;
            case FrameType.Error:
                if (pending.TryRemove(frame.Id, out call)) call.OnError(frame);
                break;
            case FrameType.Chunk:
                if (pending.TryGetValue(frame.Id, out call) && call.Streams) call.OnChunk(frame);
                else CheckStrayChunk(frame);
                break;
            case FrameType.Log:
                CheckLogQuota();
                ForwardLog(frame);
                break;
            case FrameType.Hello:
                break;
            case FrameType.Need:
                SendNeededSource(frame);
                break;
            default:
                throw new ProtocolException($"the remote sent a {frame.Type} frame, which only the controller may send");
        }
    }

    void ForwardLog(Frame frame)
    {
        RemoteLogRecord record;
        try { record = ValueCodec.DecodeBody<RemoteLogRecord>(frame); }
        catch (Exception e) { logger.LogWarning("[{Host}] unreadable remote log record: {Error}", Name, e.Message); return; }
        var level = RemoteLogRecord.ToLogLevel(record.Level);
        if (!logger.IsEnabled(level)) return;
        if (record.Exc is { Length: > 0 } exc)
            logger.Log(level, "[{Host}] {RemoteLogger}: {Message}{NewLine}{RemoteTraceback}", Name, record.Logger, MaskLog(record.Message), Environment.NewLine, MaskLog(exc));
        else
            logger.Log(level, "[{Host}] {RemoteLogger}: {Message}", Name, record.Logger, MaskLog(record.Message));
    }
}
