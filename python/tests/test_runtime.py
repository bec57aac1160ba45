"""Unit tests of the runtime's framing/values/errors, and end-to-end tests against a
real bootstrapped child (python3 -I -S -c '<stage1>'), stdlib unittest only."""
import asyncio
import dataclasses
import enum
import hashlib
import importlib.util
import json
import logging
import marshal
import os
import pathlib
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import unittest
import zlib

try:
    from . import support
except ImportError:
    import support

rt = support.rt


class FramingTest(unittest.TestCase):
    def decode_all(self, data, max_frame=rt.MAX_FRAME, step=None):
        dec = rt.FrameDecoder(max_frame)
        if step is None:
            return dec.feed(data)
        out = []
        for i in range(0, len(data), step):
            out += dec.feed(data[i:i + step])
        return out

    def test_header_layout(self):
        f = rt.encode_frame(rt.CALL, 7, {"a": 1}, b"xyz")
        self.assertEqual(f[:2], b"RM")
        self.assertEqual(f[2], 1)
        self.assertEqual(f[3], rt.CALL)
        self.assertEqual(f[4], 0)
        self.assertEqual(int.from_bytes(f[5:9], "big"), 7)
        self.assertEqual(int.from_bytes(f[9:13], "big"), len(b'{"a":1}'))
        self.assertEqual(int.from_bytes(f[13:17], "big"), 3)
        self.assertEqual(f[17:], b'{"a":1}xyz')
        self.assertEqual(len(rt.encode_frame(rt.CANCEL, 3)), 17)  # empty JSON body means {}

    def test_round_trip_whole_and_bytewise(self):
        frames = (rt.encode_frame(rt.HELLO, 0, {"max_frame": 5})
                  + rt.encode_frame(rt.CALL, 1, {"x": [1, "é"]}, b"\x00\x01")
                  + rt.encode_frame(rt.CANCEL, 2))
        for step in (None, 1, 5, 17):
            got = self.decode_all(frames, step=step)
            self.assertEqual([(t, i) for t, i, _, _ in got], [(1, 0), (3, 1), (7, 2)])
            self.assertEqual(json.loads(got[1][2]), {"x": [1, "é"]})
            self.assertEqual(bytes(got[1][3]), b"\x00\x01")
            self.assertEqual(rt.loads(got[2][2]), {})

    def test_big_frame_via_target(self):
        blob = os.urandom(3 << 20)
        f = rt.encode_frame(rt.CALL, 9, {"n": 1}, blob)
        dec = rt.FrameDecoder()
        got = dec.feed(f[:100000])
        self.assertEqual(got, [])
        pos = 100000
        while True:
            t = dec.target()
            if t is None:
                break
            n = min(len(t), 70000)
            t[:n] = f[pos:pos + n]
            pos += n
            got += dec.advance(n)
        self.assertEqual(pos, len(f))
        self.assertEqual(bytes(got[0][3]), blob)
        # and the same frame fed in chunks, followed by a small one
        got = self.decode_all(f + rt.encode_frame(rt.CANCEL, 1), step=65536)
        self.assertEqual([(t, i) for t, i, _, _ in got], [(rt.CALL, 9), (rt.CANCEL, 1)])
        self.assertEqual(bytes(got[0][3]), blob)

    def test_compression_on(self):
        obj = {"text": "hello world " * 400}
        f = rt.encode_frame(rt.RESULT, 1, obj, b"ab" * 5000)
        self.assertEqual(f[4], rt.Z_JSON | rt.Z_BIN)
        self.assertLess(len(f), 2000)
        (t, i, jb, bb), = self.decode_all(f)
        self.assertEqual(json.loads(jb), obj)
        self.assertEqual(bytes(bb), b"ab" * 5000)

    def test_compression_off(self):
        self.assertEqual(rt.encode_frame(rt.RESULT, 1, {"t": "a" * 500})[4], 0)  # < 1 KiB
        f = rt.encode_frame(rt.RESULT, 1, {"t": "x"}, os.urandom(4096))  # saves < 1/8
        self.assertEqual(f[4], 0)
        self.assertEqual(len(f), 17 + 9 + 4096)

    def test_incompressible_sample_skips_compression(self):
        # the 64 KiB sample is random, so the (compressible) rest is not even tried
        blob = os.urandom(64 << 10) + bytes(600 << 10)
        self.assertEqual(rt.encode_frame(rt.RESULT, 1, {"v": 1}, blob)[4], 0)
        self.assertEqual(rt.encode_frame(rt.RESULT, 1, {"v": 1}, bytes(600 << 10))[4], rt.Z_BIN)

    def test_bad_magic_version_type(self):
        good = rt.encode_frame(rt.CALL, 1, {"a": 1})
        for bad, what in ((b"XX" + good[2:], "magic"), (good[:2] + b"\x02" + good[3:], "version"),
                          (good[:3] + b"\x0b" + good[4:], "type"), (good[:3] + b"\x00" + good[4:], "type")):
            with self.assertRaisesRegex(rt.ProtocolError, what):
                self.decode_all(bad)

    def test_oversize(self):
        f = rt.encode_frame(rt.CALL, 1, {"a": "b" * 100})
        with self.assertRaisesRegex(rt.ProtocolError, "frame of 125 bytes exceeds the maximum 64"):
            self.decode_all(f[:17], max_frame=64)  # the header alone is enough to refuse
        with self.assertRaisesRegex(ValueError, "frame of 117 bytes exceeds the maximum 64 the controller accepts"):
            rt.pack(rt.RESULT, 1, b"x" * 100, limit=64)

    def test_zip_bomb_and_corrupt(self):
        bomb = zlib.compress(bytes(8 << 20), 9)
        f = rt.HEADER.pack(b"RM", 1, rt.CALL, rt.Z_BIN, 1, 2, len(bomb)) + b"{}" + bomb
        with self.assertRaisesRegex(rt.ProtocolError, "inflates past"):
            self.decode_all(f, max_frame=1 << 20)
        self.assertEqual(len(self.decode_all(f, max_frame=16 << 20)[0][3]), 8 << 20)
        junk = b"\x78\x9c" + os.urandom(64)
        f = rt.HEADER.pack(b"RM", 1, rt.CALL, rt.Z_JSON, 1, len(junk), 0) + junk
        with self.assertRaises(rt.ProtocolError):
            self.decode_all(f)

    def test_placeholders(self):
        self.assertEqual(rt.loads(b'{"a":[{"__bytes__":[1,2]},{"__bytes__":[0,0]}]}', b"xyz"),
                         {"a": [b"yz", b""]})
        with self.assertRaises(ValueError):
            rt.loads(b'{"a":{"__bytes__":[2,5]}}', b"xyz")

    def test_value_conversion(self):
        @dataclasses.dataclass
        class Inner:
            p: pathlib.PurePath

        @dataclasses.dataclass
        class Outer:
            name: str
            items: tuple
            inner: Inner

        class Color(enum.Enum):
            RED = "red"

        value = {"o": Outer("n", (1, 2), Inner(pathlib.PurePosixPath("/a/b"))), "s": frozenset([3]),
                 "c": Color.RED, "b": [b"hello", bytearray(b"!"), memoryview(b"mv")]}
        f = rt.value_frame(rt.RESULT, 4, value)
        f = f if type(f) is bytes else b"".join(f)
        (t, i, jb, bb), = self.decode_all(f)
        self.assertEqual((t, i), (rt.RESULT, 4))
        self.assertEqual(json.loads(jb)["value"]["b"], [{"__bytes__": [0, 5]}, {"__bytes__": [5, 1]},
                                                        {"__bytes__": [6, 2]}])
        self.assertEqual(rt.loads(jb, bb)["value"], {
            "o": {"name": "n", "items": [1, 2], "inner": {"p": "/a/b"}}, "s": [3], "c": "red",
            "b": [b"hello", b"!", b"mv"]})
        with self.assertRaisesRegex(TypeError, "builtins.object.*dataclass"):
            rt.value_frame(rt.RESULT, 1, {"x": object()})

    def test_template_placeholders_are_rendered_only_in_call_arguments(self):
        seen = []

        def render(spec):
            seen.append(spec)
            return spec["source"].replace("${name}", spec["variables"]["name"])
        body = b'{"args":["/etc/x",{"__template__":{"source":"hi ${name}","variables":{"name":"web01"}}}]}'
        saved = dict(rt._placeholders)
        self.addCleanup(lambda: (rt._placeholders.clear(), rt._placeholders.update(saved)))
        rt.placeholder("__template__")(render)  # as the Template tool registers it
        self.assertEqual(rt.loads(body, b"", call=True)["args"], ["/etc/x", "hi web01"])
        self.assertEqual(seen, [{"source": "hi ${name}", "variables": {"name": "web01"}}])
        with self.assertRaisesRegex(ValueError, "only accepted in call arguments"):
            rt.loads(body)
        with self.assertRaisesRegex(ValueError, "must look like"):
            rt.placeholder("template")

    def test_big_binary_is_not_copied_into_the_frame(self):
        blob = os.urandom(1 << 20)
        parts = rt.value_frame(rt.RESULT, 1, blob)
        self.assertIsInstance(parts, list)
        self.assertIs(parts[-1], blob)


