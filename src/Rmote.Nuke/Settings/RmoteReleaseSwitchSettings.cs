namespace Rmote.Nuke;

/// <summary>Settings of <see cref="RmoteTasks.RmoteReleaseSwitch(Configure{RmoteReleaseSwitchSettings})"/> (immutable: each setter returns a copy).</summary>
public sealed record RmoteReleaseSwitchSettings : RmoteSettings
{
    /// <summary>The releases' base folder on the hosts.</summary>
    public string? BaseFolder { get; init; }

    /// <summary>The release to make current.</summary>
    public string? ReleaseId { get; init; }

    /// <summary>How many releases remain after the switch (null: all).</summary>
    public int? KeepReleases { get; init; }

    /// <summary>How long to wait for a deploy holding the base's lock (null: 60 s).</summary>
    public TimeSpan? LockTimeout { get; init; }
}
