"""Every built-in tool file honours the runtime contract."""

import ast
import inspect
import os
import sys
import unittest

import tool_support

EXPECTED = {
    "apt": "Apt", "apt_repository": "AptRepository", "deploy": "Deploy", "diag": "Diag", "exec": "Exec",
    "filesystem": "FileSystem", "http": "Http", "keep": "Keep", "logger": "Logger", "pacman": "Pacman",
    "pacman_repository": "PacmanRepository", "quit": "Quit", "service": "Service",
    "template": "Template", "user": "User",
}
# Python 3.8's stdlib modules used by the tools (sys.stdlib_module_names needs 3.10).
STDLIB = {
    "__future__", "_struct", "_thread", "asyncio", "ast", "base64", "binascii", "zlib", "builtins", "concurrent", "ctypes", "dataclasses", "difflib", "errno", "fcntl", "glob",
    "grp", "hashlib", "http", "json", "logging", "marshal", "math", "os", "pathlib", "platform", "pwd", "re", "secrets", "select", "shlex", "shutil", "signal", "socket", "stat",
    "subprocess", "sys", "tempfile", "threading", "time", "typing", "urllib",
}


class TestContract(unittest.TestCase):
    def test_every_file_is_expected(self):
        files = sorted(f[:-3] for f in os.listdir(tool_support.TOOLS_DIR) if f.endswith(".py"))
        self.assertEqual(files, sorted(EXPECTED))

    def test_each_tool(self):
        for file_name, class_name in sorted(EXPECTED.items()):
            with self.subTest(tool=file_name):
                src = tool_support.source(file_name)
                tree = ast.parse(src, feature_version=(3, 8))
                for node in ast.walk(tree):
                    if isinstance(node, ast.Import):
                        names = [a.name.split(".")[0] for a in node.names]
                    elif isinstance(node, ast.ImportFrom):
                        self.assertEqual(node.level, 0, "relative import")
                        names = [node.module.split(".")[0]]
                    else:
                        continue
                    for n in names:
                        # the modules the controller syncs in front of a tool that imports them (rmote_toolkit)
                        self.assertIn(n, STDLIB | set(tool_support.SHIPPED_MODULES),
                                      "non-stdlib (or unlisted) import %r" % n)
                self.assertNotIn("Tool", [n.name for n in tree.body if isinstance(n, ast.ClassDef)])
                mod = tool_support.load(file_name)
                cls = tool_support.tool_class(mod)
                self.assertEqual(cls.__name__, class_name)
                for name, member in vars(cls).items():
                    if name.startswith("_"):
                        continue
                    fn = member.__func__ if isinstance(member, (staticmethod, classmethod)) else member
                    if callable(fn):
                        self.assertTrue(inspect.getdoc(fn), "%s.%s has no docstring" % (class_name, name))

    @unittest.skipUnless(sys.version_info >= (3, 10), "sys.stdlib_module_names needs 3.10")
    def test_stdlib_list_is_stdlib(self):
        self.assertLessEqual(STDLIB - {"__future__"}, set(sys.stdlib_module_names))


if __name__ == "__main__":
    unittest.main()
