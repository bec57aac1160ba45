using System.Globalization;

namespace Rmote.Operations.Templates;

/// <summary>Token kinds of <see cref="PyTokenizer"/> (CPython's tokenizer's).</summary>
/// <remarks><see cref="PyTokenKind.Error"/> is an error CPython's tokenizer reports only when the parser reaches it (its text is the message).</remarks>
internal enum PyTokenKind { Name, Number, String, Op, Newline, Indent, Dedent, End, Error }

/// <summary>One token: kind, text (a string's whole literal, prefix and quotes included) and 1-based line.</summary>
internal readonly record struct PyToken(PyTokenKind Kind, string Text, int Line);

/// <summary>A syntax error at a 1-based line of the source checked.</summary>
internal sealed class PySyntaxError(int line, string message) : Exception(message)
{
    /// <summary>The line Python reports the error at.</summary>
    public int Line { get; } = line;
}

/// <summary>
/// CPython 3.11's tokenizer, as far as a syntax check needs it: the tokens of a whole source, or the first error the
/// tokenizer itself raises (an unterminated string, a bad number, an unmatched bracket, an invalid character). Python
/// reports a tokenizer error even when the parser failed earlier in the file (it tokenizes the rest to look for one),
/// so <see cref="PyParser"/> tokenizes everything first.
/// </summary>
internal sealed class PyTokenizer
{
    readonly string s;
    int i;
    int line = 1;
    readonly List<PyToken> tokens = [];
    readonly Stack<int> indents = new([0]);
    readonly Stack<(char Open, int Line)> parens = new();

    PyTokenizer(string source) => s = source;

    /// <summary>The line of the innermost bracket still open at the end (0: none), which Python names when the parse failed after it.</summary>
    public int UnclosedLine { get; private set; }

    /// <summary>The tokens of <paramref name="source"/>; throws <see cref="PySyntaxError"/> for a tokenizer error.</summary>
    public static (List<PyToken> Tokens, int UnclosedLine) Tokenize(string source)
    {
        var t = new PyTokenizer(source);
        t.Run();
        return (t.tokens, t.UnclosedLine);
    }

    char C(int k = 0) => i + k < s.Length ? s[i + k] : '\0';
    bool AtEnd => i >= s.Length;

    void Add(PyTokenKind kind, string text, int at) => tokens.Add(new PyToken(kind, text, at));

    void Run()
    {
        var atLineStart = true;
        var continued = false;
        while (true)
        {
            var lineStart = atLineStart && parens.Count == 0 && !continued;
            atLineStart = false;
            if (lineStart)
            {
                var col = 0;
                while (!AtEnd && (C() is ' ' or '\t' or '\f'))
                {
                    col = C() switch { ' ' => col + 1, '\t' => (col / 8 + 1) * 8, _ => 0 };
                    i++;
                }
                // A blank or comment-only line takes no part in indentation.
                if (AtEnd || C() is '#' or '\n' or '\r' || C() == '\\' && (C(1) is '\n' or '\r'))
                {
                    if (C() == '#') while (!AtEnd && C() is not ('\n' or '\r')) i++;
                    if (AtEnd) break;
                    if (C() == '\\') { i++; continued = true; }
                    NewlineChar();
                    if (continued && AtEnd)
                    {
                        Stop("unexpected EOF while parsing", line - 1);
                        return;
                    }
                    atLineStart = !continued;
                    continue;
                }
                if (col > indents.Peek())
                {
                    // CPython's MAXINDENT (100 levels, the first one counted).
                    if (indents.Count >= 100)
                    {
                        Stop("too many levels of indentation");
                        return;
                    }
                    indents.Push(col);
                    Add(PyTokenKind.Indent, "", line);
                }
                else
                {
                    while (col < indents.Peek())
                    {
                        indents.Pop();
                        Add(PyTokenKind.Dedent, "", line);
                    }
                    if (col != indents.Peek())
                    {
                        Stop("unindent does not match any outer indentation level");
                        return;
                    }
                }
            }
            continued = false;
            if (AtEnd) break;
            var c = C();
            if (c is ' ' or '\t' or '\f') { i++; continue; }
            if (c == '#') { while (!AtEnd && C() is not ('\n' or '\r')) i++; continue; }
            if (c is '\n' or '\r')
            {
                if (parens.Count == 0 && tokens.Count > 0 && tokens[^1].Kind is not (PyTokenKind.Newline or PyTokenKind.Indent or PyTokenKind.Dedent))
                    Add(PyTokenKind.Newline, "", line);
                NewlineChar();
                atLineStart = true;
                continue;
            }
            if (c == '\\')
            {
                i++;
                // Errors the parser meets only if it gets this far (a parse error before them is the one reported).
                if (AtEnd || C() is not ('\n' or '\r'))
                {
                    Stop(AtEnd ? "unexpected EOF while parsing" : "unexpected character after line continuation character");
                    return;
                }
                NewlineChar();
                if (AtEnd && parens.Count == 0)
                {
                    Stop("unexpected EOF while parsing", line - 1);
                    return;
                }
                continued = true;
                atLineStart = true;
                continue;
            }
            if (IsIdStart(c)) { NameOrString(); continue; }
            if (char.IsAsciiDigit(c) || c == '.' && char.IsAsciiDigit(C(1))) { Number(); continue; }
            if (c is '"' or '\'') { StringLiteral(i, i); continue; }
            Operator();
        }
        if (tokens.Count > 0 && tokens[^1].Kind is not (PyTokenKind.Newline or PyTokenKind.Dedent or PyTokenKind.Indent)) Add(PyTokenKind.Newline, "", line);
        UnclosedLine = parens.Count > 0 ? parens.Peek().Line : 0;
        while (indents.Count > 1)
        {
            indents.Pop();
            Add(PyTokenKind.Dedent, "", line);
        }
        Add(PyTokenKind.End, "", line);
    }

