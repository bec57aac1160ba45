import hashlib
import os
import stat
import sys
import tempfile
import textwrap
import unittest

import tool_support

mod = tool_support.load("template")
T = tool_support.tool_class(mod)


def r(template, **variables):
    return T.render(template, variables)


def d(text):
    return textwrap.dedent(text).lstrip("\n")


class TestExpressions(unittest.TestCase):
    def test_plain_text_is_verbatim(self):
        text = "a $b {c} % not-at-start 100%\\n \\\n\ttab \\x $ {}\n\n"
        # rmote joins the lines with '\n' and writes no newline after the last one: the final blank line gives one.
        self.assertEqual(r(text), text[:-1])
        self.assertEqual(r(""), "")
        self.assertEqual(r("no newline"), "no newline")

    def test_substitution(self):
        self.assertEqual(r("Hello ${name}!", name="World"), "Hello World!")
        self.assertEqual(r("${a}${b} ${a + b}", a=1, b=2), "12 3")
        self.assertEqual(r("${x}", x=None), "None")
        self.assertEqual(r("${ ', '.join(sorted(hosts)) }", hosts=["b", "a"]), "a, b")
        self.assertEqual(r("${len(xs)} ${xs[-1].upper()}", xs=["q", "z"]), "2 Z")

    def test_nested_braces_and_strings_with_braces(self):
        self.assertEqual(r("${ {'a': 1}['a'] }"), "1")
        self.assertEqual(r("${ {'a': {'b': 2}}['a']['b'] }"), "2")
        self.assertEqual(r('${ "}" }'), "}")
        self.assertEqual(r("${ '{' + '}' }"), "{}")
        self.assertEqual(r("x=${ {1, 2} == {2, 1} }}"), "x=True}")
        self.assertEqual(r("${ f'{n:03d}' }", n=7), "007")
        self.assertEqual(r("${ [k for k in {'z': 0}] }"), "['z']")

    def test_escape(self):
        self.assertEqual(r("\\${not_an_expr}"), "${not_an_expr}")
        self.assertEqual(r("cost: \\${ ${price} }", price=5), "cost: ${ 5 }")
        self.assertEqual(r("$ {x} $$"), "$ {x} $$")

    def test_expression_errors_name_the_line(self):
        with self.assertRaisesRegex(ValueError, "template line 2: unterminated"):
            r("ok\n${oops\n")
        self.assertEqual(r("${ }"), "")  # rmote renders str(): nothing
        with self.assertRaisesRegex(ValueError, "template line 3: invalid template"):
            r("a\nb\n${ 1 + }\n")


class TestControlLines(unittest.TestCase):
    def test_for_loop_and_no_blank_lines_from_control(self):
        t = d("""
            [hosts]
            % for h in hosts:
            ${h} ansible_port=${ports[h]}
            % endfor
            end
        """)
        self.assertEqual(r(t, hosts=["a", "b"], ports={"a": 22, "b": 2222}),
                         "[hosts]\na ansible_port=22\nb ansible_port=2222\nend")
        self.assertEqual(r(t, hosts=[], ports={}), "[hosts]\nend")

    def test_if_elif_else(self):
        t = d("""
            % if x > 10:
            big
            % elif x > 5:
            medium
            % else:
            small
            % endif
        """)
        self.assertEqual([r(t, x=v) for v in (11, 6, 1)], ["big", "medium", "small"])

    def test_nesting_and_indented_control_lines(self):
        t = d("""
            % for s in servers:
            server ${s['name']} {
                % for p in s['ports']:
                    % if p != 0:
                listen ${p};
                    % else:
                # port zero skipped
                    % endif
                % endfor
            }
            % endfor
        """)
        out = r(t, servers=[{"name": "a", "ports": [80, 0, 443]}, {"name": "b", "ports": []}])
        self.assertEqual(out, "server a {\n    listen 80;\n    # port zero skipped\n    listen 443;\n}\n"
                              "server b {\n}")

    def test_while_break_continue_end(self):
        t = d("""
            % while n > 0:
            <% n = 0 %>
            % break
            % end
            % for i in range(5):
            % if i % 2:
            % continue
            % end
            ${i}
            % end
        """)
        self.assertEqual(r(t, n=1), "<% n = 0 %>\n0\n2\n4")

    def test_while_loop_terminates_via_variables(self):
        t = "% while items:\n${items.pop()}\n% endwhile\n"
        self.assertEqual(r(t, items=[1, 2]), "2\n1")

    def test_for_else_and_unpacking(self):
        t = "% for k, v in sorted(d.items()):\n${k}=${v}\n% else:\n(done)\n% endfor\n"
        self.assertEqual(r(t, d={"b": 2, "a": 1}), "a=1\nb=2\n(done)")

    def test_colon_optional(self):
        self.assertEqual(r("% if True\nyes\n% endif"), "yes")
        self.assertEqual(r("% for x in [1]\n${x}\n% end\n"), "1")

    def test_empty_blocks(self):
        self.assertEqual(r("% if True:\n% endif\n% for x in []:\n% else:\n% end\nz"), "z")

    def test_literal_percent_and_comments(self):
        t = d("""
            ## a comment line, dropped with its newline
            %% literal percent
              %%d indented
            value: 100%
              ## indented comment
            x ## not a comment mid-line
        """)
        self.assertEqual(r(t), "% literal percent\n  %d indented\nvalue: 100%\nx ## not a comment mid-line")
        self.assertEqual(r("%% ${x}\n", x=5), "% 5")

    def test_crlf_template_renders_with_lf(self):
        t = "% for x in xs:\r\n${x}\r\n% endfor\r\n## c\r\nend\r\n"
        self.assertEqual(r(t, xs=[1, 2]), "1\n2\nend")

    def test_no_newline_after_the_last_line(self):
        self.assertEqual(r("a\n% if True:\nb\n% endif"), "a\nb")
        self.assertEqual(r("a\n% if True:\nb\n% endif\n\n"), "a\nb\n")
        self.assertEqual(r("${x}", x=1), "1")

    def test_loop_variable_assignment_visible_later(self):
        self.assertEqual(r("% for x in [1, 2]:\n% endfor\nlast=${x}\n"), "last=2")

    def test_python_statements(self):
        t = d("""
            % import json
            % total = 0
            % for v in values:
            %     total += v
            % endfor
            % def row(k):
            %     return "%s=%s" % (k, json.dumps(values))
            % end
            ${row("values")} total=${total}
        """)
        self.assertEqual(r(t, values=[1, 2]), "values=[1, 2] total=3")


