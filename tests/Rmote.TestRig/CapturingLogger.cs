using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Rmote.TestRig;

/// <summary>An ILogger that keeps every formatted message (and the exception text), for assertions.</summary>
public sealed class CapturingLogger : ILogger
{
    public sealed record Entry(LogLevel Level, string Message);

    readonly ConcurrentQueue<Entry> entries = new();
    readonly List<(string Text, TaskCompletionSource Seen)> waiters = [];

    public IReadOnlyCollection<Entry> Entries => entries;

    public string AllText => string.Join("\n", entries.Select(e => $"{e.Level}: {e.Message}"));

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var entry = new Entry(logLevel, formatter(state, exception) + (exception is null ? "" : " | " + exception));
        lock (waiters)
        {
            entries.Enqueue(entry);
            foreach (var w in waiters.Where(w => entry.Message.Contains(w.Text, StringComparison.Ordinal)).ToList())
            {
                w.Seen.TrySetResult();
                waiters.Remove(w);
            }
        }
    }

    /// <summary>Returns once a message containing <paramref name="text"/> was logged; fails with the log so far after <paramref name="deadline"/>.</summary>
    public async Task WaitForAsync(string text, TimeSpan deadline)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (waiters)
        {
            if (entries.Any(e => e.Message.Contains(text, StringComparison.Ordinal))) return;
            waiters.Add((text, seen));
        }
        if (await Task.WhenAny(seen.Task, Task.Delay(deadline)).ConfigureAwait(false) != seen.Task)
            throw new TimeoutException($"no log message containing '{text}' within {deadline.TotalSeconds:0} s; logged:\n{AllText}");
    }
}
