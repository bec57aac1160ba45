namespace Rmote.Cake;

/// <summary>Fluent setters of <see cref="RmoteServiceRestartSettings"/>.</summary>
public static class RmoteServiceRestartSettingsExtensions
{
    /// <summary>Reloads instead of restarting.</summary>
    public static RmoteServiceRestartSettings WithReload(this RmoteServiceRestartSettings settings, bool reload = true)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Reload = reload;
        return settings;
    }

    /// <summary>Sets how long the unit may take to become active.</summary>
    public static RmoteServiceRestartSettings WithTimeout(this RmoteServiceRestartSettings settings, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Timeout = timeout;
        return settings;
    }

    /// <summary>Runs only the systemctl command through <c>sudo -n</c>.</summary>
    public static RmoteServiceRestartSettings WithSystemctlSudo(this RmoteServiceRestartSettings settings, bool sudo = true)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.SystemctlSudo = sudo;
        return settings;
    }

    /// <summary>Sets how many journal lines a failure quotes.</summary>
    public static RmoteServiceRestartSettings WithJournalLines(this RmoteServiceRestartSettings settings, int lines)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.JournalLines = lines;
        return settings;
    }
}
