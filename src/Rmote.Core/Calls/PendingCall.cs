using System.Threading.Channels;
using Rmote.Wire;

namespace Rmote.Calls;

/// <summary>A call waiting for its RESULT or ERROR frame.</summary>
internal abstract class PendingCall(string what, string host)
{
    public string What { get; } = what;
    public string Host { get; } = host;

    /// <summary>Bytes of file data the call carries (0 for other calls): what the no-progress bound watches.</summary>
    public long TransferBytes { get; set; }

    /// <summary>When the call was queued (a <see cref="System.Diagnostics.Stopwatch"/> timestamp).</summary>
    public long Started { get; } = System.Diagnostics.Stopwatch.GetTimestamp();

    /// <summary>True for a call whose CHUNK frames a reader consumes (a stream).</summary>
    public virtual bool Streams => false;

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

/// <summary>
/// A call whose CHUNK frames are delivered as they arrive, each with its flow-control size (header plus both bodies,
/// uncompressed, as the runtime counts it). The queue stays within the stream window: the remote sends no more
/// until the reader's CREDIT frames return what it read.
/// </summary>
/// <param name="what">The method, for errors.</param>
/// <param name="host">The host, for errors.</param>
/// <param name="limit">The most bytes a remote that honours the window can have queued here: the window plus one frame.</param>
internal sealed class StreamingCall<TChunk>(string what, string host, long limit) : PendingCall(what, host)
{
    readonly Channel<(TChunk Item, int Size)> chunks = Channel.CreateUnbounded<(TChunk, int)>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    long queued;

    public ChannelReader<(TChunk Item, int Size)> Reader => chunks.Reader;
    public override bool Streams => true;
    public bool Finished { get; private set; }

    /// <summary>The reader took a chunk of <paramref name="size"/> bytes off the queue.</summary>
    public void Taken(int size) => Interlocked.Add(ref queued, -size);

    public override void OnChunk(Frame frame)
    {
        var size = FrameHeader.Size + frame.Json.Length + frame.Binary.Length;
        if (Interlocked.Add(ref queued, size) > limit)
            throw new ProtocolException($"the remote sent {Interlocked.Read(ref queued)} bytes of {What}'s stream ahead of its reader, "
                + "past the stream window (the runtime waits for CREDIT frames): the remote does not follow the protocol");
        try { chunks.Writer.TryWrite((ValueCodec.Decode<TChunk>(frame, What, Host), size)); }
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
