using Cake.Core;

namespace Rmote.Cake;

/// <summary>Settings of <see cref="RmoteAliases.RmoteExec(ICakeContext, IEnumerable{string}, string, RmoteExecSettings)"/>.</summary>
public sealed class RmoteExecSettings : RmoteSettings
{
    /// <summary>Working directory on the host.</summary>
    public string? WorkingDirectory { get; set; }

    /// <summary>Variables added to the command's environment.</summary>
    public IDictionary<string, string> EnvironmentVariables { get; set; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// Names of secret variables: each takes the value of the environment variable of that name where the script runs
    /// (or of <see cref="SecretsFile"/>'s line), never a value from the script, and is masked (<c>***</c>) in output and errors.
    /// </summary>
    public ISet<string> SecretEnvironmentVariables { get; set; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>A local file of <c>NAME=VALUE</c> lines (mode 0600) for secrets the environment does not hold; the environment wins.</summary>
    public string? SecretsFile { get; set; }

    /// <summary>Time limit per host; the remote process group is killed on expiry.</summary>
    public override TimeSpan? Timeout { get; set; }

    /// <summary>Extra attempts for a host whose command failed while connected (default 0: commands are not assumed idempotent).</summary>
    public int Retries { get; set; }

    /// <summary>The pause before the first retry (null: 1 s); later ones double it, with jitter.</summary>
    public TimeSpan? RetryDelay { get; set; }

    /// <summary>A non-zero exit code is not a failure (it is still reported).</summary>
    public bool IgnoreExitCode { get; set; }

    /// <summary>Run the command without <c>/bin/sh -c</c>: split into program and arguments with shell quoting rules (<c>'a b'</c>, <c>"a b"</c>, <c>a\ b</c>), nothing expanded.</summary>
    public bool NoShell { get; set; }

    /// <summary>Do not show the command in logs and errors (<c>...</c> in its place), as MSBuild's Exec EchoOff; its output is still logged.</summary>
    public bool EchoOff { get; set; }

    /// <summary>Read output lines in MSBuild's error format (<c>error XX1234: ...</c>) as plain output; by default they are errors (failing the host) and warnings.</summary>
    public bool IgnoreStandardErrorWarningFormat { get; set; }

    /// <summary>A .NET regular expression: matching output lines are errors and fail their host.</summary>
    public string? CustomErrorRegularExpression { get; set; }

    /// <summary>A .NET regular expression: matching output lines (that are not errors) are warnings.</summary>
    public string? CustomWarningRegularExpression { get; set; }
}
