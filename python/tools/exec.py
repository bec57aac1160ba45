"""Exec: run programs on the remote host.

Every child runs in its own session (process group), so a timeout or a
cancelled call kills the whole group: nothing keeps running behind the
controller's back. ``command``/``stream`` take an argv list and never involve a
shell; ``shell`` runs a script through an explicit shell.

The methods are sync, run on the runtime's pool threads: asyncio would cost a
connection's first command more than the command itself (its import alone is
tens of ms), and a build step is often one short command per host. A cancel (a
CANCEL, or the connection ending) reaches a method blocked on its child through
Tool.on_cancel: the hook kills the process group and wakes the wait.
"""

import _thread
import os
import select
import signal
import time

_TAIL = 64 * 1024  # bytes of output kept for a streamed command's error
_READ = 65536


def _result(exit_code, stdout, stderr, duration):
    """Result of ``command``/``shell``: {exit_code, stdout, stderr, duration}. ``stdout``/``stderr`` are UTF-8
    decoded (invalid bytes replaced); ``stderr`` is '' when ``merge_stderr``. ``duration`` is wall time in seconds."""
    return {"exit_code": exit_code, "stdout": stdout, "stderr": stderr, "duration": duration}


def _line(stream, line, exit_code=None):
    """One item of ``stream``: an output line {stream: 'stdout'|'stderr', line, exit_code: None}, or the final
    item {stream: 'exit', line: None, exit_code: the exit status (negative signal number if killed)}."""
    return {"stream": stream, "line": line, "exit_code": exit_code}


def _argv(argv):
    if isinstance(argv, (str, bytes)):
        raise TypeError("argv must be a list of strings, not a command line; use Exec.shell() to run shell syntax")
    out = []
    for a in argv:
        if isinstance(a, bool) or not isinstance(a, (str, int, float)):
            raise TypeError("argv items must be strings (got %r)" % (a,))
        out.append(str(a))
    if not out:
        raise ValueError("argv must not be empty")
    return out


def _env(env, merge_env):
    # type: (Optional[Dict[str, Optional[str]]], bool) -> Optional[Dict[str, str]]
    """The child's environment. No ``env``: the runtime's, inherited. With ``env``:
    exactly ``env`` (rmote's meaning: HOME, PATH... are gone unless given), or, with
    ``merge_env``, ``env`` over the runtime's (a None value unsets a variable)."""
    if env is None:
        return None
    merged = dict(os.environ) if merge_env else {}
    for key, value in env.items():
        if value is None:
            merged.pop(key, None)  # None unsets an inherited variable
        else:
            merged[str(key)] = str(value)
    return merged


def _stdin_bytes(stdin):
    if stdin is None:
        return None
    if isinstance(stdin, str):
        return stdin.encode("utf-8")
    return bytes(stdin)


def _cwd(cwd):
    # "~/app" is the login user's home, as in a shell; a build step states it on purpose.
    return os.path.expanduser(cwd) if cwd else cwd


def _describe(cmd):
    if isinstance(cmd, list):
        text = " ".join(cmd)
    else:
        text = cmd
    return text if len(text) <= 200 else text[:197] + "..."


def _decode(data):
    return data.decode("utf-8", "replace") if data else ""


class _Cancelled(Exception):
    """The call was cancelled; the runtime has answered it already, so this only unwinds the method."""


class _TimedOut(Exception):
    """The deadline passed; the caller words the TimeoutError."""