class SiteOnDemandTest(unittest.TestCase):
    """_SiteOnDemand in a real `python3 -I -S` child, site.main replaced by a recorder (the host's real one runs
    whatever .pth files it has)."""

    PRELUDE = (
        "import sys, site, threading\n"
        "sys.path[:0] = [%r, %r]\n"
        "from rmote import runtime as rt\n"
        "sys.meta_path.append(rt._SiteOnDemand)\n")

    def run_child(self, body, files=None):
        with tempfile.TemporaryDirectory() as tmp:
            for name, text in (files or {}).items():
                with open(os.path.join(tmp, name), "w") as f:
                    f.write(text)
            code = self.PRELUDE % (support.PYTHON_DIR, tmp) + body
            try:
                r = subprocess.run([sys.executable, "-I", "-S", "-c", code], capture_output=True, text=True, timeout=60)
            except subprocess.TimeoutExpired:
                self.fail("the child hung (60 s): an import deadlocked")
        self.assertEqual(0, r.returncode, r.stderr)
        return r.stdout

    def test_a_stdlib_module_absent_on_this_platform_does_not_run_site(self):
        out = self.run_child(
            "calls = []\n"
            "def main():\n"
            "    calls.append(1)\n"
            "    try:\n        import rmote_missing_in_a_pth_line\n    except ImportError:\n        pass\n"
            "site.main = main\n"
            "try:\n    import msvcrt\nexcept ImportError:\n    pass\n"
            "import subprocess\n"
            "print(len(calls))\n"
            "try:\n    import rmote_no_such_module_xyz\nexcept ImportError:\n    pass\n"
            "print(len(calls))\n")
        self.assertEqual("0\n1\n", out)  # only the name site-packages could provide ran it

    def test_site_runs_without_the_global_import_lock(self):
        # The child's thread holds slow's module lock and then imports another module (which takes the global
        # import lock); site.main, run by the finder, imports slow. Holding the global lock meanwhile deadlocks.
        out = self.run_child(
            "import builtins\n"
            "builtins.ready, builtins.go = threading.Event(), threading.Event()\n"
            "def main():\n    builtins.go.set()\n    import slow\n"
            "site.main = main\n"
            "t = threading.Thread(target=__import__, args=('slow',))\n"
            "t.start()\n"
            "builtins.ready.wait()\n"
            "try:\n    import rmote_no_such_module_xyz\nexcept ImportError:\n    pass\n"
            "t.join()\n"
            "print(sys.modules['slow'].other.VALUE)\n",
            files={"slow.py": "import builtins\nbuiltins.ready.set()\nbuiltins.go.wait()\nimport other\n",
                   "other.py": "VALUE = 'imported'\n"})
        self.assertEqual("imported\n", out)


class ErrorObjectTest(unittest.TestCase):
    def catch(self, fn):
        try:
            fn()
        except BaseException as e:
            return rt.error_obj(e)

    def test_file_not_found(self):
        err = self.catch(lambda: open("/nonexistent/x"))
        self.assertEqual(err["type"], "FileNotFoundError")
        self.assertEqual(err["mro"], ["FileNotFoundError", "OSError", "Exception"])
        self.assertEqual(err["errno"], 2)
        self.assertEqual(err["filename"], "/nonexistent/x")
        self.assertEqual(err["message"], "[Errno 2] No such file or directory: '/nonexistent/x'")
        self.assertIn("Traceback (most recent call last)", err["traceback"])
        self.assertEqual(set(err), {"type", "mro", "message", "traceback", "errno", "filename",
                                    "returncode", "cmd", "stdout", "stderr"})

    def test_called_process_error(self):
        err = self.catch(lambda: subprocess.run(["sh", "-c", "echo out; echo err >&2; exit 3"],
                                                check=True, capture_output=True))
        self.assertEqual(err["mro"], ["CalledProcessError", "SubprocessError", "Exception"])
        self.assertEqual((err["returncode"], err["stdout"], err["stderr"]), (3, "out\n", "err\n"))
        self.assertEqual(err["cmd"], "sh -c 'echo out; echo err >&2; exit 3'")
        err = self.catch(lambda: subprocess.run(["sleep", "5"], timeout=0.01))
        self.assertEqual(err["type"], "TimeoutExpired")
        self.assertIsNone(err["returncode"])

    def test_key_error_and_caps(self):
        self.assertEqual(self.catch(lambda: {}["k"])["message"], "k")
        err = rt.error_obj(subprocess.CalledProcessError(1, "x", b"\xff" + b"a" * 100000))
        self.assertEqual(len(err["stdout"]) - len(err["stdout"].split("\n")[1]) - 2, 64 << 10)
        self.assertTrue(err["stdout"].endswith("a" * 100))
        self.assertLess(len(rt.error_obj(ValueError("m" * 200000))["message"]), (64 << 10) + 100)

    def test_cancelled_error(self):
        err = rt.error_obj(asyncio.CancelledError("x"))
        self.assertEqual((err["type"], err["mro"]), ("CancelledError", ["CancelledError"]))


