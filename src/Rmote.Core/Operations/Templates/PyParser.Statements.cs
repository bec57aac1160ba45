namespace Rmote.Operations.Templates;

/// <summary>Statements, targets and scopes of <see cref="PyParser"/>.</summary>
internal sealed partial class PyParser
{
    enum ScopeKind { Module, Function, Class, Lambda, Comprehension }

    sealed class Scope(ScopeKind kind, bool isAsync)
    {
        public ScopeKind Kind { get; } = kind;
        public bool Async { get; } = isAsync;
        public int Loops { get; set; }
    }

    readonly Stack<Scope> scopes = new([new Scope(ScopeKind.Module, false)]);
    // 'from __future__' is allowed only before any other statement (a docstring aside).
    bool futureAllowed = true;

    static readonly HashSet<string> Futures =
        ["nested_scopes", "generators", "division", "absolute_import", "with_statement", "print_function", "unicode_literals", "barry_as_FLUFL", "generator_stop", "annotations"];

    static readonly HashSet<string> AugmentedOps = ["+=", "-=", "*=", "/=", "//=", "%=", "@=", "&=", "|=", "^=", ">>=", "<<=", "**="];

    void Scoped(ScopeKind kind, bool isAsync, Action body)
    {
        scopes.Push(new Scope(kind, isAsync));
        try
        {
            body();
        }
        finally
        {
            scopes.Pop();
        }
    }

    void CheckYield(int line)
    {
        var s = scopes.Peek();
        if (s.Kind == ScopeKind.Comprehension) Semantic(line, "'yield' inside comprehension");
        else if (s.Kind is ScopeKind.Module or ScopeKind.Class) Semantic(line, "'yield' outside function");
    }

    void CheckAwait(int line)
    {
        var s = scopes.First(x => x.Kind != ScopeKind.Comprehension);
        if (s.Kind is ScopeKind.Module or ScopeKind.Class) Semantic(line, "'await' outside function");
        else if (!s.Async) Semantic(line, "'await' outside async function");
    }

    void File()
    {
        while (Peek().Kind != PyTokenKind.End)
        {
            if (Peek().Kind == PyTokenKind.Newline) pos++;
            else Statement();
        }
    }

    void Statement()
    {
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        var tok = Peek();
        var wasFutureAllowed = futureAllowed;
        futureAllowed = false;
        if (tok.Kind == PyTokenKind.Op && tok.Text == "@")
        {
            while (AcceptOp("@"))
            {
                NamedExpression();
                if (Next().Kind != PyTokenKind.Newline) throw Fail();
            }
            if (IsKw("def")) FunctionDef(false);
            else if (IsKw("class")) ClassDef();
            else if (IsKw("async") && IsKw("def", 1)) { pos++; FunctionDef(true); }
            else throw Fail();
            return;
        }
        if (tok.Kind == PyTokenKind.Name)
        {
            switch (tok.Text)
            {
                case "def": FunctionDef(false); return;
                case "class": ClassDef(); return;
                case "if": If(); return;
                case "for": For(); return;
                case "while": While(); return;
                case "with": With(); return;
                case "try": Try(); return;
                case "async" when IsKw("def", 1) || IsKw("for", 1) || IsKw("with", 1):
                    pos++;
                    if (IsKw("def")) FunctionDef(true);
                    else
                    {
                        if (!(scopes.Peek() is { Kind: ScopeKind.Function, Async: true })) Semantic(tok.Line, $"'async {Peek().Text}' outside async function");
                        if (IsKw("for")) For(); else With();
                    }
                    return;
            }
        }
        futureAllowed = wasFutureAllowed;
        SimpleStatements();
    }

    void SimpleStatements()
    {
        SimpleStatement();
        while (AcceptOp(";"))
        {
            if (Peek().Kind == PyTokenKind.Newline) break;
            SimpleStatement();
        }
        if (Next().Kind != PyTokenKind.Newline) throw Fail();
    }

