using Rmote.Deploy;

namespace Rmote;

public sealed partial class Protocol
{
    // Copy-on-write: the read loop masks every forwarded log record without taking a lock.
    SecretMasker[] logMaskers = [];
    readonly object logMaskersGate = new();

    /// <summary>
    /// Masks <paramref name="masker"/>'s secrets in the remote log records forwarded to the logger until the handle is
    /// disposed: a step with secret values (a command's environment, a template's variables) may make a remote tool log them.
    /// </summary>
    internal IDisposable MaskLogsWhile(SecretMasker masker)
    {
        lock (logMaskersGate) logMaskers = [.. logMaskers, masker];
        return new LogMasking(this, masker);
    }

    string MaskLog(string text)
    {
        foreach (var m in Volatile.Read(ref logMaskers)) text = m.Mask(text);
        return text;
    }

    sealed class LogMasking(Protocol owner, SecretMasker masker) : IDisposable
    {
        int disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref disposed, 1) != 0) return;
            lock (owner.logMaskersGate)
            {
                var list = owner.logMaskers.ToList();
                list.Remove(masker);
                owner.logMaskers = [.. list];
            }
        }
    }
}
