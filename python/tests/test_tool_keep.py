"""Keep: a keeper on the host serves fresh runtimes over a Unix socket, then exits when idle."""
import os
import socket
import stat
import tempfile
import time
import unittest
import uuid

import support
import tool_support

KEEP_SOURCE = tool_support.source("keep")
PROBE = '''
import os
class Probe(Tool):
    @staticmethod
    def ids():
        return [os.getpid(), os.getppid(), os.getsid(0)]
'''


def wait_until(check, what, timeout=20):
    end = time.monotonic() + timeout
    while not check():
        if time.monotonic() > end:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.01)


class _SendHalf:
    """The client's input end: closing it is end of input for the runtime (the socket stays open to read)."""

    def __init__(self, s):
        self.s = s

    def write(self, data):
        self.s.sendall(data)

    def close(self):
        self.s.shutdown(socket.SHUT_WR)


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s, support.Client.over(_SendHalf(s), s.makefile("rb", buffering=0))


def ids(client):
    return client.call(client.sync("Probe", PROBE), "ids")


class TestKeep(unittest.TestCase):
    def setUp(self):
        # (a developer's forwarded agent would make the runtime refuse to be kept: not what these tests are about)
        self.agent = os.environ.pop("SSH_AUTH_SOCK", None)
        self.client = support.Client()
        self.keep = self.client.sync("Keep", KEEP_SOURCE)
        self.name = uuid.uuid4().hex[:16]
        self.sockets = []

    def tearDown(self):
        for s in self.sockets:
            s.close()
        self.client.close()
        if self.agent is not None:
            os.environ["SSH_AUTH_SOCK"] = self.agent
        folder = os.path.join(os.path.expanduser("~"), ".cache", "rmote", "run", self.name)
        wait_until(lambda: not os.path.exists(folder + ".lock"), "the keeper to exit and remove its lock file", timeout=30)

    def start(self, idle=1.0):
        return self.client.call(self.keep, "start", self.name, idle, ["-I", "-S", "-c", support.STAGE1], support.payload())

    def open(self, path):
        s, client = connect(path)
        self.sockets.append(s)
        return client

    def test_serves_a_fresh_runtime_per_connection_then_exits_when_idle(self):
        first = self.start()
        self.assertTrue(first["started"])
        path = first["socket"]
        self.assertEqual(os.path.basename(path), self.name)
        wait_until(lambda: os.path.exists(path), "the keeper's socket")
        mode = os.lstat(path).st_mode
        self.assertTrue(stat.S_ISSOCK(mode))
        self.assertEqual(stat.S_IMODE(mode) & 0o077, 0, "the socket is this user's only")
        self.assertEqual(stat.S_IMODE(os.lstat(os.path.dirname(path)).st_mode), 0o700)
        # A second start finds it running: one keeper per name.
        self.assertEqual(self.start(), {"socket": path, "started": False})
        a, b = self.open(path), self.open(path)
        (pid_a, keeper_a, session_a), (pid_b, keeper_b, _) = ids(a), ids(b)
        self.assertNotEqual(pid_a, pid_b, "each connection gets a runtime of its own")
        self.assertEqual(keeper_a, keeper_b, "both forked by the keeper")
        self.assertNotEqual(keeper_a, self.client.remote_hello["pid"], "the keeper is not the runtime that started it")
        starter = self.client.remote_hello["pid"]
        self.assertNotEqual(session_a, os.getsid(starter), "the keeper is in a session of its own, not the starting connection's")
        # A runtime ends with its connection; the keeper stays while one is open, and exits after idle seconds.
        code, _ = a.close()
        wait_until(lambda: not _alive(pid_a), "the first connection's runtime to exit")
        self.assertTrue(os.path.exists(path))
        b.close()
        wait_until(lambda: not os.path.exists(path), "the idle keeper to remove its socket", timeout=30)
        wait_until(lambda: not _alive(keeper_a), "the idle keeper to exit")
        self.assertTrue(self.start()["started"], "a new keeper once the old one is gone")
        wait_until(lambda: os.path.exists(path), "the new keeper's socket")
        self.open(path).close()
        wait_until(lambda: not os.path.exists(path), "the new keeper to exit", timeout=30)

    def test_a_stale_socket_is_replaced(self):
        folder = os.path.dirname(self.start(idle=0.5)["socket"])
        path = os.path.join(folder, self.name)
        wait_until(lambda: not os.path.exists(path) and not _locked(path), "the first keeper to exit", timeout=30)
        # What a killed keeper leaves: its socket file, nothing listening, the lock free.
        dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        dead.bind(path)
        dead.close()
        self.assertTrue(self.start()["started"])
        wait_until(lambda: _connects(path), "the new keeper to listen")

    def test_a_session_that_forwards_an_agent_is_not_kept(self):
        keep = tool_support.load("keep")
        Keep = tool_support.tool_class(keep)
        os.environ["SSH_AUTH_SOCK"] = "/tmp/ssh-XXXX/agent.1"
        try:
            answer = Keep.start(self.name, 1.0, ["-I", "-S", "-c", support.STAGE1], support.payload())
        finally:
            del os.environ["SSH_AUTH_SOCK"]
        self.assertIsNone(answer["socket"])
        self.assertIn("SSH_AUTH_SOCK", answer["reason"])

    def test_refuses_a_folder_others_can_enter_and_a_bad_name(self):
        keep = tool_support.load("keep")
        with tempfile.TemporaryDirectory() as home:
            os.makedirs(os.path.join(home, ".cache", "rmote"), 0o755)
            os.chmod(os.path.join(home, ".cache", "rmote"), 0o755)
            self.assertIsNone(keep._socket_folder(home))
            os.chmod(os.path.join(home, ".cache", "rmote"), 0o700)
            self.assertEqual(keep._socket_folder(home), os.path.join(home, ".cache", "rmote", "run"))
            # ~/.cache that others can write, or a link: they could swap the folders below for their own
            os.chmod(os.path.join(home, ".cache"), 0o777)
            self.assertIsNone(keep._socket_folder(home))
            os.chmod(os.path.join(home, ".cache"), 0o755)
            os.rename(os.path.join(home, ".cache"), os.path.join(home, "elsewhere"))
            os.symlink(os.path.join(home, "elsewhere"), os.path.join(home, ".cache"))
            self.assertIsNone(keep._socket_folder(home))
        with self.assertRaises(support.RemoteError):
            self.client.call(self.keep, "start", "../../x", 1.0, [], b"")


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie of ours would still answer kill()
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def _locked(path):
    import fcntl
    fd = os.open(path + ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False
    except OSError:
        return True
    finally:
        os.close(fd)


def _connects(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(path)
        return True
    except OSError:
        return False
    finally:
        s.close()


if __name__ == "__main__":
    unittest.main()
