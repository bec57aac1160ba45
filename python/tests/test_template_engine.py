"""rmote's template engine (python/rmote/template_engine.py, shipped as rmote_template), table-driven.

RENDERS holds (name, template, variables, expected): each is what rmote's own ``Template`` renders too (the
table was run against rmote 0.3's engine). EXTRAS are templates rmote fails on that the port renders; ERRORS
are templates both refuse, with the message the port gives.
"""

import importlib.util
import os
import pickle
import sys
import unittest

_PATH = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "rmote", "template_engine.py")
# Registered as on the host (pickle looks classes up there); another test module (tool_support) may have loaded
# it first, and then that one object is the engine, or pickling would find two classes of one name.
engine = sys.modules.get("rmote_template")
if engine is None:
    _spec = importlib.util.spec_from_file_location("rmote_template", _PATH)
    engine = importlib.util.module_from_spec(_spec)
    sys.modules["rmote_template"] = engine
    _spec.loader.exec_module(engine)

RENDERS = [
    # --- plain text, line joining, trailing newline
    ("empty template", "", {}, ""),
    ("one line without newline", "hello", {}, "hello"),
    ("one line with newline", "hello\n", {}, "hello"),
    ("two lines", "a\nb", {}, "a\nb"),
    ("two lines and final newline", "a\nb\n", {}, "a\nb"),
    ("final blank line keeps one newline", "a\n\n", {}, "a\n"),
    ("two final blank lines", "a\n\n\n", {}, "a\n\n"),
    ("blank line between", "a\n\nb", {}, "a\n\nb"),
    ("only a newline", "\n", {}, ""),
    ("only two newlines", "\n\n", {}, "\n"),
    ("leading blank line", "\na", {}, "\na"),
    ("whitespace line kept", "  \n", {}, "  "),
    ("indentation kept", "    indented\n\tTab", {}, "    indented\n\tTab"),
    ("trailing spaces kept", "a  \nb\t", {}, "a  \nb\t"),
    ("dollar alone", "cost $5", {}, "cost $5"),
    ("dollar at end", "5$", {}, "5$"),
    ("brace without dollar", "{x} {}", {}, "{x} {}"),
    ("dollar space brace", "$ {x}", {}, "$ {x}"),
    ("percent mid line", "100% done", {}, "100% done"),
    ("hash mid line", "x ## not a comment", {}, "x ## not a comment"),
    ("single hash line", "# shell comment", {}, "# shell comment"),
    ("backslash kept", "a\\b \\n", {}, "a\\b \\n"),
    ("line continuation backslash", "ExecStart=/bin/app \\\n    --flag", {}, "ExecStart=/bin/app \\\n    --flag"),
    ("quotes kept", "say \"hi\" and 'bye'", {}, "say \"hi\" and 'bye'"),
    ("unicode text", "h\u00e9llo \u2603", {}, "h\u00e9llo \u2603"),
    # --- line endings split like str.splitlines()
    ("crlf", "a\r\nb\r\n", {}, "a\nb"),
    ("crlf without final", "a\r\nb", {}, "a\nb"),
    ("lone cr", "a\rb", {}, "a\nb"),
    ("mixed endings", "a\nb\r\nc\rd", {}, "a\nb\nc\nd"),
    ("crlf blank line", "a\r\n\r\nb", {}, "a\n\nb"),
    ("crlf final blank line", "a\r\n\r\n", {}, "a\n"),
    ("form feed splits", "a\x0cb", {}, "a\nb"),
    ("vertical tab splits", "a\x0bb", {}, "a\nb"),
    ("unicode line separator splits", "a\u2028b", {}, "a\nb"),
    ("next line char splits", "a\x85b", {}, "a\nb"),
    ("crlf control lines", "% for x in xs:\r\n${x}\r\n% endfor\r\n", {"xs": [1, 2]}, "1\n2"),
    ("crlf comment", "## c\r\nx\r\n", {}, "x"),
    # --- ${expr}
    ("variable", "Hello ${name}!", {"name": "World"}, "Hello World!"),
    ("two variables", "${a}${b}", {"a": 1, "b": 2}, "12"),
    ("arithmetic", "${a + b}", {"a": 1, "b": 2}, "3"),
    ("none value", "${x}", {"x": None}, "None"),
    ("bool value", "${x}", {"x": True}, "True"),
    ("float value", "${x}", {"x": 1.5}, "1.5"),
    ("list value", "${x}", {"x": [1, "a"]}, "[1, 'a']"),
    ("spaces in expression", "${ name }", {"name": "n"}, "n"),
    ("method call", "${name.upper()}", {"name": "web"}, "WEB"),
    ("join sorted", "${ ', '.join(sorted(hosts)) }", {"hosts": ["b", "a"]}, "a, b"),
    ("index", "${xs[-1]}", {"xs": [1, 2, 3]}, "3"),
    ("slice", "${s[1:3]}", {"s": "abcd"}, "bc"),
    ("dict key", "${d['k']}", {"d": {"k": "v"}}, "v"),
    ("attribute of builtin", "${(1).real}", {}, "1"),
    ("conditional expression", "message${'s' if n != 1 else ''}", {"n": 2}, "messages"),
    ("conditional expression singular", "message${'s' if n != 1 else ''}", {"n": 1}, "message"),
    ("builtin len", "${len(xs)}", {"xs": [1, 2]}, "2"),
    ("builtin range list", "${list(range(3))}", {}, "[0, 1, 2]"),
    ("comprehension in expression", "${[x * 2 for x in xs]}", {"xs": [1, 2]}, "[2, 4]"),
    ("generator in join", "${','.join(str(x) for x in xs)}", {"xs": [1, 2]}, "1,2"),
    ("lambda", "${(lambda v: v + 1)(1)}", {}, "2"),
    ("format method", "${'{:03d}'.format(n)}", {"n": 7}, "007"),
    ("percent format", "${'%s-%s' % (a, b)}", {"a": 1, "b": 2}, "1-2"),
    ("expression at line start and end", "${a} mid ${b}", {"a": "x", "b": "y"}, "x mid y"),
    ("adjacent expressions", "${a}${a}${a}", {"a": "z"}, "zzz"),
    ("expression with text around", "<${tag}>", {"tag": "b"}, "<b>"),
    ("string with dollar", "${'$'}", {}, "$"),
    ("empty expression renders nothing", "a${}b", {}, "ab"),
    ("blank expression renders nothing", "a${ }b", {}, "ab"),
    ("expression on every line", "${a}\n${b}\n", {"a": 1, "b": 2}, "1\n2"),
    ("expression yielding newline", "${'x\\ny'}", {}, "x\ny"),
    ("expression yielding empty", "[${''}]", {}, "[]"),
    ("unicode variable", "${name}", {"name": "\u00e9t\u00e9"}, "\u00e9t\u00e9"),
    ("variable named rmote_host", "host=${rmote_host}", {"rmote_host": "web01"}, "host=web01"),
    ("tuple call quirk", "${x}", {"x": (1, 2)}, "(1, 2)"),
    # --- nested braces by depth counting
    ("dict literal", "${ {'a': 1}['a'] }", {}, "1"),
    ("nested dict literal", "${ {'a': {'b': 2}}['a']['b'] }", {}, "2"),
    ("set literal", "${ len({1, 2, 2}) }", {}, "2"),
    ("dict literal no spaces", "${{'k': 42}['k']}", {}, "42"),
    ("set comparison then brace text", "x=${ {1, 2} == {2, 1} }}", {}, "x=True}"),
    ("dict comprehension", "${ {k: v for k, v in [('a', 1)]}['a'] }", {}, "1"),
    ("f-string", "${ f'{n:03d}' }", {"n": 7}, "007"),
    ("f-string nested", "${ f'{d[\"k\"]}' }", {"d": {"k": "v"}}, "v"),
    ("brace pair in string", "${ '{' + '}' }", {}, "{}"),
    ("two dict expressions", "${ {'a': 1}['a'] }-${ {'b': 2}['b'] }", {}, "1-2"),
    ("format with braces", "${'{}-{}'.format(a, b)}", {"a": 1, "b": 2}, "1-2"),
    ("empty dict", "${ {} }", {}, "{}"),
    ("kwargs call", "${dict(a=1)['a']}", {}, "1"),
    # --- \${ escape
    ("escape", "\\${not_a_var}", {}, "${not_a_var}"),
    ("escape mid line", "cost: \\${price}", {}, "cost: ${price}"),
    ("escape then expression", "\\${a} ${a}", {"a": 1}, "${a} 1"),
    ("expression then escape", "${a} \\${a}", {"a": 1}, "1 ${a}"),
    ("escape around expression", "cost: \\${ ${price} }", {"price": 5}, "cost: ${ 5 }"),
    ("double backslash then escape", "\\\\${x}", {}, "\\${x}"),
    ("backslash dollar without brace", "\\$x", {}, "\\$x"),
    ("escape at line end", "a\\${", {}, "a${"),
    ("escape on its own", "\\${", {}, "${"),
    ("dollar dollar brace", "$${a}", {"a": 1}, "$1"),
    # --- ## comments
    ("comment dropped", "## comment\nresult: ${v}", {"v": 42}, "result: 42"),
    ("indented comment dropped", "a\n   ## note\nb", {}, "a\nb"),
    ("tab indented comment dropped", "a\n\t## note\nb", {}, "a\nb"),
    ("only comments", "## a\n## b\n", {}, ""),
    ("comment without space", "##x\ny", {}, "y"),
    ("triple hash comment", "### x\ny", {}, "y"),
    ("comment with expression not evaluated", "## ${missing}\nok", {}, "ok"),
    ("comment at end", "a\n## end", {}, "a"),
    ("comment between control lines", "% if True:\n## c\nyes\n% endif", {}, "yes"),
    ("comment keeps no blank line", "a\n## c\n\nb", {}, "a\n\nb"),
    # --- %% literal percent
    ("double percent", "%% done", {}, "% done"),
    ("double percent with expression", "%% done ${n}/10", {"n": 7}, "% done 7/10"),
    ("indented double percent", "  %%d indented", {}, "  %d indented"),
    ("triple percent", "%%% x", {}, "%% x"),
    ("double percent alone", "%%", {}, "%"),
    ("only first double percent replaced", "%% a %% b", {}, "% a %% b"),
    ("double percent inside loop", "% for i in [1, 2]:\n%% ${i}\n% endfor", {}, "% 1\n% 2"),
    ("double percent with escape", "%% \\${x}", {}, "% ${x}"),
    # --- % statements: assignments, augmented assignments, imports, calls
    ("assignment", "% x = 42\n${x}", {}, "42"),
    ("assignment no space after percent", "%x = 1\n${x}", {}, "1"),
    ("indented statement line", "   % x = 3\n${x}", {}, "3"),
    ("augmented assignment", "% total = 0\n% total += 5\n${total}", {}, "5"),
    ("augmented in loop", "% total = 0\n% for v in vs:\n% total += v\n% endfor\nsum=${total}", {"vs": [1, 2, 3]}, "sum=6"),
    ("assignment shadows variable", "% name = name.upper()\n${name}", {"name": "a"}, "A"),
    ("tuple unpacking", "% a, b = 1, 2\n${a}${b}", {}, "12"),
    ("import", "% import os\n${os.sep}", {}, "/"),
    ("from import", "% from os.path import join\n${join('a', 'b')}", {}, "a/b"),
    ("import as", "% import json as j\n${j.dumps([1])}", {}, "[1]"),
    ("list comprehension statement", "% ys = [x * x for x in xs]\n${ys}", {"xs": [1, 2, 3]}, "[1, 4, 9]"),
    ("comprehension sees template globals", "% k = 10\n% ys = [x + k for x in xs]\n${ys}", {"xs": [1]}, "[11]"),
    ("dict comprehension statement", "% d = {x: x * 2 for x in xs}\n${d[2]}", {"xs": [1, 2]}, "4"),
    ("method call statement", "% xs.append(3)\n${xs}", {"xs": [1]}, "[1, 3]"),
    ("pass statement", "% pass\nok", {}, "ok"),
    ("semicolons", "% a = 1; b = 2\n${a + b}", {}, "3"),
    ("statement produces no line", "a\n% x = 1\nb", {}, "a\nb"),
    ("statement only template", "% x = 1", {}, ""),
    ("global statement", "% global g\n% g = 5\n${g}", {}, "5"),
    ("assert statement passes", "% assert n > 0\nok", {"n": 1}, "ok"),
    ("del statement", "% x = 1\n% del x\n${'x' in dir()}", {}, "False"),
    ("walrus in expression", "${(y := 4) + y}", {}, "8"),
    # --- for
    ("for loop", "% for item in items:\n- ${item}\n% endfor", {"items": ["alpha", "beta", "gamma"]}, "- alpha\n- beta\n- gamma"),
    ("for loop empty", "a\n% for x in xs:\n${x}\n% endfor\nb", {"xs": []}, "a\nb"),
    ("for without colon", "% for x in [1]\n${x}\n% end", {}, "1"),
    ("for unpacking", "% for k, v in sorted(d.items()):\n${k}=${v}\n% endfor", {"d": {"b": 2, "a": 1}}, "a=1\nb=2"),
    ("for else", "% for x in xs:\n${x}\n% else:\n(done)\n% endfor", {"xs": [1]}, "1\n(done)"),
    ("for break skips else", "% for x in xs:\n${x}\n% break\n% else:\n(done)\n% endfor", {"xs": [1, 2]}, "1"),
    ("for continue", "% for i in range(5):\n% if i % 2:\n% continue\n% endif\n${i}\n% endfor", {}, "0\n2\n4"),
    ("for with enumerate", "% for i, x in enumerate(xs):\n${i}:${x}\n% endfor", {"xs": "ab"}, "0:a\n1:b"),
    ("loop variable visible after", "% for x in [1, 2]:\n% pass\n% endfor\nlast=${x}", {}, "last=2"),
    ("for over range text lines", "% for i in range(3):\nline\n% endfor", {}, "line\nline\nline"),
    ("for blank lines in body", "% for i in range(2):\n\n% endfor", {}, "\n"),
    ("for with parenthesised target", "% for (a, b) in pairs:\n${a}${b}\n% endfor", {"pairs": [(1, 2)]}, "12"),
    ("indented control lines", "% for x in xs:\n    % if x:\n  ${x}\n    % endif\n% endfor", {"xs": [0, 1]}, "  1"),
    # --- if / elif / else
    ("if true", "% if x:\nyes\n% endif", {"x": 1}, "yes"),
    ("if false", "% if x:\nyes\n% endif", {"x": 0}, ""),
    ("if without colon", "% if True\nyes\n% endif", {}, "yes"),
    ("if else true", "% if x:\na\n% else:\nb\n% endif", {"x": True}, "a"),
    ("if else false", "% if x:\na\n% else:\nb\n% endif", {"x": False}, "b"),
    ("else without colon", "% if x:\na\n% else\nb\n% endif", {"x": False}, "b"),
    ("elif first", "% if n > 0:\npositive\n% elif n == 0:\nzero\n% else:\nnegative\n% endif", {"n": 1}, "positive"),
    ("elif second", "% if n > 0:\npositive\n% elif n == 0:\nzero\n% else:\nnegative\n% endif", {"n": 0}, "zero"),
    ("elif else", "% if n > 0:\npositive\n% elif n == 0:\nzero\n% else:\nnegative\n% endif", {"n": -1}, "negative"),
    ("elif without colon", "% if n:\na\n% elif m\nb\n% endif", {"n": 0, "m": 1}, "b"),
    ("if with parenthesis after space", "% if (x > 1):\nbig\n% endif", {"x": 2}, "big"),
    ("if text around", "a\n% if x:\nb\n% endif\nc", {"x": False}, "a\nc"),
    ("if at end of template", "a\n% if True:\nb\n% endif", {}, "a\nb"),
    ("if false at end keeps no newline", "a\n% if False:\nb\n% endif\n", {}, "a"),
    ("if false at start", "% if False:\na\n% endif\nb", {}, "b"),
    ("if with in operator", "% if 'x' in s:\nhas\n% endif", {"s": "xyz"}, "has"),
    ("if with not", "% if not xs:\nnone\n% endif", {"xs": []}, "none"),
    # --- while
    ("while pop", "% while items:\n${items.pop()}\n% endwhile", {"items": [1, 2]}, "2\n1"),
    ("while counter", "% i = 0\n% while i < 3:\n${i}\n% i += 1\n% endwhile", {}, "0\n1\n2"),
    ("while break", "% while True:\nonce\n% break\n% end", {}, "once"),
    ("while else", "% while False:\nx\n% else:\ndone\n% endwhile", {}, "done"),
    # --- with / try / def / class
    ("with block", "% import contextlib\n% with contextlib.suppress(KeyError):\n${d['k']}\n% endwith", {"d": {"k": 1}}, "1"),
    ("with suppresses", "% import contextlib\n% with contextlib.suppress(KeyError):\n${d['missing']}\n% endwith\nafter", {"d": {}}, "after"),
    ("try except", "% try:\n${d['k']}\n% except KeyError:\nmissing\n% end", {"d": {}}, "missing"),
    ("try success", "% try:\n${d['k']}\n% except KeyError:\nmissing\n% end", {"d": {"k": "v"}}, "v"),
    ("try except as", "% try:\n% x = 1 / 0\n% except ZeroDivisionError as e:\n${type(e).__name__}\n% end", {}, "ZeroDivisionError"),
    ("try finally", "% try:\na\n% finally:\nb\n% end", {}, "a\nb"),
    ("try except else", "% try:\n% v = 1\n% except Exception:\nerr\n% else:\nok ${v}\n% end", {}, "ok 1"),
    ("def without text", "% def double(v):\n% return v * 2\n% end\n${double(21)}", {}, "42"),
    ("def default args", "% def greet(n='x'):\n% return 'hi ' + n\n% end\n${greet()}", {}, "hi x"),
    ("class block", "% class P:\n% name = 'p'\n% end\n${P.name}", {}, "p"),
    ("class with method", "% class C:\n% def f(self):\n% return 7\n% end\n% end\n${C().f()}", {}, "7"),
    # --- end variants and a bare %
    ("endfor", "% for x in [1]:\n${x}\n% endfor", {}, "1"),
    ("endif", "% if True:\ny\n% endif", {}, "y"),
    ("endwhile", "% while False:\nw\n% endwhile\nz", {}, "z"),
    ("endwith", "% with open(__file__) if False else __import__('contextlib').nullcontext():\nw\n% endwith", {"__file__": "x"}, "w"),
    ("generic end", "% for x in xs:\n${x}\n% end", {"xs": [1, 2]}, "1\n2"),
    ("bare percent closes", "% for x in xs:\n${x}\n%\nafter", {"xs": [1, 2]}, "1\n2\nafter"),
    ("bare percent with spaces closes", "% if True:\nin\n  %  \nout", {}, "in\nout"),
    ("end with colon", "% if True:\ny\n% endif:", {}, "y"),
    ("end followed by words", "% if True:\ny\n% endif  # done", {}, "y"),
    ("mismatched end names close anyway", "% for x in [1]:\n${x}\n% endif", {}, "1"),
    ("stray end ignored", "% end\na", {}, "a"),
    ("unclosed block runs to the end", "% for x in xs:\n${x}", {"xs": [1, 2]}, "1\n2"),
    # --- nesting
    ("nested for", "% for a in 'xy':\n% for b in '12':\n${a}${b}\n% endfor\n% endfor", {}, "x1\nx2\ny1\ny2"),
    ("nested if in for", "% for x in xs:\n% if x % 2:\nodd ${x}\n% else:\neven ${x}\n% endif\n% endfor", {"xs": [1, 2]}, "odd 1\neven 2"),
    ("three levels", "% for a in [1]:\n% for b in [2]:\n% if True:\n${a}${b}\n% end\n% end\n% end", {}, "12"),
    ("server block", "% for s in servers:\nserver ${s['name']} {\n    % for p in s['ports']:\n    listen ${p};\n    % endfor\n}\n% endfor",
     {"servers": [{"name": "a", "ports": [80, 443]}, {"name": "b", "ports": []}]},
     "server a {\n    listen 80;\n    listen 443;\n}\nserver b {\n}"),
    ("assignment inside nested block", "% n = 0\n% for x in xs:\n% if x:\n% n += 1\n% endif\n% endfor\n${n}", {"xs": [1, 0, 1]}, "2"),
    ("try inside for", "% for k in ks:\n% try:\n${d[k]}\n% except KeyError:\n-\n% end\n% end", {"ks": ["a", "b"], "d": {"a": 1}}, "1\n\n-"),
    # A failing line inside '% try' leaves what it wrote before the failing expression, as in rmote.
    ("partial line before a caught error", "% try:\nx=${d['k']}!\n% except KeyError:\nmissing\n% end", {"d": {}}, "x=missing"),
    ("partial first line before a caught error", "% try:\nx=${1 / 0}\n% except ZeroDivisionError:\n% pass\n% end\ny", {}, "x=y"),
    # --- realistic files
    ("nginx vhost", "## nginx vhost\nserver {\n    listen ${port};\n    server_name ${hostname};\n}",
     {"port": 443, "hostname": "example.com"}, "server {\n    listen 443;\n    server_name example.com;\n}"),
    ("inventory", "[hosts]\n% for h in hosts:\n${h} ansible_port=${ports[h]}\n% endfor\nend\n",
     {"hosts": ["a", "b"], "ports": {"a": 22, "b": 2222}}, "[hosts]\na ansible_port=22\nb ansible_port=2222\nend"),
    ("systemd unit", "[Service]\nExecStart=${bin}\n% if user:\nUser=${user}\n% endif\n", {"bin": "/usr/bin/app", "user": "app"},
     "[Service]\nExecStart=/usr/bin/app\nUser=app"),
    ("env file with totals", "% total = sum(sizes)\n% for n, s in zip(names, sizes):\n${n.upper()}=${s}\n% endfor\nTOTAL=${total}\n",
     {"names": ["a", "b"], "sizes": [1, 2]}, "A=1\nB=2\nTOTAL=3"),
]

