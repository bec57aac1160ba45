using System.Threading.Channels;
using Rmote.Wire;

namespace Rmote.Calls;

/// <summary>A call waiting for its RESULT or ERROR frame.</summary>
internal abstract class PendingCall(string what, string host)
{
    public string What { get; } = what;
    public string Host { get; } = host;

    public abstract void OnResult(Frame frame);
    public virtual void OnChunk(Frame frame) { }
    public abstract void Fail(Exception error);
    public abstract void Cancel(CancellationToken token);

    public void OnError(Frame frame)
    {
        Exception error;
        try { error = RemoteErrorMapper.ToException(ValueCodec.DecodeBody<RemoteErrorInfo>(frame), Host); }
        catch (Exception e) { error = new ProtocolException($"[{Host}] {What} failed with an unreadable error frame: {e.Message}", e); }
        Fail(error);
    }
}

/// <summary>A call with a single typed result.</summary>
internal sealed class PendingCall<T>(string what, string host) : PendingCall(what, host)
{
    readonly TaskCompletionSource<T> completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<T> Task => completion.Task;

    public override void OnResult(Frame frame)
    {
        try { completion.TrySetResult(ValueCodec.Decode<T>(frame, What, Host)); }
        catch (Exception e) { completion.TrySetException(e); }
    }

    public override void Fail(Exception error) => completion.TrySetException(error);

    public override void Cancel(CancellationToken token) => completion.TrySetCanceled(token);
}

/// <summary>A call whose CHUNK frames are delivered as they arrive.</summary>
internal sealed class StreamingCall<TChunk>(string what, string host) : PendingCall(what, host)
{
    readonly Channel<TChunk> chunks = Channel.CreateUnbounded<TChunk>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

    public ChannelReader<TChunk> Reader => chunks.Reader;
    public bool Finished { get; private set; }

    public override void OnChunk(Frame frame)
    {
        try { chunks.Writer.TryWrite(ValueCodec.Decode<TChunk>(frame, What, Host)); }
        catch (Exception e) { Fail(e); }
    }

    public override void OnResult(Frame frame)
    {
        Finished = true;
        chunks.Writer.TryComplete();
    }

    public override void Fail(Exception error)
    {
        Finished = true;
        chunks.Writer.TryComplete(error);
    }

    public override void Cancel(CancellationToken token) => Fail(new OperationCanceledException(token));
}
