namespace Rmote;

/// <summary>
/// The one rule of every optional duration setting (<see cref="ProtocolOptions"/>, <see cref="SshOptions"/>,
/// <see cref="Fleet.HostSpec"/>, the MSBuild, Cake and Nuke settings): null is the setting's default,
/// <see cref="TimeSpan.Zero"/> turns it off, a negative value is refused. <see cref="Timeout.InfiniteTimeSpan"/>,
/// .NET's own "no limit", also turns it off.
/// </summary>
internal static class DurationSetting
{
    /// <summary>The duration in force: <paramref name="value"/>, or <paramref name="defaultValue"/> for null; null when off.</summary>
    /// <param name="value">What the user set.</param>
    /// <param name="defaultValue">The default (null: off unless set).</param>
    /// <param name="setting">The setting's name, for the error.</param>
    /// <exception cref="ArgumentException">A negative value.</exception>
    public static TimeSpan? Resolve(TimeSpan? value, TimeSpan? defaultValue, string setting) => value switch
    {
        null => defaultValue,
        { } t when t == TimeSpan.Zero || t == Timeout.InfiniteTimeSpan => null,
        { } t when t < TimeSpan.Zero => throw new ArgumentException(
            $"{setting} is negative ({t}): give a duration, zero to turn it off, or null for the default.", setting),
        { } t => t,
    };
}