class LoadToolTest(unittest.TestCase):
    SOURCE = '''
import dataclasses

@dataclasses.dataclass
class Item:
    n: int

class Hello(Tool):
    @staticmethod
    def item(n):
        return Item(n)
'''

    def test_load_tool(self):
        key = support.tool_key("Hello", self.SOURCE)
        tool = rt.load_tool(key, "Hello", self.SOURCE)
        mod = sys.modules["rmote_tool_Hello_" + key.split(":")[1]]
        self.assertIs(type(tool).__module__, mod.__name__)
        self.assertIsInstance(tool, rt.Tool)
        self.assertEqual(tool.log.name, "rmote.Hello")
        self.assertIsInstance(tool.log, logging.Logger)
        self.assertEqual(rt.Tool.log.name, "rmote.Tool")
        self.assertIs(mod.set_log_level, rt.set_log_level)
        self.assertIs(mod.request_exit, rt.request_exit)
        self.assertEqual(tool.item(3).n, 3)
        self.assertFalse(rt.Tool.cancelled())

    def test_load_tool_failures(self):
        with self.assertRaises(TypeError):
            rt.load_tool("Nope:1", "Nope", "x = 1")
        with self.assertRaises(ZeroDivisionError):
            rt.load_tool("Div:1", "Div", "1/0")
        self.assertNotIn("rmote_tool_Div_1", sys.modules)


TOOL = '''
import asyncio
import dataclasses
import enum
import hashlib
import os
import pathlib
import subprocess
import sys
import time

STATE = {}


@dataclasses.dataclass
class Point:
    x: int
    y: int
    tags: tuple = ()


class Color(enum.Enum):
    RED = "red"


class Boom(ValueError):
    pass


class Sample(Tool):
    @staticmethod
    def echo(x):
        return x

    def add(self, a, b=0):
        return a + b

    @classmethod
    def name(cls):
        return cls.__name__

    async def aecho(self, x, delay=0.0):
        await asyncio.sleep(delay)
        return x

    def values(self):
        return {"p": Point(1, 2, (3,)), "s": {1}, "path": pathlib.PurePosixPath("/a/b"),
                "c": Color.RED, "t": (1, b"z")}

    def bad_value(self):
        return object()

    def gen(self, n):
        for i in range(n):
            yield {"i": i, "b": bytes([i])}
        return "done"

    async def agen(self, n):
        for i in range(n):
            await asyncio.sleep(0)
            yield i

    def missing(self, path):
        with open(path):
            pass

    def fail_cmd(self):
        subprocess.run(["sh", "-c", "echo out; echo err >&2; exit 3"], check=True, capture_output=True)

    def custom(self):
        raise Boom("kaboom")

    async def sleep(self, t):
        STATE["sleep"] = "sleeping"
        try:
            await asyncio.sleep(t)
            return "slept"
        except asyncio.CancelledError:
            STATE["sleep"] = "cancelled"
            raise

    def spin(self, limit=20):
        STATE["spin"] = "running"
        end = time.monotonic() + limit
        while not Tool.cancelled() and time.monotonic() < end:
            time.sleep(0.005)
        STATE["spin"] = "cancelled" if Tool.cancelled() else "timeout"
        return STATE["spin"]

    def slow_gen(self):
        i = 0
        try:
            while True:
                yield i
                i += 1
                time.sleep(0.005)
        finally:
            STATE["slow_gen"] = i

    def many(self, n, size):
        block = os.urandom(size)
        for i in range(n):
            STATE["many"] = i + 1
            yield [i, block]
        return n

    async def amany(self, n, size):
        block = b"%d" % size * (size // 4)
        for i in range(n):
            STATE["amany"] = i + 1
            yield [i, block]

    def state(self, key):
        return STATE.get(key)

    def noisy(self):
        print("junk on stdout")
        sys.stdout.flush()
        sys.stderr.write("junk on stderr\\n")
        os.write(1, b"junk")
        os.write(2, b"junk2")
        r = subprocess.run(["echo", "x"])
        subprocess.run("echo y; echo z >&2; cat", shell=True)
        return r.returncode

    def logs(self, msg):
        self.log.info("hello %s", msg)
        self.log.debug("debug %s", msg)
        try:
            1 / 0
        except ZeroDivisionError:
            self.log.exception("boom")
        return 1

    async def alog(self, msg):
        self.log.warning("async %s", msg)
        return 2

    def set_level(self, level):
        set_log_level(level)

    def quit(self, code):
        request_exit(code)
        return "bye"

    def _secret(self):
        return "no"
'''


