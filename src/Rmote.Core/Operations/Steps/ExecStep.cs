namespace Rmote.Operations;

/// <summary>
/// A command step as every front end states it, with the names of MSBuild's <c>Exec</c>: exactly one of
/// <see cref="Command"/> (a shell line, run by <c>/bin/sh -c</c>; split and run without a shell when <see cref="NoShell"/>)
/// and <see cref="Arguments"/> (program and arguments, no shell).
/// </summary>
public sealed record ExecStep
{
    /// <summary>A shell line run by <c>/bin/sh -c</c> on each host (<c>;</c>, pipes, redirections and variables work), as <c>Exec</c>'s Command.</summary>
    public string? Command { get; init; }
    /// <summary>Program and arguments, run without a shell (each item one argument: blanks and quotes stay as they are).</summary>
    public IReadOnlyList<string>? Arguments { get; init; }
    /// <summary>Split <see cref="Command"/> into program and arguments with shell quoting rules and run it without a shell (default false).</summary>
    public bool? NoShell { get; init; }
    /// <summary>Working directory on the hosts (a relative path is under <see cref="DeployFolder"/>).</summary>
    public string? WorkingDirectory { get; init; }
    /// <summary>Variables added to the remote environment.</summary>
    public IReadOnlyDictionary<string, string>? EnvironmentVariables { get; init; }
    /// <summary>
    /// Names of secret variables: each takes the value of the controller's environment variable of that name (or of
    /// <see cref="SecretsFile"/>'s line), never a value given here, and is masked as <c>***</c> in output and errors.
    /// </summary>
    public IReadOnlyCollection<string>? SecretEnvironmentVariables { get; init; }
    /// <summary>A local file of <c>NAME=VALUE</c> lines, mode 0600, for secrets the controller's environment does not hold.</summary>
    public string? SecretsFile { get; init; }
    /// <summary>Time limit per host, enforced by the host (default: none).</summary>
    public TimeSpan? Timeout { get; init; }
    /// <summary>A non-zero exit is not a failure (default false); error lines in the output still are.</summary>
    public bool? IgnoreExitCode { get; init; }
    /// <summary>Do not show the command in logs and errors (default false); its output is still shown.</summary>
    public bool? EchoOff { get; init; }
    /// <summary>Read lines in MSBuild's canonical error format as plain output (default false: they are errors and warnings).</summary>
    public bool? IgnoreStandardErrorWarningFormat { get; init; }
    /// <summary>A regular expression whose matching output lines are errors.</summary>
    public string? CustomErrorRegularExpression { get; init; }
    /// <summary>A regular expression whose matching output lines are warnings.</summary>
    public string? CustomWarningRegularExpression { get; init; }
    /// <summary>The folder relative remote paths are resolved against (<see cref="StepInputs.RemotePath"/>).</summary>
    public string? DeployFolder { get; init; }
    /// <summary>Extra attempts for a host whose command failed while connected (default 0: commands are not assumed idempotent).</summary>
    public int? Retries { get; init; }
    /// <summary>Pause before the first retry, doubled each time with jitter (default 1 s).</summary>
    public TimeSpan? RetryDelay { get; init; }
}
