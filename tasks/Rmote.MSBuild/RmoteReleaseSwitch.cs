using Microsoft.Build.Framework;
using Rmote.Operations;

namespace Rmote.MSBuild;

/// <summary>Points <c>current</c> at a release on every host, or on none (hosts already switched are switched back).</summary>
public sealed class RmoteReleaseSwitch : RmoteTask
{
    /// <summary>The releases' base folder on the hosts.</summary>
    [Required]
    public string BaseFolder { get; set; } = "";

    /// <summary>The release to make current.</summary>
    [Required]
    public string ReleaseId { get; set; } = "";

    /// <summary>After the switch keep this many releases (0: keep all).</summary>
    public int KeepReleases { get; set; }

    /// <summary>Milliseconds to wait for a deploy holding the base's lock (default 60000).</summary>
    public int LockTimeout { get; set; } = (int)StepDefaults.LockTimeout.TotalMilliseconds;

    /// <inheritdoc/>
    protected override string FailureCode => ErrorCodes.ReleaseFailed;

    ReleaseSwitchRequest? request;

    /// <inheritdoc/>
    protected override object Validate() => request = StepMapper.ReleaseSwitch(new ReleaseSwitchStep
    {
        BaseFolder = BaseFolder, ReleaseId = ReleaseId, KeepReleases = KeepReleases, LockTimeout = Milliseconds(LockTimeout, nameof(LockTimeout)),
        DeployFolder = RemoteDeployFolder,
    });

    /// <inheritdoc/>
    protected override async Task<bool> RunAsync(FleetOperations ops, CancellationToken cancellationToken) =>
        Report(await ops.SwitchReleaseAsync(request!, cancellationToken).ConfigureAwait(false));
}
