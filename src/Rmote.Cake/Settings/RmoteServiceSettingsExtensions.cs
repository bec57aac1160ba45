namespace Rmote.Cake;

/// <summary>Fluent setters of <see cref="RmoteServiceSettings"/>.</summary>
public static class RmoteServiceSettingsExtensions
{
    /// <summary>Reloads instead of restarting.</summary>
    public static RmoteServiceSettings WithReload(this RmoteServiceSettings settings, bool reload = true)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Reload = reload;
        return settings;
    }

    /// <summary>Sets how long the unit may take to become active.</summary>
    public static RmoteServiceSettings WithTimeout(this RmoteServiceSettings settings, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Timeout = timeout;
        return settings;
    }

    /// <summary>Sets how many journal lines a failure quotes.</summary>
    public static RmoteServiceSettings WithJournalLines(this RmoteServiceSettings settings, int lines)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.JournalLines = lines;
        return settings;
    }
}
