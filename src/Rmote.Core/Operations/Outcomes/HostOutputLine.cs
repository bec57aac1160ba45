using Rmote.Tools;

namespace Rmote.Operations;

/// <summary>One line of a remote command's output, as it is produced.</summary>
/// <param name="Host">The host's label.</param>
/// <param name="Stream">Stdout or stderr.</param>
/// <param name="Text">The line without its newline (secrets masked).</param>
public sealed record HostOutputLine(string Host, OutputStream Stream, string Text)
{
    /// <summary>The line read as an error or a warning (<see cref="ExecOutputRules"/>), or null for an ordinary line.</summary>
    public OutputDiagnostic? Diagnostic { get; init; }

    /// <inheritdoc/>
    public override string ToString() => $"[{Host}] {Text}";
}
