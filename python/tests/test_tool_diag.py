import asyncio
import dataclasses
import logging
import os
import subprocess
import sys
import tempfile
import threading
import unittest

import tool_support

mod = tool_support.load("diag")
Diag = tool_support.tool_class(mod)


class TestDiag(unittest.TestCase):
    def test_echo_ping_blob(self):
        value = {"a": [1, 2.5, None, True, "x", b"\x00\xff"], "b": {"c": b""}}
        self.assertIs(Diag.echo(value), value)
        self.assertEqual(Diag.ping(), "pong")
        self.assertEqual(Diag.blob(0), b"")
        blob = Diag.blob(1000)
        self.assertEqual((len(blob), blob[255], blob[256], blob[999]), (1000, 255, 0, 999 % 256))
        with self.assertRaises(ValueError):
            Diag.blob(-1)

    def test_sleep_and_cancel(self):
        self.assertEqual(asyncio.run(Diag.sleep(0.01)), 0.01)

        async def main():
            task = asyncio.ensure_future(Diag.sleep(10))
            await asyncio.sleep(0.05)
            task.cancel()
            with self.assertRaises(asyncio.CancelledError):
                await task

        asyncio.run(main())

    def test_info(self):
        info = Diag.info()
        d = dataclasses.asdict(info)
        self.assertEqual(list(d), ["pid", "python", "executable", "platform", "rss_kib", "cwd", "uid",
                                   "hostname", "threads", "open_fds"])
        self.assertEqual(info.pid, os.getpid())
        self.assertGreater(info.rss_kib, 1000)
        self.assertGreater(info.open_fds, 2)
        self.assertEqual(info.uid, os.getuid())

    def test_raise_error(self):
        with self.assertRaisesRegex(KeyError, "boom"):
            Diag.raise_error("KeyError", "boom")
        with self.assertRaises(FileNotFoundError) as cm:
            Diag.raise_error("FileNotFoundError", "gone", errno=2, filename="/x")
        self.assertEqual((cm.exception.errno, cm.exception.filename), (2, "/x"))
        with self.assertRaises(TimeoutError):
            Diag.raise_error("TimeoutError", "slow")
        with self.assertRaises(subprocess.CalledProcessError) as cm:
            Diag.raise_error("CalledProcessError", "bad")
        self.assertEqual((cm.exception.returncode, cm.exception.stderr), (3, "bad"))
        with self.assertRaises(subprocess.TimeoutExpired):
            Diag.raise_error("TimeoutExpired", "bad")
        for name in ("SystemExit", "KeyboardInterrupt", "len", "NoSuchError", "__import__"):
            with self.assertRaisesRegex(ValueError, "not a builtin exception type"):
                Diag.raise_error(name, "m")

    def test_count(self):
        gen = Diag.count(5)
        items = []
        try:
            while True:
                items.append(next(gen))
        except StopIteration as stop:
            result = stop.value
        self.assertEqual((items, result), ([0, 1, 2, 3, 4], 5))

    def test_count_stops_when_cancelled(self):
        gen = Diag.count(100)
        self.assertEqual(next(gen), 0)
        tool_support.set_cancelled(True)
        try:
            with self.assertRaises(StopIteration) as cm:
                next(gen)
            self.assertEqual(cm.exception.value, 1)
        finally:
            tool_support.set_cancelled(False)

    def test_acount(self):
        async def main():
            return [i async for i in Diag.acount(4, delay=0.001)]

        self.assertEqual(asyncio.run(main()), [0, 1, 2, 3])

    def test_log(self):
        with self.assertLogs("rmote.Diag", level="DEBUG") as cm:
            Diag.log("info", "hello")
            Diag.log(logging.ERROR, "bad")
        self.assertEqual([r.levelno for r in cm.records], [logging.INFO, logging.ERROR])
        with self.assertLogs("custom", level="WARNING"):
            Diag.log("WARNING", "w", logger="custom")
        with self.assertRaises(ValueError):
            Diag.log("loud", "x")

    def test_stdout_noise(self):
        sys.stdout.flush()
        saved = os.dup(1)
        with tempfile.TemporaryFile() as f:
            os.dup2(f.fileno(), 1)
            try:
                result = Diag.stdout_noise()
                sys.stdout.flush()
            finally:
                os.dup2(saved, 1)
                os.close(saved)
            f.seek(0)
            out = f.read().decode()
        self.assertEqual(result, "ok")
        # print() may go to a replaced sys.stdout under some runners; the raw writes must hit fd 1.
        self.assertIn("noise from fd 1\n", out)
        self.assertIn("noise\n", out)


if __name__ == "__main__":
    unittest.main()
