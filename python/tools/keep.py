"""Keep: a runtime that outlives the connection, as OpenSSH's ControlPersist keeps the login.

``start`` launches a keeper on the host (once; a running one is reused): a fresh interpreter that loads the
runtime the controller sends, listens on a Unix socket in ~/.cache/rmote/run (mode 0700, this user only) and
forks one fresh runtime per connection to it. The controller reaches the socket through its SSH master
(``ssh -O forward -L local:remote``), so the next build's connection costs neither an SSH session, nor a
shell, nor an interpreter's start on the host. The keeper exits after ``idle`` seconds without a connection.
"""

import _thread
import os
import select
import sys

from rmote_toolkit import private_folder

_LOCK_EXCLUSIVE_NOW = 2 | 4  # fcntl.LOCK_EX | fcntl.LOCK_NB (Linux and the BSDs)
_MAX_SOCKET_PATH = 107       # sun_path holds 108 bytes with the NUL


def _nobody_else_writes(path):
    """A real folder (no symbolic link) of this user or root that no one else can write: whoever could would be able
    to put another socket where sshd connects for this user."""
    try:
        st = os.lstat(path)
    except OSError:
        return False
    return (st.st_mode & 0o170000) == 0o040000 and st.st_uid in (0, os.geteuid()) and not st.st_mode & 0o022


def _socket_folder(home=None):
    if home is None:
        import pwd
        home = pwd.getpwuid(os.geteuid()).pw_dir
    cache = os.path.join(home, ".cache")
    if not os.path.isdir(cache):
        private_folder(cache)
    if not (_nobody_else_writes(os.path.realpath(home)) and _nobody_else_writes(cache)):
        return None
    # ~/.cache/rmote is the code cache's folder too: both refuse one that others can enter or replace
    rmote, run = os.path.join(cache, "rmote"), os.path.join(cache, "rmote", "run")
    return run if private_folder(rmote) and private_folder(run) else None


