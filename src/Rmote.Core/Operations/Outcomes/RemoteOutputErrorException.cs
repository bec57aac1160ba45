namespace Rmote.Operations;

/// <summary>
/// A command wrote error lines (<see cref="ExecOutputRules"/>): its host failed whatever the exit code, as a tool's
/// error line fails MSBuild's <c>Exec</c>. <see cref="Outcome"/> keeps the output; each error line is in it with its
/// <see cref="HostOutputLine.Diagnostic"/>.
/// </summary>
public sealed class RemoteOutputErrorException : Exception
{
    /// <summary>Creates the exception; <paramref name="command"/> is the command as logs may show it.</summary>
    public RemoteOutputErrorException(ExecOutcome outcome, string command)
        : base(Text(outcome, command)) => Outcome = outcome;

    /// <summary>The command's exit code and output.</summary>
    public ExecOutcome Outcome { get; }

    /// <summary>The exit code as MSBuild's <c>Exec</c> reports it: the command's own, or -1 when it exited 0.</summary>
    public int ExitCode => Outcome.ExitCode != 0 ? Outcome.ExitCode : -1;

    static string Text(ExecOutcome o, string command)
    {
        var errors = o.Output.Where(l => l.Diagnostic?.Severity == OutputSeverity.Error).ToList();
        var first = errors.Count > 0 ? errors[0] : null;
        // The fix for a surprise: a tool's own "error: ..." line fails the step, as in MSBuild's Exec.
        var hint = first?.Diagnostic is { Custom: false } ? " (a line in MSBuild's error format; IgnoreStandardErrorWarningFormat reads such lines as plain output)" : "";
        return $"[{o.Host}] `{command}` wrote {errors.Count} error line(s) (exit {o.ExitCode}): {first?.Text}{hint}";
    }
}
