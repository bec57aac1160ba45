namespace Rmote.Cake;

/// <summary>Fluent setters of <see cref="RmoteReleaseSettings"/>.</summary>
public static class RmoteReleaseSettingsExtensions
{
    /// <summary>After a switch, keeps only the newest <paramref name="keep"/> releases.</summary>
    public static RmoteReleaseSettings WithKeepReleases(this RmoteReleaseSettings settings, int keep)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.KeepReleases = keep;
        return settings;
    }

    /// <summary>Waits up to <paramref name="wait"/> for a deploy holding the base's lock.</summary>
    public static RmoteReleaseSettings WithLockWait(this RmoteReleaseSettings settings, TimeSpan wait)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.LockWait = wait;
        return settings;
    }
}
