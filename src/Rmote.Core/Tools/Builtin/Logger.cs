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

    /// <summary><c>log(level, message)</c>: emits <c>message</c> at a level name or number on the "rmote" logger.</summary>
    public static readonly ToolMethod<string, string, object?> Log = Tool.Method<string, string, object?>("log");

    /// <summary><c>log(level, message, logger)</c>: on a named Python logger.</summary>
    public static readonly ToolMethod<string, string, string, object?> LogTo = Tool.Method<string, string, string, object?>("log");

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