class _Child:
    """A child in its own session, and the one wait that serves its pipes: output as it comes, stdin fed as the
    pipe takes it, a wake-up pipe that the call's cancel (Tool.on_cancel) writes to after killing the group.
    Close it in a finally: a child still running then is killed with its group and reaped (no zombies)."""

    def __init__(self, argv, stdin, merge_stderr, cwd, env):
        import subprocess  # on first use: see Tool's guideline (it costs a connection's start ms)
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT if merge_stderr else subprocess.PIPE, cwd=cwd, env=env, start_new_session=True)
        self.lock = _thread.allocate_lock()
        self.wake_r, self.wake_w = os.pipe()
        self.cancelled = False
        Tool.on_cancel(self.cancel)   # after the start: a call cancelled during it runs the hook at once

    def kill_group(self):
        # returncode, not poll(): a leader that exited but is not reaped yet still holds its pid (the group's id), so
        # the group's other members (which may hold the pipes) are still killed, and that id cannot name another group
        if self.proc.returncode is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            try:
                self.proc.kill()
            except ProcessLookupError:
                pass

    def cancel(self):
        with self.lock:
            self.cancelled = True
            self.kill_group()
            if self.wake_w is not None:
                os.write(self.wake_w, b"x")

    def output(self, data, deadline):
        """(name, bytes) of stdout and stderr as the child writes them, until both end; ``data`` goes to stdin
        meanwhile. Raises _TimedOut past ``deadline`` (monotonic) and _Cancelled once cancelled."""
        proc = self.proc
        poller = select.poll()
        names = {}
        for name, f in (("stdout", proc.stdout), ("stderr", proc.stderr)):
            if f is not None:
                names[f.fileno()] = name
                poller.register(f.fileno(), select.POLLIN)
        poller.register(self.wake_r, select.POLLIN)
        stdin, view, sent = proc.stdin, memoryview(data or b""), 0
        if stdin is not None:
            if view:
                os.set_blocking(stdin.fileno(), False)
                poller.register(stdin.fileno(), select.POLLOUT)
            else:
                stdin.close()
                stdin = None
        while names or stdin is not None:
            if self.cancelled:
                raise _Cancelled()
            wait = None
            if deadline is not None:
                wait = deadline - time.monotonic()
                if wait <= 0:
                    raise _TimedOut()
                wait = int(wait * 1000) + 1
            for fd, _ in poller.poll(wait):
                if fd == self.wake_r:
                    raise _Cancelled()
                if stdin is not None and fd == stdin.fileno():
                    try:
                        sent += os.write(fd, view[sent:sent + _READ])
                    except BlockingIOError:
                        continue
                    except BrokenPipeError:
                        sent = len(view)   # the child stopped reading: its exit status tells the rest
                    if sent >= len(view):
                        poller.unregister(fd)
                        stdin.close()
                        stdin = None
                elif fd in names:
                    chunk = os.read(fd, _READ)
                    if chunk:
                        yield names[fd], chunk
                    else:
                        poller.unregister(fd)
                        del names[fd]

    def wait(self, deadline):
        """The exit status once the child's pipes ended; _TimedOut past ``deadline``."""
        import subprocess
        try:
            return self.proc.wait(None if deadline is None else max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            raise _TimedOut() from None

    def close(self):
        with self.lock:
            os.close(self.wake_r)
            os.close(self.wake_w)
            self.wake_w = None
        if self.proc.returncode is None:
            self.kill_group()
            self.proc.wait()
        for f in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if f is not None:
                f.close()


def _deadline(timeout):
    return None if timeout is None else time.monotonic() + timeout


def _timed_out(display, timeout):
    return TimeoutError("command %r timed out after %s s (its process group was killed)" % (_describe(display), timeout))


def _run(argv, display, cwd, env, merge_env, stdin, check, timeout, merge_stderr):
    data = _stdin_bytes(stdin)
    started, deadline = time.monotonic(), _deadline(timeout)
    child = _Child(argv, data, merge_stderr, _cwd(cwd), _env(env, merge_env))
    out = {"stdout": [], "stderr": []}
    try:
        for name, chunk in child.output(data, deadline):
            out[name].append(chunk)
        code = child.wait(deadline)
    except _TimedOut:
        raise _timed_out(display, timeout) from None
    finally:
        child.close()
    result = _result(code, _decode(b"".join(out["stdout"])), _decode(b"".join(out["stderr"])),
                     round(time.monotonic() - started, 6))
    if check and code != 0:
        import subprocess
        raise subprocess.CalledProcessError(code, display, output=result["stdout"], stderr=result["stderr"])
    return result


class Exec(Tool):
    """Run commands. ``env`` replaces the remote environment, as in rmote (pass
    ``merge_env=True`` to add it to the inherited one instead, where a None value
    unsets a variable); ``stdin`` is text (UTF-8) or bytes, otherwise /dev/null."""

    @staticmethod
    def command(argv, cwd=None, env=None, stdin=None, check=True, timeout=None, merge_stderr=False, merge_env=False):
        """Run ``argv`` (no shell) and wait for it.

        Returns {exit_code, stdout, stderr, duration}.
        Raises CalledProcessError (returncode, cmd=argv, stdout, stderr) on a
        non-zero exit when ``check``; TimeoutError after ``timeout`` seconds
        (process group killed); FileNotFoundError if the program doesn't exist.
        Cancelling the call kills the process group.
        """
        args = _argv(argv)
        return _run(args, args, cwd, env, merge_env, stdin, check, timeout, merge_stderr)

    @staticmethod
    def shell(script, shell="/bin/sh", cwd=None, env=None, stdin=None, check=True, timeout=None, merge_stderr=False,
              merge_env=False):
        """Run ``script`` with ``shell -c script``; otherwise exactly like ``command``
        (errors report ``cmd`` as the script text)."""
        if not isinstance(script, str):
            raise TypeError("script must be a string")
        return _run([shell, "-c", script], script, cwd, env, merge_env, stdin, check, timeout, merge_stderr)

    @staticmethod
    def stream(argv, cwd=None, env=None, shell=False, timeout=None, check=True, merge_env=False):
        """Run a command and stream its output line by line as it is produced.

        ``argv`` is a list (no shell) or, with ``shell=True``, a script string run
        by ``/bin/sh -c``. stdin is /dev/null. stdout and stderr are read
        concurrently; each item is
          {stream: 'stdout'|'stderr', line: '<text without newline>', exit_code: null}
        and the last item is always
          {stream: 'exit', line: null, exit_code: <int>}.
        After the exit item, a non-zero exit with ``check`` raises
        CalledProcessError (stdout/stderr carry the last 64 KiB of each).
        ``timeout`` bounds the whole run: TimeoutError, process group killed.
        Cancelling (or closing the stream early) kills the process group.
        The call's final result value is null.
        """
        if shell:
            if not isinstance(argv, str):
                raise TypeError("with shell=True, argv must be a script string")
            args, display = ["/bin/sh", "-c", argv], argv
        else:
            args = _argv(argv)
            display = args
        deadline = _deadline(timeout)
        child = _Child(args, None, False, _cwd(cwd), _env(env, merge_env))
        tails = {"stdout": bytearray(), "stderr": bytearray()}
        pending = {"stdout": b"", "stderr": b""}
        try:
            try:
                for name, chunk in child.output(None, deadline):
                    tail = tails[name]
                    tail += chunk
                    del tail[:-_TAIL]
                    # split here, not readline(): no line-length limit
                    *lines, pending[name] = (pending[name] + chunk).split(b"\n")
                    for raw in lines:
                        yield _line(name, _text(raw))
                for name in ("stdout", "stderr"):
                    if pending[name]:
                        yield _line(name, _text(pending[name]))
                code = child.wait(deadline)
            except _TimedOut:
                raise _timed_out(display, timeout) from None
            yield _line("exit", None, code)
            if check and code != 0:
                import subprocess
                raise subprocess.CalledProcessError(
                    code, display, output=_decode(bytes(tails["stdout"])), stderr=_decode(bytes(tails["stderr"])))
        finally:
            # Runs on success, error, timeout, cancellation and an early close().
            child.close()


def _text(raw):
    return (raw[:-1] if raw.endswith(b"\r") else raw).decode("utf-8", "replace")
