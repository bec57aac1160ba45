namespace Rmote.Cake;

/// <summary>Fluent setters of <see cref="RmoteReleaseSwitchSettings"/>.</summary>
public static class RmoteReleaseSwitchSettingsExtensions
{
    /// <summary>After the switch, keeps only the newest <paramref name="keep"/> releases.</summary>
    public static RmoteReleaseSwitchSettings WithKeepReleases(this RmoteReleaseSwitchSettings settings, int keep)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.KeepReleases = keep;
        return settings;
    }

    /// <summary>Waits up to <paramref name="timeout"/> for a deploy holding the base's lock.</summary>
    public static RmoteReleaseSwitchSettings WithLockTimeout(this RmoteReleaseSwitchSettings settings, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.LockTimeout = timeout;
        return settings;
    }
}
