using Microsoft.Build.Framework;
using Rmote.Operations;

namespace Rmote.MSBuild;

/// <summary>Switches <c>current</c> back to the previous release on every host.</summary>
public sealed class RmoteRollback : RmoteTask
{
    /// <summary>The releases' base folder on the hosts.</summary>
    [Required]
    public string BaseFolder { get; set; } = "";

    /// <summary>The release to go back to (default: the most recent one that was live on every host, is complete and still present).</summary>
    public string? ToRelease { get; set; }

    /// <summary>Milliseconds to wait for a deploy holding the base's lock (default 60000).</summary>
    public int LockTimeout { get; set; } = (int)StepDefaults.LockTimeout.TotalMilliseconds;

    /// <summary>Units restarted on every host once it is back on the release, in order, each waited for until active (none by default).</summary>
    public string[]? RestartServices { get; set; }

    /// <summary>Milliseconds each restarted unit may take to become active (default 30000).</summary>
    public int ServiceTimeout { get; set; } = (int)StepDefaults.ServiceTimeout.TotalMilliseconds;

    /// <summary>The release now current (the same on every host: a rollback switches all hosts or none).</summary>
    [Output]
    public string CurrentRelease { get; private set; } = "";

    /// <inheritdoc/>
    protected override string FailureCode => ErrorCodes.ReleaseFailed;

    ReleaseRollbackRequest? request;

    /// <inheritdoc/>
    protected override object Validate() => request = StepMapper.Rollback(new RollbackStep
    {
        BaseFolder = BaseFolder, ToRelease = ToRelease, LockTimeout = Milliseconds(LockTimeout, nameof(LockTimeout)),
        DeployFolder = RemoteDeployFolder,
        RestartServices = RestartServices, ServiceTimeout = Milliseconds(ServiceTimeout, nameof(ServiceTimeout)),
    });

    /// <inheritdoc/>
    protected override async Task<bool> RunAsync(FleetOperations ops, CancellationToken cancellationToken)
    {
        var result = await ops.RollbackAsync(request!, cancellationToken).ConfigureAwait(false);
        CurrentRelease = result.Successes.Select(r => r.Value!.Current).FirstOrDefault() ?? "";
        return Report(result);
    }
}
