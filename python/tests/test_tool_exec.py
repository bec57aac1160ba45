import os
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import support
import tool_support

mod = tool_support.load("exec")
Exec = tool_support.tool_class(mod)


class R(dict):
    """A result or stream item (a dict on the wire) read as attributes."""
    __getattr__ = dict.__getitem__


def run(value):
    return value if isinstance(value, list) else R(value)


def collect(gen):
    return [R(item) for item in gen]


def gone(pid):
    """True once ``pid`` is dead (a zombie counts: nobody may reap it in a container)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


def wait_gone(pid, timeout=60.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if gone(pid):
            return True
        time.sleep(0.05)
    return False


def pid_written(path):
    try:
        with open(path) as f:
            return bool(f.read().strip())
    except FileNotFoundError:
        return False


def read_pid(path, timeout=60.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with open(path) as f:
                text = f.read().strip()
            if text:
                return int(text)
        except FileNotFoundError:
            pass
        time.sleep(0.02)
    raise AssertionError("pid file %s never appeared" % path)


def _proc_stats():
    """(pid, state, ppid, pgrp) of every process, read from /proc."""
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open("/proc/%s/stat" % name) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except (FileNotFoundError, ProcessLookupError):
                continue
            yield int(name), fields[0], int(fields[1]), int(fields[2])


def live_group_members(pgid):
    """Processes of group ``pgid`` that still run (zombies excluded, as in ``gone``)."""
    return [pid for pid, state, _, pgrp in _proc_stats() if pgrp == pgid and state not in ("Z", "X")]


def children(pid):
    return {child for child, _, ppid, _ in _proc_stats() if ppid == pid}


class TestCancelThroughRuntime(unittest.TestCase):
    """A CANCEL (or the connection ending) reaches a call blocked on its child: the runtime runs the hook the method
    registered (Tool.on_cancel), which kills the whole group and wakes the wait, so the call's thread is free again
    even while a grandchild still holds the pipes."""

    def setUp(self):
        self.c = support.Client()
        self.key = self.c.sync("Exec", tool_support.source("exec"))
        self.dir = tempfile.mkdtemp()
        self.pidfile = os.path.join(self.dir, "pid")

    def tearDown(self):
        try:
            if not self.c.out.closed:
                self.c.close()
        finally:
            if pid_written(self.pidfile):
                try:
                    os.killpg(read_pid(self.pidfile), 9)  # a failing run must not leave its sleep behind
                except ProcessLookupError:
                    pass
            for name in os.listdir(self.dir):
                os.unlink(os.path.join(self.dir, name))
            os.rmdir(self.dir)

    def wait_group_gone(self, pgid, what):
        deadline = time.monotonic() + 60
        while live_group_members(pgid) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(live_group_members(pgid), [], what)

    def check_cancel(self, method, *args, **kwargs):
        # `sleep 1000 &` (it would outlive any test) stays in the group holding stdout/stderr: only a group kill plus the wake-up pipe end the wait
        cid = self.c.start(self.key, method, *args, **kwargs)
        pgid = read_pid(self.pidfile)
        self.c.send(support.rt.CANCEL, cid)
        with self.assertRaises(support.RemoteError) as cm:
            self.c.wait(cid, timeout=60)
        self.assertIn("cancelled", str(cm.exception))
        self.wait_group_gone(pgid, "processes of the cancelled call's group remain")
        # the runtime still answers
        self.assertEqual(self.c.call(self.key, "command", ["echo", "after"])["stdout"], "after\n")

    def test_command(self):
        self.check_cancel("command", ["sh", "-c", "echo $$ > %s; sleep 1000 & wait" % self.pidfile])

    def test_command_whose_shell_already_exited(self):
        # the shell is gone (a zombie until reaped) and its `sleep` holds the pipes: the group must still be killed
        self.check_cancel("command", ["sh", "-c", "echo $$ > %s; sleep 1000 &" % self.pidfile])

    def test_stream(self):
        self.check_cancel("stream", "echo $$ > %s; echo started; sleep 1000 & wait" % self.pidfile, shell=True)

    def test_connection_end_kills_child(self):
        self.c.start(self.key, "stream", "echo $$ > %s; sleep 1000 & wait" % self.pidfile, shell=True)
        pgid = read_pid(self.pidfile)
        self.c.close(timeout=60)
        self.wait_group_gone(pgid, "the connection ended and the command's group lived on")

    def test_no_asyncio(self):
        # the point of sync methods: a command does not pull asyncio into the runtime
        self.c.call(self.key, "command", ["true"])
        self.c.call(self.key, "stream", ["echo", "x"])
        probe = "import sys\nclass Probe(Tool):\n    def loaded(self):\n        return 'asyncio' in sys.modules\n"
        self.assertFalse(self.c.call(self.c.sync("Probe", probe), "loaded"))


class TestCommand(unittest.TestCase):
    def test_basic(self):
        r = run(Exec.command(["echo", "hello", 42]))
        self.assertEqual((r.exit_code, r.stdout, r.stderr), (0, "hello 42\n", ""))
        self.assertGreaterEqual(r.duration, 0)

    def test_no_shell_involved(self):
        r = run(Exec.command(["echo", "$HOME; rm -rf /", "`id`"]))
        self.assertEqual(r.stdout, "$HOME; rm -rf / `id`\n")

    def test_nonzero_exit(self):
        r = run(Exec.command(["sh", "-c", "echo out; echo err >&2; exit 3"], check=False))
        self.assertEqual((r.exit_code, r.stdout, r.stderr), (3, "out\n", "err\n"))
        with self.assertRaises(subprocess.CalledProcessError) as cm:
            run(Exec.command(["sh", "-c", "echo out; echo err >&2; exit 3"]))
        e = cm.exception
        self.assertEqual((e.returncode, e.stdout, e.stderr), (3, "out\n", "err\n"))
        self.assertEqual(e.cmd, ["sh", "-c", "echo out; echo err >&2; exit 3"])

    def test_stdin_env_cwd_merge(self):
        self.assertEqual(run(Exec.command(["cat"], stdin="text é")).stdout, "text é")
        self.assertEqual(run(Exec.command(["cat"], stdin=b"\x00\x01")).stdout, "\x00\x01")
        self.assertEqual(run(Exec.command(["cat"])).stdout, "")  # /dev/null, never hangs
        os.environ["RMOTE_EXEC_TEST_INHERITED"] = "yes"
        try:
            r = run(Exec.command(["sh", "-c", "echo $FOO-$RMOTE_EXEC_TEST_INHERITED-${PATH:+path}"], env={"FOO": "bar"},
                                 merge_env=True))
            self.assertEqual(r.stdout, "bar-yes-path\n")
            r = run(Exec.command(["sh", "-c", "echo ${RMOTE_EXEC_TEST_INHERITED:-unset}"], env={"RMOTE_EXEC_TEST_INHERITED": None},
                                 merge_env=True))
            self.assertEqual(r.stdout, "unset\n")
            # Without env the child inherits; with env (rmote's meaning) env is the whole environment.
            self.assertEqual(run(Exec.command(["sh", "-c", "echo ${RMOTE_EXEC_TEST_INHERITED:-unset}"])).stdout, "yes\n")
            r = run(Exec.shell("echo $FOO-${RMOTE_EXEC_TEST_INHERITED:-unset}-${HOME:-nohome}", env={"FOO": "bar"}))
            self.assertEqual(r.stdout, "bar-unset-nohome\n")
            lines = [item.line for item in run(collect(Exec.stream(["env"], env={"ONLY": "1", "GONE": None})))]
            self.assertEqual(lines, ["ONLY=1", None])
        finally:
            del os.environ["RMOTE_EXEC_TEST_INHERITED"]
        with tempfile.TemporaryDirectory() as d:
            self.assertEqual(run(Exec.command(["pwd"], cwd=d)).stdout.strip(), os.path.realpath(d))
        r = run(Exec.command(["sh", "-c", "echo a; echo b >&2"], merge_stderr=True))
        self.assertEqual((r.stdout, r.stderr), ("a\nb\n", ""))

    def test_binary_output_is_replaced_not_fatal(self):
        r = run(Exec.command(["printf", "\\377ok"]))
        self.assertEqual(r.stdout, "\ufffdok")

    def test_big_stdin_and_output_at_once(self):
        # stdin fed while output is read: a child that echoes more than a pipe holds must not deadlock
        data = os.urandom(3 << 20).hex()
        self.assertEqual(run(Exec.command(["cat"], stdin=data)).stdout, data)
        r = run(Exec.command(["sh", "-c", "head -c 100 >/dev/null; echo done"], stdin=data))
        self.assertEqual(r.stdout, "done\n")   # the child stopped reading: no BrokenPipeError

    def test_argument_errors(self):
        with self.assertRaisesRegex(TypeError, "Exec.shell"):
            run(Exec.command("echo hi"))
        with self.assertRaises(ValueError):
            run(Exec.command([]))
        with self.assertRaises(FileNotFoundError):
            run(Exec.command(["/nonexistent/program-xyz"]))

    def test_timeout_kills_process_group(self):
        with tempfile.TemporaryDirectory() as d:
            pidfile = os.path.join(d, "pid")
            # The TimeoutError is the event: without the timeout the command would end after 30 s, normally.
            with self.assertRaises(TimeoutError) as cm:
                run(Exec.command(["sh", "-c", "sleep 30 & echo $! > %s; wait" % pidfile], timeout=0.5))
            self.assertIn("timed out after 0.5 s", str(cm.exception))
            self.assertIn("sleep 30", str(cm.exception))
            self.assertTrue(wait_gone(read_pid(pidfile)), "grandchild survived the timeout")

class TestShell(unittest.TestCase):
    def test_shell(self):
        r = run(Exec.shell("echo one two | wc -w"))
        self.assertEqual(r.stdout.strip(), "2")
        r = run(Exec.shell("echo ${BASH_VERSION:+bash}", shell="/bin/bash"))
        self.assertEqual(r.stdout, "bash\n")
        with self.assertRaises(subprocess.CalledProcessError) as cm:
            run(Exec.shell("exit 7"))
        self.assertEqual((cm.exception.returncode, cm.exception.cmd), (7, "exit 7"))
        with self.assertRaises(TimeoutError):
            run(Exec.shell("sleep 10", timeout=0.2))


class TestStream(unittest.TestCase):
    def test_lines_and_exit_item(self):
        items = run(collect(Exec.stream(["sh", "-c", "echo a; echo b >&2; printf 'c\\r\\nno-newline'"])))
        by = lambda s: [i.line for i in items if i.stream == s]
        self.assertEqual(by("stdout"), ["a", "c", "no-newline"])
        self.assertEqual(by("stderr"), ["b"])
        last = items[-1]
        self.assertEqual((last.stream, last.line, last.exit_code), ("exit", None, 0))
        self.assertTrue(all(i.exit_code is None for i in items[:-1]))

    def test_streams_as_produced(self):
        # The command holds its second line until the test has received the first and answers with a go file:
        # buffered output would only arrive when the command ends, and it gives up after 60 s saying so.
        with tempfile.TemporaryDirectory() as d:
            go = os.path.join(d, "go")
            script = ("echo first; i=0; while [ ! -e %s ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done; "
                      "[ -e %s ] && echo second || echo 'no go: the first line was not delivered while the command ran'"
                      % (go, go))
            gen = Exec.stream(script, shell=True)
            first = R(next(gen))
            open(go, "w").close()
            rest = collect(gen)
        self.assertEqual(first.line, "first")
        self.assertEqual([i.line for i in rest], ["second", None])

    def test_check_raises_after_exit_item(self):
        seen = []
        with self.assertRaises(subprocess.CalledProcessError) as cm:
            for item in Exec.stream("echo out; echo oops >&2; exit 4", shell=True):
                seen.append(R(item))
        self.assertEqual(seen[-1].exit_code, 4)
        self.assertEqual((cm.exception.returncode, cm.exception.stderr, cm.exception.stdout), (4, "oops\n", "out\n"))
        items = collect(Exec.stream("exit 4", shell=True, check=False))
        self.assertEqual(items[-1].exit_code, 4)

    def test_long_lines(self):
        items = run(collect(Exec.stream([sys.executable, "-c", "print('x' * 300000); print('y')"])))
        self.assertEqual([len(i.line) for i in items[:-1]], [300000, 1])

    def test_timeout(self):
        with self.assertRaisesRegex(TimeoutError, "timed out after 0.3 s"):
            run(collect(Exec.stream(["sleep", "20"], timeout=0.3)))

    def test_early_close_kills_child(self):
        with tempfile.TemporaryDirectory() as d:
            pidfile = os.path.join(d, "pid")
            gen = Exec.stream("echo $$ > %s; while true; do echo tick; sleep 0.05; done" % pidfile, shell=True)
            next(gen)
            gen.close()
            self.assertTrue(wait_gone(read_pid(pidfile)))

    def test_argument_errors(self):
        with self.assertRaises(TypeError):
            run(collect(Exec.stream("echo", shell=False)))
        with self.assertRaises(TypeError):
            run(collect(Exec.stream(["echo"], shell=True)))


if __name__ == "__main__":
    unittest.main()
