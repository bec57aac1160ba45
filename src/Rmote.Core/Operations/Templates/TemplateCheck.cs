using System.Text;
using System.Text.RegularExpressions;

namespace Rmote.Operations.Templates;

/// <summary>A template's first syntax error: its 1-based line and what is wrong.</summary>
/// <param name="Line">The template line (1-based) the host's engine names.</param>
/// <param name="Message">What is wrong, and the line's text.</param>
public sealed record TemplateSyntaxError(int Line, string Message);

/// <summary>
/// The host's template engine's syntax check (python/rmote/template_engine.py), run on the controller before any host
/// is touched: the template is compiled the way the engine compiles it (its lines classified, <c>${...}</c> ends and
/// filters found, the Python program generated) and that program is checked against Python 3.11's grammar
/// (<see cref="PyParser"/>), so a template the engine would refuse is refused once, with the line the engine names.
/// Undefined variables are not syntax: they need the host's values and are found there.
/// </summary>
public static partial class TemplateCheck
{
    static readonly HashSet<string> Filters = ["json", "xml", "shell", "url"];
    static readonly HashSet<string> BlockOpen = ["for", "if", "while", "with", "try", "def", "class"];
    static readonly HashSet<string> BlockContinue = ["else", "elif", "except", "finally"];
    static readonly HashSet<string> BlockEnd = ["endfor", "endif", "endwhile", "endwith", "end"];

