"""Deploy: the remote half of Rmote's deploy engine (delta copy, atomic writes, releases).

Stdlib only, Python 3.8+. ``Tool`` is injected by the runtime (see docs/PROTOCOL.md, section 4).

Design, in short:

* One call decides everything: ``sync_plan`` scans the destination, compares it with the entries the
  controller sends (size+mtime or sha256), creates folders and symlinks, fixes modes of unchanged
  files, optionally deletes extraneous paths, and returns the list of files whose bytes must travel.
* File bytes travel raw. Small files go many per call (``put_many``: one bytes argument holding them
  all back to back); large files go through ``open_file`` / ``write_chunk`` (``os.pwrite``, so chunks
  may run in any order on any worker thread) / ``commit``. A changed file the host already has can
  travel as the fixed-size blocks that differ: ``sync_plan`` returns its version's block sums, and
  ``put_delta`` rebuilds the file from those blocks of it and the ones sent.
* Every file lands atomically: it is written to ``.<name>.rmote-tmp-<rand>`` in its destination
  folder, fsynced, given its mode/owner/mtime, then renamed over the target; the folder is fsynced.
  An interrupted deploy leaves only the old file or the new one, plus temp files that
  ``cleanup_temps`` (called at the start of every sync) removes.
* A file whose inode has other hard links (a release seeded from the previous one) is never changed in
  place: content and metadata changes always go through a fresh inode.
* Every relative path is checked: no absolute paths, no ``..``/``.``/empty components, no NUL, and its
  resolved parent folder must stay under the destination root (a symlink pointing outside is refused).
"""

# hashlib and shutil are imported in the functions that need them: this file's imports are paid on every
# host at connect time, before the first call.
import errno
import os
import stat
import _thread
import time
import zlib

TEMP_MARK = ".rmote-tmp-"  # what the runtime's temp_name() puts in every temp file name
# character sets rather than regular expressions: importing re costs milliseconds of the first call
_HANDLE_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
_RELEASE_ID_CHARS = _HANDLE_CHARS | {"."}
_HANDLES = {}
_HANDLES_LOCK = _thread.allocate_lock()
_HASH_BLOCK = 1 << 20
_PLANS = {}  # plan id -> paths named by the pieces so far (sync_plan_piece); one plan's pieces come in order


# ----------------------------------------------------------------------------------------- paths


def _check_rel(rel):
    """Validate a destination-relative path; return its components."""
    if not isinstance(rel, str) or rel == "":
        raise ValueError("invalid relative path %r: must be a non-empty string" % (rel,))
    if "\x00" in rel:
        raise ValueError("invalid relative path %r: contains NUL" % (rel,))
    if rel.startswith("/"):
        raise ValueError("invalid relative path %r: absolute paths are not allowed" % (rel,))
    parts = rel.split("/")
    for part in parts:
        if part == "..":
            raise ValueError("invalid relative path %r: '..' components are not allowed" % (rel,))
        if part in ("", "."):
            raise ValueError("invalid relative path %r: empty or '.' component" % (rel,))
    return parts


def _root(root, create=False):
    """Resolve a destination root (``~`` expanded, must be absolute) to its real path."""
    if not isinstance(root, str) or root == "" or "\x00" in root:
        raise ValueError("invalid destination root %r" % (root,))
    path = os.path.expanduser(root)
    if not os.path.isabs(path):
        raise ValueError("destination root %r must be an absolute path" % (root,))
    if create:
        os.makedirs(path, exist_ok=True)
    return os.path.realpath(path)


def _within(real, root_real):
    if real == root_real:
        return True
    prefix = root_real if root_real.endswith("/") else root_real + "/"
    return real.startswith(prefix)


def _parent(root_real, rel, create=False, replace=False):
    """Return ``(parent_dir_real, name)`` for ``rel`` under ``root_real``.

    Intermediate components that are symlinks must resolve inside the root. With ``create`` missing
    folders are made (mode 0o755 before umask); with ``replace`` a non-folder in the way (file or
    symlink) is removed first. Returns ``(None, name)`` when a parent is missing and not created.
    """
    parts = _check_rel(rel)
    cur = root_real
    for name in parts[:-1]:
        path = cur + "/" + name if cur != "/" else "/" + name
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            if not create:
                return None, parts[-1]
            try:
                os.mkdir(path, 0o755)
            except FileExistsError:
                pass
            st = os.lstat(path)
        if stat.S_ISLNK(st.st_mode):
            real = os.path.realpath(path)
            if not _within(real, root_real):
                raise ValueError(
                    "invalid relative path %r: %r is a symlink pointing outside the destination (%s)"
                    % (rel, name, real))
            if not os.path.isdir(real):
                if not replace:
                    raise NotADirectoryError(errno.ENOTDIR, "not a directory (symlink)", path)
                os.unlink(path)
                os.mkdir(path, 0o755)
                real = path
            cur = real
        elif stat.S_ISDIR(st.st_mode):
            cur = path
        else:
            if not replace:
                raise NotADirectoryError(errno.ENOTDIR, "not a directory", path)
            os.unlink(path)
            os.mkdir(path, 0o755)
            cur = path
    return cur, parts[-1]


def _target(root_real, rel, create=False, replace=False):
    parent, name = _parent(root_real, rel, create=create, replace=replace)
    if parent is None:
        return None, None, name
    return parent, (parent + "/" + name if parent != "/" else "/" + name), name


def _fsync_dir(path):
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _rm_tree_or_file(path):
    """Remove whatever is at ``path`` (never following symlinks). Returns True if removed."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return False
    if stat.S_ISDIR(st.st_mode):
        import shutil
        shutil.rmtree(path)
    else:
        os.unlink(path)
    return True


# ------------------------------------------------------------------------------------- metadata


def _uid(owner):
    """The uid to give files, -1 to leave it: the runtime's owner_id ("" means none, as null does)."""
    uid = owner_id(None if owner == "" else owner)
    return -1 if uid is None else uid


def _gid(group):
    """The gid to give files, -1 to leave it: the runtime's group_id ("" means none, as null does)."""
    gid = group_id(None if group == "" else group)
    return -1 if gid is None else gid


_GRANULARITY = {}


