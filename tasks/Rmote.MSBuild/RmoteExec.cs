using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using Rmote.Operations;
using Rmote.Tools;

namespace Rmote.MSBuild;

/// <summary>
/// Runs a command on every host, with the names of MSBuild's <c>Exec</c>: <see cref="Command"/> is a shell line run by
/// <c>/bin/sh -c</c>, <see cref="Arguments"/> a program and its arguments run without a shell. Output streams into the
/// build log as it is produced, each line prefixed with its host; lines in MSBuild's error format (or matching
/// <see cref="CustomErrorRegularExpression"/>/<see cref="CustomWarningRegularExpression"/>) are logged as errors and
/// warnings, and an error line fails its host. Secret environment values are masked everywhere. A non-zero exit
/// fails the task unless <see cref="IgnoreExitCode"/>.
/// </summary>
public sealed class RmoteExec : RmoteTask
{
    /// <summary>A shell line run by <c>/bin/sh -c</c> on each host, as Exec's Command: <c>Command="echo restarting; systemctl restart app | tee -a log"</c>.</summary>
    public string? Command { get; set; }

    /// <summary>The older name of <see cref="Command"/> (a shell line); give one of the two.</summary>
    public string? ShellCommand { get; set; }

    /// <summary>
    /// Program and arguments, run without a shell (an item list: <c>Arguments="dotnet;my app.dll;--check"</c>); each item
    /// is one argument, blanks and quotes included. Instead of <see cref="Command"/>.
    /// </summary>
    public string[]? Arguments { get; set; }

    /// <summary>Do not log the command (errors show <c>...</c> in its place), as Exec's EchoOff; the output is still logged.</summary>
    public bool EchoOff { get; set; }

    /// <summary>Log lines in MSBuild's error format (<c>error XX1234: ...</c>) as plain output instead of errors and warnings (default false).</summary>
    public bool IgnoreStandardErrorWarningFormat { get; set; }

    /// <summary>A .NET regular expression: matching output lines are logged as errors and fail their host.</summary>
    public string? CustomErrorRegularExpression { get; set; }

    /// <summary>A .NET regular expression: matching output lines (that are not errors) are logged as warnings.</summary>
    public string? CustomWarningRegularExpression { get; set; }

    /// <summary>Working directory on the hosts (a relative path is under the deploy folder, see <see cref="RmoteTask.DeployFolder"/>).</summary>
    public string? WorkingDirectory { get; set; }

    /// <summary><c>NAME=value</c> pairs added to the remote environment (values may be logged).</summary>
    public string[]? EnvironmentVariables { get; set; }

    /// <summary>
    /// Names of secret variables (<c>SecretEnvironmentVariables="API_TOKEN;DB_PASSWORD"</c>): each takes the value of the
    /// build's own environment variable of that name (or of <see cref="SecretsFile"/>'s line), so the value is never a
    /// task parameter (binlogs and diagnostic logs record parameters), and is masked as <c>***</c> in output and errors.
    /// The old <c>NAME=value</c> form is refused: a value in a parameter is exactly the leak.
    /// </summary>
    public string[]? SecretEnvironmentVariables { get; set; }

    /// <summary>A local file of <c>NAME=VALUE</c> lines (mode 0600) for secrets the build's environment does not hold; the environment wins.</summary>
    public string? SecretsFile { get; set; }

    /// <summary>Time limit per host in milliseconds (0: none); on expiry the remote process group is killed.</summary>
    public override int Timeout { get; set; }

    /// <summary>A non-zero exit does not fail the task (the codes are still in <see cref="ExitCode"/> and <see cref="RmoteTask.HostSummary"/>); error lines still do.</summary>
    public bool IgnoreExitCode { get; set; }

    /// <summary>
    /// Extra attempts for a host whose command failed (non-zero exit, time-out) while connected (default 0: a command
    /// is not assumed idempotent, so it runs again only when you say so), like Copy's Retries.
    /// </summary>
    public int Retries { get; set; }

    /// <summary>The pause before the first retry in milliseconds (default 1000); later ones double it, with jitter.</summary>
    public int RetryDelayMilliseconds { get; set; } = (int)StepDefaults.RetryDelay.TotalMilliseconds;

    /// <summary>Capture the output lines into <see cref="ConsoleOutput"/> (like Exec's ConsoleToMSBuild).</summary>
    public bool ConsoleToMSBuild { get; set; }

