namespace Rmote.Operations.Templates;

/// <summary>
/// The checks CPython 3.11 makes on a string literal's body once tokenized: bytes hold only ASCII, escapes are
/// complete (<c>\x41</c>, <c>\u0041</c>...), and an f-string's replacement fields are well formed, their expressions
/// parsed as Python (string_parser.c's fstring_find_literal / fstring_find_expr).
/// </summary>
internal static class PyStrings
{
    /// <summary>Checks <paramref name="token"/>; returns whether it is a bytes literal.</summary>
    public static bool Check(PyToken token, PyParser parser)
    {
        var text = token.Text;
        var q = text.IndexOfAny(['\'', '"']);
        var prefix = text[..q].ToLowerInvariant();
        var triple = text.Length - q >= 6 && text[q + 1] == text[q] && text[q + 2] == text[q];
        var body = triple ? text[(q + 3)..^3] : text[(q + 1)..^1];
        bool raw = prefix.Contains('r'), bytes = prefix.Contains('b'), f = prefix.Contains('f');
        var line = token.Line;
        if (bytes && body.Any(c => c > 127)) throw new PySyntaxError(line, "bytes can only contain ASCII literal characters");
        if (f) FString(body, raw, line, parser);
        else if (!raw) Escapes(body, bytes, line);
        return bytes;
    }

    static void Escapes(string body, bool bytes, int line)
    {
        for (var i = 0; i < body.Length; i++)
        {
            if (body[i] != '\\' || i + 1 >= body.Length) continue;
            var c = body[++i];
            var need = c switch { 'x' => 2, 'u' when !bytes => 4, 'U' when !bytes => 8, _ => 0 };
            if (need > 0)
            {
                var k = 0;
                while (k < need && i + 1 + k < body.Length && char.IsAsciiHexDigit(body[i + 1 + k])) k++;
                if (k < need) throw new PySyntaxError(line, $"(unicode error) truncated \\{c} escape");
                if (c == 'U' && Convert.ToInt64(body.Substring(i + 1, 8), 16) > 0x10FFFF) throw new PySyntaxError(line, "(unicode error) illegal Unicode character");
                i += need;
            }
            else if (c == 'N' && !bytes)
            {
                var close = i + 1 < body.Length && body[i + 1] == '{' ? body.IndexOf('}', i + 2) : -1;
                if (close <= i + 2) throw new PySyntaxError(line, "(unicode error) malformed \\N character escape");
                i = close;
            }
        }
    }

    static void FString(string body, bool raw, int line, PyParser parser)
    {
        var i = 0;
        Literal(body, ref i, raw, line, parser, 0);
        if (i < body.Length) throw new PySyntaxError(line, "f-string: single '}' is not allowed");
    }

    /// <summary>Literal text and fields up to the end, or (in a format spec, level above 0) up to the '}' closing it.</summary>
    static void Literal(string s, ref int i, bool raw, int line, PyParser parser, int level)
    {
        var literal = new System.Text.StringBuilder();
        while (i < s.Length)
        {
            var c = s[i];
            if (!raw && c == '\\' && i + 1 < s.Length)
            {
                // \N{...} is an escape, not a field.
                if (s[i + 1] == 'N' && i + 2 < s.Length && s[i + 2] == '{')
                {
                    var close = s.IndexOf('}', i + 3);
                    if (close < 0) throw new PySyntaxError(line, "(unicode error) malformed \\N character escape");
                    literal.Append(s, i, close + 1 - i);
                    i = close + 1;
                    continue;
                }
                // Any other escape is literal text, and the character after it is read as usual ('\{x}' is a field).
                literal.Append(c);
                i++;
                if (s[i] != '{' && s[i] != '}') literal.Append(s[i++]);
                continue;
            }
            if (c == '{')
            {
                if (level == 0 && i + 1 < s.Length && s[i + 1] == '{') { i += 2; continue; }
                i++;
                // Each literal piece is decoded on its own.
                if (!raw) Escapes(literal.ToString(), false, line);
                literal.Clear();
                Field(s, ref i, raw, line, parser, level);
                continue;
            }
            if (c == '}')
            {
                if (level > 0) break;
                if (i + 1 < s.Length && s[i + 1] == '}') { i += 2; continue; }
                throw new PySyntaxError(line, "f-string: single '}' is not allowed");
            }
            literal.Append(c);
            i++;
        }
        if (!raw) Escapes(literal.ToString(), false, line);
    }

    static void Field(string s, ref int i, bool raw, int line, PyParser parser, int level)
    {
        // No nesting limit, no ban on '\\' or '#' in a field: CPython 3.11 has them, 3.12 (PEP 701) lifts them, and the
        // controller may only refuse what every host's Python refuses (a 3.11 host's own compile still reports them).
        var start = i;
        var stack = new Stack<char>();
        char quote = '\0';
        var tripleQuote = false;
        for (; i < s.Length; i++)
        {
            var c = s[i];
            if (c == '\\' && quote != '\0') { i++; continue; } // an escape inside a string of the field
            if (quote != '\0')
            {
                if (c != quote) continue;
                if (!tripleQuote) quote = '\0';
                else if (i + 2 < s.Length && s[i + 1] == quote && s[i + 2] == quote) { i += 2; quote = '\0'; }
                continue;
            }
            if (c is '\'' or '"')
            {
                tripleQuote = i + 2 < s.Length && s[i + 1] == c && s[i + 2] == c;
                if (tripleQuote) i += 2;
                quote = c;
                continue;
            }
            if (c is '(' or '[' or '{')
            {
                stack.Push(c);
                continue;
            }
            if (stack.Count == 0 && c is '!' or ':' or '}' or '=' or '<' or '>')
            {
                if (i + 1 < s.Length && s[i + 1] == '=' && c is '!' or '=' or '<' or '>') { i++; continue; }
                if (c is '<' or '>') continue;
                break;
            }
            if (c is ')' or ']' or '}')
            {
                if (stack.Count == 0) throw new PySyntaxError(line, $"f-string: unmatched '{c}'");
                var open = stack.Pop();
                if ((open, c) is not (('(', ')') or ('[', ']') or ('{', '}')))
                    throw new PySyntaxError(line, $"f-string: closing parenthesis '{c}' does not match opening parenthesis '{open}'");
            }
        }
        if (quote != '\0') throw new PySyntaxError(line, "f-string: unterminated string");
        if (stack.Count > 0) throw new PySyntaxError(line, $"f-string: unmatched '{stack.Peek()}'");
        if (i >= s.Length) throw new PySyntaxError(line, "f-string: expecting '}'");
        var expression = s[start..i];
        if (string.IsNullOrWhiteSpace(expression)) throw new PySyntaxError(line, "f-string: empty expression not allowed");
        parser.FStringExpression(expression, line);
        if (s[i] == '=')
        {
            i++;
            if (i >= s.Length) throw new PySyntaxError(line, "f-string: expecting '}'");
        }
        if (s[i] == '!')
        {
            i++;
            if (i >= s.Length) throw new PySyntaxError(line, "f-string: expecting '}'");
            if (s[i] is not ('s' or 'r' or 'a')) throw new PySyntaxError(line, "f-string: invalid conversion character: expected 's', 'r', or 'a'");
            i++;
        }
        if (i >= s.Length) throw new PySyntaxError(line, "f-string: expecting '}'");
        if (s[i] == ':')
        {
            i++;
            Literal(s, ref i, raw, line, parser, level + 1);
        }
        if (i >= s.Length || s[i] != '}') throw new PySyntaxError(line, "f-string: expecting '}'");
        i++;
    }
}
