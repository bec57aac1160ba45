using Cake.Core;

namespace Rmote.Cake;

/// <summary>Settings of <see cref="RmoteAliases.RmoteRollback(ICakeContext, IEnumerable{string}, string, RmoteRollbackSettings)"/>.</summary>
public sealed class RmoteRollbackSettings : RmoteSettings
{
    /// <summary>The release to go back to (null: the most recent one live on every host, complete and still present).</summary>
    public string? ToRelease { get; set; }

    /// <summary>How long to wait for a deploy holding the base's lock (null: 60 s).</summary>
    public TimeSpan? LockTimeout { get; set; }

    /// <summary>Units restarted on every host after the rollback, in order.</summary>
    public List<string> RestartServices { get; set; } = [];

    /// <summary>How long each restarted unit may take to become active (null: 30 s).</summary>
    public TimeSpan? ServiceTimeout { get; set; }

    /// <summary>Runs once every host is back on the release and its services restarted; throwing fails the alias.</summary>
    public Action<Operations.ReleaseRolledBack>? AfterRollback { get; set; }
}