    /// <summary>Importance of the output lines in the log: High (default: visible at minimal verbosity), Normal or Low.</summary>
    public string StandardOutputImportance { get; set; } = "High";

    /// <summary>The exit code: 0 when every host exited 0, else the first non-zero code (-1 when a host could not run it, or wrote error lines and exited 0, as Exec).</summary>
    [Output]
    public int ExitCode { get; private set; }

    /// <summary>With <see cref="ConsoleToMSBuild"/>: one item per output line (spec = the text; metadata Host, Stream).</summary>
    [Output]
    public ITaskItem[] ConsoleOutput { get; private set; } = [];

    /// <inheritdoc/>
    protected override string FailureCode => ErrorCodes.CommandFailed;

    ExecRequest? request;
    MessageImportance importance;

    /// <inheritdoc/>
    protected override object Validate()
    {
        if (!Enum.TryParse(StandardOutputImportance, true, out importance))
            throw new ArgumentException($"StandardOutputImportance '{StandardOutputImportance}' is not High, Normal or Low.");
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in EnvironmentVariables ?? [])
        {
            var eq = pair.IndexOf('=');
            if (eq <= 0) throw new ArgumentException($"EnvironmentVariables entry '{pair}' is not NAME=value.");
            env[pair[..eq]] = pair[(eq + 1)..];
        }
        if (!string.IsNullOrWhiteSpace(Command) && !string.IsNullOrWhiteSpace(ShellCommand))
            throw new ArgumentException("Give Command (a shell line); ShellCommand is its older name: not both.");
        request = StepMapper.Exec(new ExecStep
        {
            Command = string.IsNullOrWhiteSpace(Command) ? ShellCommand : Command,
            Arguments = Arguments,
            WorkingDirectory = WorkingDirectory,
            EnvironmentVariables = env,
            SecretEnvironmentVariables = SecretEnvironmentVariables,
            SecretsFile = SecretsFile,
            Timeout = StepInputs.Milliseconds(Timeout),
            IgnoreExitCode = IgnoreExitCode,
            EchoOff = EchoOff,
            IgnoreStandardErrorWarningFormat = IgnoreStandardErrorWarningFormat,
            CustomErrorRegularExpression = CustomErrorRegularExpression,
            CustomWarningRegularExpression = CustomWarningRegularExpression,
            DeployFolder = RemoteDeployFolder,
            Retries = Retries,
            RetryDelay = Milliseconds(RetryDelayMilliseconds, nameof(RetryDelayMilliseconds)),
        }, ProjectDirectory);
        return request;
    }

    /// <inheritdoc/>
    protected override async Task<bool> RunAsync(FleetOperations ops, CancellationToken cancellationToken)
    {
        // EchoOff: not even "...": Exec logs nothing about the command then.
        if (!request!.EchoOff) PostMessage(MessageImportance.Normal, null, $"RmoteExec: {request.Display}");
        var result = await ops.ExecAsync(request, OnLine, cancellationToken).ConfigureAwait(false);
        var codes = result.Select(r => r.Value?.ExitCode ?? r.Error switch
        {
            RemoteExitCodeException e => e.ExitCode,
            RemoteOutputErrorException e => e.ExitCode,
            _ => -1,
        }).ToList();
        ExitCode = codes.FirstOrDefault(c => c != 0);
        if (ConsoleToMSBuild)
            ConsoleOutput = [.. result.Select(r => r.Value?.Output ?? (r.Error as RemoteExitCodeException)?.Outcome.Output ?? (r.Error as RemoteOutputErrorException)?.Outcome.Output ?? [])
                .SelectMany(lines => lines)
                .Select(l =>
                {
                    var item = new TaskItem(ItemText.Escape(l.Text.Length > 0 ? l.Text : " "));
                    item.SetMetadata("Host", ItemText.Escape(l.Host));
                    item.SetMetadata("Stream", l.Stream == OutputStream.Stderr ? "stderr" : "stdout");
                    return (ITaskItem)item;
                })];
        return Report(result);
    }

    // An error or warning line is logged as one, with the code, file and position the line gave (as Exec does).
    void OnLine(HostOutputLine line)
    {
        if (line.Diagnostic is not { } d)
        {
            PostMessage(importance, line.Host, line.Text);
            return;
        }
        Post(() => LogDiagnostic(d.Severity == OutputSeverity.Error, d.Subcategory, d.Code, d.File, d.Line, d.Column, d.EndLine, d.EndColumn, $"{line.Host}: {d.Text}"));
    }
}
