"""Exec: run programs on the remote host.

Every child runs in its own session (process group), so a timeout or a
cancelled call kills the whole group: nothing keeps running behind the
controller's back. ``command``/``stream`` take an argv list and never involve a
shell; ``shell`` runs a script through an explicit shell.
"""

import asyncio
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from typing import Dict, List, Optional, Union

_TAIL = 64 * 1024  # bytes of output kept for a streamed command's error


@dataclass
class CommandResult:
    """Result of ``command``/``shell``. ``stdout``/``stderr`` are UTF-8 decoded
    (invalid bytes replaced); ``stderr`` is '' when ``merge_stderr``.
    ``duration`` is wall time in seconds."""
    exit_code: int
    stdout: str
    stderr: str
    duration: float


@dataclass
class OutputLine:
    """One item of ``stream``: a line of output, or the final exit item.

    Output line: stream='stdout'|'stderr', line=text without its newline,
    exit_code=None. Final item (always last): stream='exit', line=None,
    exit_code=the process's exit status (negative signal number if killed).
    """
    stream: str
    line: Optional[str]
    exit_code: Optional[int] = None


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


def _kill_group(proc):
    if proc.returncode is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        try:
            proc.kill()
        except ProcessLookupError:
            pass


async def _spawn(argv, **kwargs):
    """Start ``argv`` in its own session. A cancel that lands while asyncio is still
    connecting the child's pipes would run asyncio's own cleanup, which kills the
    child's pid only and then waits for pipes a grandchild still holds (the call
    hangs, the group lives on). So the start runs to its end whatever happens, and
    a cancelled start kills the whole group before the cancel goes on."""
    start = asyncio.ensure_future(asyncio.create_subprocess_exec(*argv, start_new_session=True, **kwargs))
    try:
        return await asyncio.shield(start)
    except asyncio.CancelledError:
        while not start.done():
            try:
                await asyncio.wait({start})
            except asyncio.CancelledError:
                pass  # a repeated cancel: the start still has to be cleaned up
        if not start.cancelled() and start.exception() is None:
            proc = start.result()
            _kill_group(proc)
            await _reap(proc)
        raise


async def _reap(proc):
    # Shielded: we may be here because our task was cancelled, and the child
    # must be waited for either way (no zombies).
    try:
        await asyncio.shield(proc.wait())
    except asyncio.CancelledError:
        pass


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


async def _run(argv, display, cwd, env, merge_env, stdin, check, timeout, merge_stderr):
    data = _stdin_bytes(stdin)
    started = time.monotonic()
    proc = await _spawn(
        argv,
        stdin=subprocess.PIPE if data is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT if merge_stderr else subprocess.PIPE,
        cwd=_cwd(cwd), env=_env(env, merge_env),
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(data), timeout)
    except asyncio.TimeoutError:
        _kill_group(proc)
        await _reap(proc)
        raise TimeoutError("command %r timed out after %s s (its process group was killed)" % (_describe(display), timeout)) from None
    except BaseException:  # CancelledError included: the child must not outlive the call
        _kill_group(proc)
        await _reap(proc)
        raise
    result = CommandResult(
        exit_code=proc.returncode, stdout=_decode(out), stderr=_decode(err),
        duration=round(time.monotonic() - started, 6),
    )
    if check and proc.returncode != 0:
        raise subprocess.CalledProcessError(proc.returncode, display, output=result.stdout, stderr=result.stderr)
    return result


