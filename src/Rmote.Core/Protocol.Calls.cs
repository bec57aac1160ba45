using Microsoft.Extensions.Logging;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Rmote.Calls;
using Rmote.Wire;

namespace Rmote;

public sealed partial class Protocol
{
    /// <summary>Calls a remote method that takes no arguments.</summary>
    /// <exception cref="RemoteConnectionLostException">The connection ended before the result came.</exception>
    /// <exception cref="TimeoutException">The handle's or the connection's time limit passed; the remote task was cancelled.</exception>
    public Task<TResult> CallAsync<TResult>(ToolMethod<TResult> method, CancellationToken cancellationToken = default) =>
        InvokeAsync<TResult>(method, null, cancellationToken);

    /// <summary>Calls a remote method with one argument (or keyword arguments, for a <see cref="PythonTool.KwMethod{TArgs, TResult}"/> handle).</summary>
    public Task<TResult> CallAsync<T1, TResult>(ToolMethod<T1, TResult> method, T1 arg1, CancellationToken cancellationToken = default) =>
        InvokeAsync<TResult>(method, w => ValueCodec.WriteArgument(w, arg1), cancellationToken);

    /// <summary>Calls a remote method with two arguments.</summary>
    public Task<TResult> CallAsync<T1, T2, TResult>(ToolMethod<T1, T2, TResult> method, T1 arg1, T2 arg2, CancellationToken cancellationToken = default) =>
        InvokeAsync<TResult>(method, w => { ValueCodec.WriteArgument(w, arg1); ValueCodec.WriteArgument(w, arg2); }, cancellationToken);

    /// <summary>Calls a remote method with three arguments.</summary>
    public Task<TResult> CallAsync<T1, T2, T3, TResult>(ToolMethod<T1, T2, T3, TResult> method, T1 arg1, T2 arg2, T3 arg3, CancellationToken cancellationToken = default) =>
        InvokeAsync<TResult>(method, w => { ValueCodec.WriteArgument(w, arg1); ValueCodec.WriteArgument(w, arg2); ValueCodec.WriteArgument(w, arg3); }, cancellationToken);

    /// <summary>Calls a remote method with four arguments.</summary>
    public Task<TResult> CallAsync<T1, T2, T3, T4, TResult>(ToolMethod<T1, T2, T3, T4, TResult> method, T1 arg1, T2 arg2, T3 arg3, T4 arg4, CancellationToken cancellationToken = default) =>
        InvokeAsync<TResult>(method, w =>
        {
            ValueCodec.WriteArgument(w, arg1); ValueCodec.WriteArgument(w, arg2); ValueCodec.WriteArgument(w, arg3); ValueCodec.WriteArgument(w, arg4);
        }, cancellationToken);

    /// <summary>Streams the items a remote generator yields, as they are produced. Stopping early or cancelling cancels the remote generator.</summary>
    public IAsyncEnumerable<TChunk> StreamAsync<TChunk>(StreamMethod<TChunk> method, CancellationToken cancellationToken = default) =>
        StreamCoreAsync<TChunk>(method, null, cancellationToken);

    /// <summary>Streams the items of a remote generator taking one argument (or keyword arguments).</summary>
    public IAsyncEnumerable<TChunk> StreamAsync<T1, TChunk>(StreamMethod<T1, TChunk> method, T1 arg1, CancellationToken cancellationToken = default) =>
        StreamCoreAsync<TChunk>(method, w => ValueCodec.WriteArgument(w, arg1), cancellationToken);

    /// <summary>Streams the items of a remote generator taking two arguments.</summary>
    public IAsyncEnumerable<TChunk> StreamAsync<T1, T2, TChunk>(StreamMethod<T1, T2, TChunk> method, T1 arg1, T2 arg2, CancellationToken cancellationToken = default) =>
        StreamCoreAsync<TChunk>(method, w => { ValueCodec.WriteArgument(w, arg1); ValueCodec.WriteArgument(w, arg2); }, cancellationToken);

    /// <summary>Waits while the connection has more than 16 MiB queued for sending; bulk senders call it to bound memory.</summary>
    public Task WaitForSendRoomAsync(CancellationToken cancellationToken = default) => writer.WaitForRoomAsync(cancellationToken);

