using Cake.Core;

namespace Rmote.Cake;

/// <summary>Settings of <see cref="RmoteAliases.RmoteReleaseSwitch(ICakeContext, IEnumerable{string}, string, string, RmoteReleaseSwitchSettings)"/>.</summary>
public sealed class RmoteReleaseSwitchSettings : RmoteSettings
{
    /// <summary>After the switch, delete the oldest releases so that this many remain (null: keep all).</summary>
    public int? KeepReleases { get; set; }

    /// <summary>How long to wait for a deploy holding the base's lock (null: 60 s).</summary>
    public TimeSpan? LockTimeout { get; set; }
}
