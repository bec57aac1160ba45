using System.Text.RegularExpressions;

namespace Rmote.Operations;

/// <summary>
/// How a command's output lines become errors and warnings, as in MSBuild's <c>Exec</c>: a line matching
/// <see cref="ExecRequest.CustomErrorRegularExpression"/> is an error, else one matching
/// <see cref="ExecRequest.CustomWarningRegularExpression"/> a warning, else a line in the canonical error format
/// (<see cref="CanonicalMessage"/>) is what it says, unless <see cref="ExecRequest.IgnoreStandardErrorWarningFormat"/>.
/// Stdout and stderr lines alike; an error line fails its host whatever the exit code.
/// </summary>
public sealed class ExecOutputRules
{
    // A user's expression runs on every line of every host: bound it, so a pathological one cannot hang the build.
    static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(1);

    readonly Regex? error;
    readonly Regex? warning;
    readonly bool standardFormat;

    ExecOutputRules(Regex? error, Regex? warning, bool standardFormat) => (this.error, this.warning, this.standardFormat) = (error, warning, standardFormat);

    /// <summary>The rules of <paramref name="request"/>.</summary>
    /// <exception cref="ArgumentException">A custom expression does not parse (the message names the parameter).</exception>
    public static ExecOutputRules For(ExecRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new(Compile(request.CustomErrorRegularExpression, nameof(ExecRequest.CustomErrorRegularExpression)),
            Compile(request.CustomWarningRegularExpression, nameof(ExecRequest.CustomWarningRegularExpression)),
            !request.IgnoreStandardErrorWarningFormat);
    }

    /// <summary>Checks an expression given as a parameter: null when blank.</summary>
    /// <exception cref="ArgumentException">It does not parse; the message names <paramref name="parameter"/>, the expression and why.</exception>
    public static Regex? Compile(string? expression, string parameter)
    {
        if (string.IsNullOrEmpty(expression)) return null;
        try
        {
            return new Regex(expression, RegexOptions.CultureInvariant, MatchTimeout);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{parameter} '{expression}' is not a valid regular expression: {e.Message} Fix the expression (.NET syntax).", parameter);
        }
    }

    /// <summary>The line as an error or warning, or null for an ordinary line.</summary>
    public OutputDiagnostic? Classify(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (Matches(error, line)) return new OutputDiagnostic(OutputSeverity.Error, line) { Custom = true };
        if (Matches(warning, line)) return new OutputDiagnostic(OutputSeverity.Warning, line) { Custom = true };
        return standardFormat ? CanonicalMessage.TryParse(line) : null;
    }

    static bool Matches(Regex? r, string line)
    {
        if (r == null) return false;
        try
        {
            return r.IsMatch(line);
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }
}
