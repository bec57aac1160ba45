using Microsoft.Build.Framework;
using Rmote.Deploy;

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
    public int LockTimeout { get; set; } = 60_000;

    /// <inheritdoc/>
    protected override string FailureCode => ErrorCodes.ReleaseFailed;

    /// <inheritdoc/>
    protected override void Validate() => Releases.ValidateId(ReleaseId.Trim());

    /// <inheritdoc/>
    protected override async Task<bool> RunAsync(FleetOperations ops, CancellationToken cancellationToken)
    {
        var result = await ops.SwitchReleaseAsync(new ReleaseSwitchRequest
        {
            BaseFolder = BaseFolder.Trim(), ReleaseId = ReleaseId.Trim(), Keep = KeepReleases > 0 ? KeepReleases : null,
            LockWait = TimeSpan.FromMilliseconds(LockTimeout),
        }, cancellationToken).ConfigureAwait(false);
        return Report(result, s => $"current {s.Previous ?? "-"} -> {s.Current}");
    }
}
