namespace Rmote.Operations.Templates;

/// <summary>A tokenizer error the parser reached: reported as it is.</summary>
internal sealed class PyTokenizerStop(int line, string message) : Exception(message)
{
    public int Line { get; } = line;
}

/// <summary>What an expression is, as far as a syntax check cares (which can be assigned to, which is a call...).</summary>
internal enum PyExprKind { Name, Attribute, Subscript, Starred, Tuple, List, Call, Constant, Other, Yield }

/// <summary>An expression: its kind, its first line and, for a tuple, list or starred one, its parts.</summary>
internal sealed class PyExpr(PyExprKind kind, int line)
{
    public PyExprKind Kind { get; } = kind;
    public int Line { get; } = line;
    public List<PyExpr> Items { get; init; } = [];
    /// <summary>Written in parentheses: <c>(a)</c> (which may be assigned to, but not annotated as a tuple...).</summary>
    public bool Parenthesized { get; set; }
}

/// <summary>
/// A recursive-descent parser of CPython 3.11's grammar (docs.python.org/3.11/reference/grammar.html) over
/// <see cref="PyTokenizer"/>'s tokens, with the checks CPython's compiler adds after parsing ('return' outside
/// function, 'break' outside loop, duplicate argument, starred assignment...). It builds no tree beyond what those
/// checks need. A parse error is reported where CPython reports it: the furthest token the parser looked at, or, for
/// two expressions side by side in brackets ("Perhaps you forgot a comma?"), the first of them.
/// </summary>
internal sealed partial class PyParser
{
    static readonly HashSet<string> Keywords =
    [
        "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif", "else",
        "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise",
        "return", "try", "while", "with", "yield",
    ];

    readonly List<PyToken> t;
    int pos;
    int far;
    int brackets;
    // where a bracketed expression ended (the token after it) -> the line it started on: the "forgot a comma" location
    readonly Dictionary<int, int> endedInBrackets = [];
    (int Line, string Message)? semantic;

    PyParser(List<PyToken> tokens) => t = tokens;

    PyToken Peek(int k = 0)
    {
        var at = Math.Min(pos + k, t.Count - 1);
        if (at > far) far = at;
        // CPython raises a tokenizer error as soon as the parser fetches the token.
        if (t[at].Kind == PyTokenKind.Error) throw new PyTokenizerStop(t[at].Line, t[at].Text);
        return t[at];
    }

    bool IsOp(string op, int k = 0) => Peek(k) is { Kind: PyTokenKind.Op } tok && tok.Text == op;
    bool IsKw(string kw, int k = 0) => Peek(k) is { Kind: PyTokenKind.Name } tok && tok.Text == kw;
    bool IsName(int k = 0) => Peek(k) is { Kind: PyTokenKind.Name } tok && !Keywords.Contains(tok.Text);

    PyToken Next()
    {
        var tok = Peek();
        pos++;
        return tok;
    }

    bool AcceptOp(string op)
    {
        if (!IsOp(op)) return false;
        pos++;
        return true;
    }

    bool AcceptKw(string kw)
    {
        if (!IsKw(kw)) return false;
        pos++;
        return true;
    }

    void ExpectOp(string op)
    {
        if (!AcceptOp(op)) throw Fail();
    }

    void ExpectKw(string kw)
    {
        if (!AcceptKw(kw)) throw Fail();
    }

    PyToken ExpectName() => IsName() ? Next() : throw Fail();

    /// <summary>A generic syntax error at the furthest token seen.</summary>
    PySyntaxError Fail(string message = "invalid syntax") => new(t[far].Line, message);

    /// <summary>A compile-stage error: kept (the first), reported only when the whole source parses.</summary>
    void Semantic(int line, string message) => semantic ??= (line, message);

    /// <summary>Checks a module (compile(..., "exec")); returns the first error's line and message, or null.</summary>
    public static (int Line, string Message)? CheckModule(string source) => Check(source, p => p.File());

    /// <summary>Checks an expression input (compile(..., "eval")).</summary>
    public static (int Line, string Message)? CheckEval(string source) => Check(source, p => p.EvalInput());

