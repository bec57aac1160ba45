namespace Rmote.Operations;

/// <summary>A unit did not become active; the message carries the unit's last journal lines.</summary>
public sealed class ServiceFailedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ServiceFailedException(string host, string unit, string reason, string journal, Exception? inner = null)
        : base($"[{host}] {unit}: {reason}" + (journal.Length > 0 ? "\n--- journal (last lines) ---\n" + journal : ""), inner) =>
        (Host, Unit, Journal) = (host, unit, journal);

    /// <summary>The host's label.</summary>
    public string Host { get; }
    /// <summary>The unit.</summary>
    public string Unit { get; }
    /// <summary>The unit's last journal lines ("" when none could be read).</summary>
    public string Journal { get; }
}