    [GeneratedRegex(@"^(.*)\|\s*([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\s*$", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex FilterTail();

    /// <summary>The first syntax error of <paramref name="source"/> as the host's engine reports it, or null when it compiles.</summary>
    public static TemplateSyntaxError? Check(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var lines = SplitLines(source);
        var program = new List<(string Code, int Line)>();
        var depth = 0;
        // Python refuses a 100th indentation level where it meets one, so deeper lines need no more (and 20000 nested
        // blocks would otherwise make gigabytes of spaces).
        void Emit(string stmt, int lineno) => program.Add((new string(' ', 4 * Math.Min(depth, 101)) + stmt, lineno));
        for (var n = 0; n < lines.Count; n++)
        {
            var raw = lines[n];
            var lineno = n + 1;
            var stripped = Strip(raw);
            if (stripped.StartsWith("##", StringComparison.Ordinal)) continue;
            if (stripped.StartsWith("%%", StringComparison.Ordinal))
            {
                var at = raw.IndexOf("%%", StringComparison.Ordinal);
                if (TextCode(raw[..at] + "%" + raw[(at + 2)..]) is not { } text) return Unterminated(lineno, raw);
                foreach (var stmt in text) Emit(stmt, lineno);
                continue;
            }
            if (!stripped.StartsWith('%'))
            {
                if (TextCode(raw) is not { } text) return Unterminated(lineno, raw);
                foreach (var stmt in text) Emit(stmt, lineno);
                continue;
            }
            var code = Strip(stripped[1..]);
            var keyword = code.Length > 0 ? Keyword(code) : "end";
            if (BlockEnd.Contains(keyword)) depth = Math.Max(0, depth - 1);
            else if (BlockOpen.Contains(keyword) || BlockContinue.Contains(keyword))
            {
                if (BlockContinue.Contains(keyword)) depth = Math.Max(0, depth - 1);
                Emit(code.EndsWith(':') ? code : code + ":", lineno);
                depth++;
                Emit("pass", lineno);
            }
            else Emit(code, lineno);
        }
        if (PyParser.CheckModule(string.Join("\n", program.Select(p => p.Code)) + "\n") is not { } error) return null;
        // As the engine: the generated line's template line; past the end, the last one.
        var at2 = error.Line > 0 && error.Line <= program.Count ? error.Line : program.Count;
        var tline = program.Count > 0 ? program[at2 - 1].Line : 1;
        var shown = lines.Count >= tline ? Strip(lines[tline - 1]) : "";
        return new TemplateSyntaxError(tline, $"invalid template ({error.Message}): {shown}");
    }

    static TemplateSyntaxError Unterminated(int lineno, string raw) =>
        new(lineno, $"unterminated '${{' (an expression closes with '}}' on the same line; write '\\${{' for a literal '${{'): {Strip(raw)}");

    /// <summary>The statements writing one text line (null: an unterminated '${'), with the expressions as the engine inserts them.</summary>
    static List<string>? TextCode(string line)
    {
        var parts = new List<string> { "_rmote_newline()" };
        var i = 0;
        var text = new StringBuilder();
        while (i < line.Length)
        {
            if (string.CompareOrdinal(line, i, "\\${", 0, 3) == 0) { text.Append("${"); i += 3; }
            else if (string.CompareOrdinal(line, i, "${", 0, 2) == 0)
            {
                var end = ExpressionEnd(line, i + 2);
                if (end < 0) return null;
                if (text.Length > 0) parts.Add($"_rmote_write({Repr(text.ToString())})");
                text.Clear();
                parts.Add($"_rmote_write(_rmote_str({Filtered(line[(i + 2)..end])}))");
                i = end + 1;
            }
            else text.Append(line[i++]);
        }
        if (text.Length > 0) parts.Add($"_rmote_write({Repr(text.ToString())})");
        parts.Add("_rmote_written()");
        return parts;
    }

    /// <summary>Python's repr of a text part (its quotes and escapes matter when a user's triple-quoted string spans lines).</summary>
    static string Repr(string s)
    {
        var quote = s.Contains('\'') && !s.Contains('"') ? '"' : '\'';
        var b = new StringBuilder().Append(quote);
        foreach (var c in s)
        {
            if (c == quote || c == '\\') b.Append('\\').Append(c);
            else if (c == '\t') b.Append("\\t");
            else if (c < ' ' || c == '\x7f') b.Append($"\\x{(int)c:x2}");
            else b.Append(c);
        }
        return b.Append(quote).ToString();
    }

    static bool Compiles(string expression) => PyParser.CheckEval($"_rmote_str({expression})") == null;

    /// <summary>The engine's _expression_end: braces counted by depth, else each later '}' tried until the text between compiles.</summary>
    static int ExpressionEnd(string line, int start)
    {
        var depth = 1;
        var i = start;
        for (; i < line.Length; i++)
        {
            if (line[i] == '{') depth++;
            else if (line[i] == '}' && --depth == 0) break;
        }
        if (depth == 0 && Compiles(line[start..i])) return i;
        for (var j = line.IndexOf('}', start); j >= 0; j = line.IndexOf('}', j + 1))
            if (Compiles(line[start..j])) return j;
        return depth == 0 ? i : -1;
    }

    /// <summary>The engine's _filtered: <c>expr | json, shell</c> becomes the filters' calls, when every name is a filter and the rest compiles.</summary>
    static string Filtered(string expression)
    {
        var m = FilterTail().Match(expression);
        if (!m.Success) return expression;
        var names = m.Groups[2].Value.Split(',').Select(n => Strip(n)).ToList();
        if (!names.All(Filters.Contains) || Strip(m.Groups[1].Value).Length == 0 || !Compiles(m.Groups[1].Value)) return expression;
        var code = m.Groups[1].Value;
        foreach (var n in names) code = $"_rmote_filter_{n}({code})";
        return code;
    }

    // rmote's rule: the first word, trailing ':' and '(' dropped.
    static string Keyword(string code)
    {
        var end = 0;
        while (end < code.Length && !IsSpace(code[end])) end++;
        return code[..end].TrimEnd(':', '(');
    }

    /// <summary>Python's str.isspace (Unicode whitespace, and the separators \x1c-\x1f).</summary>
    static bool IsSpace(char c) => char.IsWhiteSpace(c) || c is >= '\x1c' and <= '\x1f';

    static string Strip(string s)
    {
        int a = 0, b = s.Length;
        while (a < b && IsSpace(s[a])) a++;
        while (b > a && IsSpace(s[b - 1])) b--;
        return s[a..b];
    }

    /// <summary>Python's str.splitlines(): \n, \r\n, \r, \v, \f, \x1c-\x1e, \x85, \u2028, \u2029 end a line.</summary>
    internal static List<string> SplitLines(string s)
    {
        var lines = new List<string>();
        var start = 0;
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (c is not ('\n' or '\r' or '\v' or '\f' or '\x1c' or '\x1d' or '\x1e' or '\x85' or '\u2028' or '\u2029')) continue;
            lines.Add(s[start..i]);
            if (c == '\r' && i + 1 < s.Length && s[i + 1] == '\n') i++;
            start = i + 1;
        }
        if (start < s.Length) lines.Add(s[start..]);
        return lines;
    }

    /// <summary>Throws <see cref="TemplateSyntaxException"/> for the first syntax error of <paramref name="source"/>.</summary>
    public static void Validate(string source, string? file)
    {
        if (Check(source) is { } e) throw new TemplateSyntaxException(file, e.Line, e.Message);
    }
}

/// <summary>
/// A template the host's engine would refuse, found on the controller before any host is touched. An
/// <see cref="ArgumentException"/> (a bad parameter); <see cref="File"/> and <see cref="Line"/> say where.
/// </summary>
public sealed class TemplateSyntaxException : ArgumentException
{
    /// <summary>Creates the error for <paramref name="file"/> (null: an inline template) at <paramref name="line"/>.</summary>
    public TemplateSyntaxException(string? file, int line, string detail)
        : base($"{(file != null ? $"{file}:{line}" : $"Template line {line}")}: {detail}")
    {
        File = file;
        Line = line;
        Detail = detail;
    }

    /// <summary>The template file (null: the template was given as text).</summary>
    public string? File { get; }

    /// <summary>The 1-based template line.</summary>
    public int Line { get; }

    /// <summary>What is wrong, without the location.</summary>
    public string Detail { get; }
}