def _mtime_granularity(dir_real):
    """Timestamp resolution (ns) of the filesystem holding ``dir_real``, probed once per folder."""
    g = _GRANULARITY.get(dir_real)
    if g is not None:
        return g
    g = 1
    probe = temp_name(dir_real + "/probe")
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        try:
            want = 1500000000123456789
            os.utime(fd, ns=(want, want))
            got = os.fstat(fd).st_mtime_ns
        finally:
            os.close(fd)
            _unlink_quiet(probe)
        for unit in (1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000, 2000000000):
            if got == want - want % unit:
                g = unit
                break
    except OSError:
        pass
    _GRANULARITY[dir_real] = g
    return g


def _mtime_equal(remote_ns, local_ns, granularity=lambda: 1):
    """Equal at the destination filesystem's timestamp resolution. ``granularity()`` is only asked (a probe
    file on first use) when the difference could be truncation: at most 2 s (FAT), destination below source."""
    if remote_ns == local_ns:
        return True
    if not 0 < local_ns - remote_ns < 2000000000:
        return False
    g = granularity()
    return g > 1 and remote_ns == local_ns - local_ns % g


def _sha256_path(path):
    import hashlib
    h = hashlib.sha256()
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    try:
        while True:
            block = os.read(fd, _HASH_BLOCK)
            if not block:
                break
            h.update(block)
    finally:
        os.close(fd)
    return h.hexdigest()


def _entry_mode(entry):
    mode = entry.get("mode")
    return None if mode is None else int(mode) & 0o7777


def _rewrite_meta(parent, path, name, st, mode, uid, gid, mtime_ns, durable):
    """Change metadata of an existing file without touching other hard links to it.

    A file with more than one link (seeded release) is copied to a temp file and renamed over itself,
    so the previous release keeps its own metadata.
    """
    if st.st_nlink <= 1:
        if mode is not None and stat.S_IMODE(st.st_mode) != mode:
            os.chmod(path, mode, follow_symlinks=False)
        if (uid != -1 and st.st_uid != uid) or (gid != -1 and st.st_gid != gid):
            os.chown(path, uid, gid, follow_symlinks=False)
        if mtime_ns is not None and st.st_mtime_ns != mtime_ns:
            os.utime(path, ns=(mtime_ns, mtime_ns), follow_symlinks=False)
        return
    tmp = temp_name(parent + "/" + name)
    import shutil
    shutil.copyfile(path, tmp, follow_symlinks=False)
    try:
        fd = os.open(tmp, os.O_RDWR | os.O_NOFOLLOW)
        try:
            if uid != -1 or gid != -1:
                os.fchown(fd, uid, gid)
            os.fchmod(fd, mode if mode is not None else stat.S_IMODE(st.st_mode))
            if durable:
                os.fsync(fd)
            t = mtime_ns if mtime_ns is not None else st.st_mtime_ns
            os.utime(fd, ns=(t, t))
        finally:
            os.close(fd)
        os.rename(tmp, path)
    except BaseException:
        _unlink_quiet(tmp)
        raise


def _unlink_quiet(path):
    try:
        os.unlink(path)
    except OSError:
        pass


# --------------------------------------------------------------------------------- atomic write


class _Handle:
    __slots__ = ("id", "fd", "tmp", "parent", "name", "target", "size", "mode", "uid", "gid",
                 "mtime_ns", "written", "lock", "durable", "created", "pending_writeback")

    def __init__(self, **kw):
        for k, v in kw.items():
            setattr(self, k, v)
        self.written = 0
        self.pending_writeback = 0
        self.lock = _thread.allocate_lock()
        self.created = time.time()


def _open_temp(root_real, rel, create_parents=True):
    parent, target, name = _target(root_real, rel, create=create_parents, replace=False)
    if parent is None:
        raise FileNotFoundError(errno.ENOENT, "destination folder missing", rel)
    tmp = temp_name(parent + "/" + name)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    return parent, target, name, tmp, fd


def _inflate(data, size, what):
    """Decompress a zlib piece that must expand to exactly ``size`` bytes (never more: no zip bombs)."""
    d = zlib.decompressobj()
    try:
        out = d.decompress(data, size + 1)
    except zlib.error as e:
        raise ValueError("%s: corrupt compressed data (%s)" % (what, e))
    if len(out) != size or d.unconsumed_tail or not d.eof:
        raise ValueError("%s: compressed data does not expand to %d bytes" % (what, size))
    return out


def _pwrite_all(fd, data, offset):
    view = memoryview(data)
    total = 0
    while total < len(view):
        n = os.pwrite(fd, view[total:], offset + total)
        if n <= 0:
            raise OSError(errno.EIO, "short write")
        total += n
    return total


_SUMS = None  # struct packing one block's sums, made on first use


def _block_sums(path, st, block):
    """Per-block sums of the regular file at path (lstat'ed as st): 8 bytes a block, zlib's CRC-32 then its
    Adler-32, big-endian; None if the file is not the one st describes any more. Two independent 32-bit sums:
    the controller reuses a block only when both match, and the file then still has to pass put_delta's checks."""
    global _SUMS
    if _SUMS is None:
        from _struct import Struct
        _SUMS = Struct(">II")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        now = os.fstat(fd)
        if (now.st_ino, now.st_size, now.st_mtime_ns) != (st.st_ino, st.st_size, st.st_mtime_ns):
            return None
        count = (st.st_size + block - 1) // block
        out = bytearray(8 * count)
        buf = bytearray(block)
        view = memoryview(buf)
        preadv = getattr(os, "preadv", None)  # else readv: the blocks are read in order from the start
        for i in range(count):
            n = preadv(fd, [buf], i * block) if preadv else os.readv(fd, [buf])
            if n != min(block, st.st_size - i * block):
                return None  # it shrank under us
            _SUMS.pack_into(out, 8 * i, zlib.crc32(view[:n]), zlib.adler32(view[:n]))
        return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sums": bytes(out)}
    finally:
        os.close(fd)


