using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Events;

namespace Rmote.Nuke.Internal;

/// <summary>Routes Rmote's diagnostics and the hosts' forwarded Python <c>logging</c> records to Serilog's static <see cref="Serilog.Log"/>, which Nuke configures.</summary>
internal sealed class SerilogRemoteLogger : Microsoft.Extensions.Logging.ILogger
{
    public static SerilogRemoteLogger Instance { get; } = new();

    static LogEventLevel Map(LogLevel level) => level switch
    {
        LogLevel.Critical => LogEventLevel.Fatal,
        LogLevel.Error => LogEventLevel.Error,
        LogLevel.Warning => LogEventLevel.Warning,
        LogLevel.Information => LogEventLevel.Information,
        LogLevel.Debug => LogEventLevel.Debug,
        _ => LogEventLevel.Verbose,
    };

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    // Asked at log time, not cached: Nuke sets Log.Logger after the build's static fields are initialised.
    public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && Serilog.Log.IsEnabled(Map(logLevel));

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel)) return;
        // A template with one property: remote text may contain braces, which Serilog would read as properties.
        Serilog.Log.Write(Map(logLevel), exception, "{Message}", formatter(state, exception));
    }
}