    Task<TResult> InvokeAsync<TResult>(ToolMethodBase method, Action<Utf8JsonWriter>? arguments, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(method);
        if (cancellationToken.IsCancellationRequested) return Task.FromCanceled<TResult>(cancellationToken);
        var call = new PendingCall<TResult>(method.ToString(), Name);
        if (!TryStart(method, arguments, call, out var id, out var error)) return Task.FromException<TResult>(error);
        var timeout = method.Timeout ?? defaultCallTimeout;
        return !cancellationToken.CanBeCanceled && timeout is null
            ? call.Task
            : AwaitCancellableAsync(call.Task, id, method, timeout, cancellationToken);
    }

    async IAsyncEnumerable<TChunk> StreamCoreAsync<TChunk>(ToolMethodBase method, Action<Utf8JsonWriter>? arguments, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(method);
        cancellationToken.ThrowIfCancellationRequested();
        var call = new StreamingCall<TChunk>(method.ToString(), Name, streamWindow + (long)maxFrameSize);
        if (!TryStart(method, arguments, call, out var id, out var error)) throw error;
        var timeout = method.Timeout ?? defaultCallTimeout;
        using var limit = new CallLimit(this, id, method, timeout, cancellationToken);
        long unacknowledged = 0;
        try
        {
            while (await limit.Guard(call.Reader.WaitToReadAsync(limit.Token).AsTask()).ConfigureAwait(false))
                while (call.Reader.TryRead(out var chunk))
                {
                    call.Taken(chunk.Size);
                    // Half a window read: hand it back, so the remote never waits while the reader keeps up.
                    if ((unacknowledged += chunk.Size) >= streamWindow / 2 && !call.Finished)
                    {
                        SendCredit(id, unacknowledged);
                        unacknowledged = 0;
                    }
                    yield return chunk.Item;
                }
        }
        finally
        {
            if (!call.Finished) CancelRemote(id, CancellationToken.None);
        }
    }