# rmote fails on these (IndentationError, an unbalanced '}' in a string, a text line inside a def, 'if(' read
# as a statement); the port renders them.
EXTRAS = [
    ("empty if block", "% if True:\n% endif\nz", {}, "z"),
    ("empty for with else", "% for x in []:\n% else:\n% end\nz", {}, "z"),
    ("empty loop then its variable", "% for x in [1, 2]:\n% endfor\nlast=${x}", {}, "last=2"),
    ("closing brace in string", '${ "}" }', {}, "}"),
    ("opening brace in string", "${ '{' }", {}, "{"),
    ("text line inside def", "% def row(v):\nrow ${v}\n% end\n% row(1)\n% row(2)", {}, "row 1\nrow 2"),
]

ERRORS = [
    # (name, template, variables, exception type, pattern)
    ("unterminated expression", "ok\n${oops\n", {}, ValueError, r"template line 2: unterminated '\$\{'.*: \$\{oops"),
    ("unterminated nested expression", "${ {'a': 1}['a'] ", {}, ValueError, r"template line 1: unterminated"),
    ("invalid expression", "a\nb\n${ 1 + }\n", {}, ValueError, r"template line 3: invalid template \(.*\): \$\{ 1 \+ \} \[compiled: "),
    ("invalid statement", "a\n% x = = 1\n", {}, ValueError, r"template line 2: invalid template .*: % x = = 1 \[compiled: x = = 1\]"),
    ("invalid for", "% for x in:\n% endfor\n", {}, ValueError, r"template line 1: invalid template"),
    ("invalid if", "% if x ==:\n% endif\n", {}, ValueError, r"template line 1: invalid template"),
    ("else without if", "a\n% else:\nb\n", {}, ValueError, r"template line 2: invalid template"),
    ("elif after for", "% for x in y:\n% elif z:\n% end\n", {}, ValueError, r"template line 2: invalid template"),
    ("break outside loop", "x\n% break\n", {}, ValueError, r"template line 2: invalid template \('break' outside loop\)"),
    ("continue outside loop", "% continue\n", {}, ValueError, r"template line 1: invalid template"),
    ("unknown statement word", "ok\n% frobnicate now\n", {}, ValueError, r"template line 2: invalid template"),
    ("name error", "line one\n% for i in [1]:\nvalue ${undefined_var}\n% endfor\n", {}, NameError,
     r"name 'undefined_var' is not defined \(template line 3: value \$\{undefined_var\}\) \[compiled: _rmote_write\(_rmote_str\(undefined_var\)\)\]"),
    ("name error in statement", "a\n% for v in vs:\n% total += v\n% endfor\n", {"vs": [1]}, NameError,
     r"\(template line 3: % total \+= v\) \[compiled: total \+= v\]"),
    ("zero division", "a\n${1 / 0}\n", {}, ZeroDivisionError, r"template line 2: \$\{1 / 0\}"),
    ("key error", "${d['missing']}", {"d": {}}, KeyError, r"template line 1"),
    ("type error in for", "% for x in 5:\n% endfor\n", {}, TypeError, r"template line 1: % for x in 5:\)"),
    ("assertion", "% assert n > 0, 'n must be positive'\n", {"n": 0}, AssertionError, r"n must be positive \(template line 1"),
    ("raise statement", "ok\n% raise ValueError('bad value')\n", {}, ValueError, r"bad value \(template line 2: % raise"),
    ("import error", "% import no_such_module_xyz\n", {}, ImportError, r"template line 1"),
    ("error inside def names the def line", "% def f():\n% return 1 / 0\n% end\n${f()}", {}, ZeroDivisionError, r"template line 2: % return 1 / 0"),
    ("unbound variable from false branch", "% if False:\n% x = 1\n% endif\n${x}", {}, NameError, r"template line 4"),
    ("attribute error", "${n.nope}", {"n": 1}, AttributeError, r"template line 1"),
    ("reserved variable name", "x", {"_rmote_write": 1}, ValueError, r"invalid template variable name '_rmote_write'"),
    ("reserved variable name prefix", "x", {"__rmote_w": 1}, ValueError, r"invalid template variable name"),
]


