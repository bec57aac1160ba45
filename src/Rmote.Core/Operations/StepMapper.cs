using Rmote.Deploy;
using Rmote.Fleet;

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
        var destination = Required(step.DestinationFolder, nameof(step.DestinationFolder));
        var allowDangerous = step.AllowDangerousDestination ?? false;
        // Before anything connects: "$(DeployDir)/" with DeployDir unset is "/".
        DestinationPath.ValidateRoot(destination, allowDangerous, nameof(step.DestinationFolder));
        if (step.Retries < 0) throw new ArgumentException($"Retries must not be negative (was {step.Retries}).", nameof(step.Retries));
        if (step.RetryDelay < TimeSpan.Zero) throw new ArgumentException("RetryDelay must not be negative.", nameof(step.RetryDelay));
        if (step.ProgressInterval < TimeSpan.Zero) throw new ArgumentException("ProgressInterval must not be negative (zero turns progress lines off).", nameof(step.ProgressInterval));
        var releaseId = StepInputs.Text(step.ReleaseId);
        var useReleases = step.UseReleases == true || releaseId != null;
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
            ProgressInterval = step.ProgressInterval ?? StepDefaults.ProgressInterval,
        };
    }

    /// <summary>The exec request of <paramref name="step"/>.</summary>
    public static ExecRequest Exec(ExecStep step)
    {
        ArgumentNullException.ThrowIfNull(step);
        var given = (step.Command is { Count: > 0 } ? 1 : 0) + (StepInputs.Text(step.CommandLine) != null ? 1 : 0) + (StepInputs.Text(step.ShellCommand) != null ? 1 : 0);
        if (given != 1) throw new ArgumentException(given == 0 ? "Give Command or ShellCommand: there is nothing to run." : "Give Command or ShellCommand, not both.");
        if (step.Timeout is { } t && t <= TimeSpan.Zero) throw new ArgumentException("Timeout must be positive.", nameof(step.Timeout));
        var env = step.EnvironmentVariables ?? new Dictionary<string, string>();
        var secrets = step.SecretEnvironmentVariables ?? [];
        return new ExecRequest
        {
            Command = step.Command is { Count: > 0 } argv ? argv
                : step.CommandLine is { } line && StepInputs.Text(line) != null ? StepInputs.SplitCommandLine(line, nameof(step.Command)) : null,
            ShellCommand = StepInputs.Text(step.ShellCommand) != null ? step.ShellCommand : null,
            WorkingDirectory = StepInputs.Text(step.WorkingDirectory),
            Environment = env.Count > 0 ? new Dictionary<string, string>(env, StringComparer.Ordinal) : null,
            SecretEnvironmentNames = [.. secrets],
            Timeout = step.Timeout,
            IgnoreExitCode = step.IgnoreExitCode ?? false,
        };
    }

    /// <summary>The template request of <paramref name="step"/>; a template file must exist.</summary>
    public static TemplateRequest Template(TemplateStep step, string localFolder)
    {
        ArgumentNullException.ThrowIfNull(step);
        var file = StepInputs.LocalPath(step.TemplateFile, localFolder);
        var text = string.IsNullOrWhiteSpace(step.Template) ? null : step.Template;
        if ((text == null) == (file == null)) throw new ArgumentException("Give Template (text) or TemplateFile, exactly one.");
        if (file != null && !File.Exists(file)) throw new ArgumentException($"TemplateFile '{step.TemplateFile}' does not exist ({file}).", nameof(step.TemplateFile));
        var variables = step.Variables ?? new Dictionary<string, object?>();
        var secrets = step.SecretVariables ?? [];
        return new TemplateRequest
        {
            Text = text,
            LocalFile = file,
            Path = Required(step.DestinationFile, nameof(step.DestinationFile)),
            Variables = new Dictionary<string, object?>(variables, StringComparer.Ordinal),
            SecretVariableNames = [.. secrets],
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
        };
    }

    /// <summary>The release switch request of <paramref name="step"/>.</summary>
    public static ReleaseSwitchRequest ReleaseSwitch(ReleaseSwitchStep step)
    {
        ArgumentNullException.ThrowIfNull(step);
        return new ReleaseSwitchRequest
        {
            BaseFolder = Required(step.BaseFolder, nameof(step.BaseFolder)),
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
        return new ReleaseRollbackRequest
        {
            BaseFolder = Required(step.BaseFolder, nameof(step.BaseFolder)),
            To = to != null ? Releases.ValidateId(to) : null,
            LockWait = step.LockTimeout,
        };
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
