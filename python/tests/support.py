"""Test-side client for the rmote runtime: spawns a real bootstrapped child.

Speaks PROTOCOL.md from the controller's side with plain blocking pipes, so the
end-to-end tests exercise exactly the bytes the C# controller will see.
"""
import hashlib
import json
import os
import re
import subprocess
import sys
import time
import zlib

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNTIME_PATH = os.path.join(PYTHON_DIR, "rmote", "runtime.py")
LOADER_PATH = os.path.join(PYTHON_DIR, "rmote", "loader.py")
if PYTHON_DIR not in sys.path:
    sys.path.insert(0, PYTHON_DIR)

from rmote import runtime as rt  # noqa: E402  (framing helpers; never runs main())
try:  # the shipped modules' list
    from . import tool_support  # noqa: E402
except ImportError:
    import tool_support  # noqa: E402

# The first stage, byte for byte as in PROTOCOL.md section 1.
STAGE1 = "import sys,zlib;r=sys.stdin.buffer;exec(zlib.decompress(r.read(int(r.read(8),16))))"
MARKER = b"\nRMOTE-READY/1\n"


def runtime_key():
    with open(RUNTIME_PATH, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()[:16]


def payload(cache=None):
    """What the controller writes after starting the first stage: the second stage (loader.py, its
    placeholders filled in as the C# Bootstrap does; cache None: no code cache) and the runtime."""
    with open(RUNTIME_PATH, "rb") as f:
        runtime = f.read()
    with open(LOADER_PATH, encoding="utf-8") as f:
        loader = f.read().replace('"@CODE_CACHE@"', repr(cache)).replace("@RUNTIME_KEY@", runtime_key())
    out = b""
    for part in (loader.encode("utf-8"), runtime):
        z = zlib.compress(part, 9)
        out += b"%08x" % len(z) + z
    return out


# The modules tools import that the controller syncs in front of them (C# PythonTool.ShippedModules).
MODULES = {name: os.path.join(PYTHON_DIR, "rmote", file_name) for name, file_name in tool_support.SHIPPED_MODULES.items()}
_MODULE_IMPORT = re.compile(r"^[ \t]*(?:from|import)[ \t]+(rmote_\w+)", re.M)


def module_source(name):
    with open(MODULES[name], encoding="utf-8") as f:
        return f.read()


def tool_key(name, source):
    return "%s:%s" % (name, hashlib.sha256(source.encode("utf-8")).hexdigest()[:16])


class RemoteError(Exception):
    def __init__(self, err):
        super().__init__("%s: %s" % (err.get("type"), err.get("message")))
        self.err = err


class Client:
    """A controller over a child's stdin/stdout; frames are read into per-id queues."""

    def __init__(self, python=None, banner=None, log_level=20, max_frame=rt.MAX_FRAME, hello=True, cache=None,
                 stream_window=None):
        python = python or sys.executable
        if banner is None:
            argv = [python, "-I", "-S", "-c", STAGE1]
        else:  # something prints junk to stdout before the interpreter starts
            argv = ["sh", "-c", 'printf %s "$1"; exec "$2" -I -S -c "$3"', "sh", banner, python, STAGE1]
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, bufsize=0)
        self.proc.stdin.write(payload(cache))
        self._attach(self.proc.stdin, self.proc.stdout, hello, log_level, max_frame, stream_window)

    @classmethod
    def over(cls, inp, out, log_level=20):
        """A client of a runtime that is already running (a keeper's child): no process, no payload to send."""
        client = cls.__new__(cls)
        client.proc = None
        client._attach(inp, out, True, log_level, rt.MAX_FRAME, None)
        return client

    def _attach(self, inp, out, hello, log_level, max_frame, stream_window):
        self.inp, self.out = inp, out
        self.banner = self._skip_to_marker()
        self.decoder = rt.FrameDecoder(rt.MAX_FRAME)
        self.pending = []
        self.frames = {}        # id -> list of (type, value/body, binary)
        self.logs = []
        typ, cid, body, _ = self.read_frame()
        assert typ == rt.HELLO and cid == 0, (typ, cid)
        self.remote_hello = body
        self.next_id = 1
        self.synced = set()
        self.sources = {}       # key -> SYNC body with the source (answers a NEED)
        self.needs = []         # keys the host asked the source of
        if hello:
            hello = {"max_frame": max_frame, "log_level": log_level}
            if stream_window is not None:
                hello["stream_window"] = stream_window
            self.send(rt.HELLO, 0, hello)

    def _skip_to_marker(self):
        seen = b""
        while MARKER not in seen:
            if len(seen) > 64 << 10:
                raise AssertionError("no ready marker in %r" % seen[:200])
            b = self.out.read(1)
            if not b:
                raise AssertionError("EOF before the ready marker: %r, stderr %r"
                                     % (seen, self.proc.stderr.read() if self.proc else b""))
            seen += b
        return seen[:-len(MARKER)]

    # -- raw frames

    def send(self, typ, cid, obj=None, binary=b""):
        self.inp.write(rt.encode_frame(typ, cid, obj, binary))

    def read_frame(self):
        """Next frame as (type, id, decoded JSON body, binary body)."""
        while not self.pending:
            t = self.decoder.target()
            if t is not None:
                n = self.out.readinto(t)
                if not n:
                    raise EOFError("runtime closed its output")
                self.pending += self.decoder.advance(n)
                continue
            data = os.read(self.out.fileno(), 1 << 20)
            if not data:
                raise EOFError("runtime closed its output")
            self.pending += self.decoder.feed(data)
        typ, cid, jb, bb = self.pending.pop(0)
        return typ, cid, rt.loads(jb, bb), bb

    def pump(self):
        """Read one frame and file it."""
        typ, cid, body, bb = self.read_frame()
        if typ == rt.LOG:
            self.logs.append((cid, body))
        elif typ == rt.NEED:  # a cached SYNC the host could not use: send the source, as the controller does
            self.needs.append(body["key"])
            self.send(rt.SYNC, 0, self.sources[body["key"]])
        else:
            self.frames.setdefault(cid, []).append((typ, body))
        return typ, cid

    # -- calls

    def sync(self, name, source, module=False, cached=None):
        """Send a tool's source (module: a module tools import), the shipped modules it imports first, as the
        controller does: without the source when the host's HELLO lists its key (cached None) or cached is true."""
        for needed in _MODULE_IMPORT.findall(source):
            if needed in MODULES:
                self.sync(needed, module_source(needed), module=True, cached=cached)
        key = tool_key(name, source)
        if key not in self.synced:
            body = {"key": key, "name": name, "sha256": hashlib.sha256(source.encode("utf-8")).hexdigest()}
            if module:
                body["module"] = True
            self.sources[key] = dict(body, source=source)
            if cached is None:
                cached = key in self.remote_hello.get("cached_tools", ())
            self.send(rt.SYNC, 0, dict(body, cached=True) if cached else self.sources[key])
            self.synced.add(key)
        return key

    def start(self, key, method, *args, **kwargs):
        cid = self.next_id
        self.next_id += 1
        self.call_frame(cid, key, method, args, kwargs)
        return cid

    def call_frame(self, cid, key, method, args, kwargs):
        bins = []

        def enc(o):  # bytes anywhere -> placeholders, as the controller does
            if isinstance(o, (bytes, bytearray)):
                off = sum(len(b) for b in bins)
                bins.append(bytes(o))
                return {"__bytes__": [off, len(o)]}
            raise TypeError(type(o))
        body = json.dumps({"tool": key, "method": method, "args": list(args), "kwargs": kwargs},
                          default=enc, separators=(",", ":")).encode()
        binary = b"".join(bins)
        f = rt.pack(rt.CALL, cid, body, (binary,) if binary else (), len(binary))
        self.inp.write(f if type(f) is bytes else b"".join(f))

    def wait(self, cid, timeout=30):
        """(chunks, value) of call cid; raises RemoteError for an ERROR."""
        end = time.monotonic() + timeout
        while True:
            got = self.frames.get(cid, [])
            if got and got[-1][0] in (rt.RESULT, rt.ERROR):
                del self.frames[cid]
                chunks = [b["value"] for t, b in got if t == rt.CHUNK]
                typ, body = got[-1]
                if typ == rt.ERROR:
                    e = RemoteError(body)
                    e.chunks = chunks
                    raise e
                return chunks, body["value"]
            if time.monotonic() > end:
                raise AssertionError("no answer to call %d" % cid)
            self.pump()

    def call(self, key, method, *args, **kwargs):
        return self.wait(self.start(key, method, *args, **kwargs))[1]

    def close(self, timeout=10):
        """EOF on the runtime's input; returns its exit code."""
        try:
            self.inp.close()
        except OSError:
            pass
        try:
            rest = self.out.read()
        except OSError:
            rest = b""
        code = self.proc.wait(timeout) if self.proc else None
        if self.proc:
            self.proc.stderr.close()
        self.out.close()
        return code, rest
