namespace Rmote;

/// <summary>The byte stream from the remote broke the protocol (bad magic or version, oversized or corrupt frame).</summary>
public sealed class ProtocolException : IOException
{
    /// <summary>Creates the exception.</summary>
    public ProtocolException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>The connection to a remote ended while calls were pending or a call was attempted after it ended.</summary>
public sealed class RemoteConnectionLostException : IOException
{
    /// <summary>Creates the exception.</summary>
    public RemoteConnectionLostException(string host, string message, int? exitCode = null, string? stderrTail = null, Exception? inner = null)
        : base(Compose(host, message, exitCode, stderrTail), inner)
        => (Host, ExitCode, StderrTail) = (host, exitCode, stderrTail);

    /// <summary>The host whose connection ended.</summary>
    public string Host { get; }
    /// <summary>Exit code of the transport process (ssh, python3...), when known.</summary>
    public int? ExitCode { get; }
    /// <summary>The last lines the transport wrote to stderr, when any.</summary>
    public string? StderrTail { get; }

    static string Compose(string host, string message, int? exitCode, string? stderr)
    {
        var text = $"[{host}] connection lost: {message}";
        if (exitCode is not null) text += $" (exit code {exitCode})";
        if (!string.IsNullOrWhiteSpace(stderr)) text += Environment.NewLine + "remote stderr:" + Environment.NewLine + stderr.TrimEnd();
        return text;
    }
}

/// <summary>A typed handle's result type does not match what the remote method returned.</summary>
public sealed class RemoteResultException : InvalidCastException
{
    /// <summary>Creates the exception.</summary>
    public RemoteResultException(string message, Exception? inner = null) : base(message, inner) { }
}
