using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Rmote.Core.Tests;

/// <summary>An ILogger that keeps what it is given, for assertions.</summary>
public sealed class CapturingLogger : ILogger
{
    public sealed record Entry(LogLevel Level, string Message);

    readonly ConcurrentQueue<Entry> entries = new();

    public IReadOnlyCollection<Entry> Entries => entries;

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        entries.Enqueue(new Entry(logLevel, formatter(state, exception)));
}