class EndToEndTest(unittest.TestCase):
    def setUp(self):
        self.c = support.Client()
        self.key = self.c.sync("Sample", TOOL)

    def tearDown(self):
        if self.c.proc.poll() is None:
            self.c.proc.kill()
        self.c.proc.wait()
        for f in (self.c.inp, self.c.out, self.c.proc.stderr):
            try:
                f.close()
            except OSError:
                pass

    def call(self, method, *args, **kwargs):
        return self.c.call(self.key, method, *args, **kwargs)

    def error(self, method, *args, **kwargs):
        with self.assertRaises(support.RemoteError) as cm:
            self.call(method, *args, **kwargs)
        return cm.exception.err

    def test_hello(self):
        h = self.c.remote_hello
        self.assertEqual(h["protocol"], 1)
        self.assertEqual(h["max_frame"], 64 << 20)
        self.assertEqual(h["platform"], sys.platform)
        self.assertEqual(h["python"], "%d.%d.%d" % sys.version_info[:3])
        self.assertEqual(h["pid"], self.c.proc.pid)
        self.assertTrue(h["executable"])
        self.assertEqual(self.c.banner, b"")

    def test_sync_and_async_calls(self):
        self.assertEqual(self.call("echo", {"a": [1, "x", None, True, 2.5]}), {"a": [1, "x", None, True, 2.5]})
        self.assertEqual(self.call("add", 2, b=3), 5)
        self.assertEqual(self.call("name"), "Sample")
        self.assertEqual(self.call("aecho", "é", delay=0.01), "é")
        self.assertEqual(self.call("values"), {"p": {"x": 1, "y": 2, "tags": [3]}, "s": [1],
                                               "path": "/a/b", "c": "red", "t": [1, b"z"]})
        err = self.error("bad_value")
        self.assertEqual(err["type"], "TypeError")
        self.assertIn("dataclass", err["message"])

    def test_pipelined_any_order(self):
        ids = {}
        for i in range(300):
            m = ("echo", "aecho", "add")[i % 3]
            ids[self.c.start(self.key, m, i)] = i
        slow = self.c.start(self.key, "aecho", "slow", delay=0.3)
        fast = self.c.start(self.key, "aecho", "fast", delay=0.0)
        order = []
        while len(order) < 302:
            typ, cid = self.c.pump()
            if typ in (rt.RESULT, rt.ERROR):
                order.append(cid)
        self.assertLess(order.index(fast), order.index(slow))
        for cid, i in ids.items():
            self.assertEqual(self.c.wait(cid), ([], i))
        self.assertEqual(self.c.wait(slow)[1], "slow")

    def test_bytes_echo(self):
        for size in (0, 1, 1000, 70000, 1 << 20):
            data = os.urandom(size)
            self.assertEqual(self.call("echo", data), data)
        data = os.urandom(16 << 20)
        self.assertEqual(self.call("echo", [data, b"x", {"k": data[:10]}]), [data, b"x", {"k": data[:10]}])
        zeros = bytes(16 << 20)
        self.assertEqual(self.call("aecho", zeros), zeros)

    def test_streaming(self):
        chunks, value = self.c.wait(self.c.start(self.key, "gen", 4))
        self.assertEqual(chunks, [{"i": i, "b": bytes([i])} for i in range(4)])
        self.assertEqual(value, "done")
        self.assertEqual(self.c.wait(self.c.start(self.key, "agen", 5)), ([0, 1, 2, 3, 4], None))

    def test_long_streams_arrive_in_order(self):
        # more than the writer queue bound, with the client reading only at the end
        for method in ("many", "amany"):
            cid = self.c.start(self.key, method, 500, 20000)
            # Not synchronisation: time for the producer to fill the writer queue while nobody reads (any state
            # call would read). The test holds whatever the timing.
            time.sleep(0.3)
            chunks, value = self.c.wait(cid)
            self.assertEqual([i for i, _ in chunks], list(range(500)))
            self.assertEqual(len({b for _, b in chunks}), 1)
            self.assertEqual(value, 500 if method == "many" else None)

    def test_errors(self):
        err = self.error("missing", "/nonexistent/file")
        self.assertEqual(err["type"], "FileNotFoundError")
        self.assertEqual(err["mro"], ["FileNotFoundError", "OSError", "Exception"])
        self.assertEqual((err["errno"], err["filename"]), (2, "/nonexistent/file"))
        self.assertIn("with open(path)", err["traceback"])  # tool source lines are shown
        err = self.error("fail_cmd")
        self.assertEqual(err["type"], "CalledProcessError")
        self.assertEqual((err["returncode"], err["stdout"], err["stderr"]), (3, "out\n", "err\n"))
        self.assertIn("exit 3", err["cmd"])
        err = self.error("custom")
        self.assertEqual((err["type"], err["mro"], err["message"]),
                         ("Boom", ["Boom", "ValueError", "Exception"], "kaboom"))
        err = self.error("add", 1, 2, 3)
        self.assertEqual(err["type"], "TypeError")

    def test_unknown_tool_private_and_missing_methods(self):
        with self.assertRaises(support.RemoteError) as cm:
            self.c.call("Nope:0123456789abcdef", "x")
        self.assertEqual(cm.exception.err["type"], "KeyError")
        self.assertEqual(cm.exception.err["message"],
                         "tool 'Nope:0123456789abcdef' was not synced on this connection")
        self.assertEqual(self.error("_secret")["type"], "AttributeError")
        self.assertEqual(self.error("__init__")["type"], "AttributeError")
        self.assertEqual(self.error("nothing_here")["type"], "AttributeError")

    def test_failing_sync(self):
        key = self.c.sync("Broken", "import no_such_module_here\nclass Broken(Tool):\n    pass\n")
        for _ in range(2):  # remembered
            with self.assertRaises(support.RemoteError) as cm:
                self.c.call(key, "x")
            self.assertIn("ModuleNotFoundError", cm.exception.err["mro"])
            self.assertIn("no_such_module_here", cm.exception.err["message"])
        key = self.c.sync("Bad", "class Bad(Tool)\n")
        with self.assertRaises(support.RemoteError) as cm:
            self.c.call(key, "x")
        self.assertEqual(cm.exception.err["type"], "SyntaxError")
        self.assertEqual(self.call("echo", 1), 1)

    def assert_cancelled(self, cid):
        with self.assertRaises(support.RemoteError) as cm:
            self.c.wait(cid, timeout=60)  # a deadline for a loaded machine: the cancel itself is the event
        self.assertEqual(cm.exception.err["type"], "CancelledError")
        return cm.exception

    def test_cancel_async(self):
        cid = self.c.start(self.key, "sleep", 300)
        # cancel the sleep once it runs (its state says so), not on a guess about which call the loop took first
        self.assertEqual(self.wait_for_state("sleep", lambda s: s == "sleeping"), "sleeping")
        self.c.send(rt.CANCEL, cid)
        self.assert_cancelled(cid)  # a CancelledError, not the "slept" of the sleep run out
        # The ERROR frame goes out before the task is cancelled (cancel_task), and "state" runs on a pool thread:
        # the task's own except clause runs soon after, so wait for it rather than expect it at once.
        self.assertEqual(self.wait_for_state("sleep", lambda s: s != "sleeping"), "cancelled")
        self.c.send(rt.CANCEL, cid)  # unknown now: ignored
        self.c.send(rt.CANCEL, 12345)
        self.assertEqual(self.call("echo", 2), 2)
        self.assertNotIn(cid, self.c.frames)

    def wait_for_state(self, key, done):
        deadline = time.monotonic() + 60
        while not done(self.call("state", key)) and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.call("state", key)

    def test_cancel_sync_loop(self):
        cid = self.c.start(self.key, "spin")
        # cancel a loop that is running: a call cancelled before it starts never runs at all
        self.assertEqual(self.wait_for_state("spin", lambda s: s == "running"), "running")
        self.c.send(rt.CANCEL, cid)
        self.assert_cancelled(cid)
        self.assertEqual(self.wait_for_state("spin", lambda s: s != "running"), "cancelled")
        self.assertNotIn(cid, self.c.frames)  # the discarded result never shows up

    def test_cancel_sync_generator_stops_early(self):
        cid = self.c.start(self.key, "slow_gen")
        while len(self.c.frames.get(cid, [])) < 3:
            self.c.pump()
        self.c.send(rt.CANCEL, cid)
        e = self.assert_cancelled(cid)
        self.assertGreaterEqual(len(e.chunks), 3)
        self.assertIsNotNone(self.wait_for_state("slow_gen", lambda s: s is not None))
        # The generator has stopped (its finally ran): any chunk it made was queued before the answers above, and
        # frames leave in order, so the echo's answer comes after any stray chunk.
        self.assertEqual(self.call("echo", 1), 1)
        self.assertNotIn(cid, self.c.frames)  # no chunk after the CancelledError

    def test_log_forwarding(self):
        cid = self.c.start(self.key, "logs", "x")
        self.c.wait(cid)
        logs = [b for i, b in self.c.logs if i == cid]
        self.assertEqual([(b["level"], b["logger"], b["message"]) for b in logs],
                         [(20, "rmote.Sample", "hello x"), (40, "rmote.Sample", "boom")])
        self.assertIsNone(logs[0]["exc"])
        self.assertIn("ZeroDivisionError", logs[1]["exc"])
        cid = self.c.start(self.key, "alog", "y")
        self.c.wait(cid)
        self.assertIn((cid, {"level": 30, "logger": "rmote.Sample", "message": "async y", "exc": None}),
                      self.c.logs)
        self.call("set_level", 10)
        cid = self.c.start(self.key, "logs", "z")
        self.c.wait(cid)
        self.assertIn("debug z", [b["message"] for i, b in self.c.logs if i == cid])

    def test_hello_log_level(self):
        c = support.Client(log_level=40)
        try:
            key = c.sync("Sample", TOOL)
            cid = c.start(key, "logs", "q")
            c.wait(cid)
            self.assertEqual([b["message"] for i, b in c.logs if i == cid], ["boom"])
        finally:
            c.close()

    def test_peer_max_frame(self):
        c = support.Client(max_frame=4096)
        try:
            key = c.sync("Sample", TOOL)
            self.assertEqual(c.call(key, "echo", b"x" * 3000 + b"y"), b"x" * 3000 + b"y")  # compressed
            with self.assertRaises(support.RemoteError) as cm:
                c.call(key, "echo", os.urandom(5000))
            self.assertEqual(cm.exception.err["type"], "ValueError")
            self.assertIn("exceeds the maximum", cm.exception.err["message"])
        finally:
            c.close()

    def test_stray_output_does_not_corrupt_the_stream(self):
        self.assertEqual(self.call("noisy"), 0)
        self.assertEqual(self.call("echo", "still fine"), "still fine")
        code, rest = self.c.close()
        self.assertEqual((code, rest), (0, b""))

    def test_eof_exits_zero_with_calls_in_flight(self):
        self.c.start(self.key, "sleep", 3600)
        self.c.start(self.key, "spin", 3600)
        self.assertEqual(self.wait_for_state("spin", lambda s: s == "running"), "running")
        self.assertEqual(self.wait_for_state("sleep", lambda s: s == "sleeping"), "sleeping")
        # both run for an hour: an exit that waited for them would hit the 60 s guard (TimeoutExpired)
        code, _ = self.c.close(timeout=60)
        self.assertEqual(code, 0)

    def test_quit(self):
        cid = self.c.start(self.key, "quit", 5)
        self.assertEqual(self.c.wait(cid)[1], "bye")
        self.assertEqual(self.c.proc.wait(10), 5)

    def test_protocol_error_exits_2(self):
        self.c.inp.write(b"XX" + b"\0" * 40)
        with self.assertRaises(EOFError):
            while True:
                self.c.pump()
        self.assertEqual(self.c.proc.wait(10), 2)
        crit = [b for i, b in self.c.logs if b["level"] == 50]
        self.assertEqual(len(crit), 1)
        self.assertIn("bad magic", crit[0]["message"])

    def test_oversize_frame_exits_2(self):
        self.c.inp.write(rt.HEADER.pack(b"RM", 1, rt.CALL, 0, 7, 0, (64 << 20) + 1))
        with self.assertRaises(EOFError):
            while True:
                self.c.pump()
        self.assertEqual(self.c.proc.wait(10), 2)
        self.assertIn("exceeds the maximum", self.c.logs[-1][1]["message"])
        # the refused call itself gets the cause, not just the end of the connection
        (typ, err), = self.c.frames[7]
        self.assertEqual(typ, rt.ERROR)
        self.assertEqual(err["message"], "frame of %d bytes exceeds the maximum %d this host accepts (frame type 3)"
                         % ((64 << 20) + 1 + rt.HSIZE, 64 << 20))

    def test_non_utf8_names_travel_as_surrogate_escapes(self):
        # a name read with surrogateescape (b"a\xffb") comes back as \udcff, and goes out again byte-exact
        name = b"a\xffb".decode("utf-8", "surrogateescape")
        self.assertEqual(self.c.call(self.key, "echo", name), name)
        self.assertEqual(rt.dumps({"n": name, "e": "\u00e9"}), b'{"n":"a\\udcffb","e":"\xc3\xa9"}')


