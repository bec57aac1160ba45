namespace Rmote.Tools;

/// <summary>Diagnostics: round trips, remote process facts, error and stream checks (python/tools/diag.py).</summary>
public static class Diag
{
    /// <summary>The tool's Python source, shipped inside Rmote.Core.</summary>
    public static readonly PythonTool Tool = PythonTool.FromResource("Diag", "diag.py");

    /// <summary>Returns its argument unchanged (any JSON value).</summary>
    public static ToolMethod<T, T> Echo<T>() => Tool.Method<T, T>("echo");

    /// <summary>Returns the bytes it was given (raw binary both ways).</summary>
    public static readonly ToolMethod<byte[], byte[]> EchoBytes = Tool.Method<byte[], byte[]>("echo");

    /// <summary>Returns the string it was given.</summary>
    public static readonly ToolMethod<string, string> EchoString = Tool.Method<string, string>("echo");

    /// <summary>Returns "pong".</summary>
    public static readonly ToolMethod<string> Ping = Tool.Method<string>("ping");

    /// <summary>Returns <c>size</c> bytes generated on the remote.</summary>
    public static readonly ToolMethod<long, byte[]> Blob = Tool.Method<long, byte[]>("blob");

    /// <summary>Sleeps on the remote event loop (cancellable) and returns the seconds slept.</summary>
    public static readonly ToolMethod<double, double> Sleep = Tool.Method<double, double>("sleep");

    /// <summary>Facts about the remote interpreter process (pid, Python version, RSS...).</summary>
    public static readonly ToolMethod<RemoteProcessInfo> Info = Tool.Method<RemoteProcessInfo>("info");

    /// <summary>Raises the named Python exception with the message (for error-mapping checks).</summary>
    public static readonly ToolMethod<string, string, object?> RaiseError = Tool.Method<string, string, object?>("raise_error");

    /// <summary>Yields 0..n-1 from a worker thread, pausing <c>delay</c> seconds between items.</summary>
    public static readonly StreamMethod<int, double, int> Count = Tool.Stream<int, double, int>("count");

    /// <summary>Yields <c>n</c> blocks of <c>size</c> zero bytes as fast as the stream takes them (flow-control checks, with <see cref="Made"/>).</summary>
    public static readonly StreamMethod<int, int, byte[]> Blocks = Tool.Stream<int, int, byte[]>("blocks");

    /// <summary>How many items the named generator (<c>"blocks"</c>) has made so far on this connection.</summary>
    public static readonly ToolMethod<string, int> Made = Tool.Method<string, int>("made");

    /// <summary>Yields 0..n-1 from the event loop, pausing <c>delay</c> seconds between items.</summary>
    public static readonly StreamMethod<int, double, int> AsyncCount = Tool.Stream<int, double, int>("acount");

    /// <summary>Emits a Python logging record at the given numeric level (10 debug ... 50 critical).</summary>
    public static readonly ToolMethod<int, string, object?> Log = Tool.Method<int, string, object?>("log");

    /// <summary>Prints, writes to fd 1 and runs a child that writes to stdout; returns "ok" if the channel survived.</summary>
    public static readonly ToolMethod<string> StdoutNoise = Tool.Method<string>("stdout_noise");
}

/// <summary>The remote interpreter process, as reported by <see cref="Diag.Info"/>.</summary>
public sealed record RemoteProcessInfo
{
    /// <summary>Process id.</summary>
    public int Pid { get; init; }
    /// <summary>Python version.</summary>
    public string Python { get; init; } = "";
    /// <summary>Interpreter path.</summary>
    public string Executable { get; init; } = "";
    /// <summary>Platform description.</summary>
    public string Platform { get; init; } = "";
    /// <summary>Resident set size in KiB, when known.</summary>
    public long? RssKib { get; init; }
    /// <summary>Working directory.</summary>
    public string Cwd { get; init; } = "";
    /// <summary>User id.</summary>
    public int Uid { get; init; }
    /// <summary>Host name.</summary>
    public string Hostname { get; init; } = "";
    /// <summary>Live Python threads.</summary>
    public int Threads { get; init; }
    /// <summary>Open file descriptors, when known.</summary>
    public int? OpenFds { get; init; }
}
