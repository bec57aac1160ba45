"""rmote remote runtime, wire protocol 1 (docs/PROTOCOL.md).

The first stage execs this file as __main__: main() protects stdio, writes the
ready marker and a HELLO, then serves frames. Imported as a module it only
defines things (tests, tool authors). Stdlib only, Python 3.8+.

Threads: a leader/follower pool (the main thread included) reads frames and runs
sync tool methods. One thread at a time, the leader, waits for input, decodes it
and handles HELLO/SYNC/CANCEL/CREDIT inline; with sync CALLs queued it promotes a follower
to leader and runs a call itself, writing the answer directly, so a sequential
call is read, run and answered by one thread. A writer thread batches output that
could not be written at once. The asyncio loop is only started, in its own thread,
by the first async call: nothing on the start path imports asyncio (or threading,
inspect, dataclasses, traceback, subprocess, pathlib, logging, json, re, enum:
start-up time is connect time). Threads and locks come from _thread, JSON from the C
accelerator; logging is wired to LOG frames the moment anything imports it.
"""
import sys

if __name__ == "__main__" and sys.version_info < (3, 8):  # before imports 3.6 lacks
    sys.stderr.write("rmote: Python %s is too old, 3.8 or newer is required\n"
                     % sys.version.split()[0])
    sys.stderr.flush()
    sys.exit(3)

import _thread
import os
import select
import time
import zlib
from _collections import deque
from _contextvars import ContextVar
from _struct import Struct

MARKER = b"\nRMOTE-READY/1\n"
MAX_FRAME = 64 << 20
HELLO, SYNC, CALL, RESULT, ERROR, CHUNK, CANCEL, LOG, CREDIT, NEED = range(1, 11)
HEADER = Struct(">2sBBBIII")
HSIZE = HEADER.size
Z_JSON, Z_BIN = 1, 2
MIN_ZIP = 1 << 10           # smaller bodies are never compressed
SAMPLE = 64 << 10           # binary bodies over 4 samples are probed first
# frames above this are read into / written from their own buffers
BIG = 64 << 10
READ_SIZE = 64 << 10        # under glibc's mmap threshold: no mmap/munmap per read
CAP = 64 << 10              # error and log texts are capped at this many characters
MAX_WORKERS = 64


def _gen():
    yield


async def _coro():
    pass


async def _agen():
    yield


# What the types module would give (importing it costs half a millisecond of every connect).
_ModuleType, _CodeType, _BuiltinFunctionType = type(sys), type(_gen.__code__), type(len)
_GeneratorType, _AsyncGeneratorType = type(_gen()), type(_agen())
_c = _coro()
_CoroutineType = type(_c)
_c.close()
del _gen, _coro, _agen, _c

_current = ContextVar("rmote_call", default=None)  # the Call being served
_runtime = None             # the running Runtime (None when imported)
_tls = _thread._local()     # per-thread state of the value encoder
# filename -> tool source, for linecache (tracebacks show their lines)
_sources = {}
_cached_compile = globals().get("rmote_compile")  # the second stage's code cache (loader.py), when run by it
# the keys of the tools in the code cache (loader.py)
_cached_keys = globals().get("rmote_cached_keys")


class _Condition:
    """threading.Condition's wait/notify on a _thread lock (importing threading costs a few ms of every start)."""

    def __init__(self, lock):
        self.lock = lock
        self.waiters = deque()

    def wait(self, timeout=None):
        """Release the lock, wait for notify() or the timeout, take the lock again; False on timeout."""
        waiter = _thread.allocate_lock()
        waiter.acquire()
        self.waiters.append(waiter)
        self.lock.release()
        try:
            woken = waiter.acquire(True, -1 if timeout is None else timeout)
        finally:
            self.lock.acquire()
        if not woken:
            try:
                self.waiters.remove(waiter)
            except ValueError:
                pass  # notified right after the timeout
        return woken

    def notify(self, n=1):
        while n > 0 and self.waiters:
            self.waiters.popleft().release()
            n -= 1

    def notify_all(self):
        self.notify(len(self.waiters))


def _block_forever():
    lock = _thread.allocate_lock()
    lock.acquire()
    lock.acquire()


class ProtocolError(Exception):
    """The peer broke the framing: the runtime logs it and exits 2 (first failing the call it names, if any)."""

    def __init__(self, message, cid=0):
        Exception.__init__(self, message)
        self.cid = cid


class Tool:
    """Base class of tools; the controller syncs subclasses as source.

    Every tool's module also holds request_exit, set_log_level, on_shutdown, zero_copy and placeholder. Code
    tools share is a synced module of its own (rmote_toolkit: the file helpers), not part of the runtime.

    Guideline for tools: import asyncio and heavy modules (subprocess, platform,
    dataclasses, typing, ...) inside the methods that need them, not at the top:
    a tool's module is exec'd on the first call and every import there adds to
    the connect + first call time (asyncio alone costs tens of ms).
    """

    class _Log:
        """``self.log``: the logger "rmote.<ToolClass>" (a tool may define its own log() method)."""

        def __get__(self, obj, cls):
            import logging  # on first use: see _watch_logging
            return logging.getLogger("rmote." + cls.__name__)

    log = _Log()

    @staticmethod
    def cancelled():
        """True once the call running in this thread/task was cancelled."""
        call = _current.get()
        return call is not None and call.cancelled

    @staticmethod
    def on_cancel(fn):
        """Run fn() once if the call running in this thread is cancelled (a CANCEL, or the connection ending), at
        once if it already was; returns fn. For a sync method blocked outside Python (waiting on a child process, a
        socket): fn unblocks it, for example by killing the child. fn runs on the thread that reads input, so it
        must not block; its exceptions are ignored. Outside a call it does nothing."""
        call = _current.get()
        if call is not None:
            with _hooks_lock:
                call.hooks = (call.hooks or []) + [fn]
            if call.cancelled:
                _cancel_hooks(call)
        return fn


# Tool.on_cancel's registrations against _cancel_hooks' hand-over
_hooks_lock = _thread.allocate_lock()


def _cancel_hooks(call):
    """What the call registered with Tool.on_cancel, each hook once (the hand-over is under the lock; a hook
    registered after call.cancelled was set runs from its registration)."""
    with _hooks_lock:
        hooks, call.hooks = call.hooks or (), None
    for fn in hooks:
        try:
            fn()
        except Exception:
            pass


def set_log_level(level):
    """Forward log records at or above level (int or name such as "DEBUG")."""
    global _log_level
    if isinstance(level, str):
        name = level.upper()
        lg = sys.modules.get("logging")
        level = _LEVELS.get(name, lg.getLevelName(name) if lg else None)
        if not isinstance(level, int):
            raise ValueError("unknown log level %r (use DEBUG, INFO, WARNING, ERROR, CRITICAL or an int)" % name)
    _log_level = level
    lg = sys.modules.get("logging")
    if lg is not None:
        lg.getLogger().setLevel(level)
        for h in lg.getLogger().handlers:
            if getattr(h, "rmote_forward", False):
                h.setLevel(level)


def request_exit(code=0):
    """Exit the runtime with code once the current call's reply is flushed."""
    call = _current.get()
    if _runtime is None:
        raise SystemExit(code)
    if call is not None:
        call.exit = code  # acted on by Runtime.finish, after the reply is queued
    else:
        _runtime.exit_soon(code)


