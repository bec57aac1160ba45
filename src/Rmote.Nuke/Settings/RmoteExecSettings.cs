namespace Rmote.Nuke;

/// <summary>Settings of <see cref="RmoteTasks.RmoteExec(Func{RmoteExecSettings, RmoteExecSettings})"/> (immutable: each setter returns a copy).</summary>
public sealed record RmoteExecSettings : RmoteSettings
{
    /// <summary>The command, run with <c>/bin/sh -c</c>.</summary>
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
}