class Exec(Tool):
    """Run commands. ``env`` replaces the remote environment, as in rmote (pass
    ``merge_env=True`` to add it to the inherited one instead, where a None value
    unsets a variable); ``stdin`` is text (UTF-8) or bytes, otherwise /dev/null."""

    @staticmethod
    async def command(argv, cwd=None, env=None, stdin=None, check=True, timeout=None, merge_stderr=False, merge_env=False):
        # type: (List[str], Optional[str], Optional[Dict[str, Optional[str]]], Union[str, bytes, None], bool, Optional[float], bool, bool) -> CommandResult
        """Run ``argv`` (no shell) and wait for it.

        Returns CommandResult{exit_code, stdout, stderr, duration}.
        Raises CalledProcessError (returncode, cmd=argv, stdout, stderr) on a
        non-zero exit when ``check``; TimeoutError after ``timeout`` seconds
        (process group killed); FileNotFoundError if the program doesn't exist.
        Cancelling the call kills the process group.
        """
        args = _argv(argv)
        return await _run(args, args, cwd, env, merge_env, stdin, check, timeout, merge_stderr)

    @staticmethod
    async def shell(script, shell="/bin/sh", cwd=None, env=None, stdin=None, check=True, timeout=None, merge_stderr=False,
                    merge_env=False):
        # type: (str, str, Optional[str], Optional[Dict[str, Optional[str]]], Union[str, bytes, None], bool, Optional[float], bool, bool) -> CommandResult
        """Run ``script`` with ``shell -c script``; otherwise exactly like ``command``
        (errors report ``cmd`` as the script text)."""
        if not isinstance(script, str):
            raise TypeError("script must be a string")
        return await _run([shell, "-c", script], script, cwd, env, merge_env, stdin, check, timeout, merge_stderr)

    @staticmethod
    async def stream(argv, cwd=None, env=None, shell=False, timeout=None, check=True, merge_env=False):
        """Run a command and stream its output line by line as it is produced.

        ``argv`` is a list (no shell) or, with ``shell=True``, a script string run
        by ``/bin/sh -c``. stdin is /dev/null. stdout and stderr are read
        concurrently; each item is an OutputLine:
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
        deadline = None if timeout is None else time.monotonic() + timeout
        proc = await _spawn(
            args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            cwd=_cwd(cwd), env=_env(env, merge_env),
        )
        queue = asyncio.Queue()  # type: asyncio.Queue
        tails = {"stdout": bytearray(), "stderr": bytearray()}

        async def pump(reader, name):
            # read() instead of readline(): no line-length limit.
            pending = b""
            try:
                while True:
                    chunk = await reader.read(65536)
                    if not chunk:
                        break
                    tail = tails[name]
                    tail += chunk
                    del tail[:-_TAIL]
                    pending += chunk
                    *lines, pending = pending.split(b"\n")
                    for raw in lines:
                        await queue.put((name, raw))
                if pending:
                    await queue.put((name, pending))
            finally:
                await queue.put((name, None))

        def remaining():
            if deadline is None:
                return None
            left = deadline - time.monotonic()
            if left <= 0:
                raise asyncio.TimeoutError()
            return left

        pumps = [asyncio.ensure_future(pump(proc.stdout, "stdout")),
                 asyncio.ensure_future(pump(proc.stderr, "stderr"))]
        try:
            try:
                open_pipes = 2
                while open_pipes:
                    name, raw = await asyncio.wait_for(queue.get(), remaining())
                    if raw is None:
                        open_pipes -= 1
                        continue
                    if raw.endswith(b"\r"):
                        raw = raw[:-1]
                    yield OutputLine(stream=name, line=raw.decode("utf-8", "replace"))
                code = await asyncio.wait_for(proc.wait(), remaining())
            except asyncio.TimeoutError:
                raise TimeoutError("command %r timed out after %s s (its process group was killed)" % (_describe(display), timeout)) from None
            yield OutputLine(stream="exit", line=None, exit_code=code)
            if check and code != 0:
                raise subprocess.CalledProcessError(
                    code, display, output=_decode(bytes(tails["stdout"])), stderr=_decode(bytes(tails["stderr"])))
        finally:
            # Runs on success, error, timeout, cancellation and early aclose().
            for task in pumps:
                task.cancel()
            if proc.returncode is None:
                _kill_group(proc)
                await _reap(proc)
