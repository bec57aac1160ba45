using Rmote.Deploy;
using Rmote.Fleet;
using Rmote.Operations.Templates;

namespace Rmote.Operations;

/// <summary>
/// The one mapping from a step as a front end states it (<see cref="CopyStep"/>, <see cref="ExecStep"/>...) to the
/// request its operation runs: defaults, mode parsing, command-line splitting and local paths happen here, before
/// anything connects, so MSBuild, Cake and Nuke cannot drift apart. Errors are <see cref="ArgumentException"/>s
/// naming the parameter (in the names of docs/FRONT-ENDS.md); <c>localFolder</c> arguments are the folder
/// relative local paths are resolved against (the project's or the script's).
/// </summary>
public static class StepMapper
{
    /// <summary>The copy request of <paramref name="step"/>; a release deploy gets its id now (the same on every host).</summary>
    public static CopyRequest Copy(CopyStep step, string localFolder)
    {
        ArgumentNullException.ThrowIfNull(step);
        var hasFiles = step.SourceFiles is { Count: > 0 };
        var folder = StepInputs.LocalPath(step.SourceFolder, localFolder);
        if (hasFiles == (folder != null))
            throw new ArgumentException(hasFiles ? "Give SourceFiles or SourceFolder, not both." : "Give SourceFiles or SourceFolder: there is nothing to copy.");
        var destination = Required(StepInputs.RemotePath(step.DestinationFolder, nameof(step.DestinationFolder), step.DeployFolder), nameof(step.DestinationFolder));
        var allowDangerous = step.AllowDangerousDestination ?? false;
        // Before anything connects: "$(DeployDir)/" with DeployDir unset is "/".
        DestinationPath.ValidateRoot(destination, allowDangerous, nameof(step.DestinationFolder));
        if (step.Retries < 0) throw new ArgumentException($"Retries must not be negative (was {step.Retries}).", nameof(step.Retries));
        if (step.RetryDelay < TimeSpan.Zero) throw new ArgumentException("RetryDelay must not be negative.", nameof(step.RetryDelay));
        if (step.ProgressInterval < TimeSpan.Zero) throw new ArgumentException("ProgressInterval must not be negative (zero turns progress lines off).", nameof(step.ProgressInterval));
        var releaseId = StepInputs.Text(step.ReleaseId);
        var useReleases = step.UseReleases == true || releaseId != null;
        var shared = SharedPaths.Validate(step.SharedPaths ?? []);
        if (!useReleases && (shared.Count > 0 || step.ReuseUnchangedRelease == true || step.SwitchRelease == false || step.BeforeSwitch != null))
            throw new ArgumentException("SharedPaths, ReuseUnchangedRelease, SwitchRelease and BeforeSwitch belong to release deploys: set UseReleases (or a ReleaseId).");
        return new CopyRequest
        {
            Source = hasFiles
                ? CopySource.FromFiles(step.SourceFiles!.Select(i => i with { SourcePath = StepInputs.LocalPath(i.SourcePath, localFolder)! }))
                : CopySource.FromFolder(folder!),
            Options = new CopyOptions
            {
                DestinationFolder = destination,
                AllowDangerousDestination = allowDangerous,
                Compare = step.SkipUnchangedFiles ?? true ? CompareMode.SizeAndTime : CompareMode.Checksum,
                DeleteExtraneous = step.DeleteExtraneous ?? false,
                Compress = step.Compress ?? false,
                Delta = !(step.WholeFile ?? false),
                FileMode = StepInputs.ParseMode(step.FileMode, nameof(step.FileMode)),
                DirectoryMode = StepInputs.ParseMode(step.DirectoryMode, nameof(step.DirectoryMode)),
                Owner = StepInputs.Text(step.Owner),
                Group = StepInputs.Text(step.Group),
                VerifyChecksum = step.VerifyChecksum ?? false,
            },
            UseReleases = useReleases,
            ReleaseId = useReleases ? releaseId ?? Releases.NewId() : null,
            KeepReleases = step.KeepReleases ?? StepDefaults.KeepReleases,
            LockWait = step.LockTimeout,
            Retries = step.Retries ?? 0,
            RetryDelay = step.RetryDelay ?? StepDefaults.RetryDelay,
            SharedPaths = shared,
            ReuseUnchangedRelease = step.ReuseUnchangedRelease ?? false,
            SwitchRelease = step.SwitchRelease ?? true,
            BeforeSwitch = step.BeforeSwitch,
            // the commit of the project (or script) folder, read once here on the controller
            Manifest = useReleases ? ReleaseManifest.Detect(localFolder) : null,
            ProgressInterval = step.ProgressInterval ?? StepDefaults.ProgressInterval,
        };
    }

