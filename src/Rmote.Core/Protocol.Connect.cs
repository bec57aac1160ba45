using System.IO.Pipelines;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Rmote.Calls;
using Rmote.Transport;
using Rmote.Wire;

namespace Rmote;

public sealed partial class Protocol
{
    /// <summary>Starts a local <c>python3</c> child (the embedded local target; no SSH needed).</summary>
    /// <param name="options">Interpreter, logger and limits; all optional.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    public static Task<Protocol> FromSubprocessAsync(ProtocolOptions? options = null, CancellationToken cancellationToken = default) =>
        StartAsync(TransportPlan.Local(options ?? new ProtocolOptions()), cancellationToken);

    /// <summary>Connects through the system OpenSSH client (<c>ssh -T host python3 ...</c>), honouring ~/.ssh/config, the agent and jump hosts.</summary>
    /// <param name="host">Host name, <c>user@host</c>, or an alias from ssh_config.</param>
    /// <param name="options">User, port, key, interpreter, extra ssh arguments; all optional.</param>
    /// <param name="cancellationToken">Cancels the connection attempt.</param>
    public static Task<Protocol> FromSshAsync(string host, SshOptions? options = null, CancellationToken cancellationToken = default) =>
        StartAsync(TransportPlan.Ssh(host, options ?? new SshOptions()), cancellationToken);

    /// <summary>
    /// Runs any command whose stdin/stdout reach a Python interpreter: <c>["docker", "exec", "-i", "web", "python3"]</c>,
    /// <c>["kubectl", "exec", "-i", "pod", "--", "python3"]</c>, <c>["chroot", "/srv/root", "python3"]</c>, <c>["sudo", "-n", "python3"]</c>.
    /// The interpreter arguments (<c>-I -S -c FirstStage</c>) are appended to the command.
    /// </summary>
    /// <param name="command">Program and arguments, ending with the interpreter.</param>
    /// <param name="options">Logger and limits; <see cref="ProtocolOptions.Python"/> is not used here.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    public static Task<Protocol> FromCommandAsync(IReadOnlyList<string> command, ProtocolOptions? options = null, CancellationToken cancellationToken = default) =>
        StartAsync(TransportPlan.Command(command, options ?? new ProtocolOptions()), cancellationToken);

