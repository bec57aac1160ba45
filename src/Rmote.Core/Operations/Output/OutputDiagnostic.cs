namespace Rmote.Operations;

/// <summary>Whether a command's output line reads as an error or a warning (see <see cref="ExecOutputRules"/>).</summary>
public enum OutputSeverity
{
    /// <summary>The line fails the host, as an error line fails MSBuild's <c>Exec</c>.</summary>
    Error,
    /// <summary>The line is reported as a warning.</summary>
    Warning,
}

/// <summary>
/// An output line read as an error or a warning: by <c>CustomErrorRegularExpression</c> /
/// <c>CustomWarningRegularExpression</c> (the whole line is the text), or in MSBuild's canonical format
/// (<c>origin(line,col): [subcategory] error|warning [CODE]: text</c>, or the GCC/Clang form <c>file:line:col: error: text</c>).
/// </summary>
/// <param name="Severity">Error or warning.</param>
/// <param name="Text">The message: the part after the code, or the whole line for a custom expression.</param>
public sealed record OutputDiagnostic(OutputSeverity Severity, string Text)
{
    /// <summary>The code (<c>XX1234</c>), or null.</summary>
    public string? Code { get; init; }
    /// <summary>The origin: a file or tool name as the line gives it, or null.</summary>
    public string? File { get; init; }
    /// <summary>The subcategory (<c>Command line</c> in <c>Command line warning X: ...</c>), or null.</summary>
    public string? Subcategory { get; init; }
    /// <summary>The line in <see cref="File"/> (0: none).</summary>
    public int Line { get; init; }
    /// <summary>The column (0: none).</summary>
    public int Column { get; init; }
    /// <summary>The end line of a range (0: none).</summary>
    public int EndLine { get; init; }
    /// <summary>The end column of a range (0: none).</summary>
    public int EndColumn { get; init; }
    /// <summary>True when a custom expression matched the line; false for the canonical format.</summary>
    public bool Custom { get; init; }
}
