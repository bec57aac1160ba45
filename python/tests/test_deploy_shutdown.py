"""Issue 16 case 11 on the host side: when the controller's connection ends, the temp files of writes in flight go.

A real bootstrapped runtime (support.Client) runs the Deploy tool; closing its input is what a cut SSH session
or a cancelled build does to it. Also the generic on_shutdown hook and a cancelled put_many / write_delta.
"""

import errno
import os
import shutil
import tempfile
import time
import unittest

try:
    from . import support
    from . import tool_support
except ImportError:
    import support
    import tool_support

HOOK_TOOL = '''
import os

_MARK = []


def _mark():
    with open(_MARK[0], "w") as f:
        f.write("ran")


on_shutdown(_mark)


class Hooked(Tool):
    @staticmethod
    def arm(path):
        _MARK[:] = [path]
        return True
'''


def temps(root):
    return [os.path.join(d, n) for d, dn, fn in os.walk(root) for n in fn + dn if ".rmote-tmp-" in n]


class ShutdownHookTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="rmote-shutdown-test-")
        self.c = support.Client()

    def tearDown(self):
        if self.c.proc.poll() is None:
            self.c.proc.kill()
            self.c.proc.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_on_shutdown_hook_runs_on_eof(self):
        key = self.c.sync("Hooked", HOOK_TOOL)
        mark = os.path.join(self.tmp, "mark")
        self.assertTrue(self.c.call(key, "arm", mark))
        code, _ = self.c.close()
        self.assertEqual(code, 0)
        with open(mark) as f:
            self.assertEqual(f.read(), "ran")

    def test_open_chunked_writes_lose_their_temp_files_when_the_input_ends(self):
        key = self.c.sync("Deploy", tool_support.source("deploy"))
        root = os.path.join(self.tmp, "dst")
        os.makedirs(root)
        with open(os.path.join(root, "big.bin"), "wb") as f:
            f.write(b"old" * 1000)
        handles = [self.c.call(key, "open_file", root, name, 8 << 20) for name in ("big.bin", "other.bin")]
        for h in handles:
            self.assertEqual(self.c.call(key, "write_chunk", h, 0, b"n" * (1 << 20)), 1 << 20)
        self.assertEqual(len(temps(root)), 2)  # the copy is in flight: the temps are there
        t0 = time.monotonic()
        code, _ = self.c.close()
        self.assertEqual(code, 0)
        self.assertLess(time.monotonic() - t0, 5)
        self.assertEqual(temps(root), [])
        with open(os.path.join(root, "big.bin"), "rb") as f:
            self.assertEqual(f.read(), b"old" * 1000)  # the old file is untouched
        self.assertFalse(os.path.exists(os.path.join(root, "other.bin")))

    def test_open_chunked_writes_lose_their_temp_files_when_the_output_breaks_first(self):
        # a cut connection can show first as EPIPE on a reply (before EOF on the input): the runtime then shuts
        # down the same way, hooks included; it used to exit at once and leave the temp files
        key = self.c.sync("Deploy", tool_support.source("deploy"))
        root = os.path.join(self.tmp, "dst")
        os.makedirs(root)
        h = self.c.call(key, "open_file", root, "big.bin", 8 << 20)
        self.assertEqual(self.c.call(key, "write_chunk", h, 0, b"n" * (1 << 20)), 1 << 20)
        self.assertEqual(len(temps(root)), 1)
        self.c.out.close()  # the controller stops reading: the next reply gets EPIPE
        self.c.start(key, "write_chunk", h, 1 << 20, b"n" * 1000)
        self.assertEqual(self.c.proc.wait(30), 0)  # no EOF on its input: the broken output ended it
        self.assertEqual(temps(root), [])
        self.assertFalse(os.path.exists(os.path.join(root, "big.bin")))


class CancelledWholeFileWritesTest(unittest.TestCase):
    """put_many / write_delta in a call that was cancelled stop (and put_many removes what it staged)."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="rmote-cancel-test-")
        self.root = os.path.join(self.tmp, "dst")
        os.makedirs(self.root)
        self.D = tool_support.tool_class(tool_support.load("deploy"))

    def tearDown(self):
        tool_support.set_cancelled(False)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_cancelled_put_many_writes_nothing_and_leaves_no_temp(self):
        with open(os.path.join(self.root, "a.txt"), "wb") as f:
            f.write(b"old")
        files = [{"path": "a.txt", "offset": 0, "size": 3}, {"path": "b.txt", "offset": 3, "size": 3}]
        tool_support.set_cancelled(True)
        with self.assertRaises(OSError) as e:
            self.D.put_many(self.root, files, b"newnew")
        self.assertEqual(e.exception.errno, errno.ECANCELED)
        self.assertEqual(temps(self.root), [])
        with open(os.path.join(self.root, "a.txt"), "rb") as f:
            self.assertEqual(f.read(), b"old")
        self.assertFalse(os.path.exists(os.path.join(self.root, "b.txt")))

    def test_cancelled_write_delta_stops_and_abort_leaves_no_temp(self):
        path = os.path.join(self.root, "d.bin")
        with open(path, "wb") as f:
            f.write(b"a" * 8192)
        st = os.stat(path)
        basis = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "ino": st.st_ino}
        h = self.D.open_file(self.root, "d.bin", 8192, basis=basis)
        tool_support.set_cancelled(True)
        with self.assertRaises(OSError) as e:
            self.D.write_delta(h, 0, [[4096, 0], [4096, -1]], b"b" * 4096)
        self.assertEqual(e.exception.errno, errno.ECANCELED)
        self.assertTrue(self.D.abort(h))
        self.assertEqual(temps(self.root), [])
        with open(path, "rb") as f:
            self.assertEqual(f.read(), b"a" * 8192)

if __name__ == "__main__":
    unittest.main()
