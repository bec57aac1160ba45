using Microsoft.Build.Framework;
using Rmote.Deploy;

namespace Rmote.MSBuild;

/// <summary>Switches <c>current</c> back to the previous release on every host.</summary>
public sealed class RmoteRollback : RmoteTask
{
    /// <summary>The releases' base folder on the hosts.</summary>
    [Required]
    public string BaseFolder { get; set; } = "";

    /// <summary>The release now current (the first host's; they agree after a fleet deploy).</summary>
    [Output]
    public string CurrentRelease { get; private set; } = "";

    /// <inheritdoc/>
    protected override string FailureCode => ErrorCodes.ReleaseFailed;

    /// <inheritdoc/>
    protected override async Task<bool> RunAsync(FleetOperations ops, CancellationToken cancellationToken)
    {
        var result = await ops.RollbackAsync(BaseFolder.Trim(), null, cancellationToken).ConfigureAwait(false);
        CurrentRelease = result.Successes.Select(r => r.Value!.Current).FirstOrDefault() ?? "";
        return Report(result, s => $"rolled back: current {s.Previous ?? "-"} -> {s.Current}");
    }
}
