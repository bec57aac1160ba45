"""rmote compatibility (python/rmote/compat.py, synced as rmote_compat): a tool file written for rmote runs unchanged.

Each test runs a real bootstrapped runtime child (support.Client) and syncs the modules the way the C# controller
does for such a file (PythonTool.Modules: the Template tool when the file names Template / render_template, then
rmote_compat), so the package ``rmote`` it registers never touches this test process.
"""
import os
import unittest

try:
    from . import support
except ImportError:
    import support

COMPAT = os.path.join(support.PYTHON_DIR, "rmote", "compat.py")
TEMPLATE = os.path.join(support.PYTHON_DIR, "tools", "template.py")


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


class RmoteToolFileTest(unittest.TestCase):
    def setUp(self):
        self.client = support.Client()
        self.addCleanup(self.client.close)

    def load(self, name, source, compat=True):
        """Sync an rmote tool file as the controller does; return its key."""
        self.client.sync("Template", read(TEMPLATE))
        if compat:
            self.client.sync("rmote_compat", read(COMPAT), module=True)
        return self.client.sync(name, source)

    def test_without_the_compat_module_an_rmote_tool_file_fails_to_import(self):
        key = self.load("Plain", "from rmote.protocol import Tool\nclass Plain(Tool):\n    def ok(self):\n"
                                 "        return 1\n", compat=False)
        with self.assertRaises(support.RemoteError) as caught:
            self.client.call(key, "ok")
        self.assertIn("No module named 'rmote'", str(caught.exception))

    def test_rmote_protocol_exports_what_rmote_tools_import(self):
        key = self.load("Names", (
            "from rmote.protocol import Tool, Template, process, render_template\n"
            "import rmote.protocol\n"
            "from rmote import protocol\n"
            "class Names(Tool):\n"
            "    @staticmethod\n"
            "    def check():\n"
            "        return [rmote.protocol.Tool is Tool, protocol is rmote.protocol,\n"
            "                sorted(n for n in ('Tool', 'Template', 'process', 'render_template')\n"
            "                       if hasattr(protocol, n))]\n"))
        self.assertEqual(self.client.call(key, "check"),
                         [True, True, ["Template", "Tool", "process", "render_template"]])

    def test_newer_rmote_inline_marks_a_sync_method_and_refuses_a_coroutine(self):
        key = self.load("Quick", (
            "from rmote.protocol import Tool, inline, runs_on_loop\n"
            "class Quick(Tool):\n"
            "    @staticmethod\n"
            "    @inline\n"
            "    def answer():\n"
            "        return [42, runs_on_loop(Quick.answer), runs_on_loop(Quick.plain)]\n"
            "    @staticmethod\n"
            "    def plain():\n"
            "        return 0\n"
            "    @staticmethod\n"
            "    def refused():\n"
            "        async def co():\n"
            "            pass\n"
            "        inline(co)\n"))
        self.assertEqual(self.client.call(key, "answer"), [42, True, False])
        with self.assertRaises(support.RemoteError) as caught:
            self.client.call(key, "refused")
        self.assertIn("inline applies to synchronous methods", str(caught.exception))

    def test_process_returns_a_completed_process_like_rmote(self):
        key = self.load("Proc", (
            "from rmote.protocol import Tool, process\n"
            "class Proc(Tool):\n"
            "    @staticmethod\n"
            "    def run(*cmd, **kw):\n"
            "        r = process(*cmd, **kw)\n"
            "        text = lambda v: v.decode() if isinstance(v, bytes) else v\n"
            "        return [r.returncode, text(r.stdout), text(r.stderr), list(r.args), type(r.stdout).__name__]\n"))
        self.assertEqual(self.client.call(key, "run", "sh", "-c", "echo out; echo err >&2; exit 3",
                                          capture_output=True, text=True),
                         [3, "out\n", "err\n", ["sh", "-c", "echo out; echo err >&2; exit 3"], "str"])
        # A str stdin is encoded when not text; output is bytes then.
        self.assertEqual(self.client.call(key, "run", "cat", stdin="h\u00e9", capture_output=True),
                         [0, "h\u00e9", "", ["cat"], "bytes"])
        # Without capture_output the output goes nowhere (never into the protocol pipes).
        self.assertEqual(self.client.call(key, "run", "sh", "-c", "echo quiet"),
                         [0, None, None, ["sh", "-c", "echo quiet"], "NoneType"])
        self.assertEqual(self.client.call(key, "run", "echo $0", shell=True, capture_output=True, text=True)[1],
                         "/bin/sh\n")
        self.assertEqual(self.client.call(key, "run", "pwd", cwd="/", env={"A": "1"}, capture_output=True, text=True)[1],
                         "/\n")
        with self.assertRaises(support.RemoteError) as caught:
            self.client.call(key, "run", "false", check=True)
        self.assertEqual(caught.exception.err["type"], "CalledProcessError")
        self.assertEqual(caught.exception.err["returncode"], 1)
        with self.assertRaises(support.RemoteError) as caught:
            self.client.call(key, "run", "cat", stdin=b"x", text=True)
        self.assertIn("stdin must be str when text=True", str(caught.exception))

    def test_a_cancelled_call_kills_the_child_process(self):
        import tempfile
        import time
        key = self.load("Slow", (
            "from rmote.protocol import Tool, process\n"
            "class Slow(Tool):\n"
            "    @staticmethod\n"
            "    def run(pid_file):\n"
            "        return process('sh', '-c', 'echo $$ > %s; exec sleep 300' % pid_file).returncode\n"))
        with tempfile.TemporaryDirectory() as d:
            pid_file = os.path.join(d, "pid")
            cid = self.client.start(key, "run", pid_file)
            deadline = time.monotonic() + 60  # a bound for a loaded machine: the pid file is the event
            while not (os.path.exists(pid_file) and read(pid_file).strip()) and time.monotonic() < deadline:
                time.sleep(0.01)
            pid = int(read(pid_file))
            self.client.send(support.rt.CANCEL, cid)
            with self.assertRaises(support.RemoteError) as caught:
                self.client.wait(cid, timeout=60)
            self.assertEqual(caught.exception.err["type"], "CancelledError")
            while os.path.exists("/proc/%d" % pid) and time.monotonic() < deadline:
                time.sleep(0.01)
            self.assertFalse(os.path.exists("/proc/%d" % pid), "the sleep child outlived its cancelled call")

    def test_process_and_the_template_helpers_are_in_the_namespace_without_an_import(self):
        # rmote execs every tool with Tool, process, Template and render_template already defined.
        key = self.load("Implicit", (
            "from rmote.protocol import Tool\n"
            "class Implicit(Tool):\n"
            "    @staticmethod\n"
            "    def go(name):\n"
            "        out = process('echo', name, capture_output=True, text=True).stdout.strip()\n"
            "        return [render_template('Hello, ${who}!', who=out), Template('${1 + 1}').render()]\n"))
        self.assertEqual(self.client.call(key, "go", "web01"), ["Hello, web01!", "2"])

    def test_template_renders_with_the_ports_engine(self):
        key = self.load("Tmpl", (
            "from rmote.protocol import Tool, Template, render_template\n"
            "class Tmpl(Tool):\n"
            "    @staticmethod\n"
            "    def hosts(names):\n"
            "        t = Template('% for n in names:\\nserver ${n};\\n% endfor\\n')\n"
            "        return [t.render(names=names), Template.compile('${x}')(x=5), repr(Template('a'))]\n"))
        rendered, compiled, shown = self.client.call(key, "hosts", ["a", "b"])
        self.assertEqual(rendered.rstrip("\n"), "server a;\nserver b;")
        self.assertEqual(compiled.rstrip("\n"), "5")
        self.assertEqual(shown, "Template('a')")

    def test_controller_side_names_import_but_refuse_use(self):
        # A tool file that is also an rmote script imports Protocol and rmote's tools; rmote strips those imports.
        key = self.load("Script", (
            "import asyncio\n"
            "from rmote.protocol import Protocol, Tool\n"
            "from rmote.tools import FileSystem\n"
            "from rmote.tools.fs import FileSystem as Fs\n"
            "class Script(Tool):\n"
            "    @staticmethod\n"
            "    def use():\n"
            "        return Protocol.from_subprocess\n"
            "    @staticmethod\n"
            "    def fine():\n"
            "        return 'ok'\n"
            "async def main():\n"
            "    await Protocol.from_subprocess(None)\n"
            "if __name__ == '__main__':\n"
            "    asyncio.run(main())\n"))
        self.assertEqual(self.client.call(key, "fine"), "ok")
        with self.assertRaises(support.RemoteError) as caught:
            self.client.call(key, "use")
        self.assertIn("rmote.protocol.Protocol is rmote's controller side", str(caught.exception))


if __name__ == "__main__":
    unittest.main()
