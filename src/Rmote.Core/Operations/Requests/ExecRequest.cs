namespace Rmote.Operations;

/// <summary>
/// A command for <see cref="FleetOperations.ExecAsync"/>: set exactly one of <see cref="Command"/> (argv, no shell)
/// and <see cref="ShellCommand"/> (a <c>/bin/sh -c</c> script).
/// </summary>
public sealed record ExecRequest
{
    /// <summary>Program and arguments, run without a shell.</summary>
    public IReadOnlyList<string>? Command { get; init; }

    /// <summary>Script run by <c>/bin/sh -c</c>.</summary>
    public string? ShellCommand { get; init; }

    /// <summary>Working directory on the host (default: the runtime's).</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>
    /// Variables added to the remote environment (merged over it, as MSBuild's Exec does: <c>PATH</c>, <c>HOME</c>...
    /// stay; unlike a bare <see cref="Rmote.Tools.Exec"/> call, where <c>Env</c> replaces the environment as in rmote).
    /// </summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; }

    /// <summary>
    /// Names of <see cref="Environment"/> variables whose values are secret: their values are masked (<c>***</c>) in
    /// every output line, captured output and error message this operation produces.
    /// </summary>
    public IReadOnlyCollection<string> SecretEnvironmentNames { get; init; } = [];

    /// <summary>Time limit per host; on expiry the remote process group is killed and the host fails with a <see cref="TimeoutException"/>.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>A non-zero exit is a success (the code is still reported).</summary>
    public bool IgnoreExitCode { get; init; }

    /// <summary>
    /// Extra attempts for a host whose command failed (a non-zero exit that is not ignored, a time-out, a remote error)
    /// while its connection is up (default 0: a command is not idempotent unless its author says so).
    /// </summary>
    public int Retries { get; init; }

    /// <summary>The pause before the first retry; later ones double it, with jitter, up to 30 s.</summary>
    public TimeSpan RetryDelay { get; init; } = StepDefaults.RetryDelay;

    /// <summary>Fan-out options for this step (null: the session's).</summary>
    public Rmote.Fleet.FleetOptions? Fleet { get; init; }

    /// <summary>
    /// The command is not shown: logs and error messages read <c>...</c> in its place (as MSBuild's <c>Exec</c>
    /// <c>EchoOff</c>); its output still is.
    /// </summary>
    public bool EchoOff { get; init; }

    /// <summary>Output lines in MSBuild's canonical error format (<c>error XX1234: ...</c>) are plain output, not errors and warnings.</summary>
    public bool IgnoreStandardErrorWarningFormat { get; init; }

    /// <summary>A .NET regular expression: a matching output line is an error and fails its host (see <see cref="ExecOutputRules"/>).</summary>
    public string? CustomErrorRegularExpression { get; init; }

    /// <summary>A .NET regular expression: a matching output line (not an error) is a warning.</summary>
    public string? CustomWarningRegularExpression { get; init; }

    /// <summary>How the command reads in logs (never includes environment values; <c>...</c> with <see cref="EchoOff"/>).</summary>
    public string Display => EchoOff ? "..." : CommandText;

    /// <summary>The command as given: the script, or the argv joined with blanks.</summary>
    internal string CommandText => ShellCommand ?? string.Join(' ', Command ?? []);

    /// <summary>Throws <see cref="ArgumentException"/> when the request is incomplete or inconsistent (the operation calls it too).</summary>
    public void Validate()
    {
        if ((Command is null) == (ShellCommand is null))
            throw new ArgumentException("Give either Command (argv) or ShellCommand (exactly one).");
        if (Command is { Count: 0 } || ShellCommand is { Length: 0 })
            throw new ArgumentException("The command is empty.");
        if (Timeout is { } t && t <= TimeSpan.Zero) throw new ArgumentException("Timeout must be positive.");
        if (Retries < 0) throw new ArgumentException($"Retries must not be negative (was {Retries}).", nameof(Retries));
        if (RetryDelay < TimeSpan.Zero) throw new ArgumentException("RetryDelay must not be negative.", nameof(RetryDelay));
        _ = ExecOutputRules.For(this);
    }
}