class TestRendersAsRmote(unittest.TestCase):
    def test_table_has_enough_cases(self):
        self.assertGreaterEqual(len(RENDERS) + len(EXTRAS) + len(ERRORS), 150)
        names = [c[0] for c in RENDERS + EXTRAS + ERRORS]
        self.assertEqual(len(names), len(set(names)), "case names are unique")

    def test_renders(self):
        for name, template, variables, expected in RENDERS:
            with self.subTest(name):
                self.assertEqual(engine.render(template, dict(variables)), expected)

    def test_port_extras(self):
        for name, template, variables, expected in EXTRAS:
            with self.subTest(name):
                self.assertEqual(engine.render(template, dict(variables)), expected)

    def test_errors_name_the_template_line(self):
        for name, template, variables, error, pattern in ERRORS:
            with self.subTest(name):
                with self.assertRaisesRegex(error, pattern):
                    engine.render(template, dict(variables))


class TestRmoteApi(unittest.TestCase):
    """The names rmote's protocol module exports: Template(source).render(**ctx), render_template(source, **ctx)."""

    def test_template_class(self):
        t = engine.Template("Hello, ${name}!")
        self.assertEqual(t.render(name="Alice"), "Hello, Alice!")
        self.assertEqual(t.render(name="Bob"), "Hello, Bob!")
        self.assertEqual(engine.Template.compile("${a}-${b}")(a=1, b=2), "1-2")
        self.assertEqual(engine.Template.BLOCK_END, frozenset({"endfor", "endif", "endwhile", "endwith", "end"}))
        self.assertEqual(repr(engine.Template("a\nb")), "Template('a\\\\nb')")

    def test_template_pickles_as_its_source(self):
        # On the host the engine is registered once under this name; other test modules load their own copy.
        saved = sys.modules.get("rmote_template")
        sys.modules["rmote_template"] = engine
        try:
            restored = pickle.loads(pickle.dumps(engine.Template("port=${port}")))
        finally:
            sys.modules["rmote_template"] = saved
        self.assertEqual(restored.render(port=8080), "port=8080")

    def test_syntax_errors_surface_at_construction(self):
        with self.assertRaisesRegex(ValueError, "template line 1"):
            engine.Template("% for x in:\n")

    def test_render_template(self):
        source = "Hi ${name}, you have ${count} message${'s' if count != 1 else ''}."
        self.assertEqual(engine.render_template(source, name="Bob", count=3), "Hi Bob, you have 3 messages.")
        self.assertEqual(engine.render_template(source, name="Alice", count=1), "Hi Alice, you have 1 message.")

    def test_each_render_has_a_fresh_namespace(self):
        t = engine.Template("% n = n + 1 if 'n' in dir() else 1\n${n}")
        self.assertEqual(t.render(), "1")
        self.assertEqual(t.render(), "1")
        with self.assertRaises(NameError):
            engine.render_template("${i}")

    def test_compiled_once(self):
        source = "% for i in range(n):\n${i}\n% endfor\n"
        self.assertIs(engine.compile_template(source), engine.compile_template(source))

    def test_bad_arguments(self):
        with self.assertRaises(TypeError):
            engine.render(b"bytes", {})
        with self.assertRaises(TypeError):
            engine.render("x", ["not", "a", "dict"])
        self.assertEqual(engine.render("plain"), "plain")


if __name__ == "__main__":
    unittest.main()
