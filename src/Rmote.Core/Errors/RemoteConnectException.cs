namespace Rmote;

/// <summary>Why a connection could not be established.</summary>
public enum ConnectFailure
{
    /// <summary>Cause not recognised; see the message for the transport's output.</summary>
    Unknown,
    /// <summary>The transport program (ssh, docker, python3...) could not be started.</summary>
    TransportNotFound,
    /// <summary>The host name does not resolve.</summary>
    HostNotFound,
    /// <summary>Nothing listens on the port.</summary>
    ConnectionRefused,
    /// <summary>No answer within the connect timeout.</summary>
    Timeout,
    /// <summary>The server refused every offered credential.</summary>
    AuthenticationFailed,
    /// <summary>The server's host key differs from the known one.</summary>
    HostKeyMismatch,
    /// <summary>The server's host key is not in known_hosts and checking is strict.</summary>
    HostKeyUnknown,
    /// <summary>The Python interpreter was not found on the remote.</summary>
    PythonNotFound,
    /// <summary>The remote Python is older than 3.8.</summary>
    PythonTooOld,
    /// <summary>The remote Python failed while starting the runtime.</summary>
    BootstrapFailed,
    /// <summary>The remote printed too much before the runtime became ready.</summary>
    NoReadyMarker,
    /// <summary>ssh refused its own configuration (a missing -F file, a bad option or value) before connecting.</summary>
    SshConfigInvalid,
}

/// <summary>Connecting to a remote failed; the message names the cause and the fix.</summary>
public sealed class RemoteConnectException : IOException
{
    /// <summary>Creates the exception.</summary>
    public RemoteConnectException(string host, ConnectFailure reason, string message, int? exitCode = null, string? stderrTail = null, Exception? inner = null)
        : base($"[{host}] {message}", inner)
        => (Host, Reason, ExitCode, StderrTail) = (host, reason, exitCode, stderrTail);

    /// <summary>The host that could not be reached.</summary>
    public string Host { get; }
    /// <summary>The recognised cause.</summary>
    public ConnectFailure Reason { get; }
    /// <summary>Exit code of the transport process, when it exited.</summary>
    public int? ExitCode { get; }
    /// <summary>The transport's last stderr output.</summary>
    public string? StderrTail { get; }
}
