"""Escaping filters of the template engine: ``${x | json}``, ``xml``, ``shell``, ``url`` (docs/TEMPLATES.md).

Each filter's output is checked by the parser that reads it (json.loads, an XML parser, /bin/sh, unquote), with
values that break naive quoting."""

import json
import subprocess
import unittest
import xml.etree.ElementTree as ET
from urllib.parse import unquote

from tests.test_template_engine import engine

NASTY = ['say "hi"', "it's", "a\\b", "<tag attr='v'>&amp;</tag>", "$(rm -rf /) `x` $HOME", "tab\there", "new\nline", "cr\r\nlf",
         "ünïcødé ☃", "", " spaced  ", "100% & more?=#/", "'", "''\"'"]


def render(source, **variables):
    return engine.render(source, variables)


class JsonFilterTests(unittest.TestCase):
    def test_the_issue_case_gives_valid_json(self):
        text = render('{"message": ${message | json}, "port": ${port | json}}\n\n', message='say "hi"', port=8080)
        self.assertEqual({"message": 'say "hi"', "port": 8080}, json.loads(text))

    def test_every_awkward_string_round_trips(self):
        for value in NASTY:
            with self.subTest(value=value):
                self.assertEqual(value, json.loads(render("${v | json}", v=value)))

    def test_lists_dicts_and_none_become_json(self):
        value = {"hosts": ["web01", "web02"], "debug": False, "none": None}
        self.assertEqual(value, json.loads(render("${v | json}", v=value)))

    def test_nan_is_refused_with_the_template_line(self):
        with self.assertRaises(ValueError) as e:
            render("a\n${v | json}", v=float("nan"))
        self.assertIn("template line 2", str(e.exception))


class XmlFilterTests(unittest.TestCase):
    def test_text_and_attributes_parse_back(self):
        for value in NASTY:
            with self.subTest(value=value):
                doc = ET.fromstring(render('<a v="${v | xml}" w=\'${v | xml}\'>${v | xml}</a>', v=value))
                # XML reads a tab or newline in an attribute as a space (a CR survives as &#13;); text keeps all three.
                self.assertEqual(value, doc.text or "")
                self.assertEqual(value.replace("\t", " ").replace("\n", " "), doc.get("v"))
                self.assertEqual(doc.get("v"), doc.get("w"))

    def test_a_character_xml_cannot_hold_is_an_error(self):
        with self.assertRaises(ValueError) as e:
            render("${v | xml}", v="bell\x07")
        self.assertIn("U+0007", str(e.exception))


class ShellFilterTests(unittest.TestCase):
    def test_sh_reads_back_each_value_as_one_word(self):
        for value in NASTY:
            with self.subTest(value=value):
                script = render("printf '%s|' ${v | shell}", v=value)
                out = subprocess.run(["/bin/sh", "-c", script], stdout=subprocess.PIPE, check=True).stdout.decode()
                self.assertEqual(value + "|", out)

    def test_posix_single_quotes(self):
        self.assertEqual("'it'\\''s'", render("${v | shell}", v="it's"))
        self.assertEqual("''", render("${v | shell}", v=""))

    def test_nul_is_an_error(self):
        with self.assertRaises(ValueError):
            render("${v | shell}", v="a\0b")


class UrlFilterTests(unittest.TestCase):
    def test_values_are_percent_encoded_and_decode_back(self):
        for value in NASTY:
            with self.subTest(value=value):
                text = render("${v | url}", v=value)
                self.assertRegex(text, r"^[A-Za-z0-9_.~%-]*$")
                self.assertEqual(value, unquote(text))

    def test_reserved_characters_are_encoded(self):
        self.assertEqual("a%2Fb%3Fc%3Dd%26e%20f", render("${v | url}", v="a/b?c=d&e f"))


class FilterSyntaxTests(unittest.TestCase):
    def test_filters_chain_left_to_right(self):
        # shell first, then json: a JSON string holding a quoted shell word.
        self.assertEqual("'it'\\''s'", json.loads(render("${v | shell, json}", v="it's")))

    def test_spaces_are_free(self):
        self.assertEqual('"x"', render("${v|json}", v="x"))
        self.assertEqual('"x"', render("${ v  |  json }", v="x"))

    def test_or_with_a_variable_that_is_no_filter_stays_python(self):
        self.assertEqual("7", render("${a | b}", a=3, b=4))
        self.assertEqual("7", render("${(a | json)}", a=3, json=4))

    def test_a_bar_inside_a_string_is_no_filter(self):
        self.assertEqual("a | json", render("${ 'a | json' }"))
        self.assertEqual('"a|b"', render("${ 'a|b' | json }"))

    def test_filters_apply_to_expressions(self):
        self.assertEqual('["a", "b"]', render("${ sorted(xs) | json }", xs=["b", "a"]))
        self.assertEqual('"1 | 2"', render("${ '%d | %d' % (1, 2) | json }"))

    def test_filters_do_not_leak_into_the_namespace(self):
        with self.assertRaises(NameError):
            render("${json(1)}")


if __name__ == "__main__":
    unittest.main()
