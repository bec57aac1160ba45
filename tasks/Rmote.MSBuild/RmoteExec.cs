using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using Rmote.Operations;
using Rmote.Tools;

namespace Rmote.MSBuild;

/// <summary>
/// Runs a command on every host. Output streams into the build log as it is produced, each line prefixed with its
/// host; secret environment values are masked everywhere. A non-zero exit fails the task unless <see cref="IgnoreExitCode"/>.
/// </summary>
public sealed class RmoteExec : RmoteTask
{
    /// <summary>Program and arguments (an item list: <c>Command="dotnet;app.dll;--check"</c>), run without a shell.</summary>
    public string[]? Command { get; set; }

    /// <summary>A script run by <c>/bin/sh -c</c> (instead of <see cref="Command"/>).</summary>
    public string? ShellCommand { get; set; }

    /// <summary>Working directory on the hosts.</summary>
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

    /// <summary>A non-zero exit does not fail the task (the codes are still in <see cref="ExitCode"/> and <see cref="RmoteTask.HostSummary"/>).</summary>
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

    /// <summary>The exit code: 0 when every host exited 0, else the first non-zero code (-1 when a host could not run it).</summary>
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
        request = StepMapper.Exec(new ExecStep
        {
            Command = Command,
            ShellCommand = ShellCommand,
            WorkingDirectory = WorkingDirectory,
            EnvironmentVariables = env,
            SecretEnvironmentVariables = SecretEnvironmentVariables,
            SecretsFile = SecretsFile,
            Timeout = StepInputs.Milliseconds(Timeout),
            IgnoreExitCode = IgnoreExitCode,
            Retries = Retries,
            RetryDelay = Milliseconds(RetryDelayMilliseconds, nameof(RetryDelayMilliseconds)),
        }, ProjectDirectory);
        return request;
    }

    /// <inheritdoc/>
    protected override async Task<bool> RunAsync(FleetOperations ops, CancellationToken cancellationToken)
    {
        PostMessage(MessageImportance.Normal, null, $"RmoteExec: {request!.Display}");
        var result = await ops.ExecAsync(request, line => PostMessage(importance, line.Host, line.Text), cancellationToken).ConfigureAwait(false);
        var codes = result.Select(r => r.Value?.ExitCode ?? (r.Error as RemoteExitCodeException)?.ExitCode ?? -1).ToList();
        ExitCode = codes.FirstOrDefault(c => c != 0);
        if (ConsoleToMSBuild)
            ConsoleOutput = [.. result.Select(r => r.Value?.Output ?? (r.Error as RemoteExitCodeException)?.Outcome.Output ?? [])
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
}