class TestSyntaxErrors(unittest.TestCase):
    """Bad Python in a statement or expression: ValueError naming the template line, with the compiled line
    (the full table is in test_template_engine.py)."""

    def check(self, template, pattern):
        with self.assertRaisesRegex(ValueError, pattern):
            r(template)

    def test_python_syntax_in_statement_lines(self):
        self.check("% if x ==:\n% endif\n", r"template line 1: invalid template .*: % if x ==: \[compiled: if x ==:\]")
        self.check("% for in y:\n% endfor\n", r"template line 1: invalid template")
        self.check("% if a:\nx\n% elif :\n% endif\n", r"template line 3: invalid template")
        self.check("ok\n% break\n", r"template line 2: invalid template \('break' outside loop\)")


class TestRuntimeErrors(unittest.TestCase):
    def test_name_error_names_template_line(self):
        with self.assertRaises(NameError) as cm:
            r("line one\n% for i in [1]:\nvalue ${undefined_var}\n% endfor\n")
        self.assertIn("name 'undefined_var' is not defined", str(cm.exception))
        self.assertIn("template line 3: value ${undefined_var}", str(cm.exception))

    def test_other_exception_types_keep_their_type(self):
        with self.assertRaisesRegex(ZeroDivisionError, "template line 2"):
            r("a\n${1 / 0}\n")
        with self.assertRaisesRegex(KeyError, "template line 1"):
            r("${d['missing']}", d={})
        with self.assertRaisesRegex(TypeError, "template line 1: % for x in 5:"):
            r("% for x in 5:\n% endfor\n")

    def test_an_error_quoting_a_secret_variable_is_withheld(self):
        key = "-----BEGIN KEY-----\n" + "\n".join(["QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo%04dabcdefghijklmnopqrstuvwxyz0123456789" % i for i in range(6)]) + "\n-----END KEY-----"
        # int() quotes only the first 200 characters of the repr: a part of a line, escaped.
        with self.assertRaises(ValueError) as cm:
            T.render_to_file("a\nbits=${int(key)}\n", {"key": key}, os.path.join(tempfile.gettempdir(), "never"), secrets=["key"])
        text = str(cm.exception)
        self.assertIn("withheld", text)
        self.assertIn("template line 2: bits=${int(key)}", text)
        for line in key.splitlines():
            self.assertNotIn(line[:8], text)
        self.assertIsNone(cm.exception.__cause__)
        self.assertTrue(cm.exception.__suppress_context__)
        # Without the secret mark the message is Python's own; errors not quoting the value keep theirs.
        with self.assertRaisesRegex(ValueError, "invalid literal for int"):
            T.render_to_file("${int(key)}", {"key": key}, os.path.join(tempfile.gettempdir(), "never"))
        with self.assertRaisesRegex(NameError, "name 'other' is not defined"):
            T.render_to_file("${other}", {"key": key}, os.path.join(tempfile.gettempdir(), "never"), secrets=["key"])

    def test_bad_arguments(self):
        with self.assertRaises(TypeError):
            T.render(b"bytes", {})
        with self.assertRaises(TypeError):
            T.render("x", ["not", "a", "dict"])
        with self.assertRaises(ValueError):
            T.render("x", {"__rmote_w": 1})
        self.assertEqual(T.render("plain"), "plain")