    /// <summary>Registers the call, then queues it (with its tool's source in front on first use).</summary>
    bool TryStart(ToolMethodBase method, Action<Utf8JsonWriter>? arguments, PendingCall call, out uint id, out Exception error)
    {
        id = 0;
        error = null!;
        if (closedReason is not null)
        {
            error = ClosedError();
            return false;
        }
        id = NextId();
        var frame = ValueCodec.EncodeCall(id, method, arguments, out var required);
        // The runtime exits on a frame over its limit: refuse it here, naming the call, and keep the connection.
        if (Info.MaxFrame > 0 && Math.Max(frame.Length, frame.RawLength) is var size && size > Info.MaxFrame)
        {
            error = new ProtocolException(
                $"[{Name}] frame of {size} bytes exceeds the maximum {Info.MaxFrame} the host accepts: the call {method} was not sent " +
                "(its arguments must travel in smaller pieces).");
            return false;
        }
        // File data (the copy's raw-binary calls) is what the no-progress bound watches.
        if (method.RawBinary) call.TransferBytes = frame.Header.BinaryLength;
        pending[id] = call;
        try
        {
            lock (writer.Gate)
            {
                foreach (var code in required) SyncLocked(code);
                SyncLocked(method.Tool);
                writer.Enqueue(frame);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            pending.TryRemove(id, out _);
            error = ClosedError();
            return false;
        }
        // The connection may have closed between the check and the registration: never leave a call hanging.
        if (closedReason is not null && pending.TryRemove(id, out _)) call.Fail(ClosedError());
        return true;
    }

    /// <summary>
    /// Queues a tool's source (after the modules it imports) in front of its first use on this connection; called
    /// holding the writer's gate.
    /// </summary>
    void SyncLocked(IRemoteCode code)
    {
        if (!syncedTools.Add(code.Key)) return;
        foreach (var module in code.Prerequisites) SyncLocked(module);
        if (hostCached.Contains(code.Key))
        {
            sentCached[code.Key] = code;
            writer.Enqueue(code.CachedSyncFrame);
        }
        else
            writer.Enqueue(code.SyncFrame);
    }

    /// <summary>NEED: the host could not use its cached entry for a tool sent as cached; it holds every later SYNC and
    /// CALL until the source arrives, so sending it is all there is to do (one round trip, nothing run twice).</summary>
    void SendNeededSource(Frame frame)
    {
        var key = ValueCodec.DecodeBody<NeedBody>(frame).Key;
        lock (writer.Gate)
        {
            if (key is null || !sentCached.Remove(key, out var code))
                throw new ProtocolException($"the remote asked for the source of '{key}', which was not sent to it as cached");
            logger.LogDebug("[{Host}] the code cache entry of {Key} was not usable: sending its source", Name, key);
            writer.Enqueue(code.SyncFrame);
        }
    }

    sealed class NeedBody
    {
        public string? Key { get; init; }
    }

    Exception ClosedError() => closedReason switch
    {
        ProtocolException p => new ProtocolException(p.Message, p),
        RemoteStalledException s => new RemoteStalledException(s.Host, s.Message),
        RemoteConnectionLostException lost => new RemoteConnectionLostException(Name, "the connection is closed", lost.ExitCode, lost.StderrTail, lost, lost.ExitMeaning),
        { } other => new RemoteConnectionLostException(Name, "the connection is closed", inner: other),
        null => new RemoteConnectionLostException(Name, "the connection is closed"),
    };

    async Task<TResult> AwaitCancellableAsync<TResult>(Task<TResult> task, uint id, ToolMethodBase method, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        // CallLimit.Guard's catch inline, not an await of it: one async method per result type, not two (each is JIT'd
        // in a fresh build process: ReadyToRun cannot precompile the async machinery of every instantiation)
        using var limit = new CallLimit(this, id, method, timeout, cancellationToken);
        try
        {
            return await task.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (limit.TimedOut)
        {
            throw limit.TimeoutError();
        }
    }

    /// <summary>Returns <paramref name="bytes"/> of a streamed call's window to the remote (its reader has consumed them).</summary>
    void SendCredit(uint id, long bytes)
    {
        var body = System.Text.Encoding.ASCII.GetBytes("{\"bytes\":" + bytes.ToString(System.Globalization.CultureInfo.InvariantCulture) + "}");
        try { writer.Enqueue(OutgoingFrame.Create(FrameType.Credit, id, body)); }
        catch (Exception e) when (e is IOException or ObjectDisposedException) { }
    }

    /// <summary>Sends CANCEL for a pending call and completes it locally at once.</summary>
    void CancelRemote(uint id, CancellationToken token)
    {
        if (!pending.TryRemove(id, out var call)) return;
        try { writer.Enqueue(OutgoingFrame.Create(FrameType.Cancel, id, ReadOnlyMemory<byte>.Empty)); }
        catch (Exception e) when (e is IOException or ObjectDisposedException) { }
        call.Cancel(token);
    }

    /// <summary>A call's cancellation token combined with its time limit; either one cancels the remote task.</summary>
    sealed class CallLimit : IDisposable
    {
        readonly Protocol protocol;
        readonly ToolMethodBase method;
        readonly TimeSpan? timeout;
        readonly CancellationToken callerToken;
        readonly CancellationTokenSource? timer;
        readonly CancellationTokenRegistration registration;

        public CallLimit(Protocol protocol, uint id, ToolMethodBase method, TimeSpan? timeout, CancellationToken callerToken)
        {
            (this.protocol, this.method, this.timeout, this.callerToken) = (protocol, method, timeout, callerToken);
            if (timeout is { } limit)
            {
                timer = CancellationTokenSource.CreateLinkedTokenSource(callerToken);
                timer.CancelAfter(limit);
            }
            Token = timer?.Token ?? callerToken;
            registration = Token.Register(() => protocol.CancelRemote(id, Token));
        }

        public CancellationToken Token { get; }

        /// <summary>The time limit passed (not the caller's cancel): a cancellation seen now is a <see cref="TimeoutError"/>.</summary>
        public bool TimedOut => timer is { IsCancellationRequested: true } && !callerToken.IsCancellationRequested;

        public TimeoutException TimeoutError() => new($"[{protocol.Name}] {method} did not finish within its time limit of "
            + $"{Units.Seconds(timeout ?? TimeSpan.Zero)} ({(method.Timeout is null ? protocol.callTimeoutName : "WithTimeout")}); the remote call was cancelled. "
            + "Raise the limit if the host needs longer.");

        public async Task<bool> Guard(Task<bool> task)
        {
            try
            {
                return await task.ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (TimedOut)
            {
                throw TimeoutError();
            }
        }

        public void Dispose()
        {
            registration.Dispose();
            timer?.Dispose();
        }
    }
}
