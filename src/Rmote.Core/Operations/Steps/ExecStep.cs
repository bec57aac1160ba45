namespace Rmote.Operations;

/// <summary>
/// A command step as every front end states it: exactly one of <see cref="Command"/> (argv),
/// <see cref="CommandLine"/> (split like a shell would, run without one) and <see cref="ShellCommand"/>.
/// </summary>
public sealed record ExecStep
{
    /// <summary>Program and arguments, run without a shell.</summary>
    public IReadOnlyList<string>? Command { get; init; }
    /// <summary>A command line split into program and arguments with shell quoting rules, run without a shell.</summary>
    public string? CommandLine { get; init; }
    /// <summary>A script run by <c>/bin/sh -c</c>.</summary>
    public string? ShellCommand { get; init; }
    /// <summary>Working directory on the hosts.</summary>
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
    /// <summary>A non-zero exit is not a failure (default false).</summary>
    public bool? IgnoreExitCode { get; init; }
    /// <summary>Extra attempts for a host whose command failed while connected (default 0: commands are not assumed idempotent).</summary>
    public int? Retries { get; init; }
    /// <summary>Pause before the first retry, doubled each time with jitter (default 1 s).</summary>
    public TimeSpan? RetryDelay { get; init; }
}
