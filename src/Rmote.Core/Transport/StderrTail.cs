using System.Text;

namespace Rmote.Transport;

/// <summary>Keeps the last few KiB a transport wrote to stderr, for error messages, and passes lines on for logging.</summary>
/// <remarks>
/// The remote controls these bytes: a line is cut at <see cref="MaxLine"/> characters, so a host writing gigabytes
/// without a newline costs a fixed buffer, not a string as large as its output. With a quota, a flood past it stops
/// the pump and calls <c>onFlood</c> once (the owner kills the transport); <see cref="Flood"/> says why.
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
    readonly Calls.TokenBucket? quota;
    readonly Action? onFlood;
    long cut;

    public StderrTail(Stream stderr, Action<string>? onLine, RateQuota? quota = null, Action? onFlood = null)
    {
        this.onLine = onLine;
        this.quota = quota is null ? null : new Calls.TokenBucket(quota);
        this.onFlood = onFlood;
        pump = Task.Run(() => PumpAsync(stderr));
    }

    public Task Completion => pump;

    /// <summary>Why the transport was cut off for flooding stderr, or null.</summary>
    public string? Flood { get; private set; }

    public override string ToString()
    {
        lock (gate) return text.ToString();
    }

    async Task PumpAsync(Stream stderr)
    {
        // Raw bytes, decoded here: the quota counts what the remote wrote, not what it decodes to.
        var decoder = Encoding.UTF8.GetDecoder();
        var bytes = new byte[8192];
        var chars = new char[Encoding.UTF8.GetMaxCharCount(bytes.Length)];
        try
        {
            int read;
            while ((read = await stderr.ReadAsync(bytes.AsMemory()).ConfigureAwait(false)) > 0)
            {
                if (quota is { } q && !q.TryTake(read))
                {
                    Flood = $"the remote wrote more than {q.Quota.PerSecond} bytes per second to stderr (bursts of {q.Quota.Burst} allowed)";
                    onFlood?.Invoke();
                    break;
                }
                Consume(chars, decoder.GetChars(bytes, 0, read, chars, 0));
            }
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