LEAN = '''
import sys


class Lean(Tool):
    @staticmethod
    def loaded(names):
        return [n for n in names if n in sys.modules]

    @staticmethod
    def threads():
        return len(sys._current_frames())

    @staticmethod
    def thread_view():
        import os
        import threading
        main = threading.main_thread()
        return {"on_main": threading.current_thread() is main, "main_alive": main.is_alive(),
                "main_native_is_pid": main.native_id == os.getpid(),
                "me_native_is_pid": threading.get_native_id() == os.getpid()}

    async def anap(self, t):
        import asyncio
        await asyncio.sleep(t)
        return t

    def later(self, x):
        async def answer():
            return x
        return answer()  # a plain method handing back a coroutine: run on the loop

    def block(self, t):
        import time
        time.sleep(t)
        return t

    @staticmethod
    def gather(folder, n):
        # A barrier through files: adds one to folder, then waits (60 s at most) until folder holds n;
        # returns how many it saw. The test adds files too, to open it.
        import os
        import time
        import uuid
        open(os.path.join(folder, uuid.uuid4().hex), "w").close()
        end = time.monotonic() + 60
        while len(os.listdir(folder)) < n and time.monotonic() < end:
            time.sleep(0.005)
        return len(os.listdir(folder))
'''



def heavy_modules():
    """Modules the runtime must not import on its start path, minus those the bare
    interpreter already loads (a site-packages .pth file may import typing or pathlib)."""
    heavy = ["asyncio", "inspect", "dataclasses", "subprocess", "pathlib", "concurrent.futures",
             "typing"]
    return sorted(set(heavy) - bare_modules())


def bare_modules():
    """The modules a bare `python -I -S` has loaded before running anything."""
    return set(subprocess.run([sys.executable, "-I", "-S", "-c", "import sys; print(' '.join(sys.modules))"],
                              capture_output=True, text=True, check=True).stdout.split())


def wait_for_entries(folder, n, timeout=60):
    """Waits until folder holds n entries (the remote's barrier files); fails naming what was missing."""
    end = time.monotonic() + timeout
    while len(os.listdir(folder)) < n:
        if time.monotonic() > end:
            raise AssertionError("%s holds %d entries after %d s, expected %d" % (folder, len(os.listdir(folder)), timeout, n))
        time.sleep(0.005)


class FlowControlTest(unittest.TestCase):
    """With a stream window (controller HELLO stream_window), a streamed call stops producing once its
    CHUNKs in flight fill the window, and goes on as CREDIT frames come back; CANCEL still ends it."""
    WINDOW = 64 << 10

    def setUp(self):
        self.c = support.Client(stream_window=self.WINDOW)
        self.key = self.c.sync("Sample", TOOL)

    def tearDown(self):
        self.c.close()

    def received(self, cid):
        return sum(1 for t, _ in self.c.frames.get(cid, []) if t == rt.CHUNK)

    def produced_while_nobody_reads(self, method):
        cid = self.c.start(self.key, method, 400, 8 << 10)
        end = time.monotonic() + 30
        while (self.c.call(self.key, "state", method) or 0) < 9 and time.monotonic() < end:
            time.sleep(0.05)  # (each state call reads and files whatever came meanwhile)
        # Not synchronisation: a window in which a producer that ignored the window would run ahead. A correct
        # runtime stays at the window whatever the timing, so this never fails a correct one.
        time.sleep(0.3)
        return cid, self.c.call(self.key, "state", method)

    def test_a_producer_stops_at_the_window_and_goes_on_with_credit(self):
        for method in ("many", "amany"):
            cid, produced = self.produced_while_nobody_reads(method)
            # 64 KiB window, 8 KiB items: 8 sent (the last one overdraws it), a 9th made and held
            self.assertLessEqual(produced, 10, method)
            self.assertLessEqual(self.received(cid), 9, method)
            self.assertGreaterEqual(self.received(cid), 7, method)
            self.c.send(rt.CREDIT, cid, {"bytes": 1 << 30})
            chunks, _ = self.c.wait(cid)
            self.assertEqual([i for i, _ in chunks], list(range(400)), method)

    def test_credit_as_the_controller_sends_it_keeps_the_stream_flowing(self):
        cid = self.c.start(self.key, "many", 300, 8 << 10)
        unacked, seen = 0, 0
        while True:
            typ, fid = self.c.pump()
            if fid != cid:
                continue
            if typ != rt.CHUNK:
                break
            seen += 1
            unacked += rt.HSIZE + len(json.dumps({"value": [seen - 1, {"__bytes__": [0, 8 << 10]}]},
                                                 separators=(",", ":"))) + (8 << 10)
            if unacked >= self.WINDOW // 2:
                self.c.send(rt.CREDIT, cid, {"bytes": unacked})
                unacked = 0
        self.assertEqual(seen, 300)
        self.assertEqual(self.c.frames[cid][-1], (rt.RESULT, {"value": 300}))

    def test_cancel_ends_a_producer_waiting_for_credit(self):
        for method in ("many", "amany"):
            cid, produced = self.produced_while_nobody_reads(method)
            self.c.send(rt.CANCEL, cid)
            with self.assertRaises(support.RemoteError) as e:
                self.c.wait(cid, timeout=10)
            self.assertEqual(e.exception.err["type"], "CancelledError")
            self.assertEqual(self.c.call(self.key, "state", method), produced)

    def test_credit_for_an_unknown_or_finished_call_is_ignored(self):
        self.c.send(rt.CREDIT, 999, {"bytes": 10})
        self.assertEqual(self.c.wait(self.c.start(self.key, "many", 3, 10))[1], 3)