def _running(path):
    """True while a keeper holds the name's lock (it holds it for its whole life)."""
    import fcntl
    fd = os.open(path + ".lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        fcntl.flock(fd, _LOCK_EXCLUSIVE_NOW)
    except OSError:
        return True
    finally:
        os.close(fd)  # (closing drops a lock taken here)
    return False


def _serve(setting):
    """The keeper's loop, sent to it after the runtime and run by the runtime's main (with the runtime's globals):
    listens on a Unix socket and forks a fresh runtime for each connection, which returns here with its end of the
    connection. The keeper itself runs no call and holds no thread (forking is safe); it exits after ``idle``
    seconds without a connection, or once its socket is gone or replaced. ``setting`` is "idle:path"."""
    import fcntl
    import os
    import select
    import socket
    from _struct import unpack
    import time
    idle, path = setting.split(":", 1)
    idle = float(idle)
    ready = os.dup(1)  # Keep.start waits for a byte here: the keeper listens (end of file: it does not)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)
    if os.fork():
        os._exit(0)  # Keep.start reaps this; the keeper goes on in its own session, adopted by init
    lock = os.open(path + ".lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os._exit(0)  # another keeper serves this name
    try:
        os.unlink(path)  # a dead keeper's socket (the lock was free)
    except OSError:
        pass
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    mask = os.umask(0o177)
    try:
        listener.bind(path)
    finally:
        os.umask(mask)
    listener.listen(64)
    inode = os.lstat(path).st_ino
    os.write(ready, b"+")
    os.close(ready)
    peer_option = getattr(socket, "SO_PEERCRED", None)  # (elsewhere the socket's folder admits this user only)
    import subprocess  # noqa: F401 (every child that runs a command would import it: once here instead)
    children, last, mine = 0, time.monotonic(), True
    while mine:
        wait = 1.0 if children else max(0.0, idle - (time.monotonic() - last))
        ready = select.select([listener], [], [], wait)[0]
        while children:
            try:
                pid = os.waitpid(-1, os.WNOHANG)[0]
            except ChildProcessError:
                pid, children = 0, 0
            if not pid:
                break
            children -= 1
        if children:
            last = time.monotonic()
        if ready:
            try:
                conn = listener.accept()[0]
            except OSError:
                continue
            if peer_option is not None and unpack("3i", conn.getsockopt(socket.SOL_SOCKET, peer_option, 12))[1] != os.geteuid():
                conn.close()
                continue
            if os.fork() == 0:
                listener.close()
                os.close(lock)
                return conn.detach()
            conn.close()
            children += 1
            last = time.monotonic()
            continue
        try:
            mine = os.lstat(path).st_ino == inode
        except OSError:
            mine = False
        if not children and time.monotonic() - last >= idle:
            break
    if mine:
        os.unlink(path)
    os.unlink(path + ".lock")  # still held: a start that opened it meanwhile finds it locked and starts none
    os._exit(0)


class Keep(Tool):
    """Start or find the keeper of this connection's runtime."""

    @staticmethod
    def start(name, idle, interpreter_args, payload):
        # type: (str, float, list, bytes) -> dict
        """Returns {socket: the keeper's socket path, started: True if this call launched it} or
        {socket: None, reason: why no keeper can run here}. ``name`` (hex) names the runtime and its settings,
        ``interpreter_args`` start the bootstrap's first stage, ``payload`` is the bootstrap the controller sent; the keeper's loop follows it."""
        if not name or any(c not in "0123456789abcdef" for c in name):
            raise ValueError("the keeper's name must be lower-case hex")
        if os.environ.get("SSH_AUTH_SOCK"):
            # The kept runtimes would carry this session's agent socket, gone with the session.
            return {"socket": None, "reason": "the SSH session forwards an agent (SSH_AUTH_SOCK), which a kept runtime would outlive"}
        folder = _socket_folder()
        if folder is None:
            return {"socket": None, "reason": "the home folder, ~/.cache, ~/.cache/rmote or ~/.cache/rmote/run is a symbolic link "
                    "or others can write it (or, below ~/.cache, enter it)"}
        path = os.path.join(folder, name)
        if len(os.fsencode(path)) > _MAX_SOCKET_PATH:
            return {"socket": None, "reason": "the socket path %s is too long for a Unix socket" % path}
        if _running(path):
            return {"socket": path, "started": False}
        env = dict(os.environ)
        env["RMOTE_KEEP"] = "%r:%s" % (float(idle), path)
        read_end, write_end = os.pipe()
        ready_end, listening_end = os.pipe()
        try:
            # posix_spawn, not subprocess: its import costs a connection's start more than the keeper does
            pid = os.posix_spawn(sys.executable, [sys.executable] + [str(a) for a in interpreter_args], env,
                                 file_actions=[(os.POSIX_SPAWN_DUP2, read_end, 0),
                                               (os.POSIX_SPAWN_DUP2, listening_end, 1),
                                               (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0)],
                                 setsid=True)
        finally:
            os.close(read_end)
            os.close(listening_end)
        import marshal
        loop = marshal.dumps(_serve.__code__)
        try:
            view = memoryview(bytes(payload) + b"%08x" % len(loop) + loop)
            while view:
                view = view[os.write(write_end, view):]
        finally:
            os.close(write_end)
        # The keeper forks once it has loaded the runtime and this child exits: reap it off the call's thread.
        _thread.start_new_thread(os.waitpid, (pid, 0))
        try:
            # Answer once it listens, so the next connection finds it (bounded: a keeper that hangs is not waited for).
            listening = bool(select.select([ready_end], [], [], 10.0)[0] and os.read(ready_end, 1))
        finally:
            os.close(ready_end)
        if not listening and not _running(path):
            return {"socket": None, "reason": "the keeper did not start (it ended before listening)"}
        return {"socket": path, "started": True}
