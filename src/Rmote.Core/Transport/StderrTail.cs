using System.Text;

namespace Rmote.Transport;

/// <summary>Keeps the last few KiB a transport wrote to stderr, for error messages, and passes lines on for logging.</summary>
internal sealed class StderrTail
{
    const int Capacity = 16 * 1024;
    readonly StringBuilder text = new();
    readonly object gate = new();
    readonly Task pump;

    public StderrTail(Stream stderr, Action<string>? onLine)
    {
        pump = Task.Run(() => PumpAsync(stderr, onLine));
    }

    public Task Completion => pump;

    public override string ToString()
    {
        lock (gate) return text.ToString();
    }

    async Task PumpAsync(Stream stderr, Action<string>? onLine)
    {
        using var reader = new StreamReader(stderr, Encoding.UTF8);
        try
        {
            while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                lock (gate)
                {
                    text.Append(line).Append('\n');
                    if (text.Length > Capacity) text.Remove(0, text.Length - Capacity);
                }
                onLine?.Invoke(line);
            }
        }
        catch (IOException) { }
        catch (ObjectDisposedException) { }
    }
}
