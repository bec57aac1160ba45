using Microsoft.Extensions.Logging;

namespace Rmote.MSBuild.Server;

/// <summary>
/// A connection's logger in the build server: it logs to the build using the connection now (its
/// <see cref="RemoteLogForwarder"/>), and to nobody while the connection is parked between builds.
/// </summary>
internal sealed class LogRelay(ILogger? target) : ILogger
{
    volatile ILogger? target = target;

    /// <summary>The build's logger, or null while parked.</summary>
    public ILogger? Target
    {
        get => target;
        set => target = value;
    }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => target?.IsEnabled(logLevel) ?? false;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        target?.Log(logLevel, eventId, state, exception, formatter);
}
