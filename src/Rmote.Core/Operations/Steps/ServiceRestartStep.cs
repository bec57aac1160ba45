namespace Rmote.Operations;

/// <summary>A service restart step as every front end states it.</summary>
public sealed record ServiceRestartStep
{
    /// <summary>systemd units, restarted in order.</summary>
    public IReadOnlyList<string>? ServiceNames { get; init; }
    /// <summary>Reload instead of restart (default false).</summary>
    public bool? Reload { get; init; }
    /// <summary>How long each unit may take to become active (default 30 s).</summary>
    public TimeSpan? Timeout { get; init; }
    /// <summary>Journal lines quoted when a unit does not come up (default 20).</summary>
    public int? JournalLines { get; init; }
    /// <summary>Run only <c>systemctl restart UNIT</c> (or reload) through <c>sudo -n</c>, for a user whose sudoers allows just that (default false).</summary>
    public bool? SystemctlSudo { get; init; }
}
