using Rmote.Deploy;

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
    public override int Timeout { get; set; } = 30000;

    /// <inheritdoc/>
    protected override TimeSpan? StepTimeout => Milliseconds(Timeout) * Math.Max(1, (ServiceName?.Length ?? 0) + (ServiceNames?.Length ?? 0)) + RemoteGrace;

    /// <summary>Journal lines in the error of a unit that failed (default 20).</summary>
    public int JournalLines { get; set; } = 20;

    /// <inheritdoc/>
    protected override string FailureCode => ErrorCodes.ServiceFailed;

    ServiceRestartRequest? request;

    /// <inheritdoc/>
    protected override void Validate()
    {
        var names = (ServiceName ?? []).Concat(ServiceNames ?? []).Select(n => n.Trim()).Where(n => n.Length > 0).ToList();
        if (names.Count == 0) throw new ArgumentException("Give ServiceName: the unit(s) to restart.");
        if (Timeout <= 0) throw new ArgumentException("Timeout must be positive (milliseconds).");
        request = new ServiceRestartRequest { Names = names, Reload = Reload, Timeout = TimeSpan.FromMilliseconds(Timeout), JournalLines = JournalLines };
        request.Validate();
    }

    /// <inheritdoc/>
    protected override async Task<bool> RunAsync(FleetOperations ops, CancellationToken cancellationToken) =>
        Report(await ops.RestartServicesAsync(request!, cancellationToken).ConfigureAwait(false), o => (Reload ? "reloaded " : "restarted ") + o);
}
