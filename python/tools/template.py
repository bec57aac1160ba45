"""Template: a small Mako-like template engine rendered on the remote host.

Syntax (one construct per line kind, like Mako):

* ``${expr}`` anywhere in a text line inserts ``str(expr)``; ``expr`` is any
  Python expression on one line (nested braces and strings containing ``}``
  are fine: ``${ {'a': 1}['a'] }``, ``${ "}" }``).
* ``\\${`` is a literal ``${``.
* A line whose first non-blank character is ``%`` is a control line and
  produces no output: ``% for x in xs:`` / ``% endfor``, ``% if c:`` /
  ``% elif d:`` / ``% else:`` / ``% endif``, ``% while c:`` / ``% endwhile``,
  ``% end`` (closes any block), ``% break``, ``% continue``, ``% pass``.
  The trailing colon of an opening line is optional.
* ``%%`` at the start of a line (after optional blanks) is a literal ``%``.
* A line whose first non-blank characters are ``##`` is a comment: dropped
  entirely, newline included.
* Every other character, newline and backslash is output as is.

Templates are compiled to Python once (cached by SHA-256 of the source) and
executed with the variables as globals (plus builtins). Syntax errors raise
ValueError naming the template line; errors while rendering are re-raised as
the same exception type with the template line appended to the message.
"""

import builtins
import hashlib
import os
import re
import sys
import _thread
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

from rmote_toolkit import file_mode, group_id, owner_id, write_file

_OUT = "__rmote_w"
_STR = "__rmote_str"
_CACHE_MAX = 256
_cache = {}  # type: Dict[str, _Program]
_cache_lock = _thread.allocate_lock()

_CONTROL = re.compile(r"^[ \t]*%(.*?)[ \t]*$")
_OPENERS = ("for", "if", "while")


@dataclass
class RenderResult:
    """Result of ``render_to_file``."""
    path: str
    changed: bool
    sha256: str


class _Program(object):
    __slots__ = ("code", "linemap", "lines", "name")

    def __init__(self, code, linemap, lines, name):
        self.code = code
        self.linemap = linemap  # generated python line (1-based) -> template line
        self.lines = lines  # template source lines, for messages
        self.name = name


def _where(name, lineno):
    return ("template %s line %d" % (name, lineno)) if name else ("template line %d" % lineno)


def _syntax(name, lineno, message, line_text=None):
    text = "%s: %s" % (_where(name, lineno), message)
    if line_text is not None:
        text += ": %s" % line_text.strip()
    return ValueError(text)


