namespace Rmote;

/// <summary>Maps a Python exception to the .NET exception a C# caller would catch (docs/PROTOCOL.md §6).</summary>
internal static class RemoteErrorMapper
{
    public static Exception ToException(RemoteErrorInfo info, string host)
    {
        // The body comes from the remote: any member may be null ("mro": null must not crash the read loop),
        // and callers read Type, Mro, Message and Traceback without null checks.
        info = info with
        {
            Type = info.Type ?? "Exception",
            Mro = info.Mro ?? [],
            Message = info.Message ?? "",
            Traceback = info.Traceback ?? "",
        };
        IEnumerable<string?> names = info.Mro.Count > 0 ? info.Mro : [info.Type];
        foreach (var name in names)
        {
            Exception? mapped = name switch
            {
                "FileNotFoundError" => new RemoteFileNotFoundException(info, host),
                "PermissionError" => new RemoteUnauthorizedAccessException(info, host),
                "CalledProcessError" => new RemoteCommandException(info, host),
                "TimeoutError" or "TimeoutExpired" => new RemoteTimeoutException(info, host),
                "ValueError" or "TypeError" => new RemoteArgumentException(info, host),
                "KeyError" => new RemoteKeyNotFoundException(info, host),
                "NotImplementedError" => new RemoteNotSupportedException(info, host),
                "CancelledError" => new OperationCanceledException(RemoteErrorText.Message(info, host)),
                "OSError" => new RemoteIOException(info, host),
                _ => null,
            };
            if (mapped is not null) return mapped;
        }
        return new RemoteException(info, host);
    }
}
