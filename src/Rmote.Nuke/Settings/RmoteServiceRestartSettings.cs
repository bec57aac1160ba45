namespace Rmote.Nuke;

/// <summary>Settings of <see cref="RmoteTasks.RmoteServiceRestart(Configure{RmoteServiceRestartSettings})"/> (immutable: each setter returns a copy).</summary>
public sealed record RmoteServiceRestartSettings : RmoteSettings
{
    /// <summary>The systemd units, restarted in order.</summary>
    public IReadOnlyList<string> ServiceNames { get; init; } = [];

    /// <summary>Whether units are reloaded instead of restarted.</summary>
    public bool? Reload { get; init; }

    /// <summary>Journal lines quoted when a unit does not come up (default 20).</summary>
    public int? JournalLines { get; init; }
}