    /// <summary>
    /// Speaks the protocol over streams to an interpreter you started yourself with
    /// <c>python3 -I -S -c '<see cref="FirstStage"/>'</c> (a custom transport; <c>-S</c> is optional). Disposing closes <paramref name="toRemote"/>.
    /// </summary>
    public static async Task<Protocol> FromStreamsAsync(Stream toRemote, Stream fromRemote, ProtocolOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new ProtocolOptions();
        Validate(options);
        var protocol = new Protocol(options.Name ?? "stream", null, toRemote, fromRemote, options);
        try
        {
            await protocol.HandshakeAsync(options, cancellationToken).ConfigureAwait(false);
            return protocol;
        }
        catch (Exception e) when (e is NoMarkerException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            await protocol.DisposeAsync().ConfigureAwait(false);
            throw new RemoteConnectException(protocol.Name, e is NoMarkerException ? ConnectFailure.Unknown : ConnectFailure.Timeout,
                e is NoMarkerException m ? $"the stream ended before the runtime was ready; it carried {m.Seen}" : "no ready marker within the connect timeout");
        }
        catch
        {
            await protocol.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Starts the plan's transport and speaks the protocol over it.</summary>
    internal static async Task<Protocol> StartAsync(TransportPlan plan, CancellationToken cancellationToken)
    {
        var (name, argv, options, viaSsh) = plan;
        Validate(options);
        var logger = options.Logger ?? NullLogger.Instance;
        if (plan.NotShared is { } notShared)
            logger.Log(notShared.IsWarning ? LogLevel.Warning : LogLevel.Debug, "[{Host}] SSH connection not shared: {Reason}", name, notShared.Reason);
        if (viaSsh && options is SshOptions ssh && (ssh.HostKeyChecking != HostKeyChecking.Strict || ssh.Options.Any(o => o.Contains("StrictHostKeyChecking=no", StringComparison.OrdinalIgnoreCase))))
            logger.LogWarning("[{Host}] SSH host-key checking is relaxed ({Policy}): the connection is open to impersonation.", name, ssh.HostKeyChecking);
        // (before the cipher choice: that runs ssh -G, and the kept runtime's channel rides the master's cipher)
        var channelEnded = false;
        // (a host that refused this master the channel is not tried again: see RuntimeKeeping.RefusedByHost)
        var keeping = plan.Keeping is { } k && !k.RefusedByHost() ? k : null;
        if (keeping is not null)
        {
            (var kept, channelEnded) = await TryKeptAsync(plan, keeping, logger, cancellationToken).ConfigureAwait(false);
            if (kept is not null) return kept;
        }
        if (viaSsh && await SshCipherPreference.ApplyAsync(argv, options.Environment, options.ConnectTimeout, cancellationToken).ConfigureAwait(false) is var preferred && preferred != argv)
        {
            logger.LogDebug("[{Host}] SSH ciphers: AES-GCM first (this CPU has AES instructions; no cipher list is configured)", name);
            argv = preferred;
        }
        var process = RemoteProcess.Start(name, argv, options.Environment, viaSsh, line => logger.LogDebug("[{Host}] transport: {Line}", name, line), options.StderrQuota);
        var protocol = new Protocol(name, process, process.Input, process.Output, options);
        try
        {
            await protocol.HandshakeAsync(options, cancellationToken).ConfigureAwait(false);
            logger.LogDebug("[{Host}] connected: Python {Python}, pid {Pid}", name, protocol.Info.Python, protocol.Info.Pid);
            if (keeping is not null) protocol.StartKeeping(keeping, options, channelEnded);
            return protocol;
        }
        catch (Exception e) when (e is NoMarkerException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            var timedOut = e is OperationCanceledException;
            if (timedOut) process.Kill();
            var exitCode = await process.WaitForExitAsync(TimeSpan.FromSeconds(3)).ConfigureAwait(false);
            var stderr = process.Stderr.ToString();
            await protocol.DisposeAsync().ConfigureAwait(false);
            var noMarker = e as NoMarkerException;
            if (process.Stderr.Flood is { } flood)
                throw new RemoteConnectException(name, ConnectFailure.BootstrapFailed, flood + "; the connection was closed", exitCode, stderr, e);
            if (e is ProtocolException pe)
                throw new RemoteConnectException(name, ConnectFailure.BootstrapFailed, $"the remote answered with something that is not the Rmote protocol: {pe.Message}", exitCode, stderr, pe);
            throw ConnectFailureClassifier.Classify(name, options.Python, options.SettingNames, viaSsh, timedOut ? null : exitCode, stderr,
                noMarker?.Seen, noMarker?.TooMuch ?? false, timedOut, options.MaxBannerBytes);
        }
        catch
        {
            await protocol.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Sends the runtime, skips any banner up to the ready marker, exchanges HELLO frames, then starts dispatching.</summary>
    async Task HandshakeAsync(ProtocolOptions options, CancellationToken cancellationToken, bool sendBootstrap = true)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.ConnectTimeout);
        // (a kept runtime is running already: it sends the marker as the connection opens)
        if (sendBootstrap) writer.EnqueueRaw(Bootstrap.Payload(options.CodeCache));
        var banner = await Bootstrap.WaitForMarkerAsync(pipe, options.MaxBannerBytes, timeout.Token).ConfigureAwait(false);
        if (banner.Length > 0) logger.LogDebug("[{Host}] skipped {Count} bytes before the ready marker: {Banner}", Name, banner.Length, banner.Trim());
        var hello = await reader.ReadAsync(timeout.Token).ConfigureAwait(false)
            ?? throw new NoMarkerException("the ready marker, then end of stream", tooMuch: false);
        if (hello.Type != FrameType.Hello)
            throw new ProtocolException($"expected a HELLO frame after the ready marker, got {hello.Type}");
        try
        {
            Info = ValueCodec.DecodeBody<RemoteInfo>(hello);
            if (options.CodeCache) hostCached = new HashSet<string>(Info.CachedTools, StringComparer.Ordinal);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or NotSupportedException or InvalidOperationException or FormatException or ArgumentException)
        {
            throw new ProtocolException($"the remote's HELLO frame is not valid: {e.Message}", e);
        }
        var body = HelloBody(options.MaxFrameSize, RemoteLogRecord.FromLogLevel(options.RemoteLogLevel), streamWindow);
        // Not flushed alone: it leaves with the first call. A lone small write that the remote never answers
        // would hold the next one behind TCP's delayed ACK (Nagle: ssh sets no TCP_NODELAY without a tty).
        writer.Enqueue(OutgoingFrame.Create(FrameType.Hello, 0, body), flush: false);
        readLoop = Task.Run(ReadLoopAsync);
        if (noProgressTimeout is { } limit) _ = Task.Run(() => WatchProgressAsync(limit));
    }

    /// <summary>The controller's HELLO: three numbers, written directly (serializing a dictionary would start
    /// System.Text.Json's reflection path and every built-in converter, ~10 ms of a fresh build process).</summary>
    static byte[] HelloBody(int maxFrame, int logLevel, int window)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(64);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("max_frame"u8, maxFrame);
            json.WriteNumber("log_level"u8, logLevel);
            json.WriteNumber("stream_window"u8, window);
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
