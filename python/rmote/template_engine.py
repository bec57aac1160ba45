"""rmote_template: rmote's Mako-like template engine (``Template`` / ``render_template`` of rmote's protocol.py).

Shipped to the host as the module ``rmote_template`` (synced in front of the Template tool, which imports it).
Syntax and output are rmote's (docs/TEMPLATES.md):

* The source is split like ``str.splitlines()`` (``\\n``, ``\\r\\n``, ``\\r``...). Emitted text lines are joined
  with ``\\n``; no newline follows the last one (end the template with a blank line to get one).
* ``${expr}`` in a text line inserts ``str(expr)``; braces nest by depth counting (``${ {'a': 1}['a'] }``);
  ``\\${`` is a literal ``${``.
* A line whose stripped text starts with ``##`` is dropped; one starting with ``%%`` is a text line whose
  first ``%%`` becomes ``%``.
* Any other line starting with ``%`` is a Python statement at the current block depth: ``for``, ``if``,
  ``while``, ``with``, ``try``, ``def``, ``class`` open a block (trailing colon optional); ``else``, ``elif``,
  ``except``, ``finally`` continue it; ``endfor``, ``endif``, ``endwhile``, ``endwith``, ``end`` or a bare
  ``%`` close it; anything else (``x = 1``, ``total += v``, ``import os``, ``break``) runs as written.
  Statements run in the template's own namespace (the variables are its globals).

Beyond rmote: escaping filters, Mako's syntax (``${x | json}``, ``xml``, ``shell``, ``url``; a ``|`` followed only
by filter names ends an expression, so ``${a | json}`` no longer means ``a`` or'ed with a variable ``json``: write
``${(a | json)}`` for that). Beyond rmote, never changing what an rmote template renders: an empty block is allowed; a ``}`` inside a
string of an expression is accepted (``${ "}" }``); an unterminated ``${`` is an error (rmote evaluated the
rest of the line); a text line inside ``% def`` works; errors name the template line and show the compiled
line; compiled templates are cached (bounded).
"""

import builtins
import hashlib
import re
import sys
import _thread

__all__ = ["Template", "render_template", "render", "TemplateProgram"]

# Single underscores: a name inside a '% class' body must not be mangled.
_NEWLINE = "_rmote_newline"  # writes the '\n' in front of every text line but the first
_WRITE = "_rmote_write"
_WRITTEN = "_rmote_written"
_STR = "_rmote_str"
_CACHE_MAX = 256
_cache = {}
_cache_lock = _thread.allocate_lock()
_SECRET_RUN = 8  # a message holding this many characters of a secret value in a row quotes it

# Escaping filters, Mako's syntax: ``${expr | json}``, ``${expr | shell, json}`` (applied left to right).
_FILTER_PREFIX = "_rmote_filter_"
_FILTER_TAIL = re.compile(r"^(.*)\|\s*([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\s*$", re.S)


def _json_filter(value):
    import json
    # A complete JSON value, quotes included: '{"msg": ${msg | json}}'. NaN and infinities are not JSON.
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def _xml_filter(value):
    text = str(value)
    for ch in text:
        o = ord(ch)
        if (o < 0x20 and ch not in "\t\n\r") or 0xD800 <= o <= 0xDFFF or o in (0xFFFE, 0xFFFF):
            raise ValueError("the xml filter got U+%04X, which XML 1.0 does not allow in a document" % o)
    # A raw CR would read back as LF (XML's line-end normalisation): a character reference keeps it.
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&#39;").replace("\r", "&#13;"))


def _shell_filter(value):
    text = str(value)
    if "\0" in text:
        raise ValueError("the shell filter got a NUL character, which no shell argument can hold")
    # POSIX single quotes keep every character literal; a quote inside ends them, adds \' and reopens them.
    return "'" + text.replace("'", "'\\''") + "'"


def _url_filter(value):
    from urllib.parse import quote
    # Everything but RFC 3986's unreserved characters is percent-encoded (UTF-8): safe in a path segment or a query.
    return quote(str(value), safe="")


FILTERS = {"json": _json_filter, "xml": _xml_filter, "shell": _shell_filter, "url": _url_filter}

BLOCK_OPEN = frozenset({"for", "if", "while", "with", "try", "def", "class"})
BLOCK_CONT = frozenset({"else", "elif", "except", "finally"})
BLOCK_END = frozenset({"endfor", "endif", "endwhile", "endwith", "end"})


def _where(name, lineno):
    return ("template %s line %d" % (name, lineno)) if name else ("template line %d" % lineno)


def _compiles(expr):
    try:
        compile("%s(%s)" % (_STR, expr), "<expr>", "eval")
        return True
    except SyntaxError:
        return False