# functions on_shutdown registered, run once as the runtime exits
_exit_hooks = []


def on_shutdown(fn):
    """Run fn() once when the runtime exits (EOF on its input, request_exit, a fatal error), after its calls were
    cancelled and the sync ones returned (or 2 s passed); for cleanup that must not outlive the connection, such
    as the temp files of writes in flight. Hooks share a 2 s bound; exceptions are ignored. Returns fn."""
    if fn not in _exit_hooks:
        _exit_hooks.append(fn)
    return fn


def _run_exit_hooks(timeout):
    """Every on_shutdown hook, in a thread of its own: a hook stuck on a dead mount must not hold the exit."""
    if not _exit_hooks:
        return
    done = _thread.allocate_lock()
    done.acquire()

    def run():
        for fn in list(_exit_hooks):
            try:
                fn()
            except BaseException:
                pass
        done.release()
    try:
        _thread.start_new_thread(run, ())
    except RuntimeError:  # out of threads: run them here
        return run()
    done.acquire(True, timeout)


def _linecache():
    """Put the tool sources into linecache if it is loaded (logging loads it), for tracebacks.
    Split into lines only then: most connections never format a traceback."""
    lc = sys.modules.get("linecache")
    if lc is not None:
        for filename, source in _sources.items():
            if filename not in lc.cache:
                lc.cache[filename] = (len(source), None, source.splitlines(True), filename)


def _is_async(fn):
    """True for coroutine and async generator functions (also bound or static)."""
    f = getattr(fn, "__func__", fn)
    code = getattr(f, "__code__", None)
    if isinstance(code, _CodeType):
        return bool(code.co_flags & 0x280)  # CO_COROUTINE | CO_ASYNC_GENERATOR
    if isinstance(f, _BuiltinFunctionType):
        return False
    import inspect  # an unusual callable (partial, callable object...)
    return inspect.iscoroutinefunction(fn) or inspect.isasyncgenfunction(fn)


def _is_async_value(r):
    """True for what a plain function may hand back to run on the loop."""
    t = type(r)
    return t is _CoroutineType or t is _AsyncGeneratorType or hasattr(t, "__await__")


def zero_copy(fn):
    """Decorator for tool methods: bytes arguments arrive as read-only memoryviews of the received
    frame, valid only until the method returns (no copy of a large payload: copying it and faulting
    in a fresh buffer per frame cost most of the runtime's CPU on bulk copies)."""
    fn.rmote_zero_copy = True
    return fn


# "__name__" -> decoder of the CALL argument {"__name__": spec}, from placeholder()
_placeholders = {}


def placeholder(key):
    """Decorator: fn(spec) gives the value a method receives for the CALL argument {key: spec} (key is
    "__name__"; the Template tool registers "__template__"). The controller syncs the tool that registers a
    placeholder in front of the first call that carries one."""
    if not (key.startswith("__") and key.endswith("__") and len(key) > 4) or key in ("__bytes__", "__float__"):
        raise ValueError("placeholder key %r must look like \"__name__\" (and not be __bytes__ or __float__)" % (key,))

    def register(fn):
        _placeholders[key] = fn
        return fn
    return register


TOOL_NAMESPACE = {"Tool": Tool, "request_exit": request_exit, "set_log_level": set_log_level, "on_shutdown": on_shutdown,
                  "zero_copy": zero_copy, "placeholder": placeholder}


def load_tool(key, name, source, module=False, digest=None, code=None):
    """Exec a tool's source into a fresh registered module; return an instance of class `name`. With module,
    the source is a module tools import (registered in sys.modules as `name`): return the module. digest (the
    source's SHA-256, hex, from the controller) lets it go through the code cache; code is the source already
    compiled (a cache entry)."""
    if module and not name.startswith("rmote_"):  # never shadow a module of the host's (json, os...)
        raise ValueError("module name %r must start with rmote_" % (name,))
    modname = name if module else "rmote_tool_%s_%s" % (name, key.rpartition(":")[2])
    filename = "<rmote tool %s>" % key
    _sources[filename] = source
    _linecache()
    mod = _ModuleType(modname)
    mod.__dict__.update(TOOL_NAMESPACE)
    sys.modules[modname] = mod  # dataclasses and pickle-free introspection look it up here
    try:
        if code is None:
            code = _cached_compile(source, filename, "tool-" + name, digest) if _cached_compile and name.isidentifier() \
                else compile(source, filename, "exec")
        exec(code, mod.__dict__)
        if module:
            return mod
        cls = mod.__dict__.get(name)
        if not isinstance(cls, type):
            raise TypeError("tool source %s does not define a class %s" % (key, name))
        return cls()
    except BaseException:
        del sys.modules[modname]
        raise


# ---------------------------------------------------------------- framing

def _deflate(parts, size, probe):
    """zlib level 1 of the concatenated parts, or None when it saves less than 1/8."""
    if size < MIN_ZIP:
        return None
    if probe and size > 4 * SAMPLE:
        sample = bytearray()
        for p in parts:
            sample += memoryview(p)[:SAMPLE - len(sample)]
            if len(sample) >= SAMPLE:
                break
        if len(zlib.compress(sample, 1)) >= len(sample):
            return None  # incompressible data: don't spend time on it
    co = zlib.compressobj(1)
    out = [co.compress(p) for p in parts]
    out.append(co.flush())
    out = b"".join(out)
    return out if len(out) <= size - size // 8 else None


_FRAME_KINDS = {RESULT: "a result", CHUNK: "a streamed item", ERROR: "an error", LOG: "a log record"}


def pack(typ, cid, jbody=b"", bins=(), blen=0, limit=MAX_FRAME):
    """One frame from an encoded JSON body and binary parts: bytes, or a list of buffers when big."""
    if len(jbody) > limit or blen > limit:
        raise ValueError("frame of %d bytes exceeds the maximum %d the controller accepts (%s: return less per call)"
                         % (HSIZE + len(jbody) + blen, limit, _FRAME_KINDS.get(typ, "a frame")))
    flags = 0
    z = _deflate((jbody,), len(jbody), False)
    if z is not None:
        jbody, flags = z, Z_JSON
    z = _deflate(bins, blen, True)
    if z is not None:
        bins, blen, flags = (z,), len(z), flags | Z_BIN
    if HSIZE + len(jbody) + blen > limit:
        raise ValueError("frame of %d bytes exceeds the maximum %d the controller accepts (%s: return less per call)"
                         % (HSIZE + len(jbody) + blen, limit, _FRAME_KINDS.get(typ, "a frame")))
    head = HEADER.pack(b"RM", 1, typ, flags, cid, len(jbody), blen)
    if blen < BIG:
        return b"".join((head, jbody) + tuple(bins))
    return [head + jbody] + list(bins)  # big binaries go to writev without a copy


