# rmote second stage (docs/PROTOCOL.md section 1). The first stage execs this; it reads the runtime that
# follows it on stdin and runs it. Compiling the runtime and each tool costs milliseconds of every
# connect, so code objects are kept in a per-user code cache when the controller allows it.
# The controller fills in the two @...@ values. Old interpreters must still reach the runtime's
# version check, so this file stays Python 2.7 syntax.
import os
import marshal

_rmote_cache_setting = "@CODE_CACHE@"  # filled in: None (off), "" (~/.cache/rmote) or a folder
_rmote_cache = []  # [folder or None], decided on first use
_rmote_magic = getattr(sys.modules.get("_frozen_importlib_external"), "MAGIC_NUMBER", None)


def _rmote_cache_folder():
    """The cache folder if it is safe to use: a real folder owned by this user that nobody else can enter."""
    if _rmote_cache_setting is None or not _rmote_magic or not getattr(sys.implementation, "cache_tag", None):
        return None
    try:
        folder = _rmote_cache_setting
        if not folder:
            import pwd
            folder = os.path.join(pwd.getpwuid(os.geteuid()).pw_dir, ".cache", "rmote")
        try:
            os.makedirs(folder, 0o700)
        except OSError:
            pass  # it exists (or cannot be made: the check below says no)
        st = os.lstat(folder)
        if (st.st_mode & 0o170000) == 0o040000 and st.st_uid == os.geteuid() and not st.st_mode & 0o077:
            return folder
    except Exception:
        pass
    return None


def _rmote_read(path, digest):
    """(code, source) of the entry at path, or None: missing, not ours, another interpreter, damaged (CRC-32), or
    written for another source (digest: the SHA-256, hex, of the source it must hold)."""
    # non-blocking: a FIFO put there would otherwise hold the start until someone writes to it
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if (st.st_mode & 0o170000) != 0o100000 or st.st_uid != os.geteuid() or st.st_mode & 0o077:
            return None
        data = b""
        while len(data) < st.st_size:
            piece = os.read(fd, st.st_size - len(data))
            if not piece:
                return None
            data += piece
        # magic number, 8 hex digits of the CRC-32 of the rest, marshal of (digest, code, source)
        head = len(_rmote_magic) + 8
        if data[:head - 8] == _rmote_magic and zlib.crc32(data[head:]) == int(data[head - 8:head], 16):
            entry = marshal.loads(data[head:])
            if entry[0] == digest and isinstance(entry[1], type(_rmote_read.__code__)):
                return entry[1:]
    except Exception:
        pass
    finally:
        os.close(fd)


def _rmote_write(folder, path, prefix, code, source, digest):
    """Store the entry at path (temp file + rename), then remove all but the 4 newest versions of the same name
    (controllers of different versions taking turns on one host each keep theirs)."""
    tmp = "%s.%d.tmp" % (path, os.getpid())
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(tmp, flags, 0o600)
        try:
            body = marshal.dumps((digest, code, source))
            view = memoryview(_rmote_magic + ("%08x" % zlib.crc32(body)).encode() + body)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)
        os.rename(tmp, path)
        suffix = "." + sys.implementation.cache_tag
        versions = [os.path.join(folder, n) for n in os.listdir(folder) if n.startswith(prefix) and n.endswith(suffix)]
        versions.sort(key=os.path.getmtime)
        for other in versions[:-4]:
            os.unlink(other)
    except (OSError, ValueError):
        try:
            os.unlink(tmp)
        except OSError:
            pass


def _rmote_folder():
    if not _rmote_cache:
        _rmote_cache.append(_rmote_cache_folder())
    return _rmote_cache[0]


def rmote_compile(source, filename, name, digest):
    """compile(source, filename, "exec") through the code cache: one entry per name, key (the first 16 digits of
    digest, the source's SHA-256 from the controller) and interpreter (cache tag; magic number inside). An entry is
    used only if it holds exactly this source (compared when at hand); anything unexpected just compiles. source
    may be a function returning it, called only when it has to be compiled; None: return the entry's (code, source)
    or None (a SYNC without the source)."""
    folder = _rmote_folder()
    if folder is None or len(str(digest)) not in (16, 64) or not str(digest).isalnum():
        return None if source is None else compile(source() if callable(source) else source, filename, "exec")
    path = os.path.join(folder, "%s-%s.%s" % (name, digest[:16], sys.implementation.cache_tag))
    entry = _rmote_read(path, digest)
    if source is None:
        return entry
    if entry and (callable(source) or entry[1] == source):
        return entry[0]
    source = source() if callable(source) else source
    code = compile(source, filename, "exec")
    _rmote_write(folder, path, name + "-", code, source, digest)
    return code


def rmote_cached_keys(prefix):
    """The keys ("Name:key") of the entries named prefix + "Name-key" for this interpreter: a hint for the
    controller, each entry is still checked when used."""
    suffix = "." + sys.implementation.cache_tag
    try:
        names = os.listdir(_rmote_folder())
    except (OSError, TypeError):
        return []
    return [n[len(prefix):-len(suffix)].replace("-", ":") for n in names if n.startswith(prefix) and n.endswith(suffix)]


def _rmote_run(digest):
    packed = r.read(int(r.read(8), 16))
    if sys.version_info < (3, 8):
        exec(zlib.decompress(packed))  # the runtime's first lines explain and exit 3
    # On a cache hit the source is never decompressed (half a millisecond and 60 KB of every connect).
    exec(rmote_compile(lambda: zlib.decompress(packed), "<rmote runtime>", "runtime", digest), globals())


_rmote_run("@RUNTIME_KEY@")
