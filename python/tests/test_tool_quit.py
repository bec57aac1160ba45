import os
import subprocess
import sys
import textwrap
import unittest

import tool_support

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))


class TestQuit(unittest.TestCase):
    def test_uses_request_exit(self):
        codes = []
        mod = tool_support.load("quit", request_exit=codes.append)
        Quit = tool_support.tool_class(mod)
        self.assertIsNone(Quit.quit(3))
        self.assertIsNone(Quit.quit())
        self.assertEqual(codes, [3, 0])

    def test_fallback_exits_process_after_returning(self):
        script = textwrap.dedent("""
            import sys, time
            sys.path.insert(0, %r)
            import tool_support
            Quit = tool_support.tool_class(tool_support.load("quit", request_exit=None))  # no runtime hook
            print("returned", Quit.quit(7), flush=True)
            time.sleep(10)
            print("still alive", flush=True)
        """ % TESTS_DIR)
        r = subprocess.run([sys.executable, "-c", script], stdout=subprocess.PIPE, timeout=8)
        self.assertEqual(r.returncode, 7)
        self.assertEqual(r.stdout, b"returned None\n")


if __name__ == "__main__":
    unittest.main()
