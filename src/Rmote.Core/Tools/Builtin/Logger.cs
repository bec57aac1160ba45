using Microsoft.Extensions.Logging;

namespace Rmote.Tools;

/// <summary>
/// The remote's log level and log emission (python/tools/logger.py). Records at or above the remote level are
/// forwarded and surface through the connection's <see cref="ILogger"/>.
/// </summary>
public static class Logger
{
    /// <summary>The tool's Python source, shipped inside Rmote.Core.</summary>
    public static readonly PythonTool Tool = PythonTool.FromResource("Logger", "logger.py");

    /// <summary><c>get_level()</c>: the current forwarding level as a Python number (10 debug ... 50 critical).</summary>
    public static readonly ToolMethod<int> GetLevel = Tool.Method<int>("get_level");

    /// <summary><c>set_level(level)</c>: a Python level name ("DEBUG", "warning") or number as text; returns the previous level number.</summary>
    public static readonly ToolMethod<string, int> SetLevel = Tool.Method<string, int>("set_level");

    /// <summary><c>log(level, message)</c>: emits <c>message</c> literally (a <c>%</c> included) at a level name or number on the "rmote" logger.</summary>
    public static readonly ToolMethod<string, string, object?> Log = Tool.Method<string, string, object?>("log");

    /// <summary><c>log_to(level, message, logger)</c>: on a named Python logger.</summary>
    public static readonly ToolMethod<string, string, string, object?> LogTo = Tool.Method<string, string, string, object?>("log_to");

    /// <summary>
    /// <c>log_to(level, message, logger, args)</c> from a record: rmote's <c>log(level, msg, *args)</c>, the message
    /// <c>%</c>-formatted with <see cref="LogOptions.Args"/> on the host. A format that does not fit its arguments
    /// throws <see cref="RemoteArgumentException"/>.
    /// </summary>
    /// <example><code>await proto.CallAsync(Logger.LogWith, new LogOptions("WARNING", "disk %s at %d%%", "/var", 91));</code></example>
    public static readonly ToolMethod<LogOptions, object?> LogWith = Tool.KwMethod<LogOptions, object?>("log_to");

    /// <summary>The Python level name for a .NET level, for <see cref="SetLevel"/> and <see cref="Log"/> (Trace maps to DEBUG, None to a level above CRITICAL).</summary>
    public static string PythonLevel(LogLevel level) => level switch
    {
        LogLevel.Trace or LogLevel.Debug => "DEBUG",
        LogLevel.Information => "INFO",
        LogLevel.Warning => "WARNING",
        LogLevel.Error => "ERROR",
        LogLevel.Critical => "CRITICAL",
        _ => "100",
    };
}

/// <summary>Arguments of <see cref="Logger.LogWith"/>.</summary>
public sealed record LogOptions
{
    /// <summary>A record at <paramref name="level"/> whose <paramref name="message"/> is <c>%</c>-formatted with <paramref name="args"/>.</summary>
    [System.Diagnostics.CodeAnalysis.SetsRequiredMembers]
    public LogOptions(string level, string message, params object?[] args) => (Level, Message, Args) = (level, message, args);

    /// <summary>A Python level name ("WARNING") or number as text.</summary>
    public required string Level { get; init; }
    /// <summary>The message, a Python <c>%</c>-format when <see cref="Args"/> are given (<c>%%</c> for a literal <c>%</c>).</summary>
    public required string Message { get; init; }
    /// <summary>Python logger name (default "rmote").</summary>
    public string? Logger { get; init; }
    /// <summary>Values for the message's placeholders (strings, numbers, booleans, null).</summary>
    public IReadOnlyList<object?> Args { get; init; } = [];
}