    static (int Line, string Message)? Check(string source, Action<PyParser> parse)
    {
        List<PyToken> tokens;
        int unclosed;
        try
        {
            (tokens, unclosed) = PyTokenizer.Tokenize(source);
        }
        catch (PySyntaxError e)
        {
            return (e.Line, e.Message);
        }
        var p = new PyParser(tokens);
        try
        {
            parse(p);
        }
        catch (PyTokenizerStop e)
        {
            return (e.Line, e.Message);
        }
        catch (InsufficientExecutionStackException)
        {
            return null;
        }
        catch (PySyntaxError e)
        {
            (int Line, string Message) error = (e.Line, e.Message);
            try
            {
                if (e.Message == "invalid syntax" && p.CommaHint() is { } line) error = (line, "invalid syntax. Perhaps you forgot a comma?");
            }
            catch (PyTokenizerStop stop)
            {
                return (stop.Line, stop.Message);
            }
            // CPython: a bracket never closed, opened before the last line the parser read, is the error it names.
            if (unclosed > 0 && p.t[p.far].Line > unclosed) return (unclosed, "'(' was never closed");
            return error;
        }
        return p.semantic;
    }

    /// <summary>
    /// CPython's invalid_expression, tried when the parse failed: two expressions side by side in brackets. The second is
    /// parsed (reading on, which the unclosed-bracket check sees); when it parses, the error is at the first one's line.
    /// </summary>
    int? CommaHint()
    {
        if (!endedInBrackets.TryGetValue(far, out var line)) return null;
        pos = far;
        try
        {
            Expression();
            return line;
        }
        catch (Exception e) when (e is PySyntaxError or InsufficientExecutionStackException)
        {
            return null;
        }
    }

    void EvalInput()
    {
        StarExpressions();
        while (Peek().Kind == PyTokenKind.Newline) pos++;
        if (Peek().Kind != PyTokenKind.End) throw Fail();
    }

    // ---- expressions ----

    /// <summary>star_expressions: a value, or a tuple of them (a bare <c>*a</c> is a compile error where a value is needed).</summary>
    PyExpr StarExpressions(bool value = false)
    {
        var first = StarExpression();
        if (!IsOp(","))
        {
            if (value && first.Kind == PyExprKind.Starred) Semantic(first.Line, "can't use starred expression here");
            return first;
        }
        var items = new List<PyExpr> { first };
        while (AcceptOp(","))
        {
            if (!StartsExpression()) break;
            items.Add(StarExpression());
        }
        return new PyExpr(PyExprKind.Tuple, first.Line) { Items = items };
    }

    PyExpr StarExpression() => IsOp("*") ? Starred() : Expression();

    PyExpr StarNamedExpression() => IsOp("*") ? Starred() : NamedExpression();

    /// <summary>'*' bitwise_or.</summary>
    PyExpr Starred()
    {
        var line = Next().Line;
        return new PyExpr(PyExprKind.Starred, line) { Items = [BitwiseOr()] };
    }

    PyExpr NamedExpression()
    {
        if (IsName() && IsOp(":=", 1))
        {
            var line = Next().Line;
            pos++;
            Expression();
            return new PyExpr(PyExprKind.Other, line);
        }
        var e = Expression();
        if (IsOp(":=")) throw new PySyntaxError(Peek().Line, "cannot use assignment expressions with this expression");
        return e;
    }

    bool StartsExpression()
    {
        var tok = Peek();
        return tok.Kind is PyTokenKind.Number or PyTokenKind.String
            || tok.Kind == PyTokenKind.Name && (!Keywords.Contains(tok.Text) || tok.Text is "None" or "True" or "False" or "not" or "lambda" or "await" or "yield")
            || tok.Kind == PyTokenKind.Op && tok.Text is "(" or "[" or "{" or "-" or "+" or "~" or "..." or "*";
    }

    PyExpr Expression()
    {
        // Too deep for this thread's stack (thousands of nested operators): the check gives up and the host decides.
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        if (IsKw("lambda")) return Lambda();
        var e = Disjunction();
        if (AcceptKw("if"))
        {
            Disjunction();
            ExpectKw("else");
            Expression();
            return new PyExpr(PyExprKind.Other, e.Line);
        }
        return e;
    }

    PyExpr Lambda()
    {
        var line = Next().Line;
        Parameters(":", annotations: false);
        ExpectOp(":");
        Scoped(ScopeKind.Lambda, false, () => Expression());
        return new PyExpr(PyExprKind.Other, line);
    }