def _copy_range(src, dst, offset, count):
    """Copy count bytes at offset from src to the same offset of dst: in the kernel where it can (copy_file_range,
    a reflink on filesystems that share blocks), else through a buffer."""
    copy = getattr(os, "copy_file_range", None)
    while count > 0 and copy is not None:
        try:
            n = copy(src, dst, count, offset, offset)
        except OSError as e:
            if e.errno not in (errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.EBADF):
                raise
            break
        if n <= 0:
            break
        offset += n
        count -= n
    while count > 0:
        piece = os.pread(src, min(count, 1 << 20), offset)
        if not piece:
            raise OSError(errno.ESTALE, "the file's current version ended early while its blocks were reused")
        _pwrite_all(dst, piece, offset)
        offset += len(piece)
        count -= len(piece)


class _Writeback:
    """Starts the kernel's writeback of a durable file's chunks as they land, from a thread of its own:
    the disk writes then overlap the transfer instead of all waiting for the fsync at commit (measured:
    commit of 1 GiB 0.8 s -> 0.25 s). Linux: FADV_DONTNEED on dirty pages starts their writeback and
    leaves them cached. Submitting can block or cost CPU, which is why the chunk's thread doesn't do it."""

    def __init__(self):
        self.cond = None        # made with the thread by the first submit: a no-change deploy needs neither
        self.setup = _thread.allocate_lock()
        self.queue = []         # (handle, offset, length)

    def submit(self, h, offset, length):
        if not hasattr(os, "posix_fadvise"):
            return  # the fsync at commit does all the work
        if self.cond is None:
            self._start()
        with self.cond:
            h.pending_writeback += 1
            self.queue.append((h, offset, length))
            self.cond.notify_all()

    def _start(self):
        with self.setup:
            if self.cond is None:
                import threading
                cond = threading.Condition()
                thread = threading.Thread(target=self._run, args=(cond,), name="rmote-deploy-writeback", daemon=True)
                thread.start()
                self.cond = cond

    def drain(self, h):
        """Wait until no writeback of h is queued or running (before its fd is closed)."""
        if self.cond is None:
            return  # nothing was ever submitted
        with self.cond:
            while h.pending_writeback:
                self.cond.wait()

    def _run(self, cond):
        while True:
            with cond:
                while not self.queue:
                    cond.wait()
                h, offset, length = self.queue.pop(0)
            try:
                os.posix_fadvise(h.fd, offset, length, os.POSIX_FADV_DONTNEED)
            except OSError:
                pass
            finally:
                with cond:
                    h.pending_writeback -= 1
                    cond.notify_all()


_WRITEBACK = _Writeback()


def _finish(fd, tmp, parent, target, size, mode, uid, gid, mtime_ns, sha256, durable):
    """fsync, verify, set metadata, rename into place. Closes ``fd``. Unlinks ``tmp`` on failure."""
    _finish_no_rename(fd, tmp, target, size, mode, uid, gid, mtime_ns, sha256, durable)
    try:
        _rename_into_place(tmp, target)
    except BaseException:
        _unlink_quiet(tmp)
        raise


# -------------------------------------------------------------------------------------- walking


def _walk(root_real, with_hash=False, follow=False):
    """Yield entries for everything under ``root_real`` (not the root itself), sorted per folder."""
    stack = [("", root_real)]
    while stack:
        rel_dir, abs_dir = stack.pop()
        try:
            it = sorted(os.scandir(abs_dir), key=lambda e: e.name)
        except (FileNotFoundError, NotADirectoryError):
            continue
        subdirs = []
        for de in it:
            rel = rel_dir + de.name if rel_dir == "" else rel_dir + "/" + de.name
            try:
                st = de.stat(follow_symlinks=follow)
            except FileNotFoundError:
                continue
            entry = {"path": rel, "size": 0, "mtime_ns": st.st_mtime_ns, "mode": stat.S_IMODE(st.st_mode),
                     "link": None}
            if stat.S_ISLNK(st.st_mode):
                entry["type"] = "symlink"
                entry["link"] = os.readlink(de.path)
            elif stat.S_ISDIR(st.st_mode):
                entry["type"] = "dir"
                if follow and not _within(os.path.realpath(de.path), root_real):
                    continue
                subdirs.append((rel, de.path))
            elif stat.S_ISREG(st.st_mode):
                entry["type"] = "file"
                entry["size"] = st.st_size
                if with_hash:
                    entry["sha256"] = _sha256_path(de.path) if not follow else _sha256_follow(de.path)
            else:
                entry["type"] = "other"
            yield entry
        stack.extend(reversed(subdirs))


def _sha256_follow(path):
    import hashlib
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(_HASH_BLOCK), b""):
            h.update(block)
    return h.hexdigest()


def _release_key(name):
    # natural sort: "v9" < "v10"; timestamps sort as numbers
    import re
    return [(0, int(t), "") if t.isdigit() else (1, 0, t) for t in re.findall(r"\d+|\D+", name)]


def _check_release_id(release_id):
    if (not isinstance(release_id, str) or not release_id or not _RELEASE_ID_CHARS.issuperset(release_id)
            or release_id in (".", "..") or TEMP_MARK in release_id):
        raise ValueError("invalid release id %r: use letters, digits, '.', '_' and '-'" % (release_id,))


def _base(base, create=False):
    return _root(base, create=create)


def _current_id(base_real):
    link = base_real + "/current"
    try:
        target = os.readlink(link)
    except FileNotFoundError:
        return None
    except OSError as e:
        if e.errno == errno.EINVAL:
            raise ValueError("%s exists and is not a symlink: refusing to manage releases there" % link)
        raise
    target = target.rstrip("/")
    head, _, tail = target.rpartition("/")
    if head not in ("releases", base_real + "/releases"):
        return None
    return tail


def _releases(base_real):
    try:
        names = [e.name for e in os.scandir(base_real + "/releases")
                 if e.is_dir(follow_symlinks=False) and TEMP_MARK not in e.name and not e.name.startswith(".")]
    except FileNotFoundError:
        return []
    return sorted(names, key=_release_key)


def _switch(base_real, release_id):
    rel_dir = base_real + "/releases/" + release_id
    if not os.path.isdir(rel_dir) or os.path.islink(rel_dir):
        raise FileNotFoundError(errno.ENOENT, "no such release %r" % release_id, rel_dir)
    previous = _current_id(base_real)
    current = base_real + "/current"
    if os.path.lexists(current) and not os.path.islink(current):
        raise ValueError("%s exists and is not a symlink: refusing to replace it" % current)
    tmp = temp_name(base_real + "/current")
    os.symlink("releases/" + release_id, tmp)
    try:
        os.rename(tmp, current)
    except BaseException:
        _unlink_quiet(tmp)
        raise
    _fsync_dir(base_real)
    return {"previous": previous, "current": release_id}


