using Microsoft.Extensions.Logging;

namespace Rmote.MSBuild;

/// <summary>
/// The <see cref="ILogger"/> every pooled connection logs to. Connections outlive tasks, so records go to
/// whichever Rmote task is running now (attached for the length of its Execute); with none attached they
/// are dropped, since MSBuild can only log from inside a task.
/// </summary>
internal sealed class RemoteLogForwarder : ILogger
{
    readonly object gate = new();
    readonly List<Action<LogLevel, string>> sinks = new();

    /// <summary>Routes records to <paramref name="sink"/> until the returned handle is disposed.</summary>
    public IDisposable Attach(Action<LogLevel, string> sink)
    {
        lock (gate) sinks.Add(sink);
        return new Detach(this, sink);
    }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    // Trace/debug records of the transport are noise in a build log; -v:diag still gets Debug through Low importance.
    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        Action<LogLevel, string>? sink;
        lock (gate) sink = sinks.Count > 0 ? sinks[^1] : null;
        sink?.Invoke(logLevel, formatter(state, exception));
    }

    sealed class Detach(RemoteLogForwarder owner, Action<LogLevel, string> sink) : IDisposable
    {
        public void Dispose()
        {
            lock (owner.gate) owner.sinks.Remove(sink);
        }
    }
}
