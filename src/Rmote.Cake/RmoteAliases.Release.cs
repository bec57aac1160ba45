using Cake.Core;
using Cake.Core.Annotations;
using Rmote.Cake.Internal;
using Rmote.Deploy;
using Rmote.Fleet;
using Rmote.Operations;

namespace Rmote.Cake;

public static partial class RmoteAliases
{
    /// <summary>Points <c>current</c> under <paramref name="baseFolder"/> at release <paramref name="releaseId"/> on every host, or on none.</summary>
    /// <example><code>RmoteReleaseSwitch(hosts, "/srv/app", "20260101120000000");</code></example>
    [CakeMethodAlias]
    [CakeAliasCategory("Release")]
    public static FleetResult<ReleaseSwitched> RmoteReleaseSwitch(this ICakeContext context, IEnumerable<string> hosts, string baseFolder, string releaseId) =>
        RmoteReleaseSwitch(context, hosts, baseFolder, releaseId, new RmoteReleaseSwitchSettings());

    /// <summary>Switches <c>current</c> to <paramref name="releaseId"/> everywhere (hosts already switched are switched back if one fails), then prunes.</summary>
    [CakeMethodAlias]
    [CakeAliasCategory("Release")]
    public static FleetResult<ReleaseSwitched> RmoteReleaseSwitch(this ICakeContext context, IEnumerable<string> hosts, string baseFolder, string releaseId, RmoteReleaseSwitchSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return CakeStep.Run(context, nameof(RmoteReleaseSwitch), hosts, settings, _ => StepMapper.ReleaseSwitch(new ReleaseSwitchStep
        {
            BaseFolder = baseFolder, ReleaseId = releaseId, KeepReleases = settings.KeepReleases, LockTimeout = settings.LockTimeout,
        }), (ops, request, ct) => ops.SwitchReleaseAsync(request, ct));
    }

    /// <summary>Switches <c>current</c> under <paramref name="baseFolder"/> back to the previous release on every host.</summary>
    /// <example><code>RmoteRollback(hosts, "/srv/app");</code></example>
    [CakeMethodAlias]
    [CakeAliasCategory("Release")]
    public static FleetResult<ReleaseSwitched> RmoteRollback(this ICakeContext context, IEnumerable<string> hosts, string baseFolder) =>
        RmoteRollback(context, hosts, baseFolder, new RmoteRollbackSettings());

    /// <summary>
    /// Switches <c>current</c> back on every host to one release, the same everywhere (<see cref="RmoteRollbackSettings.ToRelease"/>,
    /// else the most recent one live on every host, complete and still present), or on none; each host's row names the release it returned to.
    /// </summary>
    [CakeMethodAlias]
    [CakeAliasCategory("Release")]
    public static FleetResult<ReleaseSwitched> RmoteRollback(this ICakeContext context, IEnumerable<string> hosts, string baseFolder, RmoteRollbackSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return CakeStep.Run(context, nameof(RmoteRollback), hosts, settings, _ => StepMapper.Rollback(new RollbackStep
        {
            BaseFolder = baseFolder, ToRelease = settings.ToRelease, LockTimeout = settings.LockTimeout,
        }), (ops, request, ct) => ops.RollbackAsync(request, ct));
    }
}