# ------------------------------------------------------------------------------------------ tool


class Deploy(Tool):
    """Destination side of a deploy: compare, atomic writes, deletes, releases."""

    # ---------------------------------------------------------------- inspection

    @staticmethod
    def scan(root, follow=False, with_hash=False):
        """Entries under ``root``: path, type (file/dir/symlink/other), size, mtime_ns, mode, link[, sha256].

        A missing root gives an empty list. Temp files of interrupted writes are skipped.
        """
        try:
            root_real = _root(root)
        except ValueError:
            raise
        if not os.path.isdir(root_real):
            return []
        return [e for e in _walk(root_real, with_hash=with_hash, follow=follow)
                if TEMP_MARK not in e["path"].rpartition("/")[2]]

    @staticmethod
    def sha256(root, paths):
        """SHA-256 (hex) of each relative path under ``root``; None for a missing or non-regular file."""
        root_real = _root(root)
        out = []
        for rel in paths:
            parent, target, _ = _target(root_real, rel)
            try:
                if parent is None or not stat.S_ISREG(os.lstat(target).st_mode):
                    out.append(None)
                    continue
                out.append(_sha256_path(target))
            except FileNotFoundError:
                out.append(None)
        return out

    @staticmethod
    def compare(root, entries, checksum=False):
        """Compare desired entries with the destination, change nothing. See ``sync_plan``."""
        return Deploy.sync_plan(root, entries, checksum=checksum, apply=False, cleanup=False)

    # ---------------------------------------------------------------- the one-call plan

    @staticmethod
    def sync_plan(root, entries, checksum=False, delete=False, owner=None, group=None,
                  set_mode=True, apply=True, cleanup=True, durable=True, delta=None, pieces=None):
        """Bring everything but file contents in line, in one call; return what must be sent.

        ``entries``: ``[{path, type: file|dir|symlink, size, mtime_ns, mode, sha256?, link?}]``.
        Steps (with ``apply``): remove stale temp files; create the root, folders (replacing a file or
        symlink in the way) and implied parents; compare files by size+mtime (or sha256 with
        ``checksum``: then equal content with a different mtime only gets its mtime fixed); fix mode /
        owner of unchanged files (never through a shared hard link); create or retarget symlinks
        atomically; with ``delete`` remove everything under the root not named by an entry.
        Every path is validated before anything is changed.

        Returns ``{send: [paths], skipped: int, dirs_created: int, links_changed: int,
        meta_fixed: int, deleted: [paths], temps_removed: int, basis: {path: sums}}``.

        ``delta``: ``{block, min, max}``: for each file to send whose current version here is a regular file,
        both versions between ``min`` and ``max`` bytes, ``basis`` holds its ``_block_sums`` (``block``-byte
        blocks), so that the controller can send only the blocks that differ (``put_delta``).
        """
        if not isinstance(entries, list):
            raise TypeError("entries must be a list")
        seen = set()
        for e in entries:
            if not isinstance(e, dict):
                raise TypeError("each entry must be an object")
            _check_rel(e.get("path"))
            if e["path"] in seen:
                raise ValueError("duplicate path %r in entries" % e["path"])
            seen.add(e["path"])
            kind = e.get("type", "file")
            if kind not in ("file", "dir", "symlink"):
                raise ValueError("entry %r: unknown type %r" % (e["path"], kind))
            if kind == "symlink" and (not isinstance(e.get("link"), str) or not e["link"] or "\x00" in e["link"]):
                raise ValueError("entry %r: symlink needs a link target" % e["path"])
        uid, gid = _uid(owner), _gid(group)
        result = {"send": [], "skipped": 0, "dirs_created": 0, "links_changed": 0, "meta_fixed": 0,
                  "deleted": [], "temps_removed": 0, "basis": {}}
        if delta is not None:
            block, low, high = int(delta["block"]), int(delta["min"]), int(delta["max"])
            if not (4096 <= block <= 1 << 24 and 0 <= low <= high):
                raise ValueError("delta must be {block: 4 KiB to 16 MiB, min <= max}, got %r" % (delta,))
        root_real = _root(root, create=apply)
        if not os.path.isdir(root_real):
            if apply:
                raise NotADirectoryError(errno.ENOTDIR, "destination root is not a folder", root_real)
            result["send"] = [e["path"] for e in entries if e.get("type", "file") == "file"]
            return result
        if apply and cleanup:
            result["temps_removed"] = len(Deploy.cleanup_temps(root))
        gran = (lambda: _mtime_granularity(root_real)) if apply else (lambda: 1)

        dirs = {}
        for e in entries:
            parts = e["path"].split("/")
            for i in range(1, len(parts)):
                dirs.setdefault("/".join(parts[:i]), None)
            if e.get("type") == "dir":
                dirs[e["path"]] = e
        # folders, parents first
        for rel in sorted(dirs, key=lambda p: p.count("/")):
            e = dirs[rel]
            mode = _entry_mode(e) if (e is not None and set_mode) else None
            parent, target, name = _target(root_real, rel, create=apply, replace=apply)
            if parent is None:
                continue
            try:
                st = os.lstat(target)
            except FileNotFoundError:
                st = None
            if st is not None and stat.S_ISLNK(st.st_mode) and e is None:
                # an implied parent (no folder entry for it): never replace the link, never pass through it outward
                real = os.path.realpath(target)
                if not _within(real, root_real):
                    raise ValueError("invalid relative path %r: it is a symlink pointing outside the destination (%s)"
                                     % (rel, real))
                if os.path.isdir(real):
                    continue
            if st is None or not stat.S_ISDIR(st.st_mode):
                if not apply:
                    continue
                if st is not None:
                    os.unlink(target)
                try:
                    os.mkdir(target, mode if mode is not None else 0o755)
                except FileExistsError:
                    pass
                result["dirs_created"] += 1
                st = os.lstat(target)
                if mode is not None and stat.S_IMODE(st.st_mode) != mode:
                    os.chmod(target, mode)
                if uid != -1 or gid != -1:
                    os.chown(target, uid, gid, follow_symlinks=False)
                continue
            if apply:
                if mode is not None and stat.S_IMODE(st.st_mode) != mode:
                    os.chmod(target, mode)
                    result["meta_fixed"] += 1
                if (uid != -1 and st.st_uid != uid) or (gid != -1 and st.st_gid != gid):
                    os.chown(target, uid, gid, follow_symlinks=False)

        for e in entries:
            kind = e.get("type", "file")
            if kind == "dir":
                continue
            rel = e["path"]
            parent, target, name = _target(root_real, rel, create=False)
            st = None
            if parent is not None:
                try:
                    st = os.lstat(target)
                except FileNotFoundError:
                    st = None
            if kind == "symlink":
                want = e["link"]
                if st is not None and stat.S_ISLNK(st.st_mode) and os.readlink(target) == want:
                    result["skipped"] += 1
                    continue
                result["links_changed"] += 1
                if apply:
                    Deploy._make_link(parent, target, name, want, st, delete)
                continue
            # regular file
            if st is None or not stat.S_ISREG(st.st_mode):
                if st is not None and stat.S_ISDIR(st.st_mode) and apply and delete:
                    import shutil
                    shutil.rmtree(target)
                result["send"].append(rel)
                continue
            size = e.get("size")
            mtime = e.get("mtime_ns")
            same = size is not None and st.st_size == int(size)
            fix_mtime = None
            if same:
                if checksum:
                    want = e.get("sha256")
                    if not want:
                        raise ValueError("entry %r: checksum comparison needs sha256" % rel)
                    same = _sha256_path(target) == want.lower()
                    if same and mtime is not None and not _mtime_equal(st.st_mtime_ns, int(mtime), gran):
                        fix_mtime = int(mtime)
                else:
                    same = mtime is not None and _mtime_equal(st.st_mtime_ns, int(mtime), gran)
            if not same:
                result["send"].append(rel)
                if delta is not None and apply and low <= st.st_size <= high and low <= int(size or 0) <= high:
                    sums = _block_sums(target, st, block)
                    if sums is not None:
                        result["basis"][rel] = sums
                continue
            result["skipped"] += 1
            mode = _entry_mode(e) if set_mode else None
            need = ((mode is not None and stat.S_IMODE(st.st_mode) != mode)
                    or (uid != -1 and st.st_uid != uid) or (gid != -1 and st.st_gid != gid)
                    or fix_mtime is not None)
            if need:
                result["meta_fixed"] += 1
                if apply:
                    _rewrite_meta(parent, target, name, st, mode, uid, gid,
                                  fix_mtime if fix_mtime is not None else st.st_mtime_ns, durable)

        if delete and pieces is not None:  # one piece of a larger plan: sync_plan_piece deletes after the last
            pieces.update(e["path"] for e in entries)
        elif delete:
            keep = [e["path"] for e in entries]
            if apply:
                result["deleted"] = Deploy.delete_extraneous(root, keep)
            else:
                result["deleted"] = Deploy._extraneous(root_real, keep)
        return result

    @staticmethod
    def sync_plan_piece(plan, last, root, entries, **kw):
        """One piece of a plan whose entries do not fit one frame: ``sync_plan`` for ``entries``, which the
        controller sends in bounded pieces, in order, under one ``plan`` id.

        With ``delete``, the paths of every piece are kept here (the plan session, gone with the connection)
        and extraneous paths are deleted only after the ``last`` piece, so that no piece deletes another's files.
        Each piece returns its own result (``deleted`` only in the last one's).
        """
        if not isinstance(plan, str) or not plan:
            raise ValueError("plan must be a non-empty id")
        keep = _PLANS.setdefault(plan, set())
        done = False
        try:
            result = Deploy.sync_plan(root, entries, pieces=keep, **kw)
            if last and kw.get("delete"):
                if kw.get("apply", True):
                    result["deleted"] = Deploy.delete_extraneous(root, keep)
                else:
                    result["deleted"] = Deploy._extraneous(_root(root), keep)
            done = not last
            return result
        finally:
            if not done:  # finished or failed: a failed plan is not resumed
                _PLANS.pop(plan, None)

    @staticmethod
    def _make_link(parent, target, name, want, st, replace_dirs):
        if st is not None and stat.S_ISDIR(st.st_mode):
            if replace_dirs:
                import shutil
                shutil.rmtree(target)
            else:
                try:
                    os.rmdir(target)
                except OSError:
                    raise IsADirectoryError(errno.EISDIR, "a folder is in the way of a symlink", target)
        tmp = temp_name(parent + "/" + name)
        os.symlink(want, tmp)
        try:
            os.rename(tmp, target)
        except BaseException:
            _unlink_quiet(tmp)
            raise

    # ---------------------------------------------------------------- batched folder/link ops

    @staticmethod
    def mkdirs(root, dirs):
        """Create folders ``[{path, mode?}]`` (or plain path strings) under ``root``; returns created paths."""
        root_real = _root(root, create=True)
        items = [{"path": d} if isinstance(d, str) else d for d in dirs]
        for d in items:
            _check_rel(d.get("path"))
        created = []
        for d in sorted(items, key=lambda d: d["path"].count("/")):
            parent, target, _ = _target(root_real, d["path"], create=True, replace=False)
            mode = _entry_mode(d)
            try:
                os.mkdir(target, mode if mode is not None else 0o755)
                created.append(d["path"])
            except FileExistsError:
                if not os.path.isdir(target):
                    raise NotADirectoryError(errno.ENOTDIR, "not a directory", target)
            if mode is not None and stat.S_IMODE(os.lstat(target).st_mode) != mode:
                os.chmod(target, mode)
        return created

    @staticmethod
    def symlinks(root, links):
        """Create or retarget symlinks ``[{path, link}]`` atomically; returns the changed paths."""
        root_real = _root(root, create=True)
        for item in links:
            _check_rel(item.get("path"))
            if not isinstance(item.get("link"), str) or not item["link"] or "\x00" in item["link"]:
                raise ValueError("symlink %r needs a link target" % item.get("path"))
        changed = []
        for item in links:
            parent, target, name = _target(root_real, item["path"], create=True)
            try:
                st = os.lstat(target)
            except FileNotFoundError:
                st = None
            if st is not None and stat.S_ISLNK(st.st_mode) and os.readlink(target) == item["link"]:
                continue
            Deploy._make_link(parent, target, name, item["link"], st, False)
            changed.append(item["path"])
        return changed

    # ---------------------------------------------------------------- deletes and temps

    @staticmethod
    def _extraneous(root_real, keep_paths):
        keep = set()
        for p in keep_paths:
            _check_rel(p)
            keep.add(p)
            parts = p.split("/")
            for i in range(1, len(parts)):
                keep.add("/".join(parts[:i]))
        out = []
        stack = [("", root_real)]
        while stack:
            rel_dir, abs_dir = stack.pop()
            try:
                items = sorted(os.scandir(abs_dir), key=lambda e: e.name)
            except (FileNotFoundError, NotADirectoryError):
                continue
            for de in items:
                rel = de.name if rel_dir == "" else rel_dir + "/" + de.name
                if rel not in keep:
                    out.append(rel)
                elif de.is_dir(follow_symlinks=False):
                    stack.append((rel, de.path))
        return out

    @staticmethod
    def delete_extraneous(root, keep_paths):
        """Delete everything under ``root`` not named in ``keep_paths`` (their parents are kept).

        Symlinks are removed, never followed. A removed folder is listed with everything below it.
        Returns the deleted relative paths (deepest first inside a removed folder).
        """
        root_real = _root(root)
        if not os.path.isdir(root_real):
            return []
        deleted = []
        for rel in Deploy._extraneous(root_real, keep_paths):
            path = root_real + "/" + rel
            try:
                st = os.lstat(path)
            except FileNotFoundError:
                continue
            if stat.S_ISDIR(st.st_mode):
                inner = []
                for dirpath, dirnames, filenames in os.walk(path, topdown=False):
                    base = rel + dirpath[len(path):]
                    for n in filenames + dirnames:
                        inner.append(base + "/" + n)
                import shutil
                shutil.rmtree(path)
                deleted.extend(inner)
                deleted.append(rel)
            else:
                os.unlink(path)
                deleted.append(rel)
        return deleted

    @staticmethod
    def cleanup_temps(root):
        """Remove temp files left by interrupted writes under ``root`` (not ones this process has open).

        Returns the removed relative paths.
        """
        root_real = _root(root)
        if not os.path.isdir(root_real):
            return []
        with _HANDLES_LOCK:
            mine = {h.tmp for h in _HANDLES.values()}
        removed = []
        for dirpath, dirnames, filenames in os.walk(root_real):
            for n in filenames + dirnames:
                if TEMP_MARK in n and n.startswith("."):
                    p = dirpath + "/" + n
                    if p in mine:
                        continue
                    try:
                        if _rm_tree_or_file(p):
                            removed.append(os.path.relpath(p, root_real))
                    except OSError:
                        pass
            dirnames[:] = [d for d in dirnames if TEMP_MARK not in d]
        return removed

    # ---------------------------------------------------------------- writes

    @staticmethod
    def put_small(root, rel_path, data, mode=None, mtime_ns=None, owner=None, group=None,
                  sha256=None, durable=True):
        """Write one whole file atomically in one call. Returns the number of bytes written."""
        uid, gid = _uid(owner), _gid(group)  # an unknown name fails before a temp file exists
        root_real = _root(root, create=True)
        parent, target, name, tmp, fd = _open_temp(root_real, rel_path)
        try:
            _pwrite_all(fd, data, 0)
        except BaseException:
            os.close(fd)
            _unlink_quiet(tmp)
            raise
        _finish(fd, tmp, parent, target, len(data), _mode_or_none(mode), uid, gid, mtime_ns, sha256, durable)
        if durable:
            _fsync_dir(parent)
        return len(data)

    @staticmethod
    @zero_copy
    def put_many(root, files, data, owner=None, group=None, durable=True, checks=0):
        """Write several small files atomically in one call.

        ``files``: ``[{path, offset, size, mode?, mtime_ns?, sha256?, compressed?, wire_size?}]``, each file's
        bytes at ``data[offset:offset+size]`` (or zlib-compressed at ``data[offset:offset+wire_size]``). All paths are validated before anything is written. Every file is
        written to its temp name and fsynced first, then all are renamed into place, then each folder
        is fsynced once. Returns ``{written: [paths], bytes: int}``.

        ``checks``: the last ``checks`` bytes of ``data`` are status bytes the controller's writer filled in
        after sending files straight from its disk: any non-zero one means a source file shrank while it was
        being sent (its bytes were padded), and the whole batch is refused before anything is written.
        """
        root_real = _root(root, create=True)
        view = memoryview(data)
        if type(checks) is not int or checks < 0 or checks > len(view):
            raise ValueError("checks must be a count of status bytes at the end of the data, got %r" % (checks,))
        if checks:
            status, view = view[len(view) - checks:], view[:len(view) - checks]
            if any(status):
                raise OSError(errno.EIO, "a source file changed size while it was being sent; nothing was written")
        for f in files:
            _check_rel(f.get("path"))
            off, size = int(f.get("offset", 0)), int(f["size"])
            wire = int(f.get("wire_size", size)) if f.get("compressed") else size
            if off < 0 or size < 0 or wire < 0 or off + wire > len(view):
                raise ValueError("file %r: bytes [%d, %d) outside the data (%d bytes)" % (f["path"], off, off + wire, len(view)))
        for f in files:
            _parent(root_real, f["path"])  # symlink escapes refused before anything is written
        uid, gid = _uid(owner), _gid(group)
        staged = []
        try:
            for f in files:
                parent, target, name, tmp, fd = _open_temp(root_real, f["path"])
                staged.append((f, parent, target, tmp))
                off, size = int(f.get("offset", 0)), int(f["size"])
                try:
                    if f.get("compressed"):
                        piece = _inflate(view[off:off + int(f["wire_size"])], size, f["path"])
                    else:
                        piece = view[off:off + size]
                    _pwrite_all(fd, piece, 0)
                except BaseException:
                    os.close(fd)
                    raise
                _finish_no_rename(fd, tmp, target, size, _mode_or_none(f.get("mode")), uid, gid,
                                  f.get("mtime_ns"), f.get("sha256"), durable)
            dirs = set()
            for f, parent, target, tmp in staged:
                _rename_into_place(tmp, target)
                dirs.add(parent)
            staged = []
        finally:
            for f, parent, target, tmp in staged:
                _unlink_quiet(tmp)
        if durable:
            for d in dirs:
                _fsync_dir(d)
        return {"written": [f["path"] for f in files], "bytes": sum(int(f["size"]) for f in files)}

    @staticmethod
    @zero_copy
    def put_delta(root, rel_path, size, basis, block, reuse, data, mode=None, mtime_ns=None, owner=None,
                  group=None, sha256=None, durable=True):
        """Write one file atomically from blocks of its current version and the bytes of the others.

        The new file has ``size`` bytes in ``block``-byte blocks; block ``i`` in ``reuse`` (ascending) is the
        same block of the current file, every other one comes from ``data``, in order. ``basis``:
        ``{size, mtime_ns}`` of the current file as ``sync_plan`` summed it: if it changed since, nothing is
        written (``OSError`` ESTALE; the controller then sends the whole file). Returns the bytes written.
        """
        size, block = int(size), int(block)
        if size < 0 or not 4096 <= block <= 1 << 24:
            raise ValueError("put_delta needs size >= 0 and a block of 4 KiB to 16 MiB")
        count = (size + block - 1) // block
        reuse = [int(i) for i in reuse]
        if any(b <= a for a, b in zip(reuse, reuse[1:])) or (reuse and not 0 <= reuse[0] <= reuse[-1] < count):
            raise ValueError("reuse must list block numbers in ascending order, each below %d" % count)
        base_size, base_mtime = int(basis["size"]), int(basis["mtime_ns"])
        if reuse and reuse[-1] * block + min(block, size - reuse[-1] * block) > base_size:
            raise ValueError("block %d is past the end of the current file (%d bytes)" % (reuse[-1], base_size))
        view = memoryview(data)
        literal = size - sum(min(block, size - i * block) for i in reuse)
        if len(view) != literal:
            raise ValueError("data holds %d bytes; the blocks not reused need %d" % (len(view), literal))
        uid, gid = _uid(owner), _gid(group)
        root_real = _root(root, create=True)
        parent, target, _ = _target(root_real, rel_path, create=False)
        try:
            if parent is None:
                raise FileNotFoundError(rel_path)
            src = os.open(target, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except OSError:
            raise OSError(errno.ESTALE, "%s is gone or no longer a file since its block sums were taken" % rel_path)
        try:
            def unchanged():
                st = os.fstat(src)
                return stat.S_ISREG(st.st_mode) and (st.st_size, st.st_mtime_ns) == (base_size, base_mtime)
            if not unchanged():
                raise OSError(errno.ESTALE, "%s changed since its block sums were taken; nothing was written" % rel_path)
            parent, target, name, tmp, fd = _open_temp(root_real, rel_path)
            try:
                reused = set(reuse)
                at = 0
                i = 0
                while i < count:
                    start = i
                    if i in reused:
                        while i < count and i in reused:
                            i += 1
                        _copy_range(src, fd, start * block, min(i * block, size) - start * block)
                    else:
                        while i < count and i not in reused:
                            i += 1
                        n = min(i * block, size) - start * block
                        _pwrite_all(fd, view[at:at + n], start * block)
                        at += n
                if not unchanged():  # rewritten in place while we copied from it
                    raise OSError(errno.ESTALE, "%s changed while its blocks were reused; nothing was written" % rel_path)
            except BaseException:
                os.close(fd)
                _unlink_quiet(tmp)
                raise
        finally:
            os.close(src)
        _finish(fd, tmp, parent, target, size, _mode_or_none(mode), uid, gid, mtime_ns, sha256, durable)
        if durable:
            _fsync_dir(parent)
        return size

    @staticmethod
    def open_file(root, rel_path, size, mode=None, mtime_ns=None, owner=None, group=None,
                  durable=True, handle=None):
        """Start a chunked atomic write. Returns a handle for ``write_chunk``/``commit``/``abort``.

        ``handle`` may be chosen by the caller (letters, digits, '-', '_'), so chunks can be pipelined
        right behind this call.
        """
        if handle is not None and (not isinstance(handle, str) or not 0 < len(handle) <= 64
                                   or not _HANDLE_CHARS.issuperset(handle)):
            raise ValueError("invalid handle %r" % (handle,))
        uid, gid = _uid(owner), _gid(group)  # an unknown name fails before a temp file exists
        root_real = _root(root, create=True)
        parent, target, name, tmp, fd = _open_temp(root_real, rel_path)
        hid = handle or os.urandom(8).hex()
        h = _Handle(id=hid, fd=fd, tmp=tmp, parent=parent, name=name, target=target, size=int(size),
                    mode=_mode_or_none(mode), uid=uid, gid=gid, mtime_ns=mtime_ns, durable=durable)
        with _HANDLES_LOCK:
            if hid in _HANDLES:
                os.close(fd)
                _unlink_quiet(tmp)
                raise ValueError("handle %r already open" % hid)
            _HANDLES[hid] = h
        return hid

    @staticmethod
    @zero_copy
    def write_chunk(handle, offset, data, size=None):
        """Write ``data`` at ``offset`` (pwrite: chunks may arrive in any order). Returns bytes written.

        With ``size``, ``data`` is zlib-compressed and must expand to exactly ``size`` bytes.
        """
        h = _get_handle(handle)
        offset = int(offset)
        if size is not None:
            size = int(size)
            if size < 0 or offset + size > h.size:
                raise ValueError("chunk [%d, %d) outside the file size %d" % (offset, offset + size, h.size))
            data = _inflate(data, size, h.target)
        if offset < 0 or offset + len(data) > h.size:
            raise ValueError("chunk [%d, %d) outside the file size %d" % (offset, offset + len(data), h.size))
        n = _pwrite_all(h.fd, data, offset)
        with h.lock:
            h.written += n
        if h.durable:
            _WRITEBACK.submit(h, offset, n)
        return n

    @staticmethod
    def commit(handle, sha256=None):
        """fsync, verify size (and sha256 if given), set mode/owner/mtime, rename over the target."""
        with _HANDLES_LOCK:
            h = _HANDLES.pop(handle, None)
        if h is None:
            raise KeyError("unknown write handle %r" % (handle,))
        _WRITEBACK.drain(h)
        if h.written < h.size:
            os.close(h.fd)
            _unlink_quiet(h.tmp)
            raise IOError(errno.EIO, "incomplete write: %d of %d bytes" % (h.written, h.size), h.target)
        _finish(h.fd, h.tmp, h.parent, h.target, h.size, h.mode, h.uid, h.gid, h.mtime_ns, sha256, h.durable)
        if h.durable:
            _fsync_dir(h.parent)
        return h.size

    @staticmethod
    def abort(handle):
        """Drop an open write: close and remove its temp file. Unknown handles are ignored."""
        with _HANDLES_LOCK:
            h = _HANDLES.pop(handle, None)
        if h is None:
            return False
        _WRITEBACK.drain(h)
        try:
            os.close(h.fd)
        except OSError:
            pass
        _unlink_quiet(h.tmp)
        return True

    # ---------------------------------------------------------------- releases

    @staticmethod
    def release_prepare(base, release_id, seed_from_current=True):
        """Create ``base/releases/<id>``, seeded from ``current`` with hard links (copies across devices).

        Re-preparing an existing, non-current release keeps it (an interrupted deploy resumes).
        Preparing the live release is refused. Returns ``{path, seeded_from, linked, copied}``.
        """
        _check_release_id(release_id)
        base_real = _base(base, create=True)
        cur = _current_id(base_real)
        if cur == release_id:
            raise ValueError("release %r is the current release: prepare a new id" % release_id)
        releases = base_real + "/releases"
        os.makedirs(releases, exist_ok=True)
        path = releases + "/" + release_id
        if os.path.islink(path):
            raise ValueError("%s is a symlink" % path)
        os.makedirs(path, exist_ok=True)
        result = {"path": path, "seeded_from": None, "linked": 0, "copied": 0}
        if not seed_from_current or cur is None:
            return result
        src = releases + "/" + cur
        if not os.path.isdir(src):
            return result
        result["seeded_from"] = cur
        Deploy.cleanup_temps(path)
        for e in _walk(os.path.realpath(src)):
            if TEMP_MARK in e["path"]:
                continue
            s = src + "/" + e["path"]
            d = path + "/" + e["path"]
            if e["type"] == "dir":
                try:
                    os.mkdir(d, e["mode"])
                except FileExistsError:
                    pass
            elif e["type"] == "symlink":
                if not os.path.lexists(d):
                    os.symlink(e["link"], d)
            elif e["type"] == "file":
                if os.path.lexists(d):
                    continue
                try:
                    os.link(s, d, follow_symlinks=False)
                    result["linked"] += 1
                except OSError as ex:
                    if ex.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP, errno.EACCES):
                        raise
                    import shutil
                    shutil.copy2(s, d, follow_symlinks=False)
                    result["copied"] += 1
        return result

    @staticmethod
    def release_switch(base, release_id):
        """Point ``base/current`` at ``releases/<id>`` atomically (temp symlink renamed over it)."""
        _check_release_id(release_id)
        return _switch(_base(base), release_id)

    @staticmethod
    def release_list(base):
        """``{releases: [ids, oldest first], current: id or None}`` (ids in natural sort order)."""
        base_real = _base(base)
        return {"releases": _releases(base_real), "current": _current_id(base_real)}

    @staticmethod
    def release_prune(base, keep):
        """Delete the oldest releases so that ``keep`` remain; the current one is never deleted."""
        keep = int(keep)
        if keep < 1:
            raise ValueError("keep must be at least 1")
        base_real = _base(base)
        ids = _releases(base_real)
        cur = _current_id(base_real)
        removed = []
        excess = len(ids) - keep
        for rid in ids:
            if excess <= 0:
                break
            if rid == cur:
                continue
            import shutil
            shutil.rmtree(base_real + "/releases/" + rid)
            removed.append(rid)
            excess -= 1
        return removed

    @staticmethod
    def rollback(base):
        """Switch ``current`` to the release before it. ValueError if there is none."""
        base_real = _base(base)
        cur = _current_id(base_real)
        ids = _releases(base_real)
        if cur is None:
            raise ValueError("no current release under %s" % base_real)
        older = [r for r in ids if _release_key(r) < _release_key(cur)]
        if not older:
            raise ValueError("no release before %r to roll back to" % cur)
        return _switch(base_real, older[-1])


