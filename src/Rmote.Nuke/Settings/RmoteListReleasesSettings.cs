namespace Rmote.Nuke;

/// <summary>Settings of <see cref="RmoteTasks.RmoteListReleases(Configure{RmoteListReleasesSettings})"/> (immutable: each setter returns a copy).</summary>
public sealed record RmoteListReleasesSettings : RmoteSettings
{
    /// <summary>The releases' base folder on the hosts.</summary>
    public string? BaseFolder { get; init; }
}