def _default(o):
    """json hook: the value conversions of PROTOCOL.md section 3."""
    if isinstance(o, (bytes, bytearray, memoryview)):
        if type(o) is not bytes:
            o = memoryview(o).tobytes()  # snapshot: the tool may reuse its buffer
        st = _tls.state
        off = st[0]
        st[0] = off + len(o)
        st[1].append(o)
        return {"__bytes__": [off, len(o)]}
    if isinstance(o, (set, frozenset)):
        return list(o)
    m = sys.modules.get  # a value of one of these types implies its module was imported
    dc = m("dataclasses")
    if dc is not None and dc.is_dataclass(o) and not isinstance(o, type):
        return {f.name: getattr(o, f.name) for f in dc.fields(o)}
    pl = m("pathlib")
    if pl is not None and isinstance(o, pl.PurePath):
        return str(o)
    en = m("enum")
    if en is not None and isinstance(o, en.Enum):
        return o.value
    t = type(o)
    raise TypeError("cannot send a %s.%s value: return JSON-compatible values (dict, list, str, "
                    "int, float, bool, None, bytes) or a dataclass" % (t.__module__, t.__qualname__))


class _ScanContext:
    """What _json.make_scanner reads: the settings of json.loads(s, object_hook=hook)."""
    strict = True
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}.__getitem__

    def __init__(self, hook):
        self.object_hook = hook


def _json_codec():
    """(encode(obj) -> str, decode(str, object_hook) -> obj). The C accelerator is used directly:
    importing the json package costs re and enum, milliseconds of every connect. Any surprise
    (another interpreter, a changed private API) falls back to the json package."""
    try:
        import _json
        make_encoder, basestring, make_scanner = _json.make_encoder, _json.encode_basestring, _json.make_scanner

        def encode(obj):  # a fresh encoder per call: its circular-reference markers are per call
            return "".join(make_encoder({}, _default, basestring, None, ":", ",", False, False, False)(obj, 0))

        def decode(text, hook=None):
            try:
                obj, end = make_scanner(_ScanContext(hook))(text, 0)
            except StopIteration as e:
                raise ValueError("invalid JSON at character %d" % e.value) from None
            if end != len(text) and text[end:].strip():
                raise ValueError("extra data after the JSON value at character %d" % end)
            return obj

        sample = '{"a":[1,2.5,"\\u00e9\\n",null,true,{"b":false}]}'
        if encode(decode(sample)) != sample.replace("\\u00e9", "\u00e9"):
            raise ValueError("unexpected _json behaviour")
        return encode, decode
    except Exception:
        import json
        return (json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"), default=_default).encode,
                lambda text, hook=None: json.loads(text, object_hook=hook))


_encode_finite, _decode = _json_codec()
_NONFINITE = {"inf": float("inf"), "-inf": float("-inf"), "nan": float("nan")}


def _encode(obj):
    """JSON text of obj. JSON has no inf/nan: the rare value holding one is encoded again (pure Python) with
    each written as the placeholder {"__float__": "inf" | "-inf" | "nan"} (PROTOCOL.md section 3)."""
    st = getattr(_tls, "state", None)
    mark = (st[0], len(st[1])) if st else None
    try:
        return _encode_finite(obj)
    except ValueError as e:
        if "float" not in str(e):
            raise
    if mark:  # forget the bytes the first attempt collected
        st[0] = mark[0]
        del st[1][mark[1]:]
    import json.encoder as je

    def floatstr(f):
        if f != f or f in (_NONFINITE["inf"], _NONFINITE["-inf"]):
            return '{"__float__":"%s"}' % ("nan" if f != f else "inf" if f > 0 else "-inf")
        return float.__repr__(f)
    return "".join(je._make_iterencode({}, _default, je.encode_basestring, None, floatstr, ":", ",",
                                       False, False, True)(obj, 0))


