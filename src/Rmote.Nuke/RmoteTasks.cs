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
        var source = Require(nameof(RmoteCopy), settings.SourceFolder, nameof(settings.SourceFolder));
        var destination = Require(nameof(RmoteCopy), settings.DestinationFolder, nameof(settings.DestinationFolder));
        return Run(nameof(RmoteCopy), settings, folder => StepMapper.Copy(new CopyStep
        {
            SourceFolder = source,
            DestinationFolder = destination,
            AllowDangerousDestination = settings.AllowDangerousDestination,
            SkipUnchangedFiles = settings.SkipUnchangedFiles,
            DeleteExtraneous = settings.DeleteExtraneous,
            Compress = settings.Compress,
            WholeFile = settings.WholeFile,
            FileMode = settings.FileMode,
            DirectoryMode = settings.DirectoryMode,
            Owner = settings.Owner,
            Group = settings.Group,
            VerifyChecksum = settings.VerifyChecksum,
            UseReleases = settings.UseReleases,
            ReleaseId = settings.ReleaseId,
            KeepReleases = settings.KeepReleases,
            LockTimeout = settings.LockTimeout,
            Retries = settings.Retries,
            RetryDelay = settings.RetryDelay,
        }, folder), (ops, request, ct) => ops.CopyAsync(request, ct));
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
        return Run(nameof(RmoteExec), settings, _ => StepMapper.Exec(new ExecStep
        {
            CommandLine = noShell ? command : null,
            ShellCommand = noShell ? null : command,
            WorkingDirectory = settings.WorkingDirectory,
            EnvironmentVariables = settings.EnvironmentVariables,
            SecretEnvironmentVariables = settings.SecretEnvironmentVariables,
            Timeout = settings.Timeout,
            IgnoreExitCode = settings.IgnoreExitCode,
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
        return Run(nameof(RmoteServiceRestart), settings, _ => StepMapper.ServiceRestart(new ServiceRestartStep
        {
            ServiceNames = settings.ServiceNames, Reload = settings.Reload, Timeout = settings.Timeout, JournalLines = settings.JournalLines,
        }), (ops, request, ct) => ops.RestartServicesAsync(request, ct));
    }

    /// <summary>Renders a local template file on every host into a file (written only when it differs).</summary>
    public static FleetResult<TemplateOutcome> RmoteTemplate(Func<RmoteTemplateSettings, RmoteTemplateSettings> configurator) =>
        RmoteTemplate(Configure(configurator));

    /// <summary>Renders a local template file on every host.</summary>
    public static FleetResult<TemplateOutcome> RmoteTemplate(RmoteTemplateSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var file = Require(nameof(RmoteTemplate), settings.TemplateFile, nameof(settings.TemplateFile));
        var destination = Require(nameof(RmoteTemplate), settings.DestinationFile, nameof(settings.DestinationFile));
        return Run(nameof(RmoteTemplate), settings, folder => StepMapper.Template(new TemplateStep
        {
            TemplateFile = file,
            DestinationFile = destination,
            Variables = settings.Variables,
            SecretVariables = settings.SecretVariables,
            FileMode = settings.FileMode,
            Owner = settings.Owner,
            Group = settings.Group,
        }, folder), (ops, request, ct) => ops.RenderTemplateAsync(request, ct));
    }

    /// <summary>Points <c>current</c> at a release on every host, or on none (hosts already switched are switched back).</summary>
    public static FleetResult<ReleaseSwitched> RmoteReleaseSwitch(Func<RmoteReleaseSwitchSettings, RmoteReleaseSwitchSettings> configurator) =>
        RmoteReleaseSwitch(Configure(configurator));

    /// <summary>Points <c>current</c> at a release on every host, or on none.</summary>
    public static FleetResult<ReleaseSwitched> RmoteReleaseSwitch(RmoteReleaseSwitchSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var baseFolder = Require(nameof(RmoteReleaseSwitch), settings.BaseFolder, nameof(settings.BaseFolder));
        var id = Require(nameof(RmoteReleaseSwitch), settings.ReleaseId, nameof(settings.ReleaseId));
        return Run(nameof(RmoteReleaseSwitch), settings, _ => StepMapper.ReleaseSwitch(new ReleaseSwitchStep
        {
            BaseFolder = baseFolder, ReleaseId = id, KeepReleases = settings.KeepReleases, LockTimeout = settings.LockTimeout,
        }), (ops, request, ct) => ops.SwitchReleaseAsync(request, ct));
    }

    /// <summary>Switches <c>current</c> back to the previous release (or <c>ToRelease</c>) on every host.</summary>
    public static FleetResult<ReleaseSwitched> RmoteRollback(Func<RmoteRollbackSettings, RmoteRollbackSettings> configurator) =>
        RmoteRollback(Configure(configurator));

    /// <summary>Switches <c>current</c> back to the previous release (or <c>ToRelease</c>) on every host.</summary>
    public static FleetResult<ReleaseSwitched> RmoteRollback(RmoteRollbackSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var baseFolder = Require(nameof(RmoteRollback), settings.BaseFolder, nameof(settings.BaseFolder));
        return Run(nameof(RmoteRollback), settings, _ => StepMapper.Rollback(new RollbackStep
        {
            BaseFolder = baseFolder, ToRelease = settings.ToRelease, LockTimeout = settings.LockTimeout,
        }), (ops, request, ct) => ops.RollbackAsync(request, ct));
    }

    /// <summary>Polls a URL (fetched by each host itself) or a command on every host until it passes or times out.</summary>
    public static FleetResult<HealthCheckResult> RmoteWaitForHealthy(Func<RmoteWaitForHealthySettings, RmoteWaitForHealthySettings> configurator) =>
        RmoteWaitForHealthy(Configure(configurator));

    /// <summary>Polls a URL or a command on every host until it passes or times out.</summary>
    public static FleetResult<HealthCheckResult> RmoteWaitForHealthy(RmoteWaitForHealthySettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return Run(nameof(RmoteWaitForHealthy), settings, _ => StepMapper.WaitForHealthy(new WaitForHealthyStep
        {
            Url = settings.Url,
            Command = settings.Command,
            ExpectedStatusCodes = settings.ExpectedStatusCodes,
            Interval = settings.Interval,
            Timeout = settings.Timeout,
            AttemptTimeout = settings.AttemptTimeout,
        }), (ops, check, ct) => ops.WaitForHealthyAsync(check, null, ct));
    }

    /// <summary>Closes every connection the tasks opened (the next task reconnects).</summary>
    public static void RmoteDisconnect() => StepRunner.Disconnect();

    static T Configure<T>(Func<T, T> configurator) where T : RmoteSettings, new()
    {
        ArgumentNullException.ThrowIfNull(configurator);
        return configurator(new T());
    }
}
