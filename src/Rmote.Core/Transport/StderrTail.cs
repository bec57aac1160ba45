using System.Text;

namespace Rmote.Transport;

/// <summary>Keeps the last few KiB a transport wrote to stderr, for error messages, and passes lines on for logging.</summary>
/// <remarks>
/// The remote controls these bytes: a line is cut at <see cref="MaxLine"/> characters, so a host writing gigabytes
/// without a newline costs a fixed buffer, not a string as large as its output.
/// </remarks>
internal sealed class StderrTail
{
    const int Capacity = 16 * 1024;
    const int MaxLine = 4 * 1024;
    readonly StringBuilder text = new();
    readonly StringBuilder line = new();
    readonly object gate = new();
    readonly Action<string>? onLine;
    readonly Task pump;
    long cut;

    public StderrTail(Stream stderr, Action<string>? onLine)
    {
        this.onLine = onLine;
        pump = Task.Run(() => PumpAsync(stderr));
    }

    public Task Completion => pump;

    public override string ToString()
    {
        lock (gate) return text.ToString();
    }

    async Task PumpAsync(Stream stderr)
    {
        using var reader = new StreamReader(stderr, Encoding.UTF8);
        var buffer = new char[8192];
        try
        {
            int read;
            while ((read = await reader.ReadAsync(buffer.AsMemory()).ConfigureAwait(false)) > 0)
                Consume(buffer, read);
            if (line.Length > 0 || cut > 0) EmitLine();
        }
        catch (IOException) { }
        catch (ObjectDisposedException) { }
    }

    void Consume(char[] buffer, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var c = buffer[i];
            if (c == '\n') EmitLine();
            else if (line.Length < MaxLine) line.Append(c);
            else cut++;
        }
    }

    void EmitLine()
    {
        if (line.Length > 0 && line[^1] == '\r') line.Length--;
        var complete = cut > 0 ? line.Append($" [... {cut} more characters cut]").ToString() : line.ToString();
        line.Clear();
        cut = 0;
        lock (gate)
        {
            text.Append(complete).Append('\n');
            if (text.Length > Capacity) text.Remove(0, text.Length - Capacity);
        }
        onLine?.Invoke(complete);
    }
}