    void SimpleStatement()
    {
        var tok = Peek();
        var future = futureAllowed;
        futureAllowed = false;
        if (tok.Kind == PyTokenKind.Name)
        {
            switch (tok.Text)
            {
                case "pass": pos++; return;
                case "break" or "continue":
                    pos++;
                    if (scopes.Peek().Loops == 0) Semantic(tok.Line, tok.Text == "break" ? "'break' outside loop" : "'continue' not properly in loop");
                    return;
                case "return":
                    pos++;
                    if (scopes.Peek().Kind != ScopeKind.Function) Semantic(tok.Line, "'return' outside function");
                    if (StartsExpression()) StarExpressions(value: true);
                    return;
                case "raise":
                    pos++;
                    if (StartsExpression())
                    {
                        Expression();
                        if (AcceptKw("from")) Expression();
                    }
                    return;
                case "global" or "nonlocal":
                    pos++;
                    if (tok.Text == "nonlocal" && scopes.Peek().Kind == ScopeKind.Module) Semantic(tok.Line, "nonlocal declaration not allowed at module level");
                    do ExpectName(); while (AcceptOp(","));
                    return;
                case "del":
                    pos++;
                    do DeleteTarget(BitwiseOr());
                    while (AcceptOp(",") && StartsExpression());
                    return;
                case "assert":
                    pos++;
                    Expression();
                    if (AcceptOp(",")) Expression();
                    return;
                case "import":
                    pos++;
                    do
                    {
                        DottedName();
                        if (AcceptKw("as")) ExpectName();
                    }
                    while (AcceptOp(","));
                    return;
                case "from":
                    From(tok.Line, future);
                    return;
            }
        }
        // A docstring keeps 'from __future__' allowed.
        var docstring = future && tok.Kind == PyTokenKind.String;
        var first = IsKw("yield") ? YieldExpression() : StarExpressions();
        if (docstring && first.Kind == PyExprKind.Constant && Peek().Kind == PyTokenKind.Newline) futureAllowed = true;
        // CPython names a bad annotated or augmented target only once the rest of the statement parsed.
        if (IsOp(":"))
        {
            pos++;
            Expression();
            if (first.Kind == PyExprKind.Tuple && !first.Parenthesized) throw new PySyntaxError(first.Line, "only single target (not tuple) can be annotated");
            if (first.Kind is not (PyExprKind.Name or PyExprKind.Attribute or PyExprKind.Subscript)) throw new PySyntaxError(first.Line, "illegal target for annotation");
            if (AcceptOp("=")) Value();
            return;
        }
        if (Peek() is { Kind: PyTokenKind.Op } op && AugmentedOps.Contains(op.Text))
        {
            pos++;
            Value();
            if (first.Kind is not (PyExprKind.Name or PyExprKind.Attribute or PyExprKind.Subscript))
                throw new PySyntaxError(first.Line, "illegal expression for augmented assignment");
            return;
        }
        if (IsOp("="))
        {
            while (AcceptOp("="))
            {
                Targets(first, "assign");
                first = Value();
            }
            return;
        }
        if (first.Kind == PyExprKind.Starred) Semantic(first.Line, "can't use starred expression here");
    }

    PyExpr Value()
    {
        if (IsKw("yield")) return YieldExpression();
        return StarExpressions(value: true);
    }

    void From(int line, bool future)
    {
        pos++;
        var dots = 0;
        while (IsOp(".") || IsOp("...")) dots += Next().Text.Length;
        var module = dots == 0 || IsName() ? DottedName() : "";
        ExpectKw("import");
        var names = new List<string>();
        if (AcceptOp("*"))
        {
            if (scopes.Peek().Kind != ScopeKind.Module) Semantic(line, "import * only allowed at module level");
            names.Add("*");
        }
        else if (AcceptOp("("))
        {
            do
            {
                if (IsOp(")")) break;
                names.Add(ExpectName().Text);
                if (AcceptKw("as")) ExpectName();
            }
            while (AcceptOp(","));
            ExpectOp(")");
        }
        else
        {
            while (true)
            {
                names.Add(ExpectName().Text);
                if (AcceptKw("as")) ExpectName();
                if (!AcceptOp(",")) break;
                if (Peek().Kind == PyTokenKind.Newline) throw new PySyntaxError(line, "trailing comma not allowed without surrounding parentheses");
            }
        }
        if (dots == 0 && module == "__future__")
        {
            if (!future) Semantic(line, "from __future__ imports must occur at the beginning of the file");
            foreach (var n in names.Where(n => !Futures.Contains(n))) Semantic(line, n == "*" ? "future feature * is not defined" : $"future feature {n} is not defined");
            futureAllowed = future;
        }
    }

