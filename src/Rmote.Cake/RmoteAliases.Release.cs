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
            RestartServices = settings.RestartServices, ServiceTimeout = settings.ServiceTimeout, AfterRollback = StepHooks.AfterRollback(settings.AfterRollback),
        }), (ops, request, ct) => ops.RollbackAsync(request, ct));
    }

    /// <summary>Lists the releases under <paramref name="baseFolder"/> on every host with their manifests, the current one marked.</summary>
    /// <example><code>var listed = RmoteListReleases(hosts, "/srv/app");</code></example>
    [CakeMethodAlias]
    [CakeAliasCategory("Release")]
    public static FleetResult<ReleaseListOutcome> RmoteListReleases(this ICakeContext context, IEnumerable<string> hosts, string baseFolder) =>
        RmoteListReleases(context, hosts, baseFolder, new RmoteListReleasesSettings());

    /// <summary>
    /// Lists the releases under <paramref name="baseFolder"/> on every host, oldest first, each with its manifest (commit, build, user,
    /// controller, time, files); logs one line per host and release, the current one marked <c>*</c>.
    /// </summary>
    [CakeMethodAlias]
    [CakeAliasCategory("Release")]
    public static FleetResult<ReleaseListOutcome> RmoteListReleases(this ICakeContext context, IEnumerable<string> hosts, string baseFolder, RmoteListReleasesSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var listed = CakeStep.Run(context, nameof(RmoteListReleases), hosts, settings, _ => StepMapper.ListReleases(new ListReleasesStep { BaseFolder = baseFolder }),
            (ops, request, ct) => ops.ListReleasesAsync(request, ct));
        foreach (var row in listed.Successes)
            foreach (var release in row.Value!.Releases)
                context.Log.Write(global::Cake.Core.Diagnostics.Verbosity.Normal, global::Cake.Core.Diagnostics.LogLevel.Information, "{0}: {1}", row.Host, release);
        return listed;
    }
}