    void Stop(string message, int? at = null)
    {
        Add(PyTokenKind.Error, message, at ?? line);
        // CPython checks for an unclosed bracket at any such error token, as at the end.
        UnclosedLine = parens.Count > 0 ? parens.Peek().Line : 0;
    }

    void NewlineChar()
    {
        if (C() == '\r' && C(1) == '\n') i++;
        i++;
        line++;
    }

    static bool IsIdStart(char c) => c is '_' or (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') || c >= 128;
    static bool IsIdChar(char c) => IsIdStart(c) || char.IsAsciiDigit(c);

    void NameOrString()
    {
        var start = i;
        while (!AtEnd && IsIdChar(C())) i++;
        var word = s[start..i];
        // A string prefix (r, b, u, f and their pairs) right before a quote.
        if (C() is '"' or '\'' && word.Length <= 2 && word.ToLowerInvariant() is "r" or "u" or "b" or "f" or "br" or "rb" or "fr" or "rf")
        {
            StringLiteral(start, i);
            return;
        }
        if (!IsIdentifier(word, out var bad)) throw new PySyntaxError(line, $"invalid character '{bad}' (U+{char.ConvertToUtf32(bad, 0):X4})");
        Add(PyTokenKind.Name, word, line);
    }

    /// <summary>Python's identifier rule (XID_Start then XID_Continue, approximated by Unicode categories); the first offending character.</summary>
    internal static bool IsIdentifier(string word, out string bad)
    {
        bad = "";
        var first = true;
        for (var k = 0; k < word.Length; k += char.IsSurrogatePair(word, k) ? 2 : 1)
        {
            var cat = CharUnicodeInfo.GetUnicodeCategory(word, k);
            var ok = cat is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter or UnicodeCategory.LetterNumber || word[k] == '_'
                || !first && cat is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.ConnectorPunctuation;
            if (!ok)
            {
                bad = char.IsSurrogatePair(word, k) ? word.Substring(k, 2) : word[k].ToString();
                return false;
            }
            first = false;
        }
        return true;
    }

    void StringLiteral(int start, int quoteAt)
    {
        var startLine = line;
        var q = s[quoteAt];
        var triple = C(quoteAt - i + 1) == q && C(quoteAt - i + 2) == q;
        i = quoteAt + (triple ? 3 : 1);
        while (true)
        {
            if (AtEnd)
                throw new PySyntaxError(startLine, triple ? $"unterminated triple-quoted string literal (detected at line {line})"
                    : $"unterminated string literal (detected at line {line})");
            var c = C();
            if (c == '\\')
            {
                i++;
                if (AtEnd) continue;
                if (C() is '\n' or '\r') NewlineChar();
                else i++;
                continue;
            }
            if (c is '\n' or '\r')
            {
                if (!triple) throw new PySyntaxError(startLine, $"unterminated string literal (detected at line {line})");
                NewlineChar();
                continue;
            }
            if (c == q && (!triple || C(1) == q && C(2) == q))
            {
                i += triple ? 3 : 1;
                break;
            }
            i++;
        }
        Add(PyTokenKind.String, s[start..i], startLine);
    }

    void Number()
    {
        var start = i;
        var kind = "decimal";
        if (C() == '0' && char.ToLowerInvariant(C(1)) is 'x' or 'o' or 'b')
        {
            var b = char.ToLowerInvariant(C(1));
            kind = b switch { 'x' => "hexadecimal", 'o' => "octal", _ => "binary" };
            Func<char, bool> digit = b switch { 'x' => char.IsAsciiHexDigit, 'o' => ch => ch is >= '0' and <= '7', _ => ch => ch is '0' or '1' };
            i += 2;
            var any = false;
            while (true)
            {
                if (C() == '_') i++;
                if (!digit(C()))
                {
                    if (char.IsAsciiDigit(C())) throw new PySyntaxError(line, $"invalid digit '{C()}' in {kind} literal");
                    if (!any || s[i - 1] == '_') throw new PySyntaxError(line, $"invalid {kind} literal");
                    break;
                }
                while (digit(C())) { i++; any = true; }
            }
            EndOfNumber(kind);
            Add(PyTokenKind.Number, s[start..i], line);
            return;
        }
        var isFloat = false;
        if (C() != '.')
        {
            var leadingZero = C() == '0';
            Digits();
            if (leadingZero && C() is not ('.' or 'e' or 'E' or 'j' or 'J') && s[start..i].Replace("_", "", StringComparison.Ordinal).Any(ch => ch != '0'))
                throw new PySyntaxError(line, "leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers");
        }
        if (C() == '.')
        {
            i++;
            isFloat = true;
            if (char.IsAsciiDigit(C())) Digits();
        }
        if (C() is 'e' or 'E')
        {
            var save = i;
            i++;
            if (C() is '+' or '-') i++;
            if (!char.IsAsciiDigit(C()))
            {
                i = save;
                EndOfNumber("decimal");
                Add(PyTokenKind.Number, s[start..i], line);
                return;
            }
            Digits();
            isFloat = true;
        }
        if (C() is 'j' or 'J') { i++; kind = "imaginary"; }
        else if (isFloat) kind = "decimal";
        EndOfNumber(kind);
        Add(PyTokenKind.Number, s[start..i], line);
    }

    void Digits()
    {
        while (true)
        {
            while (char.IsAsciiDigit(C())) i++;
            if (C() != '_') return;
            i++;
            if (!char.IsAsciiDigit(C())) throw new PySyntaxError(line, "invalid decimal literal");
        }
    }

    // CPython's verify_end_of_number: a keyword that can follow a number ("1if x else 2") is a warning; any other name character an error.
    void EndOfNumber(string kind)
    {
        var c = C();
        if (!IsIdChar(c) || AtEnd) return;
        // "i" then f, n or s is enough; the others must be the whole word ("1else" warns, "1elsewhere" is an error).
        if (c == 'i' && C(1) is 'f' or 'n' or 's') return;
        string[] ok = ["and", "else", "for", "or", "not"];
        if (ok.Any(k => string.CompareOrdinal(s, i, k, 0, k.Length) == 0 && !IsIdChar(C(k.Length)))) return;
        throw new PySyntaxError(line, $"invalid {kind} literal");
    }

    static readonly string[] Ops3 = ["**=", "//=", ">>=", "<<=", "...", "!="];
    static readonly string[] Ops2 = ["**", "//", ">>", "<<", "<=", ">=", "==", "!=", "->", ":=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "@=", "<>"];

    void Operator()
    {
        var c = C();
        if (c is '(' or '[' or '{')
        {
            if (parens.Count >= 200) throw new PySyntaxError(line, "too many nested parentheses");
            parens.Push((c, line));
            Add(PyTokenKind.Op, c.ToString(), line);
            i++;
            return;
        }
        if (c is ')' or ']' or '}')
        {
            if (parens.Count == 0) throw new PySyntaxError(line, $"unmatched '{c}'");
            var (open, openLine) = parens.Pop();
            if ((open, c) is not (('(', ')') or ('[', ']') or ('{', '}')))
                throw new PySyntaxError(line, $"closing parenthesis '{c}' does not match opening parenthesis '{open}'" + (openLine != line ? $" on line {openLine}" : ""));
            Add(PyTokenKind.Op, c.ToString(), line);
            i++;
            return;
        }
        foreach (var op in Ops3)
            if (string.CompareOrdinal(s, i, op, 0, 3) == 0) { Add(PyTokenKind.Op, op, line); i += 3; return; }
        foreach (var op in Ops2)
            if (string.CompareOrdinal(s, i, op, 0, 2) == 0) { Add(PyTokenKind.Op, op, line); i += 2; return; }
        // Any other character is a one-character operator the parser accepts nowhere ('$', '?', '!').
        Add(PyTokenKind.Op, c.ToString(), line);
        i++;
    }
}