    string DottedName()
    {
        var name = ExpectName().Text;
        while (AcceptOp(".")) name += "." + ExpectName().Text;
        return name;
    }

    /// <summary>An assignment (or for, with, comprehension) target: a name, attribute, subscript, or a tuple or list of them with at most one starred.</summary>
    void Targets(PyExpr e, string context, bool nested = false)
    {
        switch (e.Kind)
        {
            case PyExprKind.Name or PyExprKind.Attribute or PyExprKind.Subscript:
                return;
            case PyExprKind.Tuple or PyExprKind.List:
                if (e.Items.Count(x => x.Kind == PyExprKind.Starred) > 1) Semantic(e.Line, "multiple starred expressions in assignment");
                foreach (var item in e.Items) Targets(item, context, true);
                return;
            case PyExprKind.Starred:
                if (!nested) Semantic(e.Line, "starred assignment target must be in a list or tuple");
                Targets(e.Items[0], context, true);
                return;
            default:
                throw new PySyntaxError(e.Line, e.Kind switch
                {
                    PyExprKind.Call => "cannot assign to function call",
                    PyExprKind.Constant => "cannot assign to literal",
                    PyExprKind.Yield => "cannot assign to yield expression",
                    _ => "cannot assign to expression",
                });
        }
    }

    void DeleteTarget(PyExpr e)
    {
        switch (e.Kind)
        {
            case PyExprKind.Name or PyExprKind.Attribute or PyExprKind.Subscript:
                return;
            case PyExprKind.Tuple or PyExprKind.List:
                foreach (var item in e.Items) DeleteTarget(item);
                return;
            default:
                throw new PySyntaxError(e.Line, "cannot delete expression");
        }
    }

    /// <summary>':' then a block: an indented suite on the next lines, or simple statements on the same line.</summary>
    void Block(string header, int headerLine)
    {
        ExpectOp(":");
        if (Peek().Kind != PyTokenKind.Newline)
        {
            SimpleStatements();
            return;
        }
        pos++;
        if (Peek().Kind != PyTokenKind.Indent) throw new PySyntaxError(Peek().Line, $"expected an indented block after {header} on line {headerLine}");
        pos++;
        while (Peek().Kind is not (PyTokenKind.Dedent or PyTokenKind.End))
        {
            if (Peek().Kind == PyTokenKind.Newline) pos++;
            else Statement();
        }
        if (Peek().Kind == PyTokenKind.Dedent) pos++;
    }

    void LoopBody(string header, int line)
    {
        var s = scopes.Peek();
        s.Loops++;
        try
        {
            Block(header, line);
        }
        finally
        {
            s.Loops--;
        }
        if (IsKw("else"))
        {
            var at = Next().Line;
            Block("'else' statement", at);
        }
    }

    void If()
    {
        var line = Next().Line;
        NamedExpression();
        Block("'if' statement", line);
        while (IsKw("elif"))
        {
            var at = Next().Line;
            NamedExpression();
            Block("'elif' statement", at);
        }
        if (IsKw("else"))
        {
            var at = Next().Line;
            Block("'else' statement", at);
        }
    }

    void While()
    {
        var line = Next().Line;
        NamedExpression();
        LoopBody("'while' statement", line);
    }

    void For()
    {
        var line = Next().Line;
        Targets(StarTargets(), "for");
        ExpectKw("in");
        StarExpressions(value: true);
        LoopBody("'for' statement", line);
    }

    void With()
    {
        var line = Next().Line;
        if (IsOp("("))
        {
            // with (a as b, c): the parenthesized items of 3.9+, else a parenthesized expression: try the first.
            var (at, depth, kept) = (pos, brackets, semantic);
            try
            {
                pos++;
                brackets++;
                do
                {
                    if (IsOp(")")) break;
                    WithItem();
                }
                while (AcceptOp(","));
                brackets--;
                ExpectOp(")");
                if (!IsOp(":")) throw Fail();
                Block("'with' statement", line);
                return;
            }
            catch (PySyntaxError)
            {
                (pos, brackets, semantic) = (at, depth, kept);
            }
        }
        do WithItem(); while (AcceptOp(","));
        Block("'with' statement", line);
    }

