"""A leading ``~/`` in a path a build step sends (a template's destination, a folder to create, a command's working
directory) is the login user's home folder on the host, as in a shell: never a folder named ``~`` in the runtime's
current directory."""

import os
import tempfile
import unittest

import tool_support

Exec = tool_support.tool_class(tool_support.load("exec"))
FS = tool_support.tool_class(tool_support.load("filesystem"))
T = tool_support.tool_class(tool_support.load("template"))


class TestHomePaths(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.home = os.path.realpath(self._tmp.name)
        self._cwd = tempfile.TemporaryDirectory()
        self._old = (os.environ.get("HOME"), os.getcwd())
        os.environ["HOME"] = self.home
        os.chdir(self._cwd.name)  # a literal "~" folder would appear here

    def tearDown(self):
        home, cwd = self._old
        os.chdir(cwd)
        if home is None:
            del os.environ["HOME"]
        else:
            os.environ["HOME"] = home
        self._tmp.cleanup()
        self._cwd.cleanup()

    def test_mkdir_and_render_to_file_expand_the_home_folder(self):
        self.assertTrue(FS.mkdir("~/eco"))
        res = T.render_to_file("x=${x}\n", {"x": 1}, "~/eco/rel.conf")
        self.assertEqual(res.path, os.path.join(self.home, "eco", "rel.conf"))
        with open(os.path.join(self.home, "eco", "rel.conf")) as f:
            self.assertEqual(f.read(), "x=1")
        self.assertEqual(os.listdir(self._cwd.name), [])

    def test_exec_working_directory_expands_the_home_folder(self):
        os.mkdir(os.path.join(self.home, "app"))
        want = os.path.join(self.home, "app")
        self.assertEqual(Exec.command(["pwd"], cwd="~/app")["stdout"].strip(), want)
        self.assertEqual(Exec.shell("pwd", cwd="~/app")["stdout"].strip(), want)
        self.assertEqual([item["line"] for item in Exec.stream("pwd", shell=True, cwd="~/app")], [want, None])


if __name__ == "__main__":
    unittest.main()
