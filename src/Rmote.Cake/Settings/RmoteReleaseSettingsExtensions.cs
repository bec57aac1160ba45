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
}