class LazyStartTest(unittest.TestCase):
    def setUp(self):
        self.c = support.Client()
        self.key = self.c.sync("Lean", LEAN)

    def tearDown(self):
        self.c.close()

    def test_no_heavy_imports_until_an_async_call(self):
        HEAVY = heavy_modules()
        self.assertIn("asyncio", HEAVY)
        self.assertEqual(self.c.call(self.key, "loaded", HEAVY), [])
        # nor logging, json, re, enum or site: a connection that logs nothing never pays for them
        start_path = ["logging", "json", "re", "enum", "site", "traceback", "signal", "threading",
                      "collections", "functools", "types"]
        start_path = [m for m in start_path if m not in bare_modules()]
        self.assertEqual(self.c.call(self.key, "loaded", start_path), [])
        with self.assertRaises(support.RemoteError) as cm:  # errors are formatted lazily too
            self.c.call(self.key, "nope")
        self.assertEqual(cm.exception.err["type"], "AttributeError")
        self.assertEqual(self.c.call(self.key, "loaded", HEAVY), [])
        self.assertEqual(self.c.call(self.key, "anap", 0.01), 0.01)
        self.assertIn("asyncio", self.c.call(self.key, "loaded", HEAVY))

    def test_the_runtime_starts_single_threaded(self):
        # the writer thread only starts for output that has to wait (a full pipe, a queued frame), pool
        # threads with the first call: up to HELLO and a SYNC the process has one thread
        self.assertEqual(os.listdir("/proc/%d/task" % self.c.proc.pid), [str(self.c.proc.pid)])

    def test_sync_method_returning_a_coroutine(self):
        self.assertEqual(self.c.call(self.key, "later", "x"), "x")

    def test_cancel_right_behind_an_async_call(self):
        cid = self.c.start(self.key, "anap", 30)
        self.c.send(rt.CANCEL, cid)  # before the loop (and asyncio) even exists
        with self.assertRaises(support.RemoteError) as cm:
            self.c.wait(cid, timeout=10)
        self.assertEqual(cm.exception.err["type"], "CancelledError")
        self.assertEqual(self.c.call(self.key, "anap", 0), 0)

    def test_threading_imported_first_by_a_pool_thread_knows_the_main_thread(self):
        with tempfile.TemporaryDirectory() as folder:
            busy = self.c.start(self.key, "gather", folder, 2)  # the main thread runs the first call ...
            wait_for_entries(folder, 1)  # ... and holds it until the test adds the second file
            view = self.c.call(self.key, "thread_view")  # so this one runs on a pool thread
            open(os.path.join(folder, "release"), "w").close()
            self.assertEqual(self.c.wait(busy)[1], 2)
        self.assertEqual(view, {"on_main": False, "main_alive": True, "main_native_is_pid": True,
                                "me_native_is_pid": False})

    def test_blocked_threads_grow_the_pool_gradually(self):
        with tempfile.TemporaryDirectory() as folder:
            # 6 calls that each wait until all 6 are running and the test has added a 7th file: run one after
            # another, the first would wait its 60 s out and return fewer
            ids = [self.c.start(self.key, "gather", folder, 7) for _ in range(6)]
            wait_for_entries(folder, 6)  # they run side by side
            self.assertEqual(self.c.call(self.key, "loaded", []), [])  # input is still served
            open(os.path.join(folder, "release"), "w").close()
            for cid in ids:
                self.assertEqual(self.c.wait(cid, timeout=60)[1], 7)
        self.assertLessEqual(self.c.call(self.key, "threads"), 1 + 1 + 8)  # main, writer, workers


ON_DEMAND = '''
import sys
import warnings


class OnDemand(Tool):
    @staticmethod
    def loaded(names):
        return [n for n in names if n in sys.modules]

    @staticmethod
    def log_via_own_import(msg):
        import logging
        logging.getLogger("custom").warning("%s", msg)
        return True

    @staticmethod
    def warn(msg):
        warnings.warn(msg, UserWarning)
        return True

    @staticmethod
    def import_from_site_packages(name):
        import importlib
        return importlib.import_module(name).__name__

    @staticmethod
    @zero_copy
    def borrowed(data):
        import hashlib
        return [type(data).__name__, data.readonly, hashlib.sha256(data).hexdigest()]

    @staticmethod
    def copied(data):
        import hashlib
        return [type(data).__name__, hashlib.sha256(data).hexdigest()]
'''


def site_packages_module():
    """A top-level module that only site-packages provide to this interpreter (None if it has none)."""
    code = ("import site, sys, os\n"
            "stdlib = set(sys.builtin_module_names) | set(getattr(sys, 'stdlib_module_names', ()))\n"
            "for d in site.getsitepackages():\n"
            "    for n in sorted(os.listdir(d)) if os.path.isdir(d) else ():\n"
            "        m = n[:-3] if n.endswith('.py') else n\n"
            "        if m.isidentifier() and not m.startswith('_') and m not in stdlib and (n.endswith('.py') or os.path.exists(os.path.join(d, n, '__init__.py'))):\n"
            "            print(m); raise SystemExit\n")
    out = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True).stdout.split()
    return out[0] if out else None


