using Microsoft.Extensions.Logging;

namespace Rmote.Calls;

/// <summary>A forwarded Python <c>logging</c> record (LOG frame).</summary>
internal sealed record RemoteLogRecord
{
    public int Level { get; init; } = 20;
    public string Logger { get; init; } = "";
    public string Message { get; init; } = "";
    public string? Exc { get; init; }

    /// <summary>Python's numeric levels onto <see cref="LogLevel"/>.</summary>
    public static LogLevel ToLogLevel(int level) => level switch
    {
        >= 50 => LogLevel.Critical,
        >= 40 => LogLevel.Error,
        >= 30 => LogLevel.Warning,
        >= 20 => LogLevel.Information,
        >= 10 => LogLevel.Debug,
        _ => LogLevel.Trace,
    };

    public static int FromLogLevel(LogLevel level) => level switch
    {
        LogLevel.Trace => 5,
        LogLevel.Debug => 10,
        LogLevel.Information => 20,
        LogLevel.Warning => 30,
        LogLevel.Error => 40,
        _ => 50,
    };
}
