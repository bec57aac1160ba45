namespace Rmote.Cake;

/// <summary>Fluent setters of <see cref="RmoteWaitForHealthySettings"/>.</summary>
public static class RmoteWaitForHealthySettingsExtensions
{
    /// <summary>Sets the HTTP status codes that count as healthy.</summary>
    public static RmoteWaitForHealthySettings WithExpectedStatusCodes(this RmoteWaitForHealthySettings settings, params int[] codes)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.ExpectedStatusCodes = codes;
        return settings;
    }

    /// <summary>Sets how long to keep trying and, optionally, the pause between attempts.</summary>
    public static RmoteWaitForHealthySettings WithTimeout(this RmoteWaitForHealthySettings settings, TimeSpan timeout, TimeSpan? interval = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Timeout = timeout;
        settings.Interval = interval ?? settings.Interval;
        return settings;
    }

    /// <summary>Sets the time limit of one attempt.</summary>
    public static RmoteWaitForHealthySettings WithAttemptTimeout(this RmoteWaitForHealthySettings settings, TimeSpan attemptTimeout)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.AttemptTimeout = attemptTimeout;
        return settings;
    }
}