class OnDemandTest(unittest.TestCase):
    """What the runtime leaves out of its start (logging, site) still works the moment a tool needs it."""

    def setUp(self):
        self.c = support.Client()
        self.key = self.c.sync("OnDemand", ON_DEMAND)

    def tearDown(self):
        self.c.close()

    def test_a_tool_importing_logging_itself_is_forwarded(self):
        self.assertEqual(self.c.call(self.key, "loaded", ["logging"]), [])
        cid = self.c.start(self.key, "log_via_own_import", "first record")
        self.c.wait(cid)
        self.assertIn((cid, {"level": 30, "logger": "custom", "message": "first record", "exc": None}), self.c.logs)

    def test_warnings_are_forwarded_before_logging_is_loaded(self):
        cid = self.c.start(self.key, "warn", "careful")
        self.c.wait(cid)
        got = [b for i, b in self.c.logs if i == cid]
        self.assertEqual([(b["level"], b["logger"]) for b in got], [(30, "py.warnings")])
        self.assertIn("UserWarning: careful", got[0]["message"])

    def test_site_packages_are_found_on_first_use(self):
        name = site_packages_module()
        if name is None:
            self.skipTest("%s has no site-packages module to import" % sys.executable)
        self.assertEqual(self.c.call(self.key, "loaded", ["site"]), [])
        self.assertEqual(self.c.call(self.key, "import_from_site_packages", name), name)
        with self.assertRaises(support.RemoteError) as cm:
            self.c.call(self.key, "import_from_site_packages", "no_such_module_anywhere")
        self.assertEqual(cm.exception.err["type"], "ModuleNotFoundError")

    def test_zero_copy_methods_borrow_each_frame_and_others_get_bytes(self):
        import hashlib
        blobs = [bytes([i]) * (300 << 10) + os.urandom(64) for i in range(24)]  # large frames, pipelined
        ids = [(self.c.start(self.key, "borrowed" if i % 2 else "copied", b), b, i % 2) for i, b in enumerate(blobs)]
        for cid, b, borrowed in ids:
            got = self.c.wait(cid)[1]
            if borrowed:
                self.assertEqual(got, ["memoryview", True, hashlib.sha256(b).hexdigest()])
            else:
                self.assertEqual(got, ["bytes", hashlib.sha256(b).hexdigest()])


CACHED_V1 = "class Cached(Tool):\n    @staticmethod\n    def version():\n        return 1\n"
CACHED_V2 = CACHED_V1.replace("return 1", "return 2")


