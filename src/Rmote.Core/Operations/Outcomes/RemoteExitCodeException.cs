namespace Rmote.Operations;

/// <summary>A command exited non-zero (and the request did not ignore it); <see cref="Outcome"/> keeps its output.</summary>
public sealed class RemoteExitCodeException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RemoteExitCodeException(ExecOutcome outcome, string command)
        : base($"[{outcome.Host}] `{command}` exited with code {outcome.ExitCode}{Tail(outcome)}") => Outcome = outcome;

    /// <summary>The command's exit code and output.</summary>
    public ExecOutcome Outcome { get; }

    /// <summary>The exit code.</summary>
    public int ExitCode => Outcome.ExitCode;

    static string Tail(ExecOutcome o)
    {
        // The lines were already streamed; the last stderr lines make the error readable on its own.
        var lines = o.Output.Where(l => l.Stream == Tools.OutputStream.Stderr).TakeLast(5).Select(l => l.Text).ToList();
        return lines.Count == 0 ? "" : ": " + string.Join(" | ", lines);
    }
}
