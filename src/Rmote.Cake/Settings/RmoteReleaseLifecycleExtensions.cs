using Rmote.Deploy;
using Rmote.Operations;

namespace Rmote.Cake;

/// <summary>Fluent setters of the release lifecycle: shared paths, reuse, the BeforeSwitch and AfterRollback hooks, the rollback's restart.</summary>
public static class RmoteReleaseLifecycleExtensions
{
    /// <summary>Keeps these release files and folders (a folder ends with '/') in <c>&lt;base&gt;/shared</c>, symlinked into each release.</summary>
    public static RmoteCopySettings WithSharedPaths(this RmoteCopySettings settings, params string[] paths)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.SharedPaths.AddRange(paths);
        return settings;
    }

    /// <summary>A deploy that changes nothing keeps the current release instead of making a new one.</summary>
    public static RmoteCopySettings WithReuseUnchangedRelease(this RmoteCopySettings settings, bool reuse = true)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.ReuseUnchangedRelease = reuse;
        return settings;
    }

    /// <summary>Whether the deploy switches <c>current</c> (true) or only stages the release for a later <c>RmoteReleaseSwitch</c>.</summary>
    public static RmoteCopySettings WithSwitchRelease(this RmoteCopySettings settings, bool switchRelease)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.SwitchRelease = switchRelease;
        return settings;
    }

    /// <summary>Runs <paramref name="hook"/> once the release is staged on every host, before any switch (smoke tests, migrations); throwing vetoes the switch.</summary>
    public static RmoteCopySettings WithBeforeSwitch(this RmoteCopySettings settings, Action<ReleaseStaged> hook)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.BeforeSwitch = hook;
        return settings;
    }

    /// <summary>Restarts these units on every host after the rollback, in order, each waited for until active.</summary>
    public static RmoteRollbackSettings WithRestartServices(this RmoteRollbackSettings settings, params string[] units)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.RestartServices.AddRange(units);
        return settings;
    }

    /// <summary>How long each restarted unit may take to become active.</summary>
    public static RmoteRollbackSettings WithServiceTimeout(this RmoteRollbackSettings settings, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.ServiceTimeout = timeout;
        return settings;
    }

    /// <summary>Runs <paramref name="hook"/> once every host is back on the release and its services restarted; throwing fails the alias.</summary>
    public static RmoteRollbackSettings WithAfterRollback(this RmoteRollbackSettings settings, Action<ReleaseRolledBack> hook)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.AfterRollback = hook;
        return settings;
    }
}