class CodeCacheTest(unittest.TestCase):
    """The second stage keeps compiled runtime and tool code in a folder only the user can enter."""

    def setUp(self):
        self.folder = tempfile.mkdtemp(prefix="rmote-code-cache-")  # 0700, ours
        self.tag = sys.implementation.cache_tag
        self.clients = []

    def tearDown(self):
        for c in self.clients:
            c.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def client(self):
        c = support.Client(cache=self.folder)
        self.clients.append(c)
        return c

    def path(self, name, key):
        return os.path.join(self.folder, "%s-%s.%s" % (name, key, self.tag))

    def test_runtime_and_tools_are_stored_for_this_user_only(self):
        c = self.client()
        self.assertEqual(c.remote_hello["code_cache"], self.folder)
        key = c.sync("Cached", CACHED_V1)
        self.assertEqual(c.call(key, "version"), 1)
        for path in (self.path("runtime", support.runtime_key()), self.path("tool-Cached", key.split(":")[1])):
            st = os.stat(path)
            self.assertEqual(stat.S_IMODE(st.st_mode), 0o600, path)
            with open(path, "rb") as f:
                self.assertEqual(f.read(4), importlib.util.MAGIC_NUMBER)

    def loaded(self, source):
        """A new connection that has synced (and so compiled or loaded) source; returns it and the key."""
        c = self.client()
        key = c.sync("Cached", source)
        c.call(key, "version")
        return c, key

    def test_a_cached_tool_travels_without_its_source(self):
        key = self.loaded(CACHED_V1)[1]
        c = self.client()
        self.assertIn(key, c.remote_hello["cached_tools"])
        c.sync("Cached", CACHED_V1)  # listed in the HELLO: a SYNC without the source
        self.assertEqual(c.call(key, "version"), 1)
        self.assertEqual(c.needs, [])

    def entry(self, source, crc=None, digest=None, code=None):
        """A cache entry as the loader writes it, for source (or with a wrong CRC, digest or code)."""
        code = code or compile(source, "<rmote tool %s>" % support.tool_key("Cached", source), "exec")
        body = marshal.dumps((digest or hashlib.sha256(source.encode()).hexdigest(), code, source))
        return importlib.util.MAGIC_NUMBER + b"%08x" % (zlib.crc32(body) if crc is None else crc) + body

    def test_a_damaged_or_tampered_entry_is_never_run(self):
        key = self.loaded(CACHED_V1)[1]
        path = self.path("tool-Cached", key.split(":")[1])
        with open(path, "rb") as f:
            good = f.read()
        v2 = compile(CACHED_V2, "x", "exec")
        with open(path, "wb") as f:  # the format the cases below forge: a good one is used
            f.write(self.entry(CACHED_V1))
        c = self.client()
        c.sync("Cached", CACHED_V1)
        self.assertEqual((c.call(key, "version"), c.needs), (1, []))
        damages = {
            "other code, CRC not updated": good[:-len(marshal.dumps(v2))] + marshal.dumps(v2),
            "a byte of the code changed": good[:-20] + bytes([good[-20] ^ 1]) + good[-19:],
            "another source's entry under this key": self.entry(CACHED_V2),
            "truncated": good[:len(good) // 2],
            "header only": good[:12],
            "wrong CRC": self.entry(CACHED_V1, crc=0),
            "empty": b"",
            "old format": importlib.util.MAGIC_NUMBER + marshal.dumps(v2),
        }
        for why, damage in damages.items():
            with self.subTest(why):
                with open(path, "wb") as f:
                    f.write(damage)
                c = self.client()
                self.assertIn(key, c.remote_hello["cached_tools"])  # the listing is a hint: the entry is checked
                c.sync("Cached", CACHED_V1)
                self.assertEqual(c.call(key, "version"), 1)
                self.assertEqual(c.needs, [key])  # asked for the source once
                with open(path, "rb") as f:
                    self.assertEqual(f.read(), good)  # written again

    def test_an_entry_not_private_to_this_user_is_not_read(self):
        key = self.loaded(CACHED_V1)[1]
        path = self.path("tool-Cached", key.split(":")[1])
        forged = os.path.join(self.folder, "elsewhere")
        with open(forged, "wb") as f:
            f.write(self.entry(CACHED_V1, code=compile(CACHED_V2, "x", "exec")))  # well formed, runs other code
        os.chmod(forged, 0o600)
        cases = {"symlink": lambda: (os.unlink(path), os.symlink(forged, path)),
                 "a FIFO (never opened for writing)": lambda: (os.unlink(path), os.mkfifo(path, 0o600)),
                 "readable by others": lambda: (os.unlink(path), shutil.copy(forged, path), os.chmod(path, 0o644))}
        if os.geteuid() == 0:
            cases["owned by another user"] = lambda: (os.unlink(path), shutil.copy(forged, path), os.chmod(path, 0o600),
                                                      os.chown(path, 65534, 65534))
        for why, make in cases.items():
            with self.subTest(why):
                make()
                c = self.client()
                c.sync("Cached", CACHED_V1, cached=True)
                self.assertEqual(c.call(key, "version"), 1)
                self.assertEqual(c.needs, [key])

    def test_frames_behind_a_missing_entry_wait_for_its_source_in_order(self):
        tool = ("from rmote_toolkit import file_mode\nclass Mode(Tool):\n    @staticmethod\n"
                "    def mode(m):\n        return file_mode(m)\n")
        c, key = self.loaded(CACHED_V1)
        mode = c.sync("Mode", tool)
        self.assertEqual(c.call(mode, "mode", "0644"), 0o644)
        toolkit = support.tool_key("rmote_toolkit", support.module_source("rmote_toolkit"))
        os.unlink(self.path("tool-rmote_toolkit", toolkit.split(":")[1]))
        c = self.client()
        self.assertNotIn(toolkit, c.remote_hello["cached_tools"])
        self.assertIn(mode, c.remote_hello["cached_tools"])
        c.sync("rmote_toolkit", support.module_source("rmote_toolkit"), module=True, cached=True)  # a stale listing
        c.sync("Mode", tool)      # cached: its code runs only after the module it imports
        c.sync("Cached", CACHED_V1)
        first = c.start(mode, "mode", "0600")
        cancelled = c.start(key, "version")
        c.send(rt.CANCEL, cancelled)  # held, never started: cancelled at once
        last = c.start(key, "version")
        self.assertEqual(c.wait(first)[1], 0o600)
        with self.assertRaises(support.RemoteError) as e:
            c.wait(cancelled)
        self.assertEqual(e.exception.err["type"], "CancelledError")
        self.assertEqual(c.wait(last)[1], 1)
        self.assertEqual(c.needs, [toolkit])

    def test_off_a_cached_sync_asks_for_the_source(self):
        c = support.Client(cache=None)
        self.clients.append(c)
        self.assertEqual(c.remote_hello["cached_tools"], [])
        key = c.sync("Cached", CACHED_V1, cached=True)  # the controller never does this with the cache off
        self.assertEqual(c.call(key, "version"), 1)
        self.assertEqual(c.needs, [key])

    def test_the_four_newest_versions_of_a_tool_are_kept(self):
        keys = []
        for v in range(1, 7):
            c, key = self.loaded(CACHED_V1.replace("return 1", "return %d" % v))
            self.assertEqual(c.call(key, "version"), v)
            keys.append(key)
            time.sleep(0.01)  # distinct modification times
        names = sorted(n for n in os.listdir(self.folder) if n.startswith("tool-Cached-"))
        self.assertEqual(names, sorted(os.path.basename(self.path("tool-Cached", k.split(":")[1])) for k in keys[2:]))
        c = self.client()  # two controllers taking turns (versions 5 and 6) both find theirs
        self.assertTrue(set(keys[-2:]) <= set(c.remote_hello["cached_tools"]))

    def test_a_folder_others_can_enter_is_not_used(self):
        os.chmod(self.folder, 0o755)
        c = self.client()
        self.assertIsNone(c.remote_hello["code_cache"])
        key = c.sync("Cached", CACHED_V1)
        self.assertEqual(c.call(key, "version"), 1)
        self.assertEqual(os.listdir(self.folder), [])

    def test_off_leaves_nothing(self):
        c = support.Client(cache=None)
        self.clients.append(c)
        self.assertIsNone(c.remote_hello["code_cache"])
        # On the disk: with the user's ~/.cache replaced by an empty folder (a private mount namespace), a runtime
        # and a tool call leave it empty with the cache off, and fill it with the default cache (so the look can fail).
        self.assertEqual(self.written_to_dot_cache(None), [])
        self.assertIn("rmote", self.written_to_dot_cache(""))

    def written_to_dot_cache(self, cache):
        """What a connection (cache setting ``cache``) writes under ~/.cache, seen through an empty folder bound over it."""
        self.assertEqual(os.geteuid(), 0, "binding a folder over ~/.cache needs root (the test command runs as root)")
        self.assertIsNotNone(shutil.which("unshare"), "unshare is missing: run build/install-deps.sh")
        import pwd
        dot_cache = os.path.join(pwd.getpwuid(os.geteuid()).pw_dir, ".cache")
        os.makedirs(dot_cache, exist_ok=True)
        with tempfile.TemporaryDirectory() as empty, tempfile.TemporaryDirectory() as bin_dir:
            wrapper = os.path.join(bin_dir, "python-with-empty-cache")
            with open(wrapper, "w") as f:
                f.write("#!/bin/sh\nexec unshare --mount --propagation private sh -c "
                        "'mount --bind \"$1\" \"$2\" && shift 2 && exec \"$0\" \"$@\"' %s %s %s \"$@\"\n"
                        % (sys.executable, empty, dot_cache))
            os.chmod(wrapper, 0o755)
            c = support.Client(python=wrapper, cache=cache)
            try:
                key = c.sync("Cached", CACHED_V1)
                self.assertEqual(c.call(key, "version"), 1)
            finally:
                self.assertEqual(c.close()[0], 0)
            return sorted(os.listdir(empty))


class BootstrapTest(unittest.TestCase):
    def test_banner_before_marker_is_skipped(self):
        c = support.Client(banner="Welcome to host!\nLast login: never\n")
        try:
            self.assertEqual(c.banner, b"Welcome to host!\nLast login: never\n")
            key = c.sync("Sample", TOOL)
            self.assertEqual(c.call(key, "echo", "ok"), "ok")
        finally:
            self.assertEqual(c.close()[0], 0)

    def test_stage1_is_shell_safe(self):
        self.assertFalse(set("'\\$") & set(support.STAGE1))

    def test_calls_pipelined_right_after_hello(self):
        # the controller sends HELLO, SYNC and CALL in one write, before reading anything
        c = support.Client(hello=False)
        try:
            key = support.tool_key("Sample", TOOL)
            data = (rt.encode_frame(rt.HELLO, 0, {"max_frame": 1 << 20, "log_level": 20})
                    + rt.encode_frame(rt.SYNC, 0, {"key": key, "name": "Sample", "source": TOOL})
                    + rt.encode_frame(rt.CALL, 1, {"tool": key, "method": "echo", "args": [7]}))
            c.inp.write(data)
            self.assertEqual(c.wait(1), ([], 7))
        finally:
            self.assertEqual(c.close()[0], 0)

    def test_old_python_is_refused_with_exit_3(self):
        old = [p for p in ("/root/.pyenv/versions/3.7.16/bin/python3", "/usr/bin/python3.7")
               if os.path.exists(p)]
        if old:
            argv = [old[0], "-I", "-c", support.STAGE1]
        else:  # no old interpreter installed: make this one report 3.7 before the runtime runs
            argv = [sys.executable, "-I", "-c",
                    "import sys;sys.version_info=(3,7,9,'final',0);" + support.STAGE1]
        out = subprocess.run(argv, input=support.payload(), capture_output=True, timeout=30)
        self.assertEqual(out.returncode, 3)
        self.assertIn(b"3.8 or newer is required", out.stderr)

    def test_import_does_not_run_main(self):
        out = subprocess.run([sys.executable, "-I", "-c", "import runpy; runpy.run_path(%r, run_name='x')"
                              % support.RUNTIME_PATH], input=b"", capture_output=True, timeout=30)
        self.assertEqual((out.returncode, out.stdout), (0, b""))


if __name__ == "__main__":
    unittest.main()