def _mode_or_none(mode):
    return None if mode is None else int(mode) & 0o7777


def _get_handle(handle):
    with _HANDLES_LOCK:
        h = _HANDLES.get(handle)
    if h is None:
        raise KeyError("unknown write handle %r" % (handle,))
    return h


def _finish_no_rename(fd, tmp, target, size, mode, uid, gid, mtime_ns, sha256, durable):
    try:
        try:
            st = os.fstat(fd)
            if st.st_size != size:
                raise IOError(errno.EIO, "size mismatch: expected %d bytes, wrote %d" % (size, st.st_size), target)
            if sha256:
                got = _sha256_path(tmp)
                if got != sha256.lower():
                    raise IOError(errno.EIO, "sha256 mismatch: expected %s, got %s" % (sha256, got), target)
            if uid != -1 or gid != -1:
                os.fchown(fd, uid, gid)
            os.fchmod(fd, mode if mode is not None else 0o644)
            if durable:
                os.fsync(fd)
            if mtime_ns is not None:
                os.utime(fd, ns=(mtime_ns, mtime_ns))
        finally:
            os.close(fd)
    except BaseException:
        _unlink_quiet(tmp)
        raise


def _rename_into_place(tmp, target):
    try:
        os.rename(tmp, target)
    except OSError as e:
        if e.errno not in (errno.EISDIR, errno.ENOTEMPTY, errno.EEXIST):
            raise
        try:
            os.rmdir(target)
        except OSError:
            raise IsADirectoryError(errno.EISDIR, "a folder is in the way of a file", target)
        os.rename(tmp, target)
