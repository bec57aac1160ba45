using Rmote.Deploy;
using Rmote.Operations;

namespace Rmote.Nuke;

/// <summary>Fluent setters of the release lifecycle (Nuke's style: each returns a copy): shared paths, reuse, the hooks, the rollback's restart, the listing's base.</summary>
public static class RmoteReleaseLifecycleExtensions
{
    /// <summary>Sets the release files and folders (a folder ends with '/') kept in <c>&lt;base&gt;/shared</c>, symlinked into each release.</summary>
    public static RmoteCopySettings SetSharedPaths(this RmoteCopySettings settings, params string[] paths) => settings with { SharedPaths = paths };

    /// <summary>Adds shared paths.</summary>
    public static RmoteCopySettings AddSharedPaths(this RmoteCopySettings settings, params string[] paths) =>
        settings with { SharedPaths = [.. settings.SharedPaths ?? [], .. paths] };

    /// <summary>Sets whether a deploy that changes nothing keeps the current release.</summary>
    public static RmoteCopySettings SetReuseUnchangedRelease(this RmoteCopySettings settings, bool? value) => settings with { ReuseUnchangedRelease = value };

    /// <summary>A deploy that changes nothing keeps the current release.</summary>
    public static RmoteCopySettings EnableReuseUnchangedRelease(this RmoteCopySettings settings) => settings with { ReuseUnchangedRelease = true };

    /// <summary>Sets whether the deploy switches <c>current</c> (true) or only stages the release.</summary>
    public static RmoteCopySettings SetSwitchRelease(this RmoteCopySettings settings, bool? value) => settings with { SwitchRelease = value };

    /// <summary>Sets the hook run once the release is staged on every host, before any switch; throwing vetoes the switch.</summary>
    public static RmoteCopySettings SetBeforeSwitch(this RmoteCopySettings settings, Action<ReleaseStaged>? hook) => settings with { BeforeSwitch = hook };

    /// <summary>Sets the units restarted on every host after the rollback, in order.</summary>
    public static RmoteRollbackSettings SetRestartServices(this RmoteRollbackSettings settings, params string[] units) => settings with { RestartServices = units };

    /// <summary>Sets how long each restarted unit may take to become active.</summary>
    public static RmoteRollbackSettings SetServiceTimeout(this RmoteRollbackSettings settings, TimeSpan? value) => settings with { ServiceTimeout = value };

    /// <summary>Sets the hook run once every host is back on the release and its services restarted; throwing fails the task.</summary>
    public static RmoteRollbackSettings SetAfterRollback(this RmoteRollbackSettings settings, Action<ReleaseRolledBack>? hook) => settings with { AfterRollback = hook };

    /// <summary>Sets the releases' base folder on the hosts.</summary>
    public static RmoteListReleasesSettings SetBaseFolder(this RmoteListReleasesSettings settings, string? value) => settings with { BaseFolder = value };
}