def _expression_end(line, start):
    """Index of the '}' closing the expression starting at ``start`` (just after '${'), or -1 if none does.

    rmote's rule first: braces counted by depth. Only when that gives no valid expression (a brace inside a
    string: ``${ "}" }``) is each later '}' tried in turn."""
    depth = 1
    i = start
    while i < len(line):
        ch = line[i]
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                break
        i += 1
    if depth == 0 and _compiles(line[start:i]):
        return i
    j = line.find("}", start)
    while j >= 0:
        if _compiles(line[start:j]):
            return j
        j = line.find("}", j + 1)
    return i if depth == 0 else -1


def _split_filters(expr):
    """(expression, [filter names]) of an expression ending in ``| name, name`` where every name is a filter and
    the rest is an expression; otherwise (expr, []): ``${a | b}`` with a variable ``b`` stays Python's ``|``."""
    m = _FILTER_TAIL.match(expr)
    if not m:
        return expr, []
    names = [n.strip() for n in m.group(2).split(",")]
    if not all(n in FILTERS for n in names) or not m.group(1).strip() or not _compiles(m.group(1)):
        return expr, []
    return m.group(1), names


def _filtered(expr):
    """The Python code of an expression with its filters applied (innermost first)."""
    expr, names = _split_filters(expr)
    for n in names:
        expr = "%s%s(%s)" % (_FILTER_PREFIX, n, expr)
    return expr


def _text_code(line, lineno, name):
    """The Python statements writing one text line, as rmote writes it: the separating newline, each part in
    turn (a failing expression leaves the parts before it written, which a '% try' can observe), then the mark
    that a line was written."""
    parts = []
    buf = []
    i = 0
    n = len(line)
    while i < n:
        if line.startswith("\\${", i):
            buf.append("${")
            i += 3
        elif line.startswith("${", i):
            end = _expression_end(line, i + 2)
            if end < 0:
                raise ValueError("%s: unterminated '${' (an expression closes with '}' on the same line; write "
                                 "'\\${' for a literal '${'): %s" % (_where(name, lineno), line.strip()))
            if buf:
                parts.append("%s(%r)" % (_WRITE, "".join(buf)))
                buf = []
            parts.append("%s(%s(%s))" % (_WRITE, _STR, _filtered(line[i + 2:end])))
            i = end + 1
        else:
            buf.append(line[i])
            i += 1
    if buf:
        parts.append("%s(%r)" % (_WRITE, "".join(buf)))
    return ["%s()" % _NEWLINE] + parts + ["%s()" % _WRITTEN]


def _keyword(code):
    # rmote's rule: the first word, a trailing ':' or '(' ignored.
    return code.split()[0].rstrip(":(")


class TemplateProgram(object):
    """A compiled template: the code object, the generated Python lines and which template line each came from."""
    __slots__ = ("code", "python_lines", "linemap", "lines")

    def __init__(self, code, python_lines, linemap, lines):
        self.code = code
        self.python_lines = python_lines
        self.linemap = linemap  # generated line (1-based) -> template line (1-based)
        self.lines = lines  # the template's lines, for messages


def _generate(source, name):
    lines = source.splitlines()
    out = []  # (python line, template line)
    depth = 0

    def emit(stmt, lineno):
        out.append(("    " * depth + stmt, lineno))

    def emit_text(text, lineno):
        for stmt in _text_code(text, lineno, name):
            emit(stmt, lineno)

    for lineno, raw in enumerate(lines, 1):
        stripped = raw.strip()
        if stripped.startswith("##"):
            continue
        if stripped.startswith("%%"):
            at = raw.index("%%")
            emit_text(raw[:at] + "%" + raw[at + 2:], lineno)
            continue
        if not stripped.startswith("%"):
            emit_text(raw, lineno)
            continue
        code = stripped[1:].strip()
        keyword = _keyword(code) if code else "end"
        if keyword in BLOCK_END:
            depth = max(0, depth - 1)
        elif keyword in BLOCK_OPEN or keyword in BLOCK_CONT:
            if keyword in BLOCK_CONT:
                depth = max(0, depth - 1)
            emit(code if code.endswith(":") else code + ":", lineno)
            depth += 1
            emit("pass", lineno)  # an empty block is fine (rmote: IndentationError)
        else:
            emit(code, lineno)
    return out, lines


def compile_template(source, name=None):
    # type: (str, ...) -> TemplateProgram
    """Compile ``source`` (cached by content). Bad syntax raises ValueError naming the template line."""
    if not isinstance(source, str):
        raise TypeError("template must be a string, not %s" % type(source).__name__)
    key = hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()
    program = _cache.get(key)
    if program is not None:
        return program
    out, lines = _generate(source, name)
    python_lines = [stmt for stmt, _ in out]
    try:
        code = compile("\n".join(python_lines) + "\n", "<rmote-template-%s>" % key[:16], "exec")
    except SyntaxError as e:
        at = e.lineno if e.lineno and 0 < e.lineno <= len(out) else len(out)
        tline = out[at - 1][1] if out else 1
        text = lines[tline - 1].strip() if lines else ""
        raise ValueError("%s: invalid template (%s): %s [compiled: %s]"
                         % (_where(name, tline), e.msg, text, out[at - 1][0].strip() if out else "")) from None
    program = TemplateProgram(code, python_lines, [t for _, t in out], lines)
    with _cache_lock:
        if len(_cache) >= _CACHE_MAX:
            _cache.clear()
        _cache[key] = program
    return program