def _utf8(text):
    """UTF-8 of encoded JSON text. A name read from a non-UTF-8 file name holds lone surrogates
    (surrogateescape): they travel as \\udcXX escapes, which the controller reads back byte-exact."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return "".join("\\u%04x" % ord(c) if "\ud800" <= c <= "\udfff" else c for c in text).encode("utf-8")


def dumps(obj):
    return _utf8(_encode(obj))


def value_frame(typ, cid, value, limit=MAX_FRAME):
    """A RESULT or CHUNK frame for value; bytes inside it go to the binary body."""
    return sized_value_frame(typ, cid, value, limit)[0]


def sized_value_frame(typ, cid, value, limit=MAX_FRAME):
    """(frame, size): size counts the header and both bodies uncompressed, as the controller's
    CREDIT frames do (a streamed call's window)."""
    st = _tls.state = [0, []]
    j = _utf8(_encode({"value": value}))
    return pack(typ, cid, j, st[1], st[0], limit), HSIZE + len(j) + st[0]


def encode_frame(typ, cid=0, obj=None, binary=b""):
    """A complete frame as bytes (tests and tools; obj must already be JSON-compatible)."""
    j = dumps(obj) if obj else b""
    f = pack(typ, cid, j, (binary,) if binary else (), len(binary))
    return f if type(f) is bytes else b"".join(f)


def loads(jbody, binary=b"", call=False, views=False):
    """Decode a JSON body; {"__bytes__": [off, len]} placeholders become bytes of binary (with views:
    read-only memoryviews into it). In call arguments (call), a placeholder a tool registered
    ({"__template__": spec}, see placeholder) becomes what its decoder makes of spec; elsewhere it is an error."""
    if not jbody:
        return {}
    text = jbody.decode("utf-8") if type(jbody) is not str else jbody
    if text[0] in " \t\r\n":
        text = text.lstrip()
    if not len(binary) and '"__' not in text:  # no placeholder of any kind (b"" is [0, 0] with no body)
        return _decode(text)
    n = len(binary)
    if views:
        binary = memoryview(binary).toreadonly()

    def hook(d):
        if len(d) != 1:
            return d
        if "__float__" in d:
            f = _NONFINITE.get(d["__float__"]) if type(d["__float__"]) is str else None
            if f is None:
                raise ValueError("a __float__ placeholder holds \"inf\", \"-inf\" or \"nan\", not %r" % (d["__float__"],))
            return f
        if "__bytes__" in d:
            off, size = d["__bytes__"]
            if off < 0 or size < 0 or off + size > n:
                raise ValueError("bytes placeholder [%d, %d] outside the %d byte binary body"
                                 % (off, size, n))
            return binary[off:off + size] if views else bytes(binary[off:off + size])
        for key in d:
            decode = _placeholders.get(key)
            if decode is None:
                return d
            if not call:
                raise ValueError("a %s placeholder is only accepted in call arguments" % key)
            return decode(d[key])
    return _decode(text, hook)


def _own(v):
    """v with every memoryview in it (from loads(views=True)) copied into bytes."""
    t = type(v)
    if t is memoryview:
        return v.tobytes()
    if t is list:
        return [_own(x) for x in v]
    if t is dict:
        return {k: _own(x) for k, x in v.items()}
    return v


class _Buffers:
    """Receive buffers of large frames, reused. A fresh 1 MiB bytearray per frame is zero-filled and
    page-faulted in every time; reusing a few keeps a bulk copy's runtime CPU to its real work."""

    def __init__(self, limit=16 << 20):
        self.free = []
        self.limit = limit      # bytes kept for reuse at most
        self.lock = _thread.allocate_lock()

    def take(self, n):
        with self.lock:
            for i, b in enumerate(self.free):
                if n <= len(b) <= 2 * n:
                    del self.free[i]
                    return b
        return bytearray(-(-n // BIG) * BIG)  # rounded up: the frames of one copy share sizes

    def give(self, view):
        """Return the buffer behind view (a frame body from take()) for reuse; other objects are ignored."""
        b = view.obj if type(view) is memoryview else None
        if type(b) is bytearray:
            with self.lock:
                if sum(len(x) for x in self.free) + len(b) <= self.limit:
                    self.free.append(b)


_buffers = _Buffers()


class FrameDecoder:
    """Incremental frame parser: feed() bytes, get (type, id, json bytes, binary) tuples.

    A large frame's body is collected in one preallocated buffer; target() exposes
    the part still missing so the reader can readv() straight into it.
    """

    def __init__(self, max_frame=MAX_FRAME):
        self.max_frame = max_frame
        self._rest = b""        # start of an incomplete small frame
        # [typ, flags, cid, jlen, body (a view of a reusable buffer), filled]
        self._big = None

    def target(self):
        big = self._big
        return None if big is None else big[4][big[5]:]

    def advance(self, n):
        """n bytes were read into target()."""
        big = self._big
        big[5] += n
        if big[5] < len(big[4]):
            return []
        self._big = None
        return [self._frame(big[0], big[1], big[2], big[3], big[4])]

    def feed(self, data):
        frames = []
        mv = memoryview(data)
        if self._big is not None:
            big = self._big
            k = min(len(big[4]) - big[5], len(mv))
            big[4][big[5]:big[5] + k] = mv[:k]
            frames += self.advance(k)
            mv = mv[k:]
        if self._rest:
            mv = memoryview(self._rest + mv)  # only ever a partial frame under BIG bytes
            self._rest = b""
        pos, end, unpack = 0, len(mv), HEADER.unpack_from
        while end - pos >= HSIZE:
            magic, ver, typ, flags, cid, jl, bl = unpack(mv, pos)
            if magic != b"RM":
                raise ProtocolError("bad magic in frame header %r" % bytes(mv[pos:pos + HSIZE]))
            if ver != 1:
                raise ProtocolError("unknown protocol version %d" % ver)
            if not HELLO <= typ <= NEED:
                raise ProtocolError("unknown frame type %d" % typ)
            size = HSIZE + jl + bl
            if size > self.max_frame:
                raise ProtocolError("frame of %d bytes exceeds the maximum %d this host accepts (frame type %d)"
                                    % (size, self.max_frame, typ), cid if typ == CALL else 0)
            if size > end - pos:
                if size > BIG:
                    body = memoryview(_buffers.take(jl + bl))[:jl + bl]
                    have = end - pos - HSIZE
                    body[:have] = mv[pos + HSIZE:end]
                    self._big = [typ, flags, cid, jl, body, have]
                    pos = end
                break
            frames.append(self._frame(typ, flags, cid, jl, mv[pos + HSIZE:pos + size]))
            pos += size
        if pos < end:
            self._rest = bytes(mv[pos:])
        return frames

    def _frame(self, typ, flags, cid, jl, body):
        """(typ, cid, json bytes, binary): a large frame's binary is a view of a reusable buffer,
        which its consumer hands back with _buffers.give(binary) once done with it."""
        jb, bb = body[:jl], body[jl:]
        jb = self._inflate(jb) if flags & Z_JSON else bytes(jb)
        if flags & Z_BIN:
            bb = self._inflate(bb)
            _buffers.give(body)
        return typ, cid, jb, bb

    def _inflate(self, data):
        d = zlib.decompressobj()
        try:
            out = d.decompress(data, self.max_frame)
        except zlib.error as e:
            raise ProtocolError("corrupt compressed body: %s" % e)
        if d.unconsumed_tail:
            raise ProtocolError("compressed body inflates past the max frame size of %d"
                                % self.max_frame)
        if not d.eof:
            raise ProtocolError("truncated compressed body")
        return out


# ---------------------------------------------------------------- errors

def _text(v, tail=False):
    if v is None:
        return None
    if isinstance(v, (bytes, bytearray)):
        v = bytes(v).decode("utf-8", "replace")
    elif not isinstance(v, str):
        v = str(v)
    if len(v) <= CAP:
        return v
    cut = "\n[... %d characters cut ...]\n" % (len(v) - CAP)
    return cut + v[-CAP:] if tail else v[:CAP] + cut


def _format_exc(t, e, tb):
    import traceback
    _linecache()
    return "".join(traceback.format_exception(t, e, tb))


def error_obj(e):
    """The ERROR body for exception e (PROTOCOL.md section 6)."""
    t = type(e)
    try:
        msg = str(e.args[0]) if isinstance(e, KeyError) and len(e.args) == 1 else str(e)
    except Exception:
        msg = "<unprintable %s>" % t.__name__
    tb = e.__traceback__
    while tb is not None and tb.tb_frame.f_globals is globals():
        tb = tb.tb_next  # the runtime's own frames are noise: start at the tool's
    err = {"type": t.__name__,
           "mro": [c.__name__ for c in t.__mro__ if c is not object and c is not BaseException],
           "message": _text(msg),
           "traceback": _text(_format_exc(t, e, tb or e.__traceback__), True),
           "errno": None, "filename": None,
           "returncode": None, "cmd": None, "stdout": None, "stderr": None}
    if isinstance(e, OSError):
        err["errno"] = e.errno if isinstance(e.errno, int) else None
        err["filename"] = _text(e.filename)
    elif "subprocess" in sys.modules and isinstance(e, (
            sys.modules["subprocess"].CalledProcessError, sys.modules["subprocess"].TimeoutExpired)):
        cmd = e.cmd
        if isinstance(cmd, (list, tuple)):
            import shlex
            cmd = " ".join(shlex.quote(_text(c)) for c in cmd)
        err.update(returncode=getattr(e, "returncode", None), cmd=_text(cmd),
                   stdout=_text(e.stdout, True), stderr=_text(e.stderr, True))
    return err


def error_frame(cid, e):
    return pack(ERROR, cid, dumps(error_obj(e)))


# ---------------------------------------------------------------- output

class Writer:
    """Output. Producers append frames to a deque (no syscall, no lock while the
    writer thread is busy) and a writer thread sends all pending frames with one
    writev. When nothing is queued, send_now() writes at once from the calling
    thread instead, saving a thread hop per call. The fd is non-blocking so that
    never stalls the caller: whatever does not fit is left to the writer thread.
    wlock is held around every write: frames never interleave, and a direct
    write only happens once all earlier frames are fully on the wire. The
    thread starts with the first frame that has to wait: most connections
    never need it, and a single-threaded process has cheaper page faults
    (no TLB shootdown to another CPU) while it starts up."""

    def __init__(self, fd):
        self.fd = fd
        os.set_blocking(fd, False)
        self.q = deque()
        self.lock = _thread.allocate_lock()
        self.cond = _Condition(self.lock)
        self.wlock = _thread.allocate_lock()
        self.room = _Condition(self.lock)  # for streaming producers waiting on a full queue
        self.full = 0
        self.idle = False
        self.started = False
        self.dead = False

    def send(self, data):
        self.q.append(data)
        self.wake()

    def wake(self):
        # re-checked under the lock: the writer sets idle before its last look at q
        if self.idle or not self.started:
            with self.lock:
                self._notify()

    def _notify(self):  # lock held
        if self.idle:
            self.idle = False
            self.cond.notify()
        elif not self.started:
            self.started = True
            _thread.start_new_thread(self._run, ())

    def send_now(self, data):
        q = self.q
        if not q and self.wlock.acquire(False):
            try:
                if not q:
                    bufs = [data] if type(data) is bytes else data
                    rest = self._write(bufs, False)
                    if rest:
                        q.appendleft(bufs)  # the pipe is full: the writer finishes it
                        self.wake()
                    return
            finally:
                self.wlock.release()
        self.send(data)

    def send_for(self, call, data, cancel=False):
        """Queue data unless call was cancelled (cancel=True: mark it cancelled and queue).
        A streaming worker waits while the queue is long: memory stays bounded."""
        with self.lock:
            while not cancel and len(self.q) > 64 and not call.cancelled:
                self.full += 1
                self.room.wait(0.5)
                self.full -= 1
            if call.cancelled and not cancel:
                return
            call.cancelled = call.cancelled or cancel
            self.q.append(data)
            self._notify()

    def flush(self, timeout):
        """Wait (polling: shutdown only) until everything queued was written."""
        end = time.monotonic() + timeout
        while (self.q or self.started and not self.idle) and time.monotonic() < end:
            time.sleep(0.002)
        if self.wlock.acquire(timeout=max(0, end - time.monotonic())):
            self.wlock.release()

    def _write(self, bufs, block):
        """writev bufs (a list, consumed in place); without block, return what is left."""
        fd = self.fd
        while bufs:
            if self.dead:
                del bufs[:]
                return None
            try:
                n = os.writev(fd, bufs[:1024])
            except BlockingIOError:
                if not block:
                    return bufs
                self.poll.poll()
                continue
            except OSError:
                self._gone()
                continue
            i = 0
            while i < len(bufs) and n >= len(bufs[i]):
                n -= len(bufs[i])
                i += 1
            del bufs[:i]
            if n:
                bufs[0] = memoryview(bufs[0])[n:]
        return None

    def _gone(self):
        # The controller went away (EPIPE): drop all output and shut down as on EOF, so that the on_shutdown
        # hooks still run (an open write's temp file); exiting right here left them behind.
        self.dead = True
        self.q.clear()
        if _runtime is None:
            os._exit(0)
        _runtime.exit_soon(0)

    def _run(self):
        q, popleft = self.q, self.q.popleft
        self.poll = select.poll()
        self.poll.register(self.fd, select.POLLOUT)
        try:
            while True:
                with self.lock:
                    self.idle = True
                    while not q:
                        self.cond.wait()
                        self.idle = True
                    self.idle = False
                with self.wlock:
                    bufs = []
                    while q and len(bufs) < 1000:
                        item = popleft()
                        if type(item) is bytes:
                            bufs.append(item)
                        else:
                            bufs.extend(item)
                    self._write(bufs, True)
                if self.full:
                    with self.lock:
                        self.room.notify_all()
        except OSError:
            self._gone()
            self.idle = True


class Call:
    __slots__ = ("id", "cancelled", "aio", "task", "exit", "buffer", "credit", "waiter", "hooks")

    def __init__(self, cid, aio, buffer=None, credit=None):
        self.id = cid
        self.cancelled = False
        self.aio = aio          # runs (or will run) on the asyncio loop
        self.task = None
        self.exit = None
        self.buffer = buffer    # the frame's binary, lent to a zero_copy method until it returns
        self.credit = credit    # CHUNK bytes it may still send (None: no window); CREDIT frames add
        self.waiter = None      # what a streaming producer out of credit blocks on
        # what Tool.on_cancel registered
        self.hooks = None


class _SyncFailed(Exception):
    """A CALL to a tool whose SYNC failed: carries the SYNC's error body."""


# ---------------------------------------------------------------- logging, wired on demand
#
# Importing logging costs several ms (traceback, string, re, enum...) and most connections never
# log. So the runtime keeps the level itself (_log_level) and wires logging to LOG frames at the
# moment anything imports it: Tool.log, a tool's own `import logging`, a warning, a runtime error.

_LEVELS = {"CRITICAL": 50, "FATAL": 50, "ERROR": 40, "WARNING": 30, "WARN": 30, "INFO": 20, "DEBUG": 10, "NOTSET": 0}
_log_level = 20             # set by the controller's HELLO and by set_log_level


def _wire_logging(logging):
    """Root handler: log records become LOG frames carrying the current call id; warnings too."""
    writer = _runtime.writer

    class Forward(logging.Handler):
        rmote_forward = True

        def emit(self, record):
            try:
                call = _current.get()
                exc = None
                if record.exc_info:
                    exc = _format_exc(*record.exc_info)
                elif record.exc_text:
                    exc = record.exc_text
                body = {"level": record.levelno, "logger": record.name,
                        "message": _text(record.getMessage()), "exc": _text(exc, True)}
                writer.send(pack(LOG, 0 if call is None else call.id, dumps(body)))
            except Exception:
                pass  # stderr is /dev/null: nowhere to report a failing log record

    root = logging.getLogger()
    root.addHandler(Forward(_log_level))
    root.setLevel(_log_level)
    logging.captureWarnings(True)


_main_ident = None           # the main thread's _thread ident, set by main()


def _adopt_main_thread(threading):
    """threading takes whichever thread imports it first for the main thread (3.13: only its native id).
    The runtime leaves threading to whoever needs it (a start-up cost), which may be a pool thread:
    point threading's main thread back at the real one, alive (a held lock) until the process exits."""
    if _main_ident is None or _thread.get_ident() == _main_ident:
        # imported by the main thread, or not in a running runtime: nothing to correct
        return
    main = threading.main_thread()
    try:
        with threading._active_limbo_lock:
            if main.ident != _main_ident:  # before 3.13
                threading._active.pop(main.ident, None)
                main._ident = _main_ident
                alive = _thread.allocate_lock()
                alive.acquire()
                main._tstate_lock = alive
                threading._active[_main_ident] = main
            if sys.platform.startswith("linux") and getattr(main, "_native_id", None) is not None:
                main._native_id = os.getpid()  # Linux: the main thread's id is the process id
    except AttributeError:
        pass  # not CPython's threading: leave it as it is


class _RunAfterLoading:
    """A module's loader, wrapped: then(module) runs as soon as the module has run."""

    def __init__(self, loader, then):
        self.loader = loader
        self.then = then

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        module.__loader__ = module.__spec__.loader = self.loader  # introspection sees the real one
        self.loader.exec_module(module)
        self.then(module)


class _ImportWatch:
    """On sys.meta_path until every watched module is imported: finds each with the other finders and
    wraps its loader, so that its hook runs right after it loads (logging: wired to LOG frames;
    threading: told which thread is the main one)."""

    hooks = {}

    @classmethod
    def find_spec(cls, name, path=None, target=None):
        then = cls.hooks.pop(name, None)
        if then is None:
            return None
        if not cls.hooks and cls in sys.meta_path:
            sys.meta_path.remove(cls)
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None) if finder is not cls else None
            spec = find(name, path, target) if find is not None else None
            if spec is not None and hasattr(spec.loader, "exec_module"):
                spec.loader = _RunAfterLoading(spec.loader, then)
                return spec
        return None

    @classmethod
    def watch(cls, name, then):
        """Run then(module) once name is imported (now, if it already is)."""
        module = sys.modules.get(name)
        if module is not None:
            return then(module)
        cls.hooks[name] = then
        if cls not in sys.meta_path:
            sys.meta_path.insert(0, cls)


def _show_warning(*args, **kwargs):
    """warnings.showwarning until logging is wired: wire it (capturing warnings), then log this one."""
    import logging  # noqa: F401 (the import wires logging, which replaces warnings.showwarning)
    import warnings
    if warnings.showwarning is not _show_warning:
        warnings.showwarning(*args, **kwargs)


def _watch_logging():
    if "logging" not in sys.modules:
        import warnings
        warnings.showwarning = _show_warning
    _ImportWatch.watch("logging", _wire_logging)


def _logger():
    import logging
    return logging.getLogger("rmote")


class _SiteOnDemand:
    """Last on sys.meta_path when the interpreter runs without the site module (-S, start-up time):
    the first top-level import nothing else can satisfy runs site.main(), which adds site-packages
    (and runs their .pth files), then looks again. Tools importing modules installed on the host work
    as under a normal start; the stdlib-only path never pays for site.

    A stdlib module missing on this platform (subprocess tries msvcrt, others _winapi...) is no reason:
    site-packages never provides one. site.main() runs with the global import lock released: a finder
    is called holding it, and .pth lines import modules (setuptools' shim, a CA-injecting certifi hook)
    whose module locks another pool thread may hold while it waits for that lock (a deadlock seen as a
    call that never answered). Without it, a cycle is among module locks, which the import system
    detects."""

    lock = _thread.allocate_lock()

    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if path is not None or name in _STDLIB_NAMES:
            # a submodule (its package's __path__ decides), or a stdlib name
            return None
        import _imp
        # the one level _find_spec took for this call (RuntimeError: not ours, a finder called some other way)
        try:
            _imp.release_lock()
            held = True
        except RuntimeError:
            held = False
        try:
            # one thread runs it; one importing meanwhile waits, then looks in what it added
            with cls.lock:
                if cls in sys.meta_path:
                    sys.meta_path.remove(cls)
                    import site
                    site.main()
        finally:
            if held:
                _imp.acquire_lock()
        from importlib.machinery import PathFinder
        return PathFinder.find_spec(name)


# Stdlib modules, some absent on this platform (3.10+: the stdlib probes for msvcrt from 3.11 on)
_STDLIB_NAMES = getattr(sys, "stdlib_module_names", ())


class CancelledError(BaseException):
    """The error a cancelled sync call is answered with (async calls: asyncio's)."""


class Runtime:
    """Frame handling, and the thread pool that reads input and runs sync calls.

    Leader/follower: exactly one pool thread, the leader, reads. Once it has
    queued sync calls it hands the reading role to an idle follower (or a new
    thread while it is the only one) and runs a call itself. With every thread
    busy it keeps reading and grows the pool, by doubling, each time the queue
    made no progress for 2 ms (blocked calls), up to MAX_WORKERS threads."""

    def __init__(self, in_fd, out_fd):
        self.in_fd = in_fd
        self.writer = Writer(out_fd)
        self.decoder = FrameDecoder(MAX_FRAME)
        self.peer_max = MAX_FRAME
        self.tools = {}         # key -> tool instance, or the error body of its failed SYNC
        # key -> slot of a cached SYNC whose entry was unusable, its source asked for (NEED); (handler, args) of
        # the SYNCs, CALLs and CANCELs since the first of those, handled in order once every source came
        self.needed = {}
        self.held = []
        self.methods = {}       # (key, method) -> (bound method, runs on the loop?)
        self.calls = {}         # id -> Call in flight; pop() claims the right to answer
        self.running = set()    # sync Calls a pool thread is running now (shutdown waits for them)
        self.closing = False
        self.handlers = {HELLO: self.on_hello, SYNC: self.on_sync, CALL: self.on_call,
                         CANCEL: self.on_cancel, CREDIT: self.on_credit}
        self.window = None      # a streamed call's CHUNK bytes in flight (controller HELLO stream_window)
        self.q = deque()  # sync calls waiting for a thread
        self.lock = _thread.allocate_lock()
        self.leader = False     # some thread holds the reading role
        # locks idle threads block on (a stack: the warmest thread first)
        self.idle = []
        self.count = 0          # pool threads
        self.taken = 0          # calls taken from q so far: the progress measure
        self.poll = select.poll()
        self.poll.register(in_fd, select.POLLIN)
        self.blocking = os.get_blocking(in_fd)  # False when fds 0 and 1 are one socket (sshd)
        self.loop = None        # the asyncio loop, started by the first async call
        self.batch = []         # frames made on the loop thread during this loop iteration

    def hello(self):
        cache = globals().get("_rmote_cache")
        return pack(HELLO, 0, dumps({
            "protocol": 1, "pid": os.getpid(), "python": "%d.%d.%d" % sys.version_info[:3],
            "platform": sys.platform, "max_frame": MAX_FRAME, "executable": sys.executable,
            "code_cache": cache[0] if cache else None,
            "cached_tools": _cached_keys and _cached_keys("tool-") or []}))

    # -- the pool

    def work(self):             # every pool thread, the main thread included
        q, lock, me = self.q, self.lock, _thread.allocate_lock()
        me.acquire()  # then acquiring it again waits for a release by _handover
        try:
            while True:
                with lock:
                    idle = self.leader and not q
                    if idle:
                        self.idle.append(me)
                    elif self.leader:
                        item = q.popleft()
                        self.taken += 1
                    else:
                        self.leader = True
                        item = None
                if idle:
                    me.acquire()
                else:
                    self.run_sync(item or self.lead())
        except BaseException as e:  # a bug: exit rather than leave the controller waiting
            self.fatal("runtime thread failed: %r" % e, 1)

    def _handover(self):        # leader, lock held: give up reading to run a queued call?
        if not self.q:
            return None
        if self.idle:           # one woken follower reads, the others take calls
            for _ in range(min(len(self.idle), len(self.q))):
                self.idle.pop().release()
        elif self.count > 1 or not self._spawn(1):
            return None         # every thread is busy: keep reading, grow if calls get stuck
        self.leader = False
        self.taken += 1
        return self.q.popleft()

    def _spawn(self, n):        # lock held
        for _ in range(n):
            try:
                _thread.start_new_thread(self.work, ())
            except RuntimeError:  # out of threads: the next check retries
                return False
            self.count += 1
        return True

    def lead(self):
        """Read and handle frames until a sync call can be run by this thread; return it."""
        q, dec, fd, poll = self.q, self.decoder, self.in_fd, self.poll.poll
        mark = None             # (time, taken) at the last progress check of a backlog
        while True:
            timeout = None
            if q:
                with self.lock:
                    item = self._handover()
                    if item is None and q:  # every thread is busy: grow if no progress in 2 ms
                        timeout, now, taken = 2, time.monotonic(), self.taken
                        if mark is None or mark[1] != taken:
                            mark = now, taken
                        elif now - mark[0] >= 0.002 and self.count < MAX_WORKERS:
                            self._spawn(min(len(q), self.count, MAX_WORKERS - self.count))
                            mark = now, taken  # grown by doubling: bursts don't make 64 threads
                if item is not None:
                    return item
            if (timeout is not None or not self.blocking) and not poll(timeout):
                continue  # (a blocking read needs no poll: one syscall less per call)
            if self.closing:
                _block_forever()  # exiting: read nothing more
            try:  # poll first: fds 0 and 1 may be one socket, non-blocking for the writer
                t = dec.target()
                if t is not None:
                    n = os.readv(fd, [t])
                    frames = dec.advance(n) if n else None
                else:
                    data = os.read(fd, READ_SIZE)
                    frames = dec.feed(data) if data else None
            except BlockingIOError:
                self.blocking = False
                continue  # nothing yet
            except ProtocolError as e:
                # the call whose frame was refused learns why, not just that the connection ended
                if e.cid:
                    self.writer.send(error_frame(e.cid, e))
                self.fatal(str(e))
            except OSError as e:
                self.fatal("reading the input failed: %s" % e)
            if frames is None:
                self.shutdown(0)  # EOF: the controller is done with us
            t0 = time.monotonic()
            for typ, cid, jb, bb in frames:
                h = self.handlers.get(typ)
                if h is None:
                    _logger().warning("ignored a frame of type %d sent to the runtime", typ)
                    continue
                try:
                    h(cid, jb, bb)
                except Exception:
                    _logger().exception("failed to handle a frame of type %d", typ)
            if mark is not None:  # our own work (holding the GIL) is no stall of the others
                mark = mark[0] + time.monotonic() - t0, mark[1]

    # -- frames (leader)

    def on_hello(self, cid, jb, bb):
        msg = loads(jb)
        mf = msg.get("max_frame")
        if isinstance(mf, int) and mf > HSIZE:
            self.peer_max = mf
        if isinstance(msg.get("log_level"), int):
            set_log_level(msg["log_level"])
        sw = msg.get("stream_window")
        if isinstance(sw, int) and sw > 0:
            self.window = sw

    def on_sync(self, cid, jb, bb):
        msg = loads(jb)
        key, name = msg["key"], msg["name"]
        if key in self.needed:
            # the source asked for: it takes the place of its cached SYNC
            self.needed.pop(key)[0] = msg
        else:
            slot = [msg, msg.get("cached") and _cached_compile and name.isidentifier()
                    and _cached_compile(None, "", "tool-" + name, msg.get("sha256"))]
            # not there, damaged, or for another source: ask for it, hold what follows
            if msg.get("cached") and not slot[1]:
                self.needed[key] = slot
                self.writer.send_now(pack(NEED, 0, dumps({"key": key})))
            self.held.append((self.install, slot))
        if not self.needed:
            held, self.held = self.held, []
            for fn, *args in held:
                fn(*args)

    def install(self, slot):
        """Load a synced tool: slot is [SYNC body, (code, source) of its code cache entry or None]."""
        msg, entry = slot
        key = msg["key"]
        if not isinstance(self.tools.get(key, {}), dict):
            return  # same key, same source: already loaded
        try:
            self.tools[key] = load_tool(key, msg["name"], entry[1] if entry else msg["source"], msg.get("module") is True,
                                        msg.get("sha256"), entry and entry[0])
        except BaseException as e:
            self.tools[key] = error_obj(e)  # every CALL to this key gets this error

    def hold(self, fn, cid, jb, bb):
        """Keep a CALL or CANCEL behind a tool whose source was asked for (NEED): a copy, handled in order later."""
        self.held.append((fn, cid, bytes(jb), bytes(bb)))
        _buffers.give(bb)

    def resolve(self, key, name):
        tool = self.tools.get(key)
        if tool is None:
            raise KeyError("tool %r was not synced on this connection" % key)
        if isinstance(tool, dict):
            raise _SyncFailed(tool)
        if not isinstance(name, str) or name.startswith("_"):
            raise AttributeError("%s.%s cannot be called: methods starting with '_' are private"
                                 % (type(tool).__name__, name))
        fn = getattr(tool, name)
        if not callable(fn):
            raise TypeError("%s.%s is not callable" % (type(tool).__name__, name))
        ent = self.methods[key, name] = (fn, _is_async(fn),
                                         getattr(getattr(fn, "__func__", fn), "rmote_zero_copy", False))
        return ent

    def on_call(self, cid, jb, bb):
        if self.held:
            return self.hold(self.on_call, cid, jb, bb)
        lent = None
        try:
            msg = loads(jb, bb, call=True, views=True)
            key, name = msg["tool"], msg["method"]
            ent = self.methods.get((key, name)) or self.resolve(key, name)
            args, kwargs = msg.get("args") or (), msg.get("kwargs") or {}
            if ent[2]:
                lent = bb
            elif len(bb):
                args, kwargs = _own(args), _own(kwargs)
        except _SyncFailed as e:
            return self.writer.send_now(pack(ERROR, cid, dumps(e.args[0])))
        except Exception as e:
            return self.writer.send_now(error_frame(cid, e))
        finally:
            if lent is None:
                _buffers.give(bb)
        call = self.calls[cid] = Call(cid, ent[1], lent, self.window)
        if ent[1]:
            self.on_loop(self.start_task, call, ent[0], args, kwargs)
        else:
            self.q.append((call, ent[0], args, kwargs))

    def on_cancel(self, cid, jb, bb):
        if self.held:
            return self.hold(self.on_cancel, cid, jb, bb)
        call = self.calls.pop(cid, None)
        if call is None:
            return  # unknown or already answered
        if call.aio:  # answered on the loop, in order with the task's CHUNKs
            self.on_loop(self.cancel_task, call)
        else:  # atomically with the worker's "not cancelled, send CHUNK"
            self.writer.send_for(call, error_frame(cid, CancelledError(
                "call %d was cancelled" % cid)), cancel=True)
            with self.lock:
                self.wake(call)
            _cancel_hooks(call)

    # -- flow control of streamed calls: a producer stops while its CHUNKs in flight fill the window

    def on_credit(self, cid, jb, bb):
        call = self.calls.get(cid)
        n = loads(jb).get("bytes")
        if call is None or call.credit is None or not isinstance(n, int) or n <= 0:
            return  # answered already, or no window
        if call.aio:
            self.on_loop(self.credit_loop, call, n)
        else:
            with self.lock:
                call.credit += n
                self.wake(call)

    def wake(self, call):  # holding self.lock: a sync producer waiting for credit re-checks
        w = call.waiter
        if w is not None and w.locked():
            w.release()

    def wait_credit(self, call):  # a sync producer, before each CHUNK
        while True:
            with self.lock:
                if call.cancelled or call.credit is None or call.credit > 0:
                    return
                if call.waiter is None:
                    call.waiter = _thread.allocate_lock()
                    call.waiter.acquire()
                w = call.waiter
            w.acquire()  # released by on_credit, on_cancel or shutdown

    def spend(self, call, size):
        if call.credit is not None:
            with self.lock:
                call.credit -= size

    def credit_loop(self, call, n):  # the loop thread owns an async call's credit
        call.credit += n
        if call.waiter is not None:
            call.waiter.set()

    async def wait_credit_async(self, call):
        import asyncio
        while call.credit is not None and call.credit <= 0:
            if call.waiter is None:
                call.waiter = asyncio.Event()
            call.waiter.clear()
            await call.waiter.wait()  # set by credit_loop; a CANCEL cancels the task

    # -- running sync calls (pool threads)

    def finish(self, call, data, send):
        if call.buffer is not None:
            _buffers.give(call.buffer)
            call.buffer = None
        if self.calls.pop(call.id, None) is call:
            send(data)
        if call.exit is not None:
            self.exit_soon(call.exit)

    def run_sync(self, item):
        call, fn, args, kwargs = item
        # shutdown marks calls cancelled under the lock: a call it missed is in running, which it waits for
        with self.lock:
            if call.cancelled:
                return
            self.running.add(call)
        _current.set(call)
        try:
            r = fn(*args, **kwargs)
            if type(r) is _GeneratorType:
                r = self.stream(call, r)
            elif _is_async_value(r):  # a plain function handed back async work: run it on the loop
                call.aio = True
                return self.on_loop(self.start_task, call, lambda: r, (), {})
            data = value_frame(RESULT, call.id, r, self.peer_max)
        except BaseException as e:
            data = error_frame(call.id, e)
        finally:
            self.running.discard(call)
            _current.set(None)
        # Write the answer ourselves unless more calls wait: then the writer batches.
        self.finish(call, data, self.writer.send if self.q else self.writer.send_now)

    def stream(self, call, gen):  # a sync generator's items as CHUNKs
        try:
            while not call.cancelled:
                try:
                    item = next(gen)
                except StopIteration as e:
                    return e.value
                frame, size = sized_value_frame(CHUNK, call.id, item, self.peer_max)
                self.wait_credit(call)
                self.writer.send_for(call, frame)
                self.spend(call, size)
        finally:
            gen.close()

    # -- async calls (the loop thread, started on demand)

    def on_loop(self, fn, *args):
        """Run fn(*args) on the asyncio loop thread, starting it (and importing asyncio) first."""
        if self.loop is None:
            with self.lock:
                if self.loop is None:
                    import asyncio
                    import threading  # (asyncio imported it already)
                    loop = asyncio.new_event_loop()

                    def run():
                        asyncio.set_event_loop(loop)
                        loop.run_forever()
                    threading.Thread(target=run, name="rmote-asyncio", daemon=True).start()
                    self.loop = loop
        self.loop.call_soon_threadsafe(fn, *args)

    def start_task(self, call, fn, args, kwargs):
        if not call.cancelled:
            call.task = self.loop.create_task(self.run_async(call, fn, args, kwargs))

    def cancel_task(self, call):
        import asyncio
        call.cancelled = True
        _cancel_hooks(call)
        self.send_loop(error_frame(call.id, asyncio.CancelledError("call %d was cancelled" % call.id)))
        if call.task is not None:
            call.task.cancel()

    def send_loop(self, data):
        """Send from the loop thread: frames made in one loop iteration go out in one write."""
        if not self.batch:
            self.loop.call_soon(self.flush_loop)
        self.batch.append(data)

    def flush_loop(self):
        batch, self.batch = self.batch, []
        if len(batch) == 1:
            return self.writer.send_now(batch[0])
        bufs = []
        for item in batch:
            if type(item) is bytes:
                bufs.append(item)
            else:
                bufs.extend(item)
        self.writer.send_now(bufs)

    async def run_async(self, call, fn, args, kwargs):  # in the call's own task
        import asyncio
        _current.set(call)
        try:
            r = fn(*args, **kwargs)
            if type(r) is _AsyncGeneratorType:
                try:
                    async for item in r:
                        frame, size = sized_value_frame(CHUNK, call.id, item, self.peer_max)
                        await self.wait_credit_async(call)
                        self.send_loop(frame)
                        if call.credit is not None:
                            call.credit -= size
                        while len(self.batch) + len(self.writer.q) > 64:  # bounded memory
                            await asyncio.sleep(0.001)
                finally:
                    await r.aclose()
                r = None
            elif _is_async_value(r):
                r = await r
            data = value_frame(RESULT, call.id, r, self.peer_max)
        except BaseException as e:  # CancelledError included: answered once by finish()
            data = error_frame(call.id, e)
        self.finish(call, data, self.send_loop)

    # -- exit

    def fatal(self, message, code=2):
        body = {"level": 50, "logger": "rmote", "message": _text(message), "exc": None}
        self.writer.send(pack(LOG, 0, dumps(body)))
        self.shutdown(code)

    def exit_soon(self, code):
        """shutdown(code) from a thread of its own (the caller may be the loop thread)."""
        _thread.start_new_thread(self.shutdown, (code,))

    def shutdown(self, code):
        """Stop reading, cancel every call, let them clean up (bounded), run the on_shutdown hooks, flush the
        output, exit(code). Never returns."""
        with self.lock:
            closing, self.closing = self.closing, True
        if closing:
            _block_forever()  # the first shutdown exits the process
        calls = list(self.calls.values())
        self.calls.clear()
        with self.lock:
            for call in calls:
                call.cancelled = True
                if not call.aio:
                    self.wake(call)
        for call in calls:
            _cancel_hooks(call)
        if self.loop is not None:
            import asyncio

            async def cancel():  # let cancelled tasks run their cleanup (kill children...)
                tasks = [c.task for c in calls if c.task is not None]
                for t in tasks:
                    t.cancel()
                if tasks:
                    await asyncio.wait(tasks, timeout=2)
                if self.batch:
                    self.flush_loop()
            try:
                asyncio.run_coroutine_threadsafe(cancel(), self.loop).result(3)
            except BaseException:
                pass
        # Cancelled sync calls see Tool.cancelled() and remove what they started (put_many's temp files)
        mine, deadline = _current.get(), time.monotonic() + 2
        while (self.running - {mine}) and time.monotonic() < deadline:
            time.sleep(0.005)
        _run_exit_hooks(2)
        self.writer.flush(5)
        os._exit(code)


def _grow_pipe(fd):
    # Linux: bigger pipe buffers mean fewer syscalls and wakeups for big frames
    try:
        import fcntl
        fcntl.fcntl(fd, 1031, 1 << 20)  # F_SETPIPE_SZ
    except (ImportError, OSError):
        pass


def main():
    global _runtime, _main_ident
    _main_ident = _thread.get_ident()
    _ImportWatch.watch("threading", _adopt_main_thread)
    keep = os.environ.pop("RMOTE_KEEP", None)
    if keep is None:
        # Private copies of the channel (non-inheritable by default), then /dev/null over
        # 0, 1, 2: print(), stray writes to fd 1 and child processes can't corrupt frames.
        in_fd, out_fd = os.dup(0), os.dup(1)
    else:
        # A keeper (tools/keep.py): its loop follows the runtime on stdin and returns in each connection's child.
        import marshal
        r = sys.stdin.buffer
        in_fd = type(main)(marshal.loads(r.read(int(r.read(8), 16))), globals())(keep)
        out_fd = os.dup(in_fd)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    if null > 2:
        os.close(null)
    sys.stdin = open(os.devnull)
    sys.stdout = open(os.devnull, "w")
    sys.stderr = open(os.devnull, "w")
    # A terminal Ctrl+C aimed at the controller must not kill us: closing stdin does.
    # (A Python-level handler, unlike SIG_IGN, is reset for exec'd children.)
    import _signal  # (the signal module costs enum)
    _signal.signal(_signal.SIGINT, lambda *a: None)
    _grow_pipe(in_fd)
    _grow_pipe(out_fd)
    rt = _runtime = Runtime(in_fd, out_fd)
    _watch_logging()
    if sys.flags.no_site and "site" not in sys.modules:
        sys.meta_path.append(_SiteOnDemand)
    rt.writer.send_now(MARKER + rt.hello())
    rt.count = 1
    try:
        rt.work()  # the main thread is the first pool thread (and leader)
    finally:
        os._exit(1)  # only reached if the pool thread died


if __name__ == "__main__":
    main()
