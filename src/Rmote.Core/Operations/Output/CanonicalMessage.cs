using System.Globalization;
using System.Text.RegularExpressions;

namespace Rmote.Operations;

/// <summary>
/// Reads a line in the error format MSBuild recognises in tool output (its canonical error format), so that a remote
/// command's <c>error XX1234: ...</c> means what it means to MSBuild's <c>Exec</c>:
/// <c>[origin[(location)]:] [subcategory ]error|warning [code]: text</c>, where the origin is a file or tool name and the
/// location <c>line</c>, <c>line-line</c>, <c>line,col</c>, <c>line,col-col</c> or <c>line,col,line,col</c>; and the
/// GCC/Clang form <c>file:line:col: error: text</c>. "error"/"warning" are matched whole and in any case, so
/// <c>0 errors</c> or <c>Warnings: none</c> are ordinary lines.
/// </summary>
public static partial class CanonicalMessage
{
    // Long lines: only the head can hold the prefix; scanning all of it invites slow backtracking.
    const int Head = 400;

    /// <summary>The line as an error or warning, or null when it is not in the format.</summary>
    public static OutputDiagnostic? TryParse(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        try
        {
            return Parse(line);
        }
        // A line that takes the expressions over a second is not a message a tool printed for people.
        catch (RegexMatchTimeoutException)
        {
            return null;
        }
    }

    static OutputDiagnostic? Parse(string line)
    {
        var head = line.Length > Head ? line[..Head] : line;
        var rest = line.Length > Head ? line[Head..] : "";
        if (!head.Contains("error", StringComparison.OrdinalIgnoreCase) && !head.Contains("warning", StringComparison.OrdinalIgnoreCase)) return null;
        var m = Msvc().Match(head);
        if (m.Success)
        {
            var origin = m.Groups["origin"].Value.Trim();
            var diagnostic = new OutputDiagnostic(Severity(m), (m.Groups["text"].Value + rest).Trim())
            {
                Code = Blank(m.Groups["code"].Value),
                Subcategory = Blank(m.Groups["sub"].Value),
                File = Blank(origin),
            };
            return WithLocation(diagnostic, origin);
        }
        m = Gcc().Match(head);
        if (!m.Success) return null;
        return new OutputDiagnostic(Severity(m), (m.Groups["text"].Value + rest).Trim())
        {
            File = Blank(m.Groups["file"].Value),
            Line = Number(m.Groups["line"].Value),
            Column = Number(m.Groups["col"].Value),
        };
    }

    static OutputSeverity Severity(Match m) =>
        m.Groups["cat"].Value.Trim().Equals("error", StringComparison.OrdinalIgnoreCase) ? OutputSeverity.Error : OutputSeverity.Warning;

    // "app.cs(12,5)" is the file app.cs at line 12, column 5; other origins stay whole.
    static OutputDiagnostic WithLocation(OutputDiagnostic d, string origin)
    {
        var m = Location().Match(origin);
        if (!m.Success) return d;
        var parts = m.Groups["loc"].Value;
        var numbers = parts.Split(',', '-').Select(Number).ToArray();
        d = d with { File = Blank(m.Groups["file"].Value) };
        return parts switch
        {
            _ when parts.Count(c => c == ',') == 3 => d with { Line = numbers[0], Column = numbers[1], EndLine = numbers[2], EndColumn = numbers[3] },
            _ when parts.Contains(',') && parts.Contains('-') => d with { Line = numbers[0], Column = numbers[1], EndColumn = numbers[2] },
            _ when parts.Contains(',') => d with { Line = numbers[0], Column = numbers[1] },
            _ when parts.Contains('-') => d with { Line = numbers[0], EndLine = numbers[1] },
            _ => d with { Line = numbers[0] },
        };
    }

    static string? Blank(string s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    static int Number(string s) => int.TryParse(s.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;

    // origin (with an optional "12>" project prefix and a drive letter's colon), a subcategory ending in a blank,
    // the category as a whole word, an optional code, a colon, the text.
    [GeneratedRegex(@"^\s*(?:(?<origin>(?:\d+>)?(?:[a-zA-Z]:)?[^:]*):|)(?<sub>|[^:]*? )(?<cat>error|warning)(?: \s*(?<code>[^: ]*))?\s*:(?<text>.*)$",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, 1000)]
    private static partial Regex Msvc();

    [GeneratedRegex(@"^\s*(?<file>.*):(?<line>[0-9]*):(?<col>[0-9]*):(?<cat> error| warning):(?<text>.*)$",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, 1000)]
    private static partial Regex Gcc();

    [GeneratedRegex(@"^(?:\d+>)?(?<file>.*)\((?<loc>[0-9,\-]*)\)\s*$", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex Location();
}
