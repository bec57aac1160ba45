namespace Rmote.Nuke;

/// <summary>Settings of <see cref="RmoteTasks.RmoteExec(Configure{RmoteExecSettings})"/> (immutable: each setter returns a copy).</summary>
public sealed record RmoteExecSettings : RmoteSettings
{
    /// <summary>The command, run with <c>/bin/sh -c</c>.</summary>
    public string? Command { get; init; }

    /// <summary>The working directory on the hosts.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Variables added to the command's environment.</summary>
    public IReadOnlyDictionary<string, string> EnvironmentVariables { get; init; } = new Dictionary<string, string>();

    /// <summary>Names of environment variables whose values are masked in output and errors.</summary>
    public IReadOnlyList<string> SecretEnvironmentVariables { get; init; } = [];

    /// <summary>Whether a non-zero exit code is accepted.</summary>
    public bool? IgnoreExitCode { get; init; }

    /// <summary>Whether the command runs without a shell (split with shell quoting rules).</summary>
    public bool? NoShell { get; init; }
}
