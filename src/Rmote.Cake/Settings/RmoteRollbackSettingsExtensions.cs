namespace Rmote.Cake;

/// <summary>Fluent setters of <see cref="RmoteRollbackSettings"/>.</summary>
public static class RmoteRollbackSettingsExtensions
{
    /// <summary>Goes back to this release instead of the most recent earlier one.</summary>
    public static RmoteRollbackSettings WithToRelease(this RmoteRollbackSettings settings, string releaseId)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.ToRelease = releaseId;
        return settings;
    }

    /// <summary>Waits up to <paramref name="timeout"/> for a deploy holding the base's lock.</summary>
    public static RmoteRollbackSettings WithLockTimeout(this RmoteRollbackSettings settings, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.LockTimeout = timeout;
        return settings;
    }
}
