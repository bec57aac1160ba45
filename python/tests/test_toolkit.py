"""The toolkit (python/rmote/toolkit.py): file helpers tools import as rmote_toolkit, synced by the controller."""
import os
import unittest

try:
    from . import support, tool_support
except ImportError:
    import support
    import tool_support

rt = support.rt
tool_support.runtime()  # registers rmote_toolkit as the runtime's SYNC of a module does
import rmote_toolkit as tk  # noqa: E402


class FileHelpersTest(unittest.TestCase):
    """The atomic file primitives the built-in tools share (python/rmote/toolkit.py, synced as rmote_toolkit)."""

    HELPERS = ["temp_name", "write_temp", "commit_temp", "replace_file", "write_file", "file_mode", "owner_id", "group_id"]

    def test_tools_see_the_helpers(self):
        tool = rt.load_tool("F:0", "F", "from rmote_toolkit import %s\nclass F(Tool):\n    def names(self):\n"
                                        "        return [f.__name__ for f in (%s)]\n"
                                        % (", ".join(self.HELPERS), ", ".join(self.HELPERS)))
        self.assertEqual(tool.names(), self.HELPERS)

    def test_the_runtime_itself_holds_no_file_helpers(self):
        for name in self.HELPERS:
            self.assertFalse(hasattr(rt, name), name)

    def test_a_long_name_still_gets_a_temp_name_the_filesystem_accepts(self):
        import tempfile
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "n" * 250)
            self.assertLessEqual(len(os.path.basename(tk.temp_name(path))), 255)
            self.assertEqual(tk.write_file(path, b"x")[0], True)
            self.assertEqual(os.listdir(d), ["n" * 250])

    def test_write_file_is_idempotent_and_fixes_only_metadata(self):
        import hashlib
        import tempfile
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "f")
            digest = hashlib.sha256(b"data").hexdigest()
            self.assertEqual(tk.write_file(path, b"data", 0o600), (True, digest))
            ino = os.stat(path).st_ino
            self.assertEqual(tk.write_file(path, b"data", 0o600), (False, digest))
            self.assertEqual(tk.write_file(path, b"data", tk.file_mode("0644")), (True, digest))
            self.assertEqual((os.stat(path).st_ino, os.stat(path).st_mode & 0o7777), (ino, 0o644))  # fixed in place
            self.assertEqual(tk.write_file(path, b"data"), (False, digest))  # no mode asked: it keeps its own
            with self.assertRaisesRegex(ValueError, "unknown user 'no-such-user-here'.*User.user"):
                tk.owner_id("no-such-user-here")
            self.assertEqual((tk.owner_id("0"), tk.group_id(0), tk.owner_id(None)), (0, 0, None))

    def test_replace_file_swaps_contents_and_leaves_no_temp(self):
        import tempfile
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "app.conf")
            with open(path, "w") as f:
                f.write("old")
            tk.replace_file(path, b"new", 0o640)
            with open(path) as f:
                self.assertEqual(f.read(), "new")
            self.assertEqual(os.stat(path).st_mode & 0o7777, 0o640)
            self.assertEqual(os.listdir(d), ["app.conf"])

    def test_a_failed_commit_removes_the_temp(self):
        import tempfile
        with tempfile.TemporaryDirectory() as d:
            tmp = tk.write_temp(os.path.join(d, "x"), b"data", 0o600)
            os.mkdir(os.path.join(d, "dir"))
            os.mkdir(os.path.join(d, "dir", "full"))  # a non-empty folder cannot be replaced by a file
            with self.assertRaises(OSError):
                tk.commit_temp(tmp, os.path.join(d, "dir"))
            self.assertEqual(sorted(os.listdir(d)), ["dir"])



WRITER = """
from rmote_toolkit import write_file


class Writer(Tool):
    @staticmethod
    def write(path, text):
        return write_file(path, text.encode())[0]
"""

SHOUT = """
@placeholder("__shout__")
def _shout(spec):
    return spec.upper()


class Shout(Tool):
    @staticmethod
    def show(text):
        return text
"""


class SyncedModulesTest(unittest.TestCase):
    """Over the wire: a module SYNC ({"module": true}) in front of the tool that imports it, and placeholder types
    a tool registers for call arguments (docs/PROTOCOL.md sections 3 and 4)."""

    def setUp(self):
        self.c = support.Client()

    def tearDown(self):
        self.c.close()

    def test_a_tool_imports_the_toolkit_synced_in_front_of_it(self):
        import tempfile
        key = self.c.sync("Writer", WRITER)  # sends rmote_toolkit first, as the controller does
        self.assertIn(support.tool_key("rmote_toolkit", support.module_source("rmote_toolkit")), self.c.synced)
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "f")
            self.assertEqual(self.c.call(key, "write", path, "hi"), True)
            self.assertEqual(self.c.call(key, "write", path, "hi"), False)
            with open(path) as f:
                self.assertEqual(f.read(), "hi")

    def test_without_the_module_the_tool_fails_naming_it(self):
        self.c.synced.add(support.tool_key("rmote_toolkit", support.module_source("rmote_toolkit")))  # never sent
        key = self.c.sync("Writer", WRITER)
        with self.assertRaisesRegex(support.RemoteError, "rmote_toolkit"):
            self.c.call(key, "write", "/nonexistent/x", "hi")

    def test_a_module_never_shadows_a_host_module(self):
        key = self.c.sync("json", "x = 1\n", module=True)
        with self.assertRaisesRegex(support.RemoteError, "must start with rmote_"):  # the SYNC's error
            self.c.call(key, "dumps", 1)
        shout = self.c.sync("Shout", SHOUT)
        self.assertEqual(self.c.call(shout, "show", {"a": [1]}), {"a": [1]})  # the runtime's own JSON still works

    def test_a_registered_placeholder_decodes_call_arguments_only(self):
        key = self.c.sync("Shout", SHOUT)
        self.assertEqual(self.c.call(key, "show", {"__shout__": "hey"}), "HEY")
        self.assertEqual(self.c.call(key, "show", {"__whisper__": "hey"}), {"__whisper__": "hey"})  # not registered


if __name__ == "__main__":
    unittest.main()
