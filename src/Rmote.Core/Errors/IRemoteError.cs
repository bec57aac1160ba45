namespace Rmote;

/// <summary>Implemented by every exception that stands for a Python exception raised on a remote host.</summary>
public interface IRemoteError
{
    /// <summary>The remote error as it came over the wire.</summary>
    RemoteErrorInfo Info { get; }

    /// <summary>The name of the host the error came from.</summary>
    string Host { get; }

    /// <summary>The Python exception's class name, e.g. <c>FileNotFoundError</c>.</summary>
    string PythonType => Info.Type;

    /// <summary>The Python class hierarchy, most derived first (e.g. FileNotFoundError, OSError, Exception).</summary>
    IReadOnlyList<string> PythonTypes => Info.Mro;

    /// <summary>The remote traceback text.</summary>
    string RemoteTraceback => Info.Traceback;
}
