using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Rmote.TestRig;

/// <summary>An ILogger that keeps every formatted message (and the exception text), for assertions.</summary>
public sealed class CapturingLogger : ILogger
{
    public sealed record Entry(LogLevel Level, string Message);

    readonly ConcurrentQueue<Entry> entries = new();

    public IReadOnlyCollection<Entry> Entries => entries;

    public string AllText => string.Join("\n", entries.Select(e => $"{e.Level}: {e.Message}"));

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        entries.Enqueue(new Entry(logLevel, formatter(state, exception) + (exception is null ? "" : " | " + exception)));
}
