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
    /// <param name="host">The host whose connection ended.</param>
    /// <param name="message">What happened.</param>
    /// <param name="exitCode">Exit code of the transport process, when known.</param>
    /// <param name="stderrTail">The last lines the transport wrote to stderr.</param>
    /// <param name="inner">The underlying error.</param>
    /// <param name="exitMeaning">What <paramref name="exitCode"/> says, when it says something (a signal; ssh's 255).</param>
    public RemoteConnectionLostException(string host, string message, int? exitCode = null, string? stderrTail = null, Exception? inner = null, string? exitMeaning = null)
        : base(Compose(host, message, exitCode, exitMeaning, stderrTail), inner)
        => (Host, ExitCode, ExitMeaning, StderrTail) = (host, exitCode, exitMeaning, stderrTail);

    /// <summary>The host whose connection ended.</summary>
    public string Host { get; }
    /// <summary>Exit code of the transport process (ssh, python3...), when known.</summary>
    public int? ExitCode { get; }
    /// <summary>What <see cref="ExitCode"/> says about the cause, when it says something: a signal, or ssh's 255.</summary>
    public string? ExitMeaning { get; }
    /// <summary>The last lines the transport wrote to stderr, when any.</summary>
    public string? StderrTail { get; }

    static string Compose(string host, string message, int? exitCode, string? meaning, string? stderr)
    {
        var text = $"[{host}] connection lost: {message}";
        if (exitCode is not null) text += meaning is null ? $" (exit code {exitCode})" : $" (exit code {exitCode}: {meaning})";
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
