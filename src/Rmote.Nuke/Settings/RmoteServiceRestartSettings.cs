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

    /// <summary>Whether only the systemctl command runs through <c>sudo -n</c> (not the whole interpreter, unlike <c>Sudo</c>).</summary>
    public bool? SystemctlSudo { get; init; }
}
