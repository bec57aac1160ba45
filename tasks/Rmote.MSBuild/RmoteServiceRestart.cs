using Rmote.Operations;

namespace Rmote.MSBuild;

/// <summary>
/// Restarts (or reloads) systemd units on every host and waits until each is active; when one does not come up,
/// the error carries the unit's last journal lines.
/// </summary>
public sealed class RmoteServiceRestart : RmoteTask
{
    /// <summary>Unit names, restarted in order (<c>app;nginx</c>).</summary>
    public string[]? ServiceName { get; set; }

    /// <summary>Alias of <see cref="ServiceName"/>.</summary>
    public string[]? ServiceNames { get; set; }

    /// <summary>Reload the configuration instead of restarting.</summary>
    public bool Reload { get; set; }

    /// <summary>Time each unit may take to become active, in milliseconds (default 30000).</summary>
    public override int Timeout { get; set; } = (int)StepDefaults.ServiceTimeout.TotalMilliseconds;

    /// <summary>Journal lines in the error of a unit that failed (default 20).</summary>
    public int JournalLines { get; set; } = StepDefaults.JournalLines;

    /// <summary>Run only <c>systemctl restart UNIT</c> through <c>sudo -n</c> (a deploy user whose sudoers allows just that line).</summary>
    public bool SystemctlSudo { get; set; }

    /// <inheritdoc/>
    protected override string FailureCode => ErrorCodes.ServiceFailed;

    ServiceRestartRequest? request;

    /// <inheritdoc/>
    protected override object Validate() => request = StepMapper.ServiceRestart(new ServiceRestartStep
    {
        ServiceNames = [.. ServiceName ?? [], .. ServiceNames ?? []],
        Reload = Reload,
        Timeout = Milliseconds(Timeout, nameof(Timeout)),
        JournalLines = JournalLines,
        SystemctlSudo = SystemctlSudo,
    });

    /// <inheritdoc/>
    protected override async Task<bool> RunAsync(FleetOperations ops, CancellationToken cancellationToken) =>
        Report(await ops.RestartServicesAsync(request!, cancellationToken).ConfigureAwait(false));
}
