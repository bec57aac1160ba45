namespace Rmote;

/// <summary>A remote Python exception with no closer .NET equivalent.</summary>
public class RemoteException : Exception, IRemoteError
{
    /// <summary>Creates the exception from a remote error.</summary>
    public RemoteException(RemoteErrorInfo info, string host) : base(RemoteErrorText.Message(info, host))
        => (Info, Host) = (info, host);

    /// <inheritdoc/>
    public RemoteErrorInfo Info { get; }
    /// <inheritdoc/>
    public string Host { get; }
    /// <summary>The Python exception's class name (the catch-all type's most asked-for detail).</summary>
    public string PythonType => Info.Type;
    /// <inheritdoc/>
    public override string ToString() => RemoteErrorText.WithTraceback(base.ToString(), Info);
}

/// <summary>A remote command failed (Python <c>subprocess.CalledProcessError</c>).</summary>
public sealed class RemoteCommandException : RemoteException
{
    /// <summary>Creates the exception from a remote error.</summary>
    public RemoteCommandException(RemoteErrorInfo info, string host) : base(info, host) { }

    /// <summary>The remote message followed by the end of the command's stderr, which usually says why it failed.</summary>
    public override string Message => string.IsNullOrWhiteSpace(Info.Stderr)
        ? base.Message
        : base.Message + Environment.NewLine + "stderr: " + RemoteErrorText.Tail(Info.Stderr, 20);
    /// <summary>The command's exit code.</summary>
    public int ExitCode => Info.Returncode ?? -1;
    /// <summary>The command line, as the remote reported it.</summary>
    public string? Command => Info.Cmd;
    /// <summary>Captured standard output (may be empty).</summary>
    public string Stdout => Info.Stdout ?? "";
    /// <summary>Captured standard error (may be empty).</summary>
    public string Stderr => Info.Stderr ?? "";
}

/// <summary>Remote <c>FileNotFoundError</c>.</summary>
public sealed class RemoteFileNotFoundException : FileNotFoundException, IRemoteError
{
    /// <summary>Creates the exception from a remote error.</summary>
    public RemoteFileNotFoundException(RemoteErrorInfo info, string host) : base(RemoteErrorText.Message(info, host), info.Filename)
        => (Info, Host) = (info, host);
    /// <inheritdoc/>
    public RemoteErrorInfo Info { get; }
    /// <inheritdoc/>
    public string Host { get; }
    /// <inheritdoc/>
    public override string ToString() => RemoteErrorText.WithTraceback(base.ToString(), Info);
}

/// <summary>Remote <c>PermissionError</c>.</summary>
public sealed class RemoteUnauthorizedAccessException : UnauthorizedAccessException, IRemoteError
{
    /// <summary>Creates the exception from a remote error.</summary>
    public RemoteUnauthorizedAccessException(RemoteErrorInfo info, string host) : base(RemoteErrorText.Message(info, host))
        => (Info, Host) = (info, host);
    /// <inheritdoc/>
    public RemoteErrorInfo Info { get; }
    /// <inheritdoc/>
    public string Host { get; }
    /// <inheritdoc/>
    public override string ToString() => RemoteErrorText.WithTraceback(base.ToString(), Info);
}

/// <summary>Remote <c>OSError</c> other than not-found and permission errors.</summary>
public sealed class RemoteIOException : IOException, IRemoteError
{
    /// <summary>Creates the exception from a remote error.</summary>
    public RemoteIOException(RemoteErrorInfo info, string host) : base(RemoteErrorText.Message(info, host))
        => (Info, Host) = (info, host);
    /// <inheritdoc/>
    public RemoteErrorInfo Info { get; }
    /// <inheritdoc/>
    public string Host { get; }
    /// <summary>The remote errno, when known.</summary>
    public int? Errno => Info.Errno;
    /// <inheritdoc/>
    public override string ToString() => RemoteErrorText.WithTraceback(base.ToString(), Info);
}

/// <summary>Remote <c>TimeoutError</c> (or <c>subprocess.TimeoutExpired</c>).</summary>
public sealed class RemoteTimeoutException : TimeoutException, IRemoteError
{
    /// <summary>Creates the exception from a remote error.</summary>
    public RemoteTimeoutException(RemoteErrorInfo info, string host) : base(RemoteErrorText.Message(info, host))
        => (Info, Host) = (info, host);
    /// <inheritdoc/>
    public RemoteErrorInfo Info { get; }
    /// <inheritdoc/>
    public string Host { get; }
    /// <inheritdoc/>
    public override string ToString() => RemoteErrorText.WithTraceback(base.ToString(), Info);
}

/// <summary>Remote <c>ValueError</c> or <c>TypeError</c>.</summary>
public sealed class RemoteArgumentException : ArgumentException, IRemoteError
{
    /// <summary>Creates the exception from a remote error.</summary>
    public RemoteArgumentException(RemoteErrorInfo info, string host) : base(RemoteErrorText.Message(info, host))
        => (Info, Host) = (info, host);
    /// <inheritdoc/>
    public RemoteErrorInfo Info { get; }
    /// <inheritdoc/>
    public string Host { get; }
    /// <inheritdoc/>
    public override string ToString() => RemoteErrorText.WithTraceback(base.ToString(), Info);
}

/// <summary>Remote <c>KeyError</c>.</summary>
public sealed class RemoteKeyNotFoundException : KeyNotFoundException, IRemoteError
{
    /// <summary>Creates the exception from a remote error.</summary>
    public RemoteKeyNotFoundException(RemoteErrorInfo info, string host) : base(RemoteErrorText.Message(info, host))
        => (Info, Host) = (info, host);
    /// <inheritdoc/>
    public RemoteErrorInfo Info { get; }
    /// <inheritdoc/>
    public string Host { get; }
    /// <inheritdoc/>
    public override string ToString() => RemoteErrorText.WithTraceback(base.ToString(), Info);
}

/// <summary>Remote <c>NotImplementedError</c>.</summary>
public sealed class RemoteNotSupportedException : NotSupportedException, IRemoteError
{
    /// <summary>Creates the exception from a remote error.</summary>
    public RemoteNotSupportedException(RemoteErrorInfo info, string host) : base(RemoteErrorText.Message(info, host))
        => (Info, Host) = (info, host);
    /// <inheritdoc/>
    public RemoteErrorInfo Info { get; }
    /// <inheritdoc/>
    public string Host { get; }
    /// <inheritdoc/>
    public override string ToString() => RemoteErrorText.WithTraceback(base.ToString(), Info);
}
