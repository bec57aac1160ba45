namespace Rmote.Nuke;

/// <summary>Settings of <see cref="RmoteTasks.RmoteExec(Configure{RmoteExecSettings})"/> (immutable: each setter returns a copy).</summary>
public sealed record RmoteExecSettings : RmoteSettings
{
    /// <summary>The command: a shell line run with <c>/bin/sh -c</c> (split and run without a shell with <see cref="NoShell"/>).</summary>
    public string? Command { get; init; }

    /// <summary>The working directory on the hosts.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Variables added to the command's environment.</summary>
    public IReadOnlyDictionary<string, string> EnvironmentVariables { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Names of secret variables: each takes the value of the build's environment variable of that name (or of
    /// <see cref="SecretsFile"/>'s line), never a value from the build, and is masked in output and errors.
    /// </summary>
    public IReadOnlyList<string> SecretEnvironmentVariables { get; init; } = [];

    /// <summary>A local file of <c>NAME=VALUE</c> lines (mode 0600) for secrets the environment does not hold; the environment wins.</summary>
    public string? SecretsFile { get; init; }

    /// <summary>Extra attempts for a host whose command failed while connected (default 0: commands are not assumed idempotent).</summary>
    public int? Retries { get; init; }

    /// <summary>The pause before the first retry (default 1 s); later ones double it, with jitter.</summary>
    public TimeSpan? RetryDelay { get; init; }

    /// <summary>Whether a non-zero exit code is accepted.</summary>
    public bool? IgnoreExitCode { get; init; }

    /// <summary>Whether the command runs without a shell (split with shell quoting rules).</summary>
    public bool? NoShell { get; init; }

    /// <summary>Program and arguments, run without a shell (each item one argument); instead of <see cref="Command"/>.</summary>
    public IReadOnlyList<string>? Arguments { get; init; }

    /// <summary>Whether the command is hidden in logs and errors (<c>...</c> in its place); its output still shows.</summary>
    public bool? EchoOff { get; init; }

    /// <summary>Whether output lines in MSBuild's error format are plain output (by default they are errors and warnings).</summary>
    public bool? IgnoreStandardErrorWarningFormat { get; init; }

    /// <summary>A .NET regular expression: matching output lines are errors and fail their host.</summary>
    public string? CustomErrorRegularExpression { get; init; }

    /// <summary>A .NET regular expression: matching output lines (that are not errors) are warnings.</summary>
    public string? CustomWarningRegularExpression { get; init; }
}
