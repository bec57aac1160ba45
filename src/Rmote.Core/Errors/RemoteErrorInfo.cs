namespace Rmote;

/// <summary>The ERROR frame body: a Python exception as plain data (docs/PROTOCOL.md §6).</summary>
public sealed record RemoteErrorInfo
{
    /// <summary>Python class name.</summary>
    public string Type { get; init; } = "Exception";
    /// <summary>Python class hierarchy names, most derived first.</summary>
    public IReadOnlyList<string> Mro { get; init; } = [];
    /// <summary><c>str(exception)</c>.</summary>
    public string Message { get; init; } = "";
    /// <summary>Formatted remote traceback.</summary>
    public string Traceback { get; init; } = "";
    /// <summary>OSError errno, when set.</summary>
    public int? Errno { get; init; }
    /// <summary>OSError filename, when set.</summary>
    public string? Filename { get; init; }
    /// <summary>Exit code of a failed command (CalledProcessError).</summary>
    public int? Returncode { get; init; }
    /// <summary>The failed command, as text.</summary>
    public string? Cmd { get; init; }
    /// <summary>Captured standard output of a failed command.</summary>
    public string? Stdout { get; init; }
    /// <summary>Captured standard error of a failed command.</summary>
    public string? Stderr { get; init; }
}