    PyExpr Disjunction()
    {
        var start = pos;
        var e = Conjunction();
        while (AcceptKw("or")) e = Other(e, Conjunction());
        if (brackets > 0)
        {
            // the outermost expression that ended here names the line
            if (!endedInBrackets.TryGetValue(pos, out var l) || t[start].Line < l) endedInBrackets[pos] = t[start].Line;
        }
        return e;
    }

    static PyExpr Other(PyExpr left, PyExpr _) => new(PyExprKind.Other, left.Line);

    PyExpr Conjunction()
    {
        var e = Inversion();
        while (AcceptKw("and")) e = Other(e, Inversion());
        return e;
    }

    PyExpr Inversion()
    {
        if (IsKw("not"))
        {
            System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
            var line = Next().Line;
            Inversion();
            return new PyExpr(PyExprKind.Other, line);
        }
        return Comparison();
    }

    PyExpr Comparison()
    {
        var e = BitwiseOr();
        while (true)
        {
            if (Peek() is { Kind: PyTokenKind.Op, Text: "==" or "!=" or "<" or "<=" or ">" or ">=" }) pos++;
            else if (AcceptKw("in")) { }
            else if (IsKw("not") && IsKw("in", 1)) pos += 2;
            else if (AcceptKw("is")) AcceptKw("not");
            else return e;
            e = Other(e, BitwiseOr());
        }
    }

    static readonly string[][] Binary = [["|"], ["^"], ["&"], ["<<", ">>"], ["+", "-"], ["*", "/", "//", "%", "@"]];

    PyExpr BitwiseOr() => BinaryLevel(0);

    PyExpr BinaryLevel(int level)
    {
        if (level == Binary.Length) return Factor();
        var e = BinaryLevel(level + 1);
        while (Peek() is { Kind: PyTokenKind.Op } tok && Binary[level].Contains(tok.Text))
        {
            pos++;
            e = Other(e, BinaryLevel(level + 1));
        }
        return e;
    }

    PyExpr Factor()
    {
        if (Peek() is { Kind: PyTokenKind.Op, Text: "+" or "-" or "~" })
        {
            System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
            var line = Next().Line;
            Factor();
            return new PyExpr(PyExprKind.Other, line);
        }
        return Power();
    }

    PyExpr Power()
    {
        var e = AwaitPrimary();
        if (AcceptOp("**")) e = Other(e, Factor());
        return e;
    }

    PyExpr AwaitPrimary()
    {
        if (IsKw("await"))
        {
            var line = Next().Line;
            CheckAwait(line);
            Primary();
            return new PyExpr(PyExprKind.Other, line);
        }
        return Primary();
    }

    PyExpr Primary()
    {
        var e = Atom();
        while (true)
        {
            if (AcceptOp("."))
            {
                ExpectName();
                e = new PyExpr(PyExprKind.Attribute, e.Line);
            }
            else if (IsOp("("))
            {
                pos++;
                brackets++;
                Arguments();
                brackets--;
                ExpectOp(")");
                e = new PyExpr(PyExprKind.Call, e.Line);
            }
            else if (IsOp("["))
            {
                pos++;
                brackets++;
                Slices();
                brackets--;
                ExpectOp("]");
                e = new PyExpr(PyExprKind.Subscript, e.Line);
            }
            else return e;
        }
    }

    void Slices()
    {
        while (true)
        {
            if (IsOp("*")) StarExpression();
            else
            {
                var hasStart = !IsOp(":");
                if (hasStart) NamedExpression();
                if (AcceptOp(":"))
                {
                    if (!IsOp(":") && !IsOp(",") && !IsOp("]")) Expression();
                    if (AcceptOp(":") && !IsOp(",") && !IsOp("]")) Expression();
                }
                else if (!hasStart) throw Fail();
            }
            if (!AcceptOp(",")) return;
            if (IsOp("]")) return;
        }
    }

