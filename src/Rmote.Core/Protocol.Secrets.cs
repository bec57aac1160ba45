namespace Rmote;

public sealed partial class Protocol
{
    // Copy-on-write: the read loop masks every forwarded log record without taking a lock.
    Func<string, string>[] logMaskers = [];
    readonly object logMaskersGate = new();

    /// <summary>
    /// Applies <paramref name="mask"/> (a step's secret masking) to the remote log records forwarded to the logger until the handle is
    /// disposed: a step with secret values (a command's environment, a template's variables) may make a remote tool log them.
    /// </summary>
    internal IDisposable MaskLogsWhile(Func<string, string> mask)
    {
        lock (logMaskersGate) logMaskers = [.. logMaskers, mask];
        return new LogMasking(this, mask);
    }

    string MaskLog(string text)
    {
        foreach (var m in Volatile.Read(ref logMaskers)) text = m(text);
        return text;
    }

    sealed class LogMasking(Protocol owner, Func<string, string> mask) : IDisposable
    {
        int disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref disposed, 1) != 0) return;
            lock (owner.logMaskersGate)
            {
                var list = owner.logMaskers.ToList();
                list.Remove(mask);
                owner.logMaskers = [.. list];
            }
        }
    }
}
