using Cake.Core;

namespace Rmote.Cake;

/// <summary>Settings of <see cref="RmoteAliases.RmoteRollback(ICakeContext, IEnumerable{string}, string, RmoteRollbackSettings)"/>.</summary>
public sealed class RmoteRollbackSettings : RmoteSettings
{
    /// <summary>The release to go back to (null: the most recent one live on every host, complete and still present).</summary>
    public string? ToRelease { get; set; }

    /// <summary>How long to wait for a deploy holding the base's lock (null: 60 s).</summary>
    public TimeSpan? LockTimeout { get; set; }
}
