using Rmote.Deploy;
using Rmote.Fleet;
using Rmote.Integration;
using Rmote.Nuke.Internal;
using Rmote.Tools;
using Serilog;

namespace Rmote.Nuke;

/// <summary>
/// Nuke-style tasks that deploy to Linux hosts that have only python3, e.g.
/// <c>RmoteTasks.RmoteCopy(s => s.SetHosts("deploy@web01").SetSourceFolder(publish).SetDestinationFolder("/srv/app"))</c>.
/// Connections are opened once per host and reused by every task of the build; they close at exit or with
/// <see cref="RmoteDisconnect"/>. Output and the hosts' logs go to Serilog's static <see cref="Log"/> (Nuke's logger);
/// a failure throws <see cref="RmoteTaskException"/> naming every failed host and its cause.
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
        Require(nameof(RmoteCopy), settings.SourceFolder, nameof(settings.SourceFolder));
        Require(nameof(RmoteCopy), settings.DestinationFolder, nameof(settings.DestinationFolder));
        // Before anything connects: a destination built from an empty variable ("/") is refused here.
        try { DestinationPath.ValidateRoot(settings.DestinationFolder!, settings.AllowDangerousDestination ?? false); }
        catch (ArgumentException e) { throw new RmoteTaskException($"{nameof(RmoteCopy)}: {e.Message}", e); }
        return NukeStep.Run(nameof(RmoteCopy), settings, (ops, fleet, ct) => ops.CopyAsync(new CopyRequest
        {
            Source = CopySource.FromFolder(settings.SourceFolder!),
            Options = new CopyOptions
            {
                DestinationFolder = settings.DestinationFolder!,
                AllowDangerousDestination = settings.AllowDangerousDestination ?? false,
                Compare = settings.Checksum == true ? CompareMode.Checksum : CompareMode.SizeAndTime,
                DeleteExtraneous = settings.DeleteExtraneous ?? false,
                Compress = settings.Compress ?? false,
                Delta = settings.WholeFile != true,
                FileMode = FileModes.Parse(settings.FileMode, nameof(settings.FileMode)),
                DirectoryMode = FileModes.Parse(settings.DirectoryMode, nameof(settings.DirectoryMode)),
                Owner = settings.Owner,
                Group = settings.Group,
                VerifyChecksum = settings.VerifyChecksum ?? false,
            },
            UseReleases = settings.UseReleases ?? false,
            ReleaseId = settings.ReleaseId,
            KeepReleases = settings.KeepReleases ?? 5,
            LockWait = settings.LockWait,
            Retries = settings.Retries ?? 0,
            Fleet = fleet,
        }, ct));
    }

    /// <summary>Runs a command on every host; output lines are logged as they come; a non-zero exit fails the host.</summary>
    public static FleetResult<ExecOutcome> RmoteExec(Func<RmoteExecSettings, RmoteExecSettings> configurator) =>
        RmoteExec(Configure(configurator));

    /// <summary>Runs a command on every host.</summary>
    public static FleetResult<ExecOutcome> RmoteExec(RmoteExecSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var command = Require(nameof(RmoteExec), settings.Command, nameof(settings.Command));
        var noShell = settings.NoShell ?? false;
        return NukeStep.Run(nameof(RmoteExec), settings, (ops, fleet, ct) => ops.ExecAsync(new ExecRequest
        {
            Command = noShell ? command.Split(' ', StringSplitOptions.RemoveEmptyEntries) : null,
            ShellCommand = noShell ? null : command,
            WorkingDirectory = settings.WorkingDirectory,
            Environment = new Dictionary<string, string>(settings.EnvironmentVariables),
            SecretEnvironmentNames = [.. settings.SecretEnvironmentVariables],
            Timeout = settings.Timeout,
            IgnoreExitCode = settings.IgnoreExitCode ?? false,
            Fleet = fleet,
        }, line => Log.Information("[{Host}] {Line}", line.Host, line.Text), ct));
    }

    /// <summary>Restarts (or reloads) systemd units on every host and waits until each is active.</summary>
    public static FleetResult<ServiceRestartOutcome> RmoteServiceRestart(Func<RmoteServiceRestartSettings, RmoteServiceRestartSettings> configurator) =>
        RmoteServiceRestart(Configure(configurator));

    /// <summary>Restarts (or reloads) systemd units on every host.</summary>
    public static FleetResult<ServiceRestartOutcome> RmoteServiceRestart(RmoteServiceRestartSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.ServiceNames.Count == 0) throw new RmoteTaskException($"{nameof(RmoteServiceRestart)}: no service names (SetServiceNames).");
        var defaults = new ServiceRestartRequest { Names = settings.ServiceNames };
        return NukeStep.Run(nameof(RmoteServiceRestart), settings, (ops, fleet, ct) => ops.RestartServicesAsync(defaults with
        {
            Reload = settings.Reload ?? false,
            Timeout = settings.Timeout ?? defaults.Timeout,
            JournalLines = settings.JournalLines ?? defaults.JournalLines,
            Fleet = fleet,
        }, ct));
    }

    /// <summary>Renders a local template file on every host into a file (written only when it differs).</summary>
    public static FleetResult<RenderResult> RmoteTemplate(Func<RmoteTemplateSettings, RmoteTemplateSettings> configurator) =>
        RmoteTemplate(Configure(configurator));

    /// <summary>Renders a local template file on every host.</summary>
    public static FleetResult<RenderResult> RmoteTemplate(RmoteTemplateSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var file = Path.GetFullPath(Require(nameof(RmoteTemplate), settings.TemplateFile, nameof(settings.TemplateFile)));
        var path = Require(nameof(RmoteTemplate), settings.DestinationPath, nameof(settings.DestinationPath));
        return NukeStep.Run(nameof(RmoteTemplate), settings, (ops, fleet, ct) => ops.RenderTemplateAsync(new TemplateRequest
        {
            LocalFile = file,
            Path = path,
            Variables = settings.Variables,
            SecretVariableNames = settings.SecretVariables,
            Mode = settings.Mode,
            Owner = settings.Owner,
            Group = settings.Group,
            Fleet = fleet,
        }, ct), r => (r.Changed ? "written " : "unchanged ") + r.Path);
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
        return NukeStep.Run(nameof(RmoteReleaseSwitch), settings, (ops, fleet, ct) => ops.SwitchReleaseAsync(new ReleaseSwitchRequest
        {
            BaseFolder = baseFolder,
            ReleaseId = id,
            Keep = settings.KeepReleases,
            LockWait = settings.LockWait,
            Fleet = fleet,
        }, ct), Describe);
    }

    /// <summary>Switches <c>current</c> back to the previous release on every host.</summary>
    public static FleetResult<ReleaseSwitched> RmoteRollback(Func<RmoteRollbackSettings, RmoteRollbackSettings> configurator) =>
        RmoteRollback(Configure(configurator));

    /// <summary>Switches <c>current</c> back to the previous release on every host.</summary>
    public static FleetResult<ReleaseSwitched> RmoteRollback(RmoteRollbackSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var baseFolder = Require(nameof(RmoteRollback), settings.BaseFolder, nameof(settings.BaseFolder));
        return NukeStep.Run(nameof(RmoteRollback), settings, (ops, fleet, ct) => ops.RollbackAsync(new ReleaseRollbackRequest
        {
            BaseFolder = baseFolder, LockWait = settings.LockWait, Fleet = fleet,
        }, ct), Describe);
    }

    /// <summary>Polls a URL (fetched by each host itself) or a command on every host until it passes or times out.</summary>
    public static FleetResult<HealthCheckResult> RmoteHealthWait(Func<RmoteHealthWaitSettings, RmoteHealthWaitSettings> configurator) =>
        RmoteHealthWait(Configure(configurator));

    /// <summary>Polls a URL or a command on every host until it passes or times out.</summary>
    public static FleetResult<HealthCheckResult> RmoteHealthWait(RmoteHealthWaitSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (string.IsNullOrWhiteSpace(settings.Url) == (settings.Command.Count == 0))
            throw new RmoteTaskException($"{nameof(RmoteHealthWait)}: set exactly one of Url and Command.");
        var check = settings.Url is { Length: > 0 } url
            ? HealthCheckOptions.ForUrl(url, [.. settings.ExpectedStatusCodes])
            : HealthCheckOptions.ForCommand([.. settings.Command]);
        check = check with
        {
            Interval = settings.Interval ?? check.Interval,
            Timeout = settings.Timeout ?? check.Timeout,
            AttemptTimeout = settings.AttemptTimeout ?? check.AttemptTimeout,
        };
        return NukeStep.Run(nameof(RmoteHealthWait), settings, (ops, fleet, ct) => ops.WaitForHealthyAsync(check, fleet, ct),
            r => $"healthy after {r.Attempts} attempt(s): {r.Detail}");
    }

    /// <summary>Closes every connection the tasks opened (the next task reconnects).</summary>
    public static void RmoteDisconnect() => OperationRunner.Disconnect();

    static string Describe(ReleaseSwitched s) => $"current {s.Previous ?? "-"} -> {s.Current}";

    static T Configure<T>(Func<T, T> configurator) where T : RmoteSettings, new()
    {
        ArgumentNullException.ThrowIfNull(configurator);
        return configurator(new T());
    }

    static string Require(string task, string? value, string name) =>
        string.IsNullOrWhiteSpace(value) ? throw new RmoteTaskException($"{task}: {name} is not set (Set{name}).") : value;
}
