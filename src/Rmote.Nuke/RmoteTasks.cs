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
/// Each task takes a <see cref="Configure{T}"/> (Nuke's configurator shape, storable and passable) or a settings record.
/// Connections are opened once per host and reused by every task of the build; they close at exit or with
/// <see cref="RmoteDisconnect"/>. Output and the hosts' logs go to Serilog's static <see cref="Log"/> (Nuke's logger);
/// a failure throws <see cref="RmoteTaskException"/> naming every failed host and its cause. The setting names are
/// those of docs/FRONT-ENDS.md, shared with the MSBuild tasks and the Cake aliases.
/// </summary>
public static partial class RmoteTasks
{
    /// <summary>Copies a local folder's contents to every host (only what differs), or into a new release under the destination.</summary>
    public static FleetResult<CopyOutcome> RmoteCopy(Configure<RmoteCopySettings> configurator) =>
        RmoteCopy(Configure(configurator));

    /// <summary>Copies a local folder's contents to every host.</summary>
    public static FleetResult<CopyOutcome> RmoteCopy(RmoteCopySettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return Run(nameof(RmoteCopy), settings, folder => StepMapper.Copy(StepParameters.From<CopyStep>(settings, nameof(CopyStep.BeforeSwitch))
            with { BeforeSwitch = StepHooks.BeforeSwitch(settings.BeforeSwitch) }, folder),
            (ops, request, ct) => ops.CopyAsync(request, ct));
    }

    /// <summary>Runs a command on every host; output lines are logged as they come; a non-zero exit fails the host.</summary>
    public static FleetResult<ExecOutcome> RmoteExec(Configure<RmoteExecSettings> configurator) =>
        RmoteExec(Configure(configurator));

    /// <summary>Runs a command on every host: Command with <c>/bin/sh -c</c> (split with shell quoting rules when NoShell), or Arguments without a shell.</summary>
    public static FleetResult<ExecOutcome> RmoteExec(RmoteExecSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Arguments is not { Count: > 0 }) Require(nameof(RmoteExec), settings.Command, nameof(settings.Command));
        // Command (a shell line, split when NoShell) or Arguments (argv): the step names them as the settings do.
        return Run(nameof(RmoteExec), settings, folder => StepMapper.Exec(StepParameters.From<ExecStep>(settings), folder), (ops, request, ct) => ops.ExecAsync(request, line =>
        {
            // Error and warning lines (MSBuild's format, or the custom expressions) at their level, as Exec logs them.
            switch (line.Diagnostic?.Severity)
            {
                case OutputSeverity.Error: Log.Error("[{Host}] {Line}", line.Host, line.Text); break;
                case OutputSeverity.Warning: Log.Warning("[{Host}] {Line}", line.Host, line.Text); break;
                default: Log.Information("[{Host}] {Line}", line.Host, line.Text); break;
            }
        }, ct));
    }

    /// <summary>Restarts (or reloads) systemd units on every host and waits until each is active.</summary>
    public static FleetResult<ServiceRestartOutcome> RmoteServiceRestart(Configure<RmoteServiceRestartSettings> configurator) =>
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
    public static FleetResult<TemplateOutcome> RmoteTemplate(Configure<RmoteTemplateSettings> configurator) =>
        RmoteTemplate(Configure(configurator));

    /// <summary>Renders a local template file on every host.</summary>
    public static FleetResult<TemplateOutcome> RmoteTemplate(RmoteTemplateSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return Run(nameof(RmoteTemplate), settings, folder => StepMapper.Template(StepParameters.From<TemplateStep>(settings), folder),
            (ops, request, ct) => ops.RenderTemplateAsync(request, ct));
    }

    /// <summary>Points <c>current</c> at a release on every host, or on none (hosts already switched are switched back).</summary>
    public static FleetResult<ReleaseSwitched> RmoteReleaseSwitch(Configure<RmoteReleaseSwitchSettings> configurator) =>
        RmoteReleaseSwitch(Configure(configurator));

    /// <summary>Points <c>current</c> at a release on every host, or on none.</summary>
    public static FleetResult<ReleaseSwitched> RmoteReleaseSwitch(RmoteReleaseSwitchSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return Run(nameof(RmoteReleaseSwitch), settings, _ => StepMapper.ReleaseSwitch(StepParameters.From<ReleaseSwitchStep>(settings)),
            (ops, request, ct) => ops.SwitchReleaseAsync(request, ct));
    }

    /// <summary>Switches <c>current</c> back to the previous release (or <c>ToRelease</c>) on every host.</summary>
    public static FleetResult<ReleaseSwitched> RmoteRollback(Configure<RmoteRollbackSettings> configurator) =>
        RmoteRollback(Configure(configurator));

    /// <summary>Switches <c>current</c> back to the previous release (or <c>ToRelease</c>) on every host.</summary>
    public static FleetResult<ReleaseSwitched> RmoteRollback(RmoteRollbackSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return Run(nameof(RmoteRollback), settings, _ => StepMapper.Rollback(StepParameters.From<RollbackStep>(settings, nameof(RollbackStep.AfterRollback))
            with { AfterRollback = StepHooks.AfterRollback(settings.AfterRollback) }),
            (ops, request, ct) => ops.RollbackAsync(request, ct));
    }

    /// <summary>Polls a URL (fetched by each host itself) or a command on every host until it passes or times out.</summary>
    public static FleetResult<HealthCheckResult> RmoteWaitForHealthy(Configure<RmoteWaitForHealthySettings> configurator) =>
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

    static T Configure<T>(Configure<T> configurator) where T : RmoteSettings, new()
    {
        ArgumentNullException.ThrowIfNull(configurator);
        return configurator(new T());
    }
}