class TestCompileCache(unittest.TestCase):
    def test_compiled_once_and_variables_isolated(self):
        t = "% for i in range(n):\n${i}\n% endfor\n"
        engine = sys.modules["rmote_template"]
        first = engine.compile_template(t)
        self.assertIs(engine.compile_template(t), first)
        self.assertEqual(r(t, n=2), "0\n1")
        self.assertEqual(r(t, n=1), "0")  # no state leaks between renders
        with self.assertRaises(NameError):
            r("${i}")


class TestFiles(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.dir = self._tmp.name

    def tearDown(self):
        self._tmp.cleanup()

    def test_render_file(self):
        path = os.path.join(self.dir, "unit.tmpl")
        with open(path, "w") as f:
            f.write("[Service]\nExecStart=${bin} \\\n    --flag\n% if user:\nUser=${user}\n% endif\n")
        out = T.render_file(path, {"bin": "/usr/bin/app", "user": "app"})
        self.assertEqual(out, "[Service]\nExecStart=/usr/bin/app \\\n    --flag\nUser=app")
        with open(path, "w") as f:
            f.write("ok\n${missing}\n")
        with self.assertRaisesRegex(NameError, "template %s line 2" % path):
            T.render_file(path, {})
        with self.assertRaises(FileNotFoundError):
            T.render_file(os.path.join(self.dir, "nope"), {})

    def test_render_to_file_is_atomic_and_idempotent(self):
        path = os.path.join(self.dir, "out.conf")
        res = T.render_to_file("port=${port}\n", {"port": 80}, path, mode="0640")
        self.assertTrue(res.changed)
        self.assertEqual(res.sha256, hashlib.sha256(b"port=80").hexdigest())  # rmote: no newline after the last line
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o640)
        self.assertFalse(T.render_to_file("port=${port}\n", {"port": 80}, path, mode="0640").changed)
        self.assertTrue(T.render_to_file("port=${port}\n", {"port": 81}, path).changed)
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o640)  # kept
        self.assertTrue(T.render_to_file("port=${port}\n", {"port": 81}, path, mode=0o600).changed)
        with open(path) as f:
            self.assertEqual(f.read(), "port=81")
        # A rendering error never touches the destination.
        with self.assertRaises(NameError):
            T.render_to_file("${nope}", {}, path)
        with open(path) as f:
            self.assertEqual(f.read(), "port=81")
        self.assertEqual(sorted(os.listdir(self.dir)), ["out.conf"])
        with self.assertRaisesRegex(FileNotFoundError, "parent directory"):
            T.render_to_file("x", {}, os.path.join(self.dir, "missing", "f"))

    def test_keep_final_newline_mirrors_the_template_source(self):
        # The deploy steps' choice: the file ends with a line break unless the template ends with a text line
        # that has none (what the steps wrote before rmote's rendering).
        path = os.path.join(self.dir, "app.conf")
        cases = [
            ("port=${port}\n", "port=80\n"),
            ("port=${port}\r\n", "port=80\n"),
            ("port=${port}", "port=80"),
            ("%% port=${port}", "% port=80"),
            ("port=${port}\n\n", "port=80\n"),  # rmote already wrote the newline: not doubled
            ("% if False:\nx\n% endif\n", ""),  # nothing rendered: an empty file
            ("a\n% if False:\nx\n% endif\n", "a\n"),
            ("% for i in range(2):\nw${i}\n% endfor", "w0\nw1\n"),  # ends with a statement line
            ("a\n## end", "a\n"),  # ends with a comment line
        ]
        for template, expected in cases:
            with self.subTest(template=template):
                res = T.render_to_file(template, {"port": 80}, path, keep_final_newline=True)
                with open(path, newline="") as f:
                    self.assertEqual(f.read(), expected)
                self.assertEqual(res.sha256, hashlib.sha256(expected.encode()).hexdigest())


if __name__ == "__main__":
    unittest.main()
