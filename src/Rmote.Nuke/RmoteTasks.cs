using Rmote.Deploy;
using Rmote.Fleet;
using Rmote.Nuke.Internal;
using Rmote.Operations;
using Serilog;
using static Rmote.Nuke.Internal.NukeStep;

namespace Rmote.Nuke;

/// <summary>
/// Nuke-style tasks that deploy to Linux hosts that have only python3, e.g.
/// <c>RmoteTasks.RmoteCopy(s => s.SetHosts("deploy@web01").SetSourceFolder(publish).SetDestinationFolder("/srv/app"))</c>.
/// Connections are opened once per host and reused by every task of the build; they close at exit or with
/// <see cref="RmoteDisconnect"/>. Output and the hosts' logs go to Serilog's static <see cref="Log"/> (Nuke's logger);
/// a failure throws <see cref="RmoteTaskException"/> naming every failed host and its cause. The setting names are
/// those of docs/FRONT-ENDS.md, shared with the MSBuild tasks and the Cake aliases.
/// </summary>
public static class RmoteTasks
{
    /// <summary>Copies a local folder's contents to every host (only what differs), or into a new release under the destination.</summary>
    public static FleetResult<CopyOutcome> RmoteCopy(Func<RmoteCopySettings, RmoteCopySettings> configurator) =>
        RmoteCopy(Configure(configurator));

    /// <summary>Copies a local folder's contents to every host.</summary>
    public static FleetResult<CopyOutcome> RmoteCopy(RmoteCopySettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return Run(nameof(RmoteCopy), settings, folder => StepMapper.Copy(StepParameters.From<CopyStep>(settings), folder),
            (ops, request, ct) => ops.CopyAsync(request, ct));
    }

    /// <summary>Runs a command on every host; output lines are logged as they come; a non-zero exit fails the host.</summary>
    public static FleetResult<ExecOutcome> RmoteExec(Func<RmoteExecSettings, RmoteExecSettings> configurator) =>
        RmoteExec(Configure(configurator));

    /// <summary>Runs a command on every host (with <c>/bin/sh -c</c>, or split with shell quoting rules when NoShell).</summary>
    public static FleetResult<ExecOutcome> RmoteExec(RmoteExecSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var command = Require(nameof(RmoteExec), settings.Command, nameof(settings.Command));
        var noShell = settings.NoShell ?? false;
        // Nuke's Command is a command line: run by /bin/sh -c, or split with shell quoting rules when NoShell.
        return Run(nameof(RmoteExec), settings, _ => StepMapper.Exec(StepParameters.From<ExecStep>(settings, nameof(ExecStep.Command)) with
        {
            CommandLine = noShell ? command : null, ShellCommand = noShell ? null : command,
        }), (ops, request, ct) => ops.ExecAsync(request, line => Log.Information("[{Host}] {Line}", line.Host, line.Text), ct));
    }

    /// <summary>Restarts (or reloads) systemd units on every host and waits until each is active.</summary>
    public static FleetResult<ServiceRestartOutcome> RmoteServiceRestart(Func<RmoteServiceRestartSettings, RmoteServiceRestartSettings> configurator) =>
        RmoteServiceRestart(Configure(configurator));

    /// <summary>Restarts (or reloads) systemd units on every host.</summary>
    public static FleetResult<ServiceRestartOutcome> RmoteServiceRestart(RmoteServiceRestartSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.ServiceNames.Count == 0) throw new RmoteTaskException($"{nameof(RmoteServiceRestart)}: no service names (SetServiceNames).");
        return Run(nameof(RmoteServiceRestart), settings, _ => StepMapper.ServiceRestart(StepParameters.From<ServiceRestartStep>(settings)),
            (ops, request, ct) => ops.RestartServicesAsync(request, ct));
    }

    /// <summary>Renders a local template file on every host into a file (written only when it differs).</summary>
    public static FleetResult<TemplateOutcome> RmoteTemplate(Func<RmoteTemplateSettings, RmoteTemplateSettings> configurator) =>
        RmoteTemplate(Configure(configurator));

    /// <summary>Renders a local template file on every host.</summary>
    public static FleetResult<TemplateOutcome> RmoteTemplate(RmoteTemplateSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return Run(nameof(RmoteTemplate), settings, folder => StepMapper.Template(StepParameters.From<TemplateStep>(settings), folder),
            (ops, request, ct) => ops.RenderTemplateAsync(request, ct));
    }

    /// <summary>Points <c>current</c> at a release on every host, or on none (hosts already switched are switched back).</summary>
    public static FleetResult<ReleaseSwitched> RmoteReleaseSwitch(Func<RmoteReleaseSwitchSettings, RmoteReleaseSwitchSettings> configurator) =>
        RmoteReleaseSwitch(Configure(configurator));

    /// <summary>Points <c>current</c> at a release on every host, or on none.</summary>
    public static FleetResult<ReleaseSwitched> RmoteReleaseSwitch(RmoteReleaseSwitchSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return Run(nameof(RmoteReleaseSwitch), settings, _ => StepMapper.ReleaseSwitch(StepParameters.From<ReleaseSwitchStep>(settings)),
            (ops, request, ct) => ops.SwitchReleaseAsync(request, ct));
    }

    /// <summary>Switches <c>current</c> back to the previous release (or <c>ToRelease</c>) on every host.</summary>
    public static FleetResult<ReleaseSwitched> RmoteRollback(Func<RmoteRollbackSettings, RmoteRollbackSettings> configurator) =>
        RmoteRollback(Configure(configurator));

    /// <summary>Switches <c>current</c> back to the previous release (or <c>ToRelease</c>) on every host.</summary>
    public static FleetResult<ReleaseSwitched> RmoteRollback(RmoteRollbackSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return Run(nameof(RmoteRollback), settings, _ => StepMapper.Rollback(StepParameters.From<RollbackStep>(settings)),
            (ops, request, ct) => ops.RollbackAsync(request, ct));
    }

    /// <summary>Polls a URL (fetched by each host itself) or a command on every host until it passes or times out.</summary>
    public static FleetResult<HealthCheckResult> RmoteWaitForHealthy(Func<RmoteWaitForHealthySettings, RmoteWaitForHealthySettings> configurator) =>
        RmoteWaitForHealthy(Configure(configurator));

    /// <summary>Polls a URL or a command on every host until it passes or times out.</summary>
    public static FleetResult<HealthCheckResult> RmoteWaitForHealthy(RmoteWaitForHealthySettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return Run(nameof(RmoteWaitForHealthy), settings, _ => StepMapper.WaitForHealthy(StepParameters.From<WaitForHealthyStep>(settings)),
            (ops, check, ct) => ops.WaitForHealthyAsync(check, null, ct));
    }

    /// <summary>
    /// Logs the recap of every Rmote task since the last recap, one line per host (ok, changed, failed, unreachable, skipped,
    /// release, time), as the MSBuild Deploy target ends; call it where the build ends, failed or not (a finally, or Nuke's OnBuildFinished).
    /// </summary>
    public static IReadOnlyList<HostRecap> RmoteRecap() => StepRunner.Recap(NukeStep.RecapHost);

    /// <summary>Closes every connection the tasks opened (the next task reconnects).</summary>
    public static void RmoteDisconnect() => StepRunner.Disconnect();

    static T Configure<T>(Func<T, T> configurator) where T : RmoteSettings, new()
    {
        ArgumentNullException.ThrowIfNull(configurator);
        return configurator(new T());
    }
}