    void WithItem()
    {
        Expression();
        if (AcceptKw("as"))
        {
            var target = StarTargetOrExpr();
            Targets(target, "with");
            if (!IsOp(",") && !IsOp(")") && !IsOp(":")) throw Fail();
        }
    }

    void Try()
    {
        var line = Next().Line;
        Block("'try' statement", line);
        var handlers = 0;
        var bareSeen = false;
        bool? star = null;
        while (IsKw("except"))
        {
            var at = Next().Line;
            var isStar = AcceptOp("*");
            if (star is { } s && s != isStar) throw new PySyntaxError(at, "cannot have both 'except' and 'except*' on the same 'try'");
            star = isStar;
            if (bareSeen) Semantic(at, "default 'except:' must be last");
            if (!IsOp(":"))
            {
                Expression();
                if (IsOp(",")) throw new PySyntaxError(at, "multiple exception types must be parenthesized");
                if (AcceptKw("as")) ExpectName();
            }
            else if (isStar) throw new PySyntaxError(at, "expected one or more exception types");
            else bareSeen = true;
            Block("'except' statement", at);
            handlers++;
        }
        if (handlers > 0 && IsKw("else"))
        {
            var at = Next().Line;
            Block("'else' statement", at);
        }
        if (IsKw("finally"))
        {
            var at = Next().Line;
            Block("'finally' statement", at);
        }
        else if (handlers == 0) throw new PySyntaxError(Peek().Line, "expected 'except' or 'finally' block");
    }

    void FunctionDef(bool isAsync)
    {
        var line = Next().Line;
        ExpectName();
        ExpectOp("(");
        brackets++;
        Scoped(ScopeKind.Function, isAsync, () =>
        {
            Parameters(")", annotations: true);
            brackets--;
            ExpectOp(")");
            if (AcceptOp("->")) Expression();
            Block("function definition", line);
        });
    }

    void ClassDef()
    {
        var line = Next().Line;
        ExpectName();
        if (AcceptOp("("))
        {
            brackets++;
            Arguments();
            brackets--;
            ExpectOp(")");
        }
        Scoped(ScopeKind.Class, false, () => Block("class definition", line));
    }

    /// <summary>A def's (or a lambda's: <paramref name="closing"/> ':' and no annotations) parameter list, with CPython's rules on '/', '*', defaults and duplicates.</summary>
    void Parameters(string closing, bool annotations)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        bool sawDefault = false, sawSlash = false, sawStar = false, sawDoubleStar = false;
        var count = 0;
        void Name(PyToken tok)
        {
            if (!names.Add(tok.Text)) Semantic(tok.Line, $"duplicate argument '{tok.Text}' in function definition");
        }
        while (!IsOp(closing))
        {
            var line = Peek().Line;
            if (sawDoubleStar) throw new PySyntaxError(line, "arguments cannot follow var-keyword argument");
            if (AcceptOp("/"))
            {
                if (sawSlash) throw new PySyntaxError(line, "/ may appear only once");
                if (sawStar) throw new PySyntaxError(line, "/ must be ahead of *");
                if (count == 0) throw new PySyntaxError(line, "at least one argument must precede /");
                sawSlash = true;
            }
            else if (AcceptOp("*"))
            {
                if (sawStar) throw new PySyntaxError(line, "* argument may appear only once");
                sawStar = true;
                if (IsName())
                {
                    Name(Next());
                    if (annotations && AcceptOp(":")) StarExpression();
                    if (IsOp("=")) throw new PySyntaxError(line, "var-positional argument cannot have default value");
                }
                else if (IsOp(closing) || IsOp(",") && (IsOp(closing, 1) || IsOp("**", 1))) throw Fail("named arguments must follow bare *");
            }
            else if (AcceptOp("**"))
            {
                Name(ExpectName());
                if (annotations && AcceptOp(":")) Expression();
                if (IsOp("=")) throw new PySyntaxError(line, "var-keyword argument cannot have default value");
                sawDoubleStar = true;
            }
            else
            {
                Name(ExpectName());
                if (annotations && AcceptOp(":")) Expression();
                if (AcceptOp("="))
                {
                    Expression();
                    if (!sawStar) sawDefault = true;
                }
                else if (sawDefault && !sawStar) throw new PySyntaxError(line, "non-default argument follows default argument");
            }
            count++;
            if (!AcceptOp(",")) break;
        }
    }
}