def _secret_texts(variables, secrets):
    texts = []
    for key in secrets or ():
        value = variables.get(key)
        if value is not None and not isinstance(value, (dict, list)):
            texts.append(str(value))
    return [t for t in texts if len(t) >= 3]


def _quotes_secret(text, secret_texts):
    # Python truncates and escapes what it quotes (int() keeps 200 characters of a repr), so a plain search for the
    # value is not enough: any run of _SECRET_RUN characters of a value (a line of it, unescaped) counts.
    for value in secret_texts:
        if value in text:
            return True
        for line in value.splitlines():
            line = line.strip()
            for i in range(len(line) - _SECRET_RUN + 1):
                if line[i:i + _SECRET_RUN] in text:
                    return True
    return False


def _failing_line(program, tb):
    """The generated line (1-based) of the innermost template frame of a traceback, or None."""
    lineno = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == program.code.co_filename:
            lineno = tb.tb_lineno
        tb = tb.tb_next
    return lineno if lineno is not None and 0 < lineno <= len(program.linemap) else None


def render(source, variables=None, name=None, secrets=None):
    """Render ``source`` with ``variables`` (a dict: name -> value). ``name`` (a file path) goes into messages;
    ``secrets`` names variables whose values an error message must never quote: such a message is withheld.
    A runtime error keeps its type; its message gains ``(template line N: text) [compiled: python]``."""
    if variables is None:
        variables = {}
    if not isinstance(variables, dict):
        raise TypeError("variables must be a dict of name -> value")
    program = compile_template(source, name)
    namespace = {"__builtins__": builtins}
    for key, value in variables.items():
        if not isinstance(key, str) or (key.startswith("_") and key.lstrip("_").startswith("rmote_")):
            raise ValueError("invalid template variable name %r (names starting with '_rmote_' are the "
                             "engine's)" % (key,))
        namespace[key] = value
    emitted = []
    written = []  # non-empty once a text line was written

    def newline():
        if written:
            emitted.append("\n")

    namespace[_NEWLINE] = newline
    namespace[_WRITE] = emitted.append
    namespace[_WRITTEN] = lambda: written or written.append(True)
    namespace[_STR] = str
    for key, fn in FILTERS.items():
        namespace[_FILTER_PREFIX + key] = fn
    try:
        exec(program.code, namespace)
    except Exception as e:
        at = _failing_line(program, sys.exc_info()[2])
        if at is None:
            raise
        tline = program.linemap[at - 1]
        detail = str(e)
        hidden = _quotes_secret(detail, _secret_texts(variables, secrets))
        if hidden:
            detail = "the error message quoted a secret variable and is withheld"
        message = "%s (%s: %s) [compiled: %s]" % (detail, _where(name, tline), program.lines[tline - 1].strip(),
                                                  program.python_lines[at - 1].strip())
        try:
            new = type(e)(message)
        except Exception:
            new = RuntimeError("%s: %s" % (type(e).__name__, message))
        if hidden:
            raise new from None  # chaining would print the original message in the remote traceback
        raise new from e
    return "".join(emitted)


class Template(object):
    """rmote's ``Template``: a template compiled once, rendered with keyword variables.

    ``Template("Hello, ${name}!").render(name="Alice")`` returns ``"Hello, Alice!"``. Picklable (it keeps only
    the source)."""

    BLOCK_OPEN = BLOCK_OPEN
    BLOCK_CONT = BLOCK_CONT
    BLOCK_END = BLOCK_END

    def __init__(self, template):
        self._template = template
        self._fn = Template.compile(template)

    @staticmethod
    def compile(template):
        """Compile ``template`` into a function taking the variables as keyword arguments, returning the text."""
        compile_template(template)  # syntax errors surface here, as in rmote

        def _render(**ctx):
            return render(template, ctx)
        return _render

    def render(self, **ctx):
        """Render with ``ctx`` as the template's variables."""
        return self._fn(**ctx)

    def __reduce__(self):
        return (Template, (self._template,))

    def __repr__(self):
        return "Template(%r)" % (self._template[:40].replace("\n", "\\n"),)


def render_template(template, **ctx):
    """Compile and render ``template`` in one step: ``render_template("${a}+${b}", a=1, b=2) == "1+2"``."""
    return render(template, ctx)
