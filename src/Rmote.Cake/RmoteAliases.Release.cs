using Cake.Core;
using Cake.Core.Annotations;
using Rmote.Cake.Internal;
using Rmote.Deploy;
using Rmote.Fleet;

namespace Rmote.Cake;

public static partial class RmoteAliases
{
    /// <summary>Points <c>current</c> under <paramref name="baseFolder"/> at release <paramref name="releaseId"/> on every host, or on none.</summary>
    /// <example><code>RmoteReleaseSwitch(hosts, "/srv/app", "20260101120000000");</code></example>
    [CakeMethodAlias]
    [CakeAliasCategory("Release")]
    public static FleetResult<ReleaseSwitched> RmoteReleaseSwitch(this ICakeContext context, IEnumerable<string> hosts, string baseFolder, string releaseId) =>
        RmoteReleaseSwitch(context, hosts, baseFolder, releaseId, new RmoteReleaseSettings());

    /// <summary>Switches <c>current</c> to <paramref name="releaseId"/> everywhere (hosts already switched are switched back if one fails), then prunes.</summary>
    [CakeMethodAlias]
    [CakeAliasCategory("Release")]
    public static FleetResult<ReleaseSwitched> RmoteReleaseSwitch(this ICakeContext context, IEnumerable<string> hosts, string baseFolder, string releaseId, RmoteReleaseSettings settings)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(baseFolder);
        ArgumentException.ThrowIfNullOrWhiteSpace(releaseId);
        ArgumentNullException.ThrowIfNull(settings);
        return CakeStep.Run(context, nameof(RmoteReleaseSwitch), hosts, settings, (ops, fleet, ct) => ops.SwitchReleaseAsync(new ReleaseSwitchRequest
        {
            BaseFolder = baseFolder,
            ReleaseId = releaseId,
            Keep = settings.KeepReleases,
            LockWait = settings.LockWait,
            Fleet = fleet,
        }, ct), Describe);
    }

    /// <summary>Switches <c>current</c> under <paramref name="baseFolder"/> back to the previous release on every host.</summary>
    /// <example><code>RmoteRollback(hosts, "/srv/app");</code></example>
    [CakeMethodAlias]
    [CakeAliasCategory("Release")]
    public static FleetResult<ReleaseSwitched> RmoteRollback(this ICakeContext context, IEnumerable<string> hosts, string baseFolder) =>
        RmoteRollback(context, hosts, baseFolder, new RmoteReleaseSettings());

    /// <summary>
    /// Switches <c>current</c> back on every host to one release, the same everywhere (the most recent one live on every host,
    /// complete and still present), or on none; each host's row names the release it returned to.
    /// </summary>
    [CakeMethodAlias]
    [CakeAliasCategory("Release")]
    public static FleetResult<ReleaseSwitched> RmoteRollback(this ICakeContext context, IEnumerable<string> hosts, string baseFolder, RmoteReleaseSettings settings)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(baseFolder);
        ArgumentNullException.ThrowIfNull(settings);
        return CakeStep.Run(context, nameof(RmoteRollback), hosts, settings, (ops, fleet, ct) => ops.RollbackAsync(new ReleaseRollbackRequest
        {
            BaseFolder = baseFolder, LockWait = settings.LockWait, Fleet = fleet,
        }, ct), Describe);
    }

    static string Describe(ReleaseSwitched s) => $"current {s.Previous ?? "-"} -> {s.Current}";
}