def _split_lines(source):
    # Split on '\n' only: str.splitlines() would also split on \f, \x1c, \u2028...
    parts = source.split("\n")
    lines = [p + "\n" for p in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def _scan_text(text, lineno, name):
    """Split a text line into ('text', str) and ('expr', source) parts."""
    parts = []  # type: List[Tuple[str, str]]
    literal = []
    i = 0
    while True:
        j = text.find("${", i)
        if j < 0:
            literal.append(text[i:])
            break
        if j > 0 and text[j - 1] == "\\":
            literal.append(text[i:j - 1] + "${")
            i = j + 2
            continue
        literal.append(text[i:j])
        start = j + 2
        end = text.find("}", start)
        if end < 0:
            raise _syntax(name, lineno, "unterminated '${' (expressions must close on the same line)", text)
        error = None
        while end >= 0:
            expr = text[start:end].strip()
            if not expr:
                raise _syntax(name, lineno, "empty expression '${}'", text)
            try:
                compile(expr, "<expr>", "eval")
                break
            except SyntaxError as e:
                # The '}' may belong to the expression (dict, set, string): try the next one.
                error = e
                end = text.find("}", end + 1)
        else:
            raise _syntax(name, lineno, "invalid expression in '${...}' (%s)" % (error.msg if error else "syntax error"), text)
        if literal:
            parts.append(("text", "".join(literal)))
            literal = []
        parts.append(("expr", expr))
        i = end + 1
    if literal and "".join(literal):
        parts.append(("text", "".join(literal)))
    return parts


def _check_python(snippet, lineno, name, line_text):
    try:
        compile(snippet, "<control>", "exec")
    except SyntaxError as e:
        raise _syntax(name, lineno, "invalid control line (%s)" % e.msg, line_text) from None


def _compile(source, name=None):
    # type: (str, Optional[str]) -> _Program
    key = hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()
    program = _cache.get(key)
    if program is not None:
        if program.name == name:
            return program
        return _Program(program.code, program.linemap, program.lines, name)

    lines = _split_lines(source)
    out = []  # type: List[Tuple[str, int]]
    stack = []  # type: List[List[Any]]  # [keyword, opening line, has_else]
    depth = 0

    def emit(stmt, lineno):
        out.append(("    " * depth + stmt, lineno))

    for lineno, raw in enumerate(lines, 1):
        body_text = raw.rstrip("\n")
        stripped = body_text.lstrip(" \t")
        if stripped.startswith("##"):
            continue
        if stripped.startswith("%%"):
            # Literal '%': drop one of the two and treat the rest as text.
            indent = body_text[:len(body_text) - len(stripped)]
            raw = indent + stripped[1:] + raw[len(body_text):]
        elif stripped.startswith("%"):
            m = _CONTROL.match(body_text.rstrip("\r"))
            stmt = m.group(1).strip() if m else stripped[1:].strip()
            word = re.match(r"[A-Za-z_]+", stmt)
            kw = word.group(0) if word else ""
            if kw in _OPENERS:
                if not stmt.endswith(":"):
                    stmt += ":"
                _check_python(stmt + "\n    pass\n", lineno, name, body_text)
                emit(stmt, lineno)
                stack.append([kw, lineno, False])
                depth += 1
                emit("pass", lineno)
            elif kw in ("elif", "else"):
                if not stack:
                    raise _syntax(name, lineno, "'%% %s' without an open block" % kw, body_text)
                top = stack[-1]
                if kw == "elif":
                    if top[0] != "if" or top[2]:
                        raise _syntax(name, lineno, "'% elif' must follow '% if' (or '% elif') of an open if block", body_text)
                    if not stmt.endswith(":"):
                        stmt += ":"
                    _check_python("if 0:\n    pass\n" + stmt + "\n    pass\n", lineno, name, body_text)
                else:
                    if stmt.rstrip(":").strip() != "else":
                        raise _syntax(name, lineno, "'% else' takes nothing after it", body_text)
                    if top[2]:
                        raise _syntax(name, lineno, "second '%% else' in the block opened on line %d" % top[1], body_text)
                    top[2] = True
                    stmt = "else:"
                depth -= 1
                emit(stmt, lineno)
                depth += 1
                emit("pass", lineno)
            elif kw == "end" or kw in ("endfor", "endif", "endwhile"):
                if stmt.rstrip(":").rstrip() != kw:
                    raise _syntax(name, lineno, "'%% %s' takes nothing after it" % kw, body_text)
                if not stack:
                    raise _syntax(name, lineno, "'%% %s' without an open block" % kw, body_text)
                if kw != "end" and stack[-1][0] != kw[3:]:
                    raise _syntax(name, lineno, "'%% %s' closes the '%% %s' opened on line %d (expected '%% end%s')"
                                  % (kw, stack[-1][0], stack[-1][1], stack[-1][0]), body_text)
                stack.pop()
                depth -= 1
            elif stmt in ("break", "continue", "pass"):
                if stmt != "pass" and not any(b[0] in ("for", "while") for b in stack):
                    raise _syntax(name, lineno, "'%% %s' outside a loop" % stmt, body_text)
                emit(stmt, lineno)
            else:
                raise _syntax(name, lineno, "unknown control line (control lines are for/if/elif/else/while/end...; "
                                            "write '%%' for a literal '%')", body_text)
            continue
        for kind, value in _scan_text(raw, lineno, name):
            if kind == "text":
                emit("%s(%r)" % (_OUT, value), lineno)
            else:
                emit("%s(%s((%s)))" % (_OUT, _STR, value), lineno)

    if stack:
        kw, opened, _ = stack[-1]
        raise _syntax(name, opened, "'%% %s' block is never closed (add '%% end%s')" % (kw, kw), lines[opened - 1])

    code_text = "\n".join(stmt for stmt, _ in out) + "\n"
    filename = "<rmote-template-%s>" % key[:16]
    try:
        code = compile(code_text, filename, "exec")
    except SyntaxError as e:
        lineno = out[e.lineno - 1][1] if e.lineno and 0 < e.lineno <= len(out) else 1
        raise _syntax(name, lineno, "invalid template (%s)" % e.msg, lines[lineno - 1] if lines else "") from None
    program = _Program(code, [t for _, t in out], lines, name)
    with _cache_lock:
        if len(_cache) >= _CACHE_MAX:
            _cache.clear()
        _cache[key] = program
    return program


_SECRET_RUN = 8  # a message holding this many characters of a secret value in a row quotes it


def _secret_texts(variables, secrets):
    # type: (Dict[str, Any], Optional[List[str]]) -> List[str]
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
            if len(line) < _SECRET_RUN:
                continue
            for i in range(len(line) - _SECRET_RUN + 1):
                if line[i:i + _SECRET_RUN] in text:
                    return True
    return False


def _render(source, variables, name=None, secrets=None):
    # type: (str, Optional[Dict[str, Any]], Optional[str], Optional[List[str]]) -> str
    if not isinstance(source, str):
        raise TypeError("template must be a string")
    if variables is None:
        variables = {}
    if not isinstance(variables, dict):
        raise TypeError("variables must be a dict of name -> value")
    program = _compile(source, name)
    chunks = []  # type: List[str]
    scope = {"__builtins__": builtins}
    for key, value in variables.items():
        if not isinstance(key, str) or key.startswith("__rmote"):
            raise ValueError("invalid template variable name %r" % (key,))
        scope[key] = value
    scope[_OUT] = chunks.append
    scope[_STR] = str
    try:
        exec(program.code, scope)
    except Exception as e:
        lineno = None
        tb = sys.exc_info()[2]
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == program.code.co_filename:
                lineno = tb.tb_lineno
            tb = tb.tb_next
        if lineno is None or not 0 < lineno <= len(program.linemap):
            raise
        tline = program.linemap[lineno - 1]
        detail = str(e)
        hidden = _quotes_secret(detail, _secret_texts(variables, secrets))
        if hidden:
            detail = "the error message quoted a secret variable and is withheld"
        message = "%s (%s: %s)" % (detail, _where(name, tline), program.lines[tline - 1].strip())
        try:
            new = type(e)(message)
        except Exception:
            new = RuntimeError("%s: %s" % (type(e).__name__, message))
        if hidden:
            # Chaining would print the original message in the remote traceback.
            raise new from None
        raise new from e
    return "".join(chunks)


@placeholder("__template__")
def _template_argument(spec):
    """A call argument {"__template__": {"source", "variables"}} (C# TemplateValue): the method gets the text."""
    return _render(spec["source"], spec.get("variables"))


class Template(Tool):
    """Render Mako-like templates on the remote host (syntax in the module docstring)."""

    @staticmethod
    def render(template, variables=None):
        # type: (str, Optional[Dict[str, Any]]) -> str
        """Render the template source ``template`` with ``variables`` (name -> value)."""
        return _render(template, variables)

    @staticmethod
    def render_file(template_path, variables=None):
        # type: (str, Optional[Dict[str, Any]]) -> str
        """Render the template stored at ``template_path`` on the remote host (UTF-8)."""
        with open(template_path, encoding="utf-8") as f:
            source = f.read()
        return _render(source, variables, name=template_path)

    @staticmethod
    def render_to_file(template, variables, path, mode=None, owner=None, group=None, secrets=None):
        # type: (str, Optional[Dict[str, Any]], str, Any, Any, Any, Optional[List[str]]) -> RenderResult
        """Render ``template`` and write the result (UTF-8) to ``path`` atomically,
        only if it differs (or mode/owner/group differ). ``secrets`` names variables
        whose values an error message must never quote: such a message is withheld
        (the type and template line stay). Returns RenderResult{path, changed, sha256}."""
        text = _render(template, variables, secrets=secrets)
        changed, digest = write_file(path, text.encode("utf-8"), file_mode(mode), owner_id(owner), group_id(group))
        return RenderResult(path=path, changed=changed, sha256=digest)