    /// <summary>
    /// The exec request of <paramref name="step"/>: <see cref="ExecStep.Command"/> is a shell line (as MSBuild's
    /// <c>Exec</c>), <see cref="ExecStep.Arguments"/> an argv; secret values are looked up by name now
    /// (<see cref="SecretSource"/>); custom expressions are checked here, before anything connects.
    /// </summary>
    public static ExecRequest Exec(ExecStep step, string? localFolder = null)
    {
        ArgumentNullException.ThrowIfNull(step);
        var command = StepInputs.Text(step.Command) != null ? step.Command : null;
        var argv = step.Arguments is { Count: > 0 } a ? a : null;
        if ((command == null) == (argv == null))
            throw new ArgumentException(argv == null ? "Give Command (a shell line) or Arguments (program and arguments): there is nothing to run."
                : "Give Command (a shell line) or Arguments (program and arguments), not both.", nameof(step.Command));
        if (argv != null && step.NoShell == true) throw new ArgumentException("NoShell splits Command; Arguments never runs a shell: drop NoShell.", nameof(step.NoShell));
        if (step.Timeout is { } t && t <= TimeSpan.Zero) throw new ArgumentException("Timeout must be positive.", nameof(step.Timeout));
        var env = new Dictionary<string, string>(step.EnvironmentVariables ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        var secrets = SecretSource.Resolve(step.SecretEnvironmentVariables ?? [], step.SecretsFile, localFolder ?? Environment.CurrentDirectory,
            nameof(step.SecretEnvironmentVariables));
        foreach (var (name, value) in secrets)
            env[name] = env.ContainsKey(name)
                ? throw new ArgumentException($"{name} is in both EnvironmentVariables and SecretEnvironmentVariables: a secret's value comes from the "
                    + "controller's environment by name; remove it from EnvironmentVariables.", nameof(step.EnvironmentVariables))
                : value;
        var request = new ExecRequest
        {
            Command = argv ?? (step.NoShell == true ? StepInputs.SplitCommandLine(command!, nameof(step.Command)) : null),
            ShellCommand = step.NoShell == true ? null : command,
            WorkingDirectory = StepInputs.RemotePath(step.WorkingDirectory, nameof(step.WorkingDirectory), step.DeployFolder),
            Environment = env.Count > 0 ? env : null,
            SecretEnvironmentNames = [.. secrets.Keys],
            Timeout = step.Timeout,
            IgnoreExitCode = step.IgnoreExitCode ?? false,
            EchoOff = step.EchoOff ?? false,
            IgnoreStandardErrorWarningFormat = step.IgnoreStandardErrorWarningFormat ?? false,
            CustomErrorRegularExpression = string.IsNullOrEmpty(step.CustomErrorRegularExpression) ? null : step.CustomErrorRegularExpression,
            CustomWarningRegularExpression = string.IsNullOrEmpty(step.CustomWarningRegularExpression) ? null : step.CustomWarningRegularExpression,
            Retries = step.Retries ?? 0,
            RetryDelay = step.RetryDelay ?? StepDefaults.RetryDelay,
        };
        // The request's own checks (retries, custom expressions...) fail here, named, before any host is contacted.
        request.Validate();
        return request;
    }

    /// <summary>
    /// The template request of <paramref name="step"/>; a template file must exist, and its syntax is checked here
    /// (<see cref="TemplateCheck"/>: a <see cref="TemplateSyntaxException"/> naming the file and line).
    /// </summary>
    public static TemplateRequest Template(TemplateStep step, string localFolder)
    {
        ArgumentNullException.ThrowIfNull(step);
        var file = StepInputs.LocalPath(step.TemplateFile, localFolder);
        var text = string.IsNullOrWhiteSpace(step.Template) ? null : step.Template;
        if ((text == null) == (file == null)) throw new ArgumentException("Give Template (text) or TemplateFile, exactly one.");
        if (file != null && !File.Exists(file)) throw new ArgumentException($"TemplateFile '{step.TemplateFile}' does not exist ({file}).", nameof(step.TemplateFile));
        // Once, here, with the line the hosts' engine would name: not once per host after connecting.
        TemplateCheck.Validate(text ?? File.ReadAllText(file!), file);
        var variables = new Dictionary<string, object?>(step.Variables ?? new Dictionary<string, object?>(), StringComparer.Ordinal);
        var sources = step.SecretVariables ?? new Dictionary<string, string>();
        foreach (var (variable, source) in sources)
            variables[variable] = variables.ContainsKey(variable)
                ? throw new ArgumentException($"Template variable '{variable}' is secret and also has a value in Variables: a secret's value comes from the "
                    + "controller's environment by name; remove it from Variables.", nameof(step.Variables))
                // One by one, so that an error names the template variable as well as the environment variable.
                : SecretSource.Resolve([source], step.SecretsFile, localFolder, $"Secret variable '{variable}'").Values.Single();
        return new TemplateRequest
        {
            Text = text,
            LocalFile = file,
            Path = Required(StepInputs.RemotePath(step.DestinationFile, nameof(step.DestinationFile), step.DeployFolder), nameof(step.DestinationFile)),
            Variables = variables,
            HostVariables = step.HostVariables ?? HostVariables.None,
            SecretVariableNames = [.. sources.Keys],
            Mode = StepInputs.ParseMode(step.FileMode, nameof(step.FileMode)) is { } mode ? StepInputs.FormatMode(mode) : null,
            Owner = StepInputs.Text(step.Owner),
            Group = StepInputs.Text(step.Group),
        };
    }

    /// <summary>The service restart request of <paramref name="step"/>.</summary>
    public static ServiceRestartRequest ServiceRestart(ServiceRestartStep step)
    {
        ArgumentNullException.ThrowIfNull(step);
        var names = (step.ServiceNames ?? []).Select(StepInputs.Text).OfType<string>().ToList();
        if (names.Count == 0) throw new ArgumentException("Give ServiceName: the unit(s) to restart.", "ServiceName");
        if (step.Timeout is { } t && t <= TimeSpan.Zero) throw new ArgumentException("Timeout must be positive.", nameof(step.Timeout));
        if (step.JournalLines < 0) throw new ArgumentException("JournalLines must not be negative.", nameof(step.JournalLines));
        return new ServiceRestartRequest
        {
            Names = names,
            Reload = step.Reload ?? false,
            Timeout = step.Timeout ?? StepDefaults.ServiceTimeout,
            JournalLines = step.JournalLines ?? StepDefaults.JournalLines,
            SystemctlSudo = step.SystemctlSudo ?? false,
        };
    }

    /// <summary>The release switch request of <paramref name="step"/>.</summary>
    public static ReleaseSwitchRequest ReleaseSwitch(ReleaseSwitchStep step)
    {
        ArgumentNullException.ThrowIfNull(step);
        return new ReleaseSwitchRequest
        {
            BaseFolder = Required(StepInputs.RemotePath(step.BaseFolder, nameof(step.BaseFolder), step.DeployFolder), nameof(step.BaseFolder)),
            ReleaseId = Releases.ValidateId(Required(step.ReleaseId, nameof(step.ReleaseId))),
            Keep = step.KeepReleases is > 0 ? step.KeepReleases : null,
            LockWait = step.LockTimeout,
        };
    }

    /// <summary>The rollback request of <paramref name="step"/>.</summary>
    public static ReleaseRollbackRequest Rollback(RollbackStep step)
    {
        ArgumentNullException.ThrowIfNull(step);
        var to = StepInputs.Text(step.ToRelease);
        if (step.ServiceTimeout is { } t && t <= TimeSpan.Zero) throw new ArgumentException("ServiceTimeout must be positive.", nameof(step.ServiceTimeout));
        return new ReleaseRollbackRequest
        {
            BaseFolder = Required(StepInputs.RemotePath(step.BaseFolder, nameof(step.BaseFolder), step.DeployFolder), nameof(step.BaseFolder)),
            To = to != null ? Releases.ValidateId(to) : null,
            LockWait = step.LockTimeout,
            RestartServices = [.. (step.RestartServices ?? []).Select(StepInputs.Text).OfType<string>()],
            ServiceTimeout = step.ServiceTimeout ?? StepDefaults.ServiceTimeout,
            AfterRollback = step.AfterRollback,
        };
    }

    /// <summary>The release listing request of <paramref name="step"/>.</summary>
    public static ReleaseListRequest ListReleases(ListReleasesStep step)
    {
        ArgumentNullException.ThrowIfNull(step);
        var folder = Required(step.BaseFolder, nameof(step.BaseFolder));
        DestinationPath.ValidateRoot(folder, false, nameof(step.BaseFolder));
        return new ReleaseListRequest { BaseFolder = folder };
    }

    /// <summary>The health check of <paramref name="step"/>.</summary>
    public static HealthCheckOptions WaitForHealthy(WaitForHealthyStep step)
    {
        ArgumentNullException.ThrowIfNull(step);
        var url = StepInputs.Text(step.Url);
        var command = step.Command is { Count: > 0 } c ? c : null;
        if ((url == null) == (command == null)) throw new ArgumentException("Give Url or Command, exactly one.");
        var check = new HealthCheckOptions
        {
            Url = url,
            Command = command,
            ExpectedStatusCodes = step.ExpectedStatusCodes is { Count: > 0 } codes ? codes : StepDefaults.ExpectedStatusCodes,
            Interval = step.Interval ?? StepDefaults.HealthInterval,
            Timeout = step.Timeout ?? StepDefaults.HealthTimeout,
            AttemptTimeout = step.AttemptTimeout ?? StepDefaults.HealthAttemptTimeout,
        };
        check.Validate();
        return check;
    }

    /// <summary>Fan-out options: hosts at once (default 32), rolling batches (<c>2</c>, <c>25%</c>), the failure policy.</summary>
    public static FleetOptions FanOut(int? maxParallel, string? serial, FailurePolicy? failurePolicy, double? maxFailurePercentage)
    {
        var defaults = new FleetOptions();
        if (maxParallel < 1) throw new ArgumentException($"MaxParallel must be at least 1 (was {maxParallel}).", "MaxParallel");
        return defaults with
        {
            MaxParallel = maxParallel ?? defaults.MaxParallel,
            Serial = StepInputs.Text(serial) is { } s ? BatchSize.Parse(s) : (BatchSize?)null,
            FailurePolicy = failurePolicy ?? defaults.FailurePolicy,
            MaxFailurePercentage = maxFailurePercentage ?? defaults.MaxFailurePercentage,
        };
    }

    static string Required(string? value, string parameter) =>
        StepInputs.Text(value) ?? throw new ArgumentException($"{parameter} is not set.", parameter);
}