    void Arguments()
    {
        var keywords = new HashSet<string>(StringComparer.Ordinal);
        bool sawKeyword = false, sawDoubleStar = false;
        var count = 0;
        var generator = false;
        var firstLine = Peek().Line;
        while (!IsOp(")"))
        {
            var line = Peek().Line;
            if (count > 0 && generator) throw new PySyntaxError(line, "Generator expression must be parenthesized");
            if (AcceptOp("*"))
            {
                if (sawDoubleStar) throw new PySyntaxError(firstLine, "iterable argument unpacking follows keyword argument unpacking");
                Expression();
            }
            else if (AcceptOp("**"))
            {
                sawDoubleStar = true;
                Expression();
            }
            else if (IsName() && IsOp("=", 1))
            {
                var name = Next().Text;
                pos++;
                sawKeyword = true;
                if (!keywords.Add(name)) Semantic(line, $"keyword argument repeated: {name}");
                Expression();
            }
            else
            {
                NamedExpression();
                if (IsOp("=")) throw new PySyntaxError(line, "expression cannot contain assignment, perhaps you meant \"==\"?");
                if (IsKw("for") || IsKw("async") && IsKw("for", 1))
                {
                    if (count > 0) throw new PySyntaxError(line, "Generator expression must be parenthesized");
                    Comprehension();
                    generator = true;
                }
                else if (sawDoubleStar) throw Fail("positional argument follows keyword argument unpacking");
                else if (sawKeyword) throw Fail("positional argument follows keyword argument");
            }
            count++;
            if (!AcceptOp(",")) break;
            if (generator && !IsOp(")")) throw new PySyntaxError(line, "Generator expression must be parenthesized");
        }
    }

    /// <summary>for_if_clauses, in a comprehension's own scope (its first iterable is evaluated outside, which the checks here can ignore).</summary>
    void Comprehension() => Scoped(ScopeKind.Comprehension, false, () =>
    {
        while (IsKw("for") || IsKw("async") && IsKw("for", 1))
        {
            if (AcceptKw("async")) CheckAwait(t[pos - 1].Line);
            pos++;
            Targets(StarTargets(), "for");
            ExpectKw("in");
            Disjunction();
            while (AcceptKw("if")) Disjunction();
        }
    });

    PyExpr StarTargets()
    {
        // Parsed as expressions, then checked as targets (CPython's invalid_for_target does the same).
        var first = StarTargetOrExpr();
        if (!IsOp(",")) return first;
        var items = new List<PyExpr> { first };
        while (AcceptOp(","))
        {
            if (IsKw("in") || IsOp("=") || IsOp(")") || IsOp("]")) break;
            items.Add(StarTargetOrExpr());
        }
        return new PyExpr(PyExprKind.Tuple, first.Line) { Items = items };
    }

    PyExpr StarTargetOrExpr()
    {
        if (IsOp("*"))
        {
            var line = Next().Line;
            return new PyExpr(PyExprKind.Starred, line) { Items = [StarTargetOrExpr()] };
        }
        return BitwiseOr();
    }

    PyExpr Atom()
    {
        var tok = Peek();
        switch (tok.Kind)
        {
            case PyTokenKind.Number:
                pos++;
                return new PyExpr(PyExprKind.Constant, tok.Line);
            case PyTokenKind.String:
                Strings();
                return new PyExpr(PyExprKind.Constant, tok.Line);
            case PyTokenKind.Name when tok.Text is "None" or "True" or "False":
                pos++;
                return new PyExpr(PyExprKind.Constant, tok.Line);
            case PyTokenKind.Name when !Keywords.Contains(tok.Text):
                pos++;
                return new PyExpr(PyExprKind.Name, tok.Line);
            case PyTokenKind.Op when tok.Text == "...":
                pos++;
                return new PyExpr(PyExprKind.Constant, tok.Line);
            case PyTokenKind.Op when tok.Text is "(" or "[" or "{":
                pos++;
                brackets++;
                var e = tok.Text switch { "(" => Parenthesized(tok.Line), "[" => ListDisplay(tok.Line), _ => Braces(tok.Line) };
                brackets--;
                ExpectOp(tok.Text switch { "(" => ")", "[" => "]", _ => "}" });
                return e;
            default:
                throw Fail();
        }
    }

