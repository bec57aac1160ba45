using Cake.Core;

namespace Rmote.Cake;

/// <summary>Settings of <see cref="RmoteAliases.RmoteReleaseSwitch(ICakeContext, IEnumerable{string}, string, string, RmoteReleaseSettings)"/> and <see cref="RmoteAliases.RmoteRollback(ICakeContext, IEnumerable{string}, string, RmoteReleaseSettings)"/>.</summary>
public sealed class RmoteReleaseSettings : RmoteSettings
{
    /// <summary>After a switch, delete the oldest releases so that this many remain (null: keep all).</summary>
    public int? KeepReleases { get; set; }

    /// <summary>How long to wait for a deploy holding the base's lock (null: 60 s).</summary>
    public TimeSpan? LockWait { get; set; }
}
