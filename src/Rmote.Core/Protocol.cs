using System.Collections.Concurrent;
using System.IO.Pipelines;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Rmote.Calls;
using Rmote.Transport;
using Rmote.Wire;

namespace Rmote;

/// <summary>
/// One connection to a remote Python runtime: many typed calls in flight at once, multiplexed over the
/// transport's stdin/stdout. Create it with <see cref="FromSubprocessAsync"/>, <see cref="FromSshAsync"/> or
/// <see cref="FromCommandAsync"/>; dispose it to close the connection and reap the transport process.
/// </summary>
public sealed partial class Protocol : IAsyncDisposable
{
    /// <summary>The first-stage program given to <c>python3 -I -S -c</c>; it reads the runtime from stdin (docs/PROTOCOL.md §1).</summary>
    public const string FirstStage = Bootstrap.FirstStage;

    readonly RemoteProcess? process;
    readonly FrameWriter writer;
    readonly PipeReader pipe;
    readonly FrameReader reader;
    readonly ConcurrentDictionary<uint, PendingCall> pending = new();
    readonly HashSet<string> syncedTools = new();
    /// <summary>Keys the host's code cache holds (its HELLO): these tools are synced without their source.</summary>
    HashSet<string> hostCached = new(StringComparer.Ordinal);
    /// <summary>Code synced as cached whose source the host may still ask for (NEED); guarded by the writer's gate.</summary>
    readonly Dictionary<string, IRemoteCode> sentCached = new(StringComparer.Ordinal);
    readonly ILogger logger;

    /// <summary>Where this connection's diagnostics go (a step's retry notes join them).</summary>
    internal ILogger Logger => logger;
    readonly TimeSpan? defaultCallTimeout;
    readonly string callTimeoutName;   // as the front end calls CallTimeout (HostSpec's Timeout, an MSBuild property...)
    readonly int streamWindow;
    readonly int maxFrameSize;
    readonly CancellationTokenSource shutdown = new();
    Task readLoop = Task.CompletedTask;
    Exception? closedReason;
    int nextId;
    int disposed;

    Protocol(string name, RemoteProcess? process, Stream toRemote, Stream fromRemote, ProtocolOptions options)
    {
        Name = name;
        this.process = process;
        logger = options.Logger ?? NullLogger.Instance;
        defaultCallTimeout = options.EffectiveCallTimeout;
        callTimeoutName = options.SettingNames["CallTimeout"];
        streamWindow = options.StreamWindow;
        maxFrameSize = options.MaxFrameSize;
        writer = new FrameWriter(toRemote);
        pipe = PipeReader.Create(fromRemote, new StreamPipeReaderOptions(bufferSize: 256 * 1024, minimumReadSize: 64 * 1024));
        reader = new FrameReader(pipe, options.MaxFrameSize, options.EffectiveFrameStallTimeout);
        logQuota = options.LogQuota is { } lq ? new TokenBucket(lq) : null;
        strayChunkQuota = options.StrayChunkQuota is { } cq ? new TokenBucket(cq) : null;
        noProgressTimeout = options.EffectiveNoProgressTimeout;
    }

    /// <summary>The largest frame this side accepts (<see cref="ProtocolOptions.MaxFrameSize"/>).</summary>
    internal int MaxFrameSize => maxFrameSize;

    /// <summary>Host label used in logs and errors.</summary>
    public string Name { get; }

    /// <summary>What the remote runtime reported when it started.</summary>
    public RemoteInfo Info { get; private set; } = new();

    /// <summary>True until the connection ends.</summary>
    public bool IsConnected => closedReason is null;

    /// <summary>No call is waiting for its answer (a connection handed to another build must carry nothing of this one).</summary>
    internal bool Idle => pending.IsEmpty;

    /// <summary>Completes when the connection ends, for whatever reason.</summary>
    public Task Completion => readLoop;

    /// <summary>Size in bytes of the compressed runtime sent at bootstrap.</summary>
    public static int BootstrapSize => Bootstrap.CompressedRuntimeSize;

    /// <summary>
    /// Closes the connection: the remote exits on end of input; the transport process is killed if it lingers, and reaped.
    /// Pending calls fail with <see cref="RemoteConnectionLostException"/>.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1) return;
        // Starting the host's keeper is one call and an ssh -O forward: let them end rather than cut them.
        await Task.WhenAny(keeping, Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
        Close(new RemoteConnectionLostException(Name, "the connection was closed by DisposeAsync while the call was pending"));
        var flushed = writer.CompleteAsync();
        if (await Task.WhenAny(flushed, Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false) != flushed)
        {
            // The remote stopped reading (frozen process, stalled link) and the writer is stuck in write(2):
            // do not wait for it to drain; killing the transport breaks the pipe and ends the write.
            logger.LogWarning("[{Host}] the remote did not take the queued output within 5 s; closing the transport", Name);
            KillTransport();
        }
        await Task.WhenAny(readLoop, Task.Delay(TimeSpan.FromSeconds(2))).ConfigureAwait(false);
        shutdown.Cancel();
        if (process is not null) await process.DisposeAsync().ConfigureAwait(false);
        keptSocket?.Dispose();
        try { await readLoop.ConfigureAwait(false); } catch (Exception) { }
        shutdown.Dispose();
    }

    /// <summary>Fails every pending call at once; later calls fail immediately with the same reason.</summary>
    void Close(Exception reason)
    {
        Interlocked.CompareExchange(ref closedReason, reason, null);
        foreach (var id in pending.Keys)
            if (pending.TryRemove(id, out var call)) call.Fail(closedReason);
    }

    /// <summary>Refuses options no connection could use, before any process starts.</summary>
    static void Validate(ProtocolOptions options)
    {
        if (options.StreamWindow < 64 * 1024)
            throw new ArgumentOutOfRangeException(nameof(options), options.StreamWindow, "ProtocolOptions.StreamWindow must be at least 65536 bytes (64 KiB).");
        if (options.MaxBannerBytes < 1)
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxBannerBytes, $"{options.SettingNames["MaxBannerBytes"]} must be at least 1 byte (default 1048576, 1 MiB).");
        options.LogQuota?.Validate(nameof(options.LogQuota));
        options.StrayChunkQuota?.Validate(nameof(options.StrayChunkQuota));
        options.StderrQuota?.Validate(nameof(options.StderrQuota));
        if (options.ConnectTimeout <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(options), options.ConnectTimeout, $"{options.SettingNames["ConnectTimeout"]} must be positive: a connect always has a bound.");
        // Resolving them refuses negative durations before anything starts.
        _ = (options.EffectiveCallTimeout, options.EffectiveNoProgressTimeout, options.EffectiveFrameStallTimeout);
    }

    uint NextId()
    {
        while (true)
        {
            var id = (uint)Interlocked.Increment(ref nextId);
            if (id != 0 && !pending.ContainsKey(id)) return id;
        }
    }
}