    PyExpr Parenthesized(int line)
    {
        if (IsOp(")")) return new PyExpr(PyExprKind.Tuple, line) { Parenthesized = true };
        if (IsKw("yield"))
        {
            var y = YieldExpression();
            y.Parenthesized = true;
            return y;
        }
        var first = StarNamedExpression();
        if (IsKw("for") || IsKw("async") && IsKw("for", 1))
        {
            if (first.Kind == PyExprKind.Starred) throw new PySyntaxError(first.Line, "iterable unpacking cannot be used in comprehension");
            Comprehension();
            return new PyExpr(PyExprKind.Other, line);
        }
        if (!IsOp(","))
        {
            if (first.Kind == PyExprKind.Starred) throw new PySyntaxError(first.Line, "cannot use starred expression here");
            first.Parenthesized = true;
            return first;
        }
        var items = new List<PyExpr> { first };
        while (AcceptOp(",") && !IsOp(")")) items.Add(StarNamedExpression());
        return new PyExpr(PyExprKind.Tuple, line) { Items = items, Parenthesized = true };
    }

    PyExpr ListDisplay(int line)
    {
        var items = new List<PyExpr>();
        if (IsOp("]")) return new PyExpr(PyExprKind.List, line) { Items = items };
        var first = StarNamedExpression();
        if (IsKw("for") || IsKw("async") && IsKw("for", 1))
        {
            if (first.Kind == PyExprKind.Starred) throw new PySyntaxError(first.Line, "iterable unpacking cannot be used in comprehension");
            Comprehension();
            return new PyExpr(PyExprKind.Other, line);
        }
        items.Add(first);
        while (AcceptOp(",") && !IsOp("]") && !IsKw("for")) items.Add(StarNamedExpression());
        UnparenthesizedTarget(first);
        return new PyExpr(PyExprKind.List, line) { Items = items };
    }

    PyExpr Braces(int line)
    {
        if (IsOp("}")) return new PyExpr(PyExprKind.Other, line);
        // A dict: key: value or **mapping entries; otherwise a set.
        bool isDict;
        if (AcceptOp("**"))
        {
            BitwiseOr();
            isDict = true;
        }
        else
        {
            var first = StarNamedExpression();
            isDict = AcceptOp(":");
            if (isDict)
            {
                if (first.Kind == PyExprKind.Starred) throw Fail();
                Expression();
            }
            if (IsKw("for") || IsKw("async") && IsKw("for", 1))
            {
                if (first.Kind == PyExprKind.Starred) throw new PySyntaxError(first.Line, "iterable unpacking cannot be used in comprehension");
                Comprehension();
                return new PyExpr(PyExprKind.Other, line);
            }
        }
        while (AcceptOp(",") && !IsOp("}"))
        {
            if (isDict)
            {
                if (AcceptOp("**")) BitwiseOr();
                else
                {
                    Expression();
                    ExpectOp(":");
                    Expression();
                }
            }
            else
            {
                if (IsKw("for")) break;
                StarNamedExpression();
            }
        }
        if (!isDict) UnparenthesizedTarget(null);
        return new PyExpr(PyExprKind.Other, line);
    }

    /// <summary>CPython's invalid_comprehension: <c>[a, b for x in y]</c> is parsed on (its for clauses too) and then refused.</summary>
    void UnparenthesizedTarget(PyExpr? first)
    {
        if (!IsKw("for") && !(IsKw("async") && IsKw("for", 1))) return;
        var line = first?.Line ?? Peek().Line;
        Comprehension();
        throw new PySyntaxError(line, "did you forget parentheses around the comprehension target?");
    }

    void Strings()
    {
        bool? bytes = null;
        var line = Peek().Line;
        while (Peek().Kind == PyTokenKind.String)
        {
            var tok = Next();
            var isBytes = PyStrings.Check(tok, this);
            if (bytes is { } b && b != isBytes) throw new PySyntaxError(line, "cannot mix bytes and nonbytes literals");
            bytes = isBytes;
        }
    }

    /// <summary>Checks an f-string replacement field's expression, as CPython 3.11 does: parsed alone, in parentheses.</summary>
    internal void FStringExpression(string expression, int line)
    {
        var error = CheckEval("(" + expression + ")");
        if (error is { } e) throw new PySyntaxError(line, "f-string: " + e.Message);
    }

    PyExpr YieldExpression()
    {
        var line = Next().Line;
        CheckYield(line);
        if (AcceptKw("from")) Expression();
        else if (StartsExpression()) StarExpressions();
        return new PyExpr(PyExprKind.Yield, line);
    }
}
