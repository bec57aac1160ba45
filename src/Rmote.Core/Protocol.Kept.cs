using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Rmote.Transport;

namespace Rmote;

public sealed partial class Protocol
{
    /// <summary>The forwarded socket of a connection to a kept runtime (<see cref="RuntimeKeeping"/>); null for a process transport.</summary>
    Socket? keptSocket;

    /// <summary>Starting or finding the host's keeper, then the master's forward to it; awaited (bounded) before the connection closes.</summary>
    Task keeping = Task.CompletedTask;

    /// <summary>The longest the kept runtime may take to answer before the connection starts the usual way instead.</summary>
    static readonly TimeSpan KeptAnswerBound = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Connects to the host's kept runtime through the master's forwarded socket. Kept is null when there is none to
    /// reach (no forward yet, the master or the keeper is gone, the host refuses the channel, or nothing answered within
    /// <see cref="KeptAnswerBound"/> or the connect timeout): the caller starts the usual way. ChannelEnded: the channel
    /// ended before a byte came (no keeper listens, or the host refuses the channel).
    /// </summary>
    static async Task<(Protocol? Kept, bool ChannelEnded)> TryKeptAsync(TransportPlan plan, RuntimeKeeping keeping, ILogger logger, CancellationToken cancellationToken)
    {
        if (!File.Exists(keeping.LocalSocket)) return (null, false);
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(KeptAnswerBound < plan.Options.ConnectTimeout ? KeptAnswerBound : plan.Options.ConnectTimeout);
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            // (bounded too: a frozen master's listening queue can fill up)
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(keeping.LocalSocket), bound.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            logger.LogDebug("[{Host}] no kept runtime: the forwarded socket did not take the connection ({Error}); starting one", plan.Name,
                e is SocketException s ? s.SocketErrorCode.ToString() : "no answer in time");
            return (null, false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        var protocol = new Protocol(plan.Name, null, new SocketSendStream(socket), new NetworkStream(socket, ownsSocket: false), plan.Options) { keptSocket = socket };
        try
        {
            await protocol.HandshakeAsync(plan.Options, bound.Token, sendBootstrap: false).ConfigureAwait(false);
            logger.LogDebug("[{Host}] connected: Python {Python}, pid {Pid} (the host's kept runtime)", plan.Name, protocol.Info.Python, protocol.Info.Pid);
            return (protocol, false);
        }
        catch (Exception e) when (e is NoMarkerException or IOException or ProtocolException
            or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // The master closes a channel the host refuses at once (no keeper listening): end of stream, nothing read.
            await protocol.DisposeAsync().ConfigureAwait(false);
            logger.LogDebug("[{Host}] the kept runtime did not answer ({Reason}); starting one", plan.Name,
                e is NoMarkerException m ? "it sent " + m.Seen : e.Message);
            // The channel ended at once with nothing read: no keeper listens, or the host refuses the channel.
            return (null, e is NoMarkerException { TooMuch: false, Seen: "nothing" });
        }
        catch
        {
            await protocol.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Starts (or finds) the host's keeper and has the master forward its socket, off the caller's path.</summary>
    void StartKeeping(RuntimeKeeping plan, ProtocolOptions options, bool channelEnded) => keeping = KeepAsync(plan, options, channelEnded);

    /// <summary>Ends the transport at once: kills the process, or closes a kept runtime's socket.</summary>
    void KillTransport()
    {
        process?.Kill();
        keptSocket?.Dispose();
    }

    /// <param name="plan">The host's keeping.</param>
    /// <param name="options">The connection's options (its environment and code cache setting).</param>
    /// <param name="channelEnded">This connection's try of the kept runtime got a channel that ended before a byte came.</param>
    async Task KeepAsync(RuntimeKeeping plan, ProtocolOptions options, bool channelEnded)
    {
        try
        {
            var keeper = await CallAsync(Tools.Keep.Start, plan.Name, plan.Idle.TotalSeconds, Bootstrap.InterpreterArguments,
                Bootstrap.Payload(options.CodeCache), shutdown.Token).ConfigureAwait(false);
            if (keeper.Socket is null)
            {
                logger.LogDebug("[{Host}] the runtime is not kept between builds: {Reason}", Name, keeper.Reason);
                return;
            }
            if (channelEnded && !keeper.Started)
            {
                // Its keeper listened all along, yet the channel to it ended at once: sshd refuses forwarded Unix sockets.
                plan.MarkRefused();
                logger.LogDebug("[{Host}] the runtime is not kept between builds: the host refuses forwarded Unix sockets "
                    + "(sshd AllowStreamLocalForwarding); not tried again while this SSH master lives", Name);
                return;
            }
            if (await plan.ForwardAsync(keeper.Socket, options.Environment, shutdown.Token).ConfigureAwait(false) is { } refused)
                logger.LogDebug("[{Host}] the runtime is not kept between builds: {Reason}", Name, refused);
        }
        catch (Exception e) when (e is RemoteException or RemoteConnectionLostException or ProtocolException or OperationCanceledException
            or IOException or System.ComponentModel.Win32Exception or UnauthorizedAccessException)
        {
            logger.LogDebug("[{Host}] the runtime is not kept between builds: {Reason}", Name, e.Message);
        }
    }
}
