"""Diag: diagnostics for the core tests and benchmarks (echo, errors, streams, noise).

Heavy modules (asyncio, subprocess, platform, socket) are imported inside the methods
that use them: this module is exec'd on the first call, so its imports are connect time.
"""
from __future__ import annotations  # annotations stay strings: no typing import

import logging
import os
import sys
import time


_made = {}  # generator name -> items it made so far (Diag.made)


class ProcessInfo:
    """Result of ``info``: facts about the remote runtime process (a dataclass, made one
    by _dataclass() on first use: importing dataclasses also imports inspect)."""
    pid: int
    python: str  # e.g. '3.11.2'
    executable: str
    platform: str  # platform.platform(), e.g. 'Linux-6.1.0-...-x86_64-with-glibc2.36'
    rss_kib: Optional[int]  # VmRSS from /proc/self/status; None when unavailable
    cwd: str
    uid: int
    hostname: str
    threads: int  # live Python threads
    open_fds: Optional[int]  # entries in /proc/self/fd; None when unavailable


def _dataclass(cls):
    if "__dataclass_fields__" not in cls.__dict__:
        from dataclasses import dataclass
        dataclass(cls)
    return cls


def _level(level):
    if isinstance(level, int) and not isinstance(level, bool):
        return level
    if isinstance(level, str):
        value = logging.getLevelName(level.strip().upper())
        if isinstance(value, int):
            return value
    raise ValueError("unknown log level %r (use DEBUG, INFO, WARNING, ERROR, CRITICAL or an int)" % (level,))


class Diag(Tool):
    """Diagnostics: round trips, streaming, cancellation, error mapping, log and stdout hygiene."""

    @staticmethod
    def echo(value):
        # type: (Any) -> Any
        """Return ``value`` unchanged (any JSON value; bytes anywhere inside stay bytes)."""
        return value

    @staticmethod
    def ping():
        # type: () -> str
        """Return 'pong'."""
        return "pong"

    @staticmethod
    def blob(size):
        # type: (int) -> bytes
        """Return ``size`` bytes (0,1,..,255,0,1,..) for throughput tests."""
        if size < 0:
            raise ValueError("size must be >= 0")
        pattern = bytes(range(256))
        return (pattern * (size // 256 + 1))[:size]

    @staticmethod
    async def sleep(seconds):
        # type: (float) -> float
        """Sleep on the event loop (cancellable) and return ``seconds``."""
        import asyncio
        await asyncio.sleep(seconds)
        return seconds

    @staticmethod
    def info():
        # type: () -> ProcessInfo
        """Describe the remote process: ProcessInfo{pid, python, executable, platform,
        rss_kib, cwd, uid, hostname, threads, open_fds}."""
        import platform
        import socket
        rss = None
        try:
            with open("/proc/self/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        rss = int(line.split()[1])
                        break
        except (OSError, ValueError, IndexError):
            pass
        try:
            fds = len(os.listdir("/proc/self/fd"))
        except OSError:
            fds = None
        return _dataclass(ProcessInfo)(
            pid=os.getpid(), python=platform.python_version(), executable=sys.executable,
            platform=platform.platform(), rss_kib=rss, cwd=os.getcwd(), uid=os.getuid(),
            hostname=socket.gethostname(), threads=len(sys._current_frames()), open_fds=fds,
        )

    @staticmethod
    def raise_error(type_name, message, errno=None, filename=None):
        # type: (str, str, Optional[int], Optional[str]) -> None
        """Raise a builtin exception named ``type_name`` with ``message``.

        OSError subclasses take ``errno``/``filename`` when given. Also accepts
        'CalledProcessError' (returncode 3, cmd ['diag'], stdout 'out', stderr
        ``message``) and 'TimeoutExpired'. Any other name (or a builtin that is not
        an Exception subclass, like SystemExit) raises ValueError naming it.
        """
        import builtins
        import subprocess
        if type_name == "CalledProcessError":
            raise subprocess.CalledProcessError(3, ["diag"], output="out", stderr=message)
        if type_name == "TimeoutExpired":
            raise subprocess.TimeoutExpired(["diag"], 1.5, output="out", stderr=message)
        exc_type = getattr(builtins, type_name, None)
        if not (isinstance(exc_type, type) and issubclass(exc_type, Exception)):
            raise ValueError("not a builtin exception type: %r (message: %s)" % (type_name, message))
        if issubclass(exc_type, OSError) and errno is not None:
            if filename is not None:
                raise exc_type(errno, message, filename)
            raise exc_type(errno, message)
        raise exc_type(message)

    @staticmethod
    def count(n, delay=0):
        """Sync generator: yield 0..n-1 (sleeping ``delay`` s between items),
        stopping early once the call is cancelled. Result: the number of items yielded."""
        sent = 0
        for i in range(n):
            if Diag.cancelled():
                break
            yield i
            sent += 1
            if delay:
                time.sleep(delay)
        return sent

    @staticmethod
    def blocks(n, size):
        """Sync generator: yield ``n`` blocks of ``size`` zero bytes as fast as the stream takes them
        (flow-control checks: ``made("blocks")`` says how far it got). Result: n."""
        block = bytes(size)
        for i in range(n):
            _made["blocks"] = i + 1
            yield block
        return n

    @staticmethod
    def made(name):
        # type: (str) -> int
        """How many items the generator ``name`` ("blocks") has made so far on this connection."""
        return _made.get(name, 0)

    @staticmethod
    async def acount(n, delay=0):
        """Async generator: yield 0..n-1 (awaiting ``delay`` s between items). Result: null."""
        import asyncio
        for i in range(n):
            yield i
            if delay:
                await asyncio.sleep(delay)

    @staticmethod
    def log(level, message, logger="rmote.Diag"):
        # type: (Any, str, str) -> None
        """Emit ``message`` at ``level`` (name or int) on logger ``logger``."""
        logging.getLogger(logger).log(_level(level), "%s", message)


    @staticmethod
    def stdout_noise():
        # type: () -> str
        """Write to stdout three ways (print, raw fd 1, a child with inherited stdio)
        and return 'ok': the protocol stream must survive all of them."""
        import subprocess
        print("noise from print()")
        sys.stdout.flush()
        os.write(1, b"noise from fd 1\n")
        subprocess.run(["echo", "noise"], check=False)
        return "ok"
