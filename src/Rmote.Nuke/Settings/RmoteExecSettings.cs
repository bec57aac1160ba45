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

    /// <summary>Names of environment variables whose values are masked in output and errors.</summary>
    public IReadOnlyList<string> SecretEnvironmentVariables { get; init; } = [];

    /// <summary>The time limit per host (<see cref="RmoteSettings.Timeout"/>) is the command's: the host kills its process group on expiry.</summary>
    internal override TimeSpan? StepTimeout => Integration.StepBounds.AfterRemote(Timeout);

    /// <summary>Whether a non-zero exit code is accepted.</summary>
    public bool? IgnoreExitCode { get; init; }

    /// <summary>Whether the command runs without a shell (split on spaces).</summary>
    public bool? NoShell { get; init; }
}
