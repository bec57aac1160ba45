"""Deploy: the remote half of Rmote's deploy engine (delta copy, atomic writes, releases).

Stdlib only, Python 3.8+. ``Tool`` is injected by the runtime, the shared file helpers come from ``rmote_toolkit``
(see docs/PROTOCOL.md, section 4).

Design, in short:

* One call decides everything: ``sync_plan`` scans the destination, compares it with the entries the
  controller sends (size+mtime or sha256), creates folders and symlinks, fixes modes of unchanged
  files, optionally deletes extraneous paths, and returns the list of files whose bytes must travel.
* File bytes travel raw. Small files go many per call (``put_many``: one bytes argument holding them
  all back to back); large files go through ``open_file`` / ``write_chunk`` (``os.pwrite``, so chunks
  may run in any order on any worker thread) / ``commit``. A changed file the host already has travels as
  an rsync delta: ``sync_plan`` names its version here, ``block_sums`` streams that version's block sums,
  the controller finds its blocks anywhere in the new file (a rolling sum), and ``write_delta`` builds the
  new file from ranges of the old one and the bytes that differ.
* Every file lands atomically: it is written to ``.<name>.rmote-tmp-<rand>`` in its destination
  folder, fsynced, given its mode/owner/mtime, then renamed over the target; the folder is fsynced.
  An interrupted deploy leaves only the old file or the new one, plus temp files that
  ``cleanup_temps`` (called at the start of a sync that a killed process's mark, or a first sync, asks for:
  ``_TempMarks``) removes.
* A file whose inode has other hard links (a release seeded from the previous one) is never changed in
  place: content and metadata changes always go through a fresh inode.
* Every relative path is checked: no absolute paths, no ``..``/``.``/empty components, no NUL.
* Nothing below a destination root is reached by a path (issue 16): every folder is opened relative to its
  parent's fd with O_NOFOLLOW, every change names an entry of such a folder fd. A symlink where a folder is
  expected is removed as an entry (delete), replaced (a folder entry) or refused (a file's parent), never
  entered, so a local user swapping folders for symlinks mid-deploy cannot make it act outside the destination.
* Releases: managed folders are real folders under the real base; a flock per base serializes deploys; each
  release is staging or complete, and only complete releases go live or are rolled back to.

The file reads top down: paths and destination roots, folder fds, metadata, atomic writes, walking (scan,
extraneous paths, stale temps), release folders and seeding, release states and the lock, the steps of
``sync_plan`` (validate, folders, files, delete), the ``Deploy`` tool itself, cancellation and the connection's end.
"""

# hashlib and shutil are imported in the functions that need them: this file's imports are paid on every
# host at connect time, before the first call.
import errno
import os
import stat
import _thread
import time
import zlib

from rmote_toolkit import (TEMP_MARK, chmod_at, fsync_quietly, group_id, open_folder, owner_id, private_folder, real_path,
                           temp_leaf, unlink_quietly)
from rmote_deploy_tree import (
    _CLOEXEC, _DIR_OPEN, _FILE_READ, _Tree, _check_rel, _cleanup_temps_at, _extraneous_at, _keep_set,
    _lstat_at, _open_dir_at, _remove_at, _sha256_at, _sha256_fd, _sorted_entries, _symlink_refused, _walk, _walk_fd,
    _within)

# character sets rather than regular expressions: importing re costs milliseconds of the first call
_HANDLE_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
_RELEASE_ID_CHARS = _HANDLE_CHARS | {"."}
_HANDLES = {}
_HANDLES_LOCK = _thread.allocate_lock()
_PLANS = {}  # plan id -> its _PlanSession (sync_plan_piece)
_PLANS_LOCK = _thread.allocate_lock()
_PIECE_WAIT_MAX = 3600  # seconds a piece waits for the one before it, at most (a controller that never sends it)


# ----------------------------------------------------------------------------------------- paths


# the folders that are never a destination root or release base themselves (issue 16, case 5); the controller
# refuses the same list before anything is sent, this is the host's backstop
_SYSTEM_DIRS = frozenset(("/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib32", "/lib64", "/libx32", "/media",
                          "/mnt", "/opt", "/proc", "/root", "/run", "/sbin", "/srv", "/sys", "/tmp", "/usr", "/var"))


_HOME = []  # the connected user's real home folder, resolved on first use
_ALLOWED_ROOTS = set()  # real paths this connection's controller opted in to (Deploy.allow_destination)


def _dangerous(path, real):
    """Why a destination given as ``path`` (``~`` expanded), resolving to ``real``, must not be one; or None."""
    norm = "/" + os.path.normpath(path).lstrip("/")
    if not _HOME:
        _HOME.append(os.path.realpath(os.path.expanduser("~")))
    home = _HOME[0]
    for p in (norm, real):
        if p == "/":
            return "the host's root folder"
        if p == home:
            return "the home folder itself"
        if p in _SYSTEM_DIRS:
            return "the system folder %s itself" % p
    return None


def _root(root, create=False, guard=True):
    """Resolve a destination root (``~`` expanded, must be absolute) to its real path. With ``guard``, the
    host's root, home and top-level system folders are refused (after realpath), naming the likely cause."""
    if not isinstance(root, str) or root.strip() == "" or "\x00" in root:
        raise ValueError("invalid destination root %r: it is empty, which usually means an empty variable or "
                         "property in the destination path" % (root,))
    path = os.path.expanduser(root)
    if not os.path.isabs(path):
        raise ValueError("destination root %r must be an absolute path" % (root,))
    real = real_path(path)  # a symlink on the way that another user controls is refused, not followed
    if guard and real not in _ALLOWED_ROOTS:
        why = _dangerous(path, real)
        if why is not None:
            raise ValueError("refusing to use %s as a destination (given as %r): it is %s. This usually means an "
                             "empty variable or property in the destination path (e.g. \"$(DeployDir)/\" with "
                             "DeployDir unset); point it at a folder of its own, such as /srv/app" % (real, root, why))
    if create:
        os.close(open_folder(path, create=True))
        real = real_path(path)  # a path made of symlinks created meanwhile
        _MARKS.note(real)  # every caller that may make temp files under the root comes through here
    return real


# ------------------------------------------------------------------------------------- metadata


def _uid(owner):
    """The uid to give files, -1 to leave it: the toolkit's owner_id ("" means none, as null does)."""
    uid = owner_id(None if owner == "" else owner)
    return -1 if uid is None else uid


def _gid(group):
    """The gid to give files, -1 to leave it: the toolkit's group_id ("" means none, as null does)."""
    gid = group_id(None if group == "" else group)
    return -1 if gid is None else gid


_GRANULARITY = {}


def _mtime_granularity(dir_real, dir_fd):
    """Timestamp resolution (ns) of the filesystem holding ``dir_real`` (open as ``dir_fd``), probed once."""
    g = _GRANULARITY.get(dir_real)
    if g is not None:
        return g
    g = 1
    probe = temp_leaf("probe")
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | _CLOEXEC, 0o600, dir_fd=dir_fd)
        try:
            want = 1500000000123456789
            os.utime(fd, ns=(want, want))
            got = os.fstat(fd).st_mtime_ns
        finally:
            os.close(fd)
            unlink_quietly(probe, dir_fd=dir_fd)
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


def _entry_mode(entry):
    mode = entry.get("mode")
    return None if mode is None else int(mode) & 0o7777


def _rewrite_meta(dfd, name, st, mode, uid, gid, mtime_ns, durable):
    """Change metadata of the existing file ``name`` in folder ``dfd`` without touching other hard links to it.

    A file with more than one link (seeded release) is copied to a temp file and renamed over itself,
    so the previous release keeps its own metadata.
    """
    if st.st_nlink <= 1:
        if mode is not None and stat.S_IMODE(st.st_mode) != mode:
            chmod_at(dfd, name, mode)
        if (uid != -1 and st.st_uid != uid) or (gid != -1 and st.st_gid != gid):
            os.chown(name, uid, gid, dir_fd=dfd, follow_symlinks=False)
        if mtime_ns is not None and st.st_mtime_ns != mtime_ns:
            os.utime(name, ns=(mtime_ns, mtime_ns), dir_fd=dfd, follow_symlinks=False)
        return
    tmp = temp_leaf(name)
    src = os.open(name, _FILE_READ, dir_fd=dfd)
    try:
        fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | _CLOEXEC, 0o600, dir_fd=dfd)
        try:
            try:
                _copy_range(src, fd, 0, 0, os.fstat(src).st_size)
                if uid != -1 or gid != -1:
                    os.fchown(fd, uid, gid)
                os.fchmod(fd, mode if mode is not None else stat.S_IMODE(st.st_mode))
                if durable:
                    os.fsync(fd)
                t = mtime_ns if mtime_ns is not None else st.st_mtime_ns
                os.utime(fd, ns=(t, t))
            finally:
                os.close(fd)
            os.rename(tmp, name, src_dir_fd=dfd, dst_dir_fd=dfd)
        except BaseException:
            unlink_quietly(tmp, dir_fd=dfd)
            raise
    finally:
        os.close(src)


# --------------------------------------------------------------------------------- batch durability

_SYNCFS = []  # [the libc syncfs function, or None where there is none], resolved on first use
_SYNCFS_MIN_FILES = 4  # a batch with fewer files fsyncs each: one syncfs also flushes other writers' dirty data


def _syncfs_fn():
    if not _SYNCFS:
        fn = None
        try:
            import ctypes  # imported here: only a durable batch of small files pays for it
            fn = ctypes.CDLL(None, use_errno=True).syncfs
            fn.argtypes = [ctypes.c_int]
            fn.restype = ctypes.c_int
        except (ImportError, AttributeError, OSError):
            fn = None
        _SYNCFS.append(fn)
    return _SYNCFS[0]


def _batch_sync_ok(fd, count):
    """True when a batch of ``count`` files in the folder ``fd`` is made durable by syncfs(2) calls (one before
    its renames, one after) rather than an fsync per file and folder: an fsync of a small file costs a journal
    commit each (measured on ext4: ~1.3 ms of wall and ~0.26 ms of CPU a file), one syncfs commits them all.
    Only on a filesystem on a block device (a non-zero major device number: ext4, xfs...), where syncfs writes
    out and waits for every dirty page and inode of it; a network, FUSE or overlay filesystem keeps the fsyncs."""
    if count < _SYNCFS_MIN_FILES or _syncfs_fn() is None:
        return False
    return os.major(os.fstat(fd).st_dev) != 0


def _syncfs(fd):
    """syncfs(2) of the filesystem holding ``fd``; a failure (a writeback error since Linux 5.8) raises."""
    import ctypes
    if _syncfs_fn()(fd) != 0:
        err = ctypes.get_errno()
        raise OSError(err, "syncfs: " + os.strerror(err))


# --------------------------------------------------------------------------------- atomic write


class _Handle:
    # dir_fd: the destination folder, held open (a dup) until commit/abort; tmp: the temp file's name in it;
    # parent/target: paths, for messages only
    # src/basis: a delta copy's current version of the file (open_file's basis) and what it was, else None
    # sha/hashed/ranges/hash_lock: a delta copy's result hashed as its runs land (_Handle.start, _hash_written);
    # sha is None where it is not (a whole file, or runs that overlap): commit then reads the whole result
    __slots__ = ("id", "fd", "dir_fd", "tmp", "parent", "name", "target", "size", "mode", "uid", "gid",
                 "mtime_ns", "written", "lock", "durable", "created", "pending_writeback", "busy", "closed", "src", "basis",
                 "sha", "hashed", "ranges", "hash_lock")

    def __init__(self, **kw):
        for k, v in kw.items():
            setattr(self, k, v)
        self.written = 0
        self.pending_writeback = 0
        self.busy = 0        # write_chunk calls inside pwrite right now
        self.closed = False  # commit/abort took it: no new write may start
        self.lock = _thread.allocate_lock()
        self.created = time.time()
        self.sha = None
        self.hashed = 0      # sha holds the bytes [0, hashed) of the result
        self.ranges = []     # [start, end, done] of each write not hashed yet, by start
        self.hash_lock = _thread.allocate_lock()  # one thread hashes at a time, in order

    def enter(self, offset=None, length=0):
        """A write of ``length`` bytes at ``offset`` starts (None: one the running hash does not follow)."""
        with self.lock:
            if self.closed:
                raise KeyError("write handle %r was committed or aborted" % self.id)
            self.busy += 1
            if self.sha is None or (offset is not None and length == 0):
                return
            end = offset + length if offset is not None else 0
            if offset is None or offset < self.hashed or any(s < end and offset < e for s, e, _ in self.ranges):
                # bytes already hashed (or about to be) would change: commit reads the whole result instead
                self.sha = None
                del self.ranges[:]
            else:
                i = len(self.ranges)
                while i and self.ranges[i - 1][0] > offset:  # about in order: from the end
                    i -= 1
                self.ranges.insert(i, [offset, end, False])

    def leave(self, written):
        with self.lock:
            self.busy -= 1
            self.written += written

    def close_for_writes(self):
        """No new write starts; wait (bounded) for those in pwrite, so that the fd is never closed under one (a
        cancelled write_chunk may still run on a worker thread, and a reused fd number would take its bytes)."""
        with self.lock:
            self.closed = True
        deadline = time.monotonic() + 30
        while self.busy and time.monotonic() < deadline:
            time.sleep(0.002)


def _open_temp(tree, rel, create_parents=True):
    """``(folder fd, name, temp name, temp fd)``: a new temp file (O_EXCL, never through a symlink) in the real
    folder that will hold ``rel``. The folder fd belongs to ``tree``."""
    dfd, name = tree.parent(rel, create=create_parents)
    if dfd is None:
        raise FileNotFoundError(errno.ENOENT, "destination folder missing", tree.path(rel))
    tmp = temp_leaf(name)
    fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | _CLOEXEC, 0o600, dir_fd=dfd)
    return dfd, name, tmp, fd


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


# rsync's block sizes: about the square root of the file's size (a multiple of 8), 700 bytes at least, 128 KiB at
# most; so sums grow with the square root too (a 400 MiB file: 20,480 blocks, 240 KiB of sums)
_MIN_BLOCK = 700
_MAX_BLOCK = 128 * 1024
_PAGE_BLOCKS = 1 << 15     # blocks per page of block_sums: 384 KiB at most, far below any frame limit


def _block_size(size):
    """The block size of a file of ``size`` bytes for a delta copy (rsync's choice)."""
    import math
    return max(_MIN_BLOCK, min(_MAX_BLOCK, math.isqrt(max(size, 0)) & ~7))


def _strong_bytes(size, block):
    """Bytes of a block's strong sum (``_strong_sum``) kept: rsync's choice (sum_sizes_sqroot, BLOCKSUM_BIAS 10: enough bits,
    with the 32 of the weak sum, for all the block/offset pairs a scan of a wholly different file could compare, plus
    10), 2 to 8. A false match fails the whole-file check at commit and the file is sent whole; only a scan that rolls
    over most of the file (a file mostly changed, sent about whole anyway) comes near rsync's bound."""
    bits = 10 + 2 * (max(size, 1).bit_length() - 1) - (block.bit_length() - 1)
    return max(2, min(8, (bits + 1 - 32 + 7) // 8))


_SUM_PIECE = 4 << 20           # bytes of the file summed per task: the largest read a page holds
_SUM_THREADS_FROM = 32 << 20   # files this large are summed on two threads (hashlib and zlib drop the GIL on big blocks)


def _strong_sum(strong):
    """The strong sum of ``strong`` bytes: a function of a block giving 4 + ``strong`` bytes, the block's Adler-32
    (big-endian) and then its strong sum. Up to 4 bytes (files below 64 GiB) that is the first bytes of its
    CRC-32 (zlib's, big-endian): 3x cheaper than SHA-256 here, and most of block_sums' CPU was SHA-256. CRC-32 is as
    good as a hash for these bits (its values spread evenly over changed content, and any change of 32 bits or fewer
    in a block changes it), and where it matches content that differs the whole-file SHA-256 at commit fails and the
    file is sent whole: a false match costs time, never a wrong file. Above 4 bytes: the first bytes of SHA-256."""
    from _struct import Struct
    adler32 = zlib.adler32
    if strong <= 4:
        crc32 = zlib.crc32
        pack = Struct(">II").pack
        keep = 4 + strong
        return lambda piece: pack(adler32(piece), crc32(piece))[:keep]
    import hashlib
    sha256 = hashlib.sha256
    pack1 = Struct(">I").pack
    return lambda piece: pack1(adler32(piece)) + sha256(piece).digest()[:strong]


def _sum_pages(fd, size, block, strong):
    """Pages (bytes) of the sums of each ``block``-byte block of the open file ``fd`` of ``size`` bytes (the last
    block may be shorter): Adler-32 (big-endian), then its ``strong``-byte strong sum (``_strong_sum``). Reads in pieces of
    a few MiB, never the whole file at once; a large file's pieces are summed on two threads, in order. A page is
    sent per piece (or less, at most _PAGE_BLOCKS blocks), as soon as it is summed."""
    per_read = max(1, _SUM_PIECE // block) * block
    starts = range(0, size, per_read)
    if size < _SUM_THREADS_FROM or (os.cpu_count() or 1) < 2:
        sums = (_sum_piece(fd, at, min(per_read, size - at), block, strong) for at in starts)
        pool = None
    else:
        from concurrent.futures import ThreadPoolExecutor
        pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="rmote-block-sums")
        sums = _in_order(pool, [(_sum_piece, fd, at, min(per_read, size - at), block, strong) for at in starts], 4)
    try:
        limit = _PAGE_BLOCKS * (4 + strong)
        for piece in sums:
            # each piece's sums go at once (the controller's scan starts on the first page and runs while the rest
            # are summed), in pages of _PAGE_BLOCKS at most
            for at in range(0, len(piece), limit):
                yield bytes(piece[at:at + limit])
    finally:
        if pool is not None:
            sums.close()
            pool.shutdown(wait=True)
    if size == 0:
        yield b""


def _in_order(pool, calls, ahead):
    """The results of ``calls`` (``(function, *args)``) run on ``pool``, in order, at most ``ahead`` at once;
    closing it cancels the calls not started."""
    running = []
    try:
        for call in calls:
            running.append(pool.submit(*call))
            if len(running) >= ahead:
                yield running.pop(0).result()
        while running:
            yield running.pop(0).result()
    finally:
        for f in running:
            f.cancel()


def _sum_piece(fd, offset, length, block, strong):
    """The sums (as in ``_sum_pages``) of the ``block``-byte blocks of ``length`` bytes of ``fd`` from ``offset``."""
    sums = _strong_sum(strong)
    buf = bytearray(length)
    view = memoryview(buf)
    got = 0
    while got < length:
        n = _pread_into(fd, view[got:], offset + got)
        if n <= 0:
            raise OSError(errno.ESTALE, "the file ended early while it was summed")
        got += n
    return b"".join([sums(view[at:at + block]) for at in range(0, length, block)])


def _pread_into(fd, view, offset):
    """Bytes read into ``view`` from ``offset``: preadv where there is one (no copy), else pread."""
    if hasattr(os, "preadv"):
        return os.preadv(fd, [view], offset)
    data = os.pread(fd, len(view), offset)
    view[:len(data)] = data
    return len(data)


def _open_basis(dfd, name, basis, shown):
    """The current version ``name`` of folder ``dfd``, opened for reading, still the one ``basis`` (``{size, mtime_ns,
    ino}``, as sync_plan saw it) describes; else ``OSError`` ESTALE: the controller then sends the file whole."""
    try:
        if dfd is None:
            raise FileNotFoundError(errno.ENOENT, "folder missing")
        fd = os.open(name, _FILE_READ, dir_fd=dfd)
    except OSError:
        raise OSError(errno.ESTALE, "%s is gone or no longer a file since the delta copy started" % shown)
    if not _same_basis(fd, basis):
        os.close(fd)
        raise OSError(errno.ESTALE, "%s changed since the delta copy started; nothing was written" % shown)
    return fd


def _same_basis(fd, basis):
    st = os.fstat(fd)
    return stat.S_ISREG(st.st_mode) and (st.st_size, st.st_mtime_ns, st.st_ino) == (
        int(basis["size"]), int(basis["mtime_ns"]), int(basis["ino"]))


def _copy_range(src, dst, src_offset, dst_offset, count):
    """Copy count bytes at src_offset of src to dst_offset of dst: in the kernel where it can (copy_file_range, a
    reflink on filesystems that share blocks), else through a buffer."""
    copy = getattr(os, "copy_file_range", None)
    while count > 0 and copy is not None:
        try:
            n = copy(src, dst, count, src_offset, dst_offset)
        except OSError as e:
            if e.errno not in (errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.EBADF):
                raise
            break
        if n <= 0:
            break
        src_offset += n
        dst_offset += n
        count -= n
    while count > 0:
        piece = os.pread(src, min(count, 1 << 20), src_offset)
        if not piece:
            raise OSError(errno.ESTALE, "the file's current version ended early while its blocks were reused")
        _pwrite_all(dst, piece, dst_offset)
        src_offset += len(piece)
        dst_offset += len(piece)
        count -= len(piece)


def _hash_written(h, offset):
    """The write at ``offset`` of h (see _Handle.enter) is complete: hash the result on from h.hashed over every
    complete write that follows on, reading back what the file holds, as commit would (so commit does not read the
    whole result again at the end: the hashing overlaps the transfer). Writes arrive about in order; one that lands
    early waits, complete, for those before it, and whichever write fills the gap hashes it too."""
    with h.lock:
        for r in h.ranges:
            if r[0] == offset:
                r[2] = True
    with h.hash_lock:
        while True:
            with h.lock:
                sha = h.sha
                if sha is None or not h.ranges or h.ranges[0][0] != h.hashed or not h.ranges[0][2]:
                    return
                start, end, _ = h.ranges.pop(0)
                h.hashed = end  # a write below end from now on stops the running hash (_Handle.enter)
            _hash_range(h.fd, sha, start, end)


def _hash_range(fd, sha, start, end):
    """Add the bytes [start, end) of ``fd`` to ``sha``."""
    buf = bytearray(min(end - start, 1 << 20))
    view = memoryview(buf)
    while start < end:
        n = _pread_into(fd, view[:min(len(buf), end - start)], start)
        if n <= 0:
            raise OSError(errno.EIO, "the file ended early while it was hashed")
        sha.update(view[:n])
        start += n


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


def _finish(fd, dfd, tmp, name, shown, size, mode, uid, gid, mtime_ns, sha256, durable, got=None):
    """fsync, verify, set metadata, rename ``tmp`` over ``name`` in folder ``dfd``. Closes ``fd``. Unlinks
    ``tmp`` on failure. ``shown``: the target's path, for messages. ``got``: the file's SHA-256 where it was
    hashed already (else it is read to check ``sha256``)."""
    _finish_no_rename(fd, dfd, tmp, shown, size, mode, uid, gid, mtime_ns, sha256, durable, got)
    try:
        _rename_into_place(dfd, tmp, name, shown)
    except BaseException:
        unlink_quietly(tmp, dir_fd=dfd)
        raise


def _open_temp_inodes():
    """``(st_dev, st_ino)`` of the temp files this process has open (chunked writes): stale-temp cleanup spares them."""
    mine = set()
    with _HANDLES_LOCK:
        for h in _HANDLES.values():
            try:
                st = os.fstat(h.fd)
                mine.add((st.st_dev, st.st_ino))
            except OSError:
                pass
    return mine


# ------------------------------------------------------------------------- stale-temp marks


class _TempMarks:
    """Whether sync_plan's stale-temp walk (every folder of the destination: ~0.3 s of CPU for 100k files) can
    find anything, so that a run after clean runs skips it.

    Before a call may create temp files under a root (every writer resolves it with ``_root(create=True)``), this
    process writes a mark naming that root into ``folder`` (private to the host user), fsynced before any temp can
    exist and flocked while the process lives. At the connection's end, once no writing call runs and its own temps
    are gone, the process removes its marks. A mark whose flock is free was left by a process that died (killed,
    crashed, power loss): its temps may remain, so the walk runs for every root overlapping the mark's, and a walk
    of a root removes the dead marks inside it. A root is walked at least once (temps older than marks) before it is
    recorded as swept; without a usable folder the walk always runs."""

    def __init__(self, folder=None):
        self.folder = folder  # None: ~/.cache/rmote/deploy-temps, made on first use
        self.node = None
        self.mine = {}  # root real path -> (mark name, fd holding its flock)
        self.lock = _thread.allocate_lock()
        self.writers = 0  # writing calls running (the end keeps the marks while one still may make a temp)
        self.failed = False

    def _dir(self):
        """The marks folder (a real folder of this user that only they can enter), or None when unusable."""
        if self.failed:
            return None
        try:
            if self.folder is None:
                import pwd
                self.folder = os.path.join(pwd.getpwuid(os.geteuid()).pw_dir, ".cache", "rmote", "deploy-temps")
            if self.node is None:
                self.node = os.uname()[1].replace("/", "_") or "host"
            if not private_folder(self.folder):
                raise OSError(errno.EPERM, "marks folder is not private", self.folder)
            return self.folder
        except (OSError, KeyError):
            self.failed = True
            return None

    def _key(self, root_real):
        import hashlib
        return hashlib.sha256(root_real.encode("utf-8", "surrogateescape")).hexdigest()[:24]

    def note(self, root_real):
        """Before temps may be made under ``root_real``: this process's mark for it exists on disk."""
        if root_real in self.mine:
            return
        with self.lock:
            if root_real in self.mine:
                return
            folder = self._dir()
            if folder is None:
                return  # every plan walks then
            import fcntl
            name = "mark-%s-%d-%s" % (self.node, os.getpid(), self._key(root_real))
            # written and flocked under a name the others skip, then renamed: a mark they see is complete
            tmp = os.path.join(folder, "new-" + name)
            fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | _CLOEXEC, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                st = os.stat(root_real)
                # the folder's identity too: another mount namespace (a container sharing this home) may have a
                # different folder at the same path, and only a walk of this very folder may drop the mark
                _pwrite_all(fd, ("%d:%d:%s" % (st.st_dev, st.st_ino, root_real)).encode("utf-8", "surrogateescape"), 0)
                os.fsync(fd)
                os.rename(tmp, os.path.join(folder, name))
                dfd = os.open(folder, _DIR_OPEN)
                try:
                    os.fsync(dfd)  # the mark's name is durable before any temp file is created
                finally:
                    os.close(dfd)
            except BaseException:
                os.close(fd)
                unlink_quietly(tmp)
                unlink_quietly(os.path.join(folder, name))
                raise
            self.mine[root_real] = (name, fd)

    def _dead(self, folder):
        """``[(mark name, root, (st_dev, st_ino) of the root when marked)]`` of this host's marks whose process died."""
        import fcntl
        out = []
        prefix = "mark-%s-" % self.node
        mine = set(n for n, _ in self.mine.values())
        for n in os.listdir(folder):
            if not n.startswith(prefix) or n in mine:
                continue
            try:
                fd = os.open(os.path.join(folder, n), os.O_RDONLY | os.O_NOFOLLOW | _CLOEXEC)
            except OSError:
                continue
            try:
                try:
                    fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
                except OSError:
                    continue  # its process lives: its temps are not stale
                try:
                    dev, ino, root = os.read(fd, 65536).decode("utf-8", "surrogateescape").split(":", 2)
                    out.append((n, root, (int(dev), int(ino))))
                except ValueError:
                    # not a mark this code wrote (a mark is complete before its name appears): every plan walks
                    # once more, and the walk drops it
                    out.append((n, "/", None))
            finally:
                os.close(fd)
        return out

    def sweep(self, root_real, walk):
        """Run ``walk()`` (the stale-temp walk of ``root_real``) unless no temp can be left there; return its result
        (``[]`` when skipped)."""
        folder = self._dir()
        if folder is None:
            return walk()
        swept = os.path.join(folder, "swept-%s-%s" % (self.node, self._key(root_real)))
        dead = self._dead(folder)
        # by path: a mark naming another folder at an overlapping path makes this plan walk too (never fewer walks)
        over = [(n, r, ident) for n, r, ident in dead if _within(r, root_real) or _within(root_real, r)]
        if not over and os.path.lexists(swept):
            return []
        removed = walk()
        for n, r, ident in over:
            if ident is None:
                unlink_quietly(os.path.join(folder, n))
            elif _within(r, root_real):  # inside the walked tree...
                try:
                    st = os.lstat(r)
                except OSError:
                    continue  # kept: a folder of another mount namespace, or gone (then only walks stay)
                if (st.st_dev, st.st_ino) == ident:  # ...and the very folder marked
                    unlink_quietly(os.path.join(folder, n))
        if not os.path.lexists(swept):
            os.close(os.open(swept, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | _CLOEXEC, 0o600))
        return removed

    def writing(self, fn):
        """Decorator: the call counts as writing while it runs."""
        def call(*args, **kwargs):
            with self.lock:
                self.writers += 1
            try:
                return fn(*args, **kwargs)
            finally:
                with self.lock:
                    self.writers -= 1
        call.__name__, call.__doc__ = fn.__name__, fn.__doc__
        call.rmote_counts_writing = True
        if getattr(fn, "rmote_zero_copy", False):
            call.rmote_zero_copy = True
        return call

    def end(self):
        """The connection ended and its open writes were aborted: drop the marks unless a writing call still runs
        (it may yet make a temp file; the marks then outlive the process, and the next plan walks)."""
        with self.lock:
            if self.writers:
                return
            folder = self.folder
            for name, fd in self.mine.values():
                unlink_quietly(os.path.join(folder, name))
                os.close(fd)
            self.mine = {}


_MARKS = _TempMarks()


_FREE_LATER_FROM = 8 << 20  # replaced files this large are freed after commit answers (_hold_replaced)


def _hold_replaced(dfd, name):
    """A reference (an O_PATH fd: it opens nothing, a device node included) to the large regular file ``name`` in
    ``dfd`` that a commit's rename is about to replace, else None. While it is held, the rename does not free the
    old file's blocks and cached pages (ext4: ~0.15 s per 400 MiB, measured inside commit); ``_free_later`` does
    that after the answer."""
    o_path = getattr(os, "O_PATH", None)
    if o_path is None:
        return None
    try:
        fd = os.open(name, o_path | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0), dir_fd=dfd)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
    except OSError:
        st = None
    if st is None or not stat.S_ISREG(st.st_mode) or st.st_nlink != 1 or st.st_size < _FREE_LATER_FROM:
        os.close(fd)
        return None
    return fd


def _free_later(fd):
    """Close ``fd`` (from ``_hold_replaced``) on a thread of its own: the last reference to a replaced file goes,
    and the kernel frees it there, not on the caller's way to its answer."""
    if fd is None:
        return
    import threading
    try:
        threading.Thread(target=_close_quietly, args=(fd,), name="rmote-deploy-free", daemon=True).start()
    except RuntimeError:  # no thread to be had: freed here, after a commit that did its work
        _close_quietly(fd)


def _close_quietly(fd):
    if fd is not None:
        try:
            os.close(fd)
        except OSError:
            pass


def _mode_or_none(mode):
    return None if mode is None else int(mode) & 0o7777


def _get_handle(handle):
    with _HANDLES_LOCK:
        h = _HANDLES.get(handle)
    if h is None:
        raise KeyError("unknown write handle %r" % (handle,))
    return h


def _finish_no_rename(fd, dfd, tmp, shown, size, mode, uid, gid, mtime_ns, sha256, durable, got=None):
    try:
        try:
            st = os.fstat(fd)
            if st.st_size != size:
                raise IOError(errno.EIO, "size mismatch: expected %d bytes, wrote %d" % (size, st.st_size), shown)
            if sha256:
                if got is None:
                    got = _sha256_fd(fd)
                if got != sha256.lower():
                    raise IOError(errno.EIO, "sha256 mismatch: expected %s, got %s" % (sha256, got), shown)
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
        unlink_quietly(tmp, dir_fd=dfd)
        raise


def _rename_into_place(dfd, tmp, name, shown):
    try:
        os.rename(tmp, name, src_dir_fd=dfd, dst_dir_fd=dfd)
    except OSError as e:
        if e.errno not in (errno.EISDIR, errno.ENOTEMPTY, errno.EEXIST):
            raise
        try:
            os.rmdir(name, dir_fd=dfd)
        except OSError:
            raise IsADirectoryError(errno.EISDIR, "a folder is in the way of a file", shown)
        os.rename(tmp, name, src_dir_fd=dfd, dst_dir_fd=dfd)


# ---------------------------------------------------------------------- release folders and seeding


def _release_key(name):
    # natural sort: "v9" < "v10"; timestamps sort as numbers
    import re
    return [(0, int(t), "") if t.isdigit() else (1, 0, t) for t in re.findall(r"\d+|\D+", name)]


def _check_release_id(release_id):
    if (not isinstance(release_id, str) or not release_id or not _RELEASE_ID_CHARS.issuperset(release_id)
            or release_id in (".", "..") or TEMP_MARK in release_id):
        raise ValueError("invalid release id %r: use letters, digits, '.', '_' and '-'" % (release_id,))


def _refuse_release_base(tree):
    """A plain copy's delete-extraneous in a release base would delete its releases (issue 16): refused, named."""
    st = _lstat_at(tree.fd, "releases")
    if st is None or not stat.S_ISDIR(st.st_mode):
        return
    current = _lstat_at(tree.fd, "current")
    if (current is not None and stat.S_ISLNK(current.st_mode)) or _lstat_at(tree.fd, _STATE) is not None:
        raise ValueError("refusing to delete extraneous files in %s: it is a release base (it holds releases/ and "
                         "current), so the delete would remove its releases. Deploy there with releases "
                         "(UseReleases), or copy into a folder of its own" % tree.root)


def _base(base, create=False):
    return _root(base, create=create)


def _managed_dir(pfd, name, shown, create=False):
    """The fd of a managed folder (releases/, a release): a real folder, never a symlink (issue 16, case 2)."""
    try:
        fd = _open_dir_at(pfd, name, shown, name, create)
    except ValueError:
        raise ValueError("%s is a symlink; refusing to manage releases through it (make it a real folder inside "
                         "the base)" % shown)
    except NotADirectoryError:
        raise ValueError("%s is not a folder; refusing to manage releases there" % shown)
    if fd is None:
        raise FileNotFoundError(errno.ENOENT, "no such folder", shown)
    return fd


class _Base:
    """A release base held by fds: the base (the user's choice, resolved once) and its real releases/ folder.
    Use as a context manager."""

    def __init__(self, base, create=False):
        self.real = _base(base, create=create)
        self.fd = open_folder(self.real)
        self._releases = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self._releases is not None:
            os.close(self._releases)
        os.close(self.fd)

    def releases_fd(self, create=False):
        if self._releases is None:
            self._releases = _managed_dir(self.fd, "releases", self.real + "/releases", create)
        return self._releases

    def release_fd(self, release_id, create=False):
        """A new fd of the real folder releases/<id> (the caller closes it)."""
        shown = self.real + "/releases/" + release_id
        try:
            rfd = self.releases_fd(create)
        except FileNotFoundError:
            raise FileNotFoundError(errno.ENOENT, "no such release %r" % release_id, shown)
        try:
            return _managed_dir(rfd, release_id, shown, create)
        except FileNotFoundError:
            raise FileNotFoundError(errno.ENOENT, "no such release %r" % release_id, shown)


def _current_id(b):
    try:
        target = os.readlink("current", dir_fd=b.fd)
    except FileNotFoundError:
        return None
    except OSError as e:
        if e.errno == errno.EINVAL:
            raise ValueError("%s/current exists and is not a symlink: refusing to manage releases there" % b.real)
        raise
    target = target.rstrip("/")
    head, _, tail = target.rpartition("/")
    if head not in ("releases", b.real + "/releases"):
        return None
    return tail


def _releases(b):
    try:
        rfd = b.releases_fd()
    except FileNotFoundError:
        return []
    with os.scandir(rfd) as it:
        names = [e.name for e in it
                 if e.is_dir(follow_symlinks=False) and TEMP_MARK not in e.name and not e.name.startswith(".")]
    return sorted(names, key=_release_key)


def _switch(b, release_id):
    os.close(b.release_fd(release_id))  # a real folder inside the real releases/
    previous = _current_id(b)
    st = _lstat_at(b.fd, "current")
    if st is not None and not stat.S_ISLNK(st.st_mode):
        raise ValueError("%s/current exists and is not a symlink: refusing to replace it" % b.real)
    tmp = temp_leaf("current")
    os.symlink("releases/" + release_id, tmp, dir_fd=b.fd)
    try:
        os.rename(tmp, "current", src_dir_fd=b.fd, dst_dir_fd=b.fd)
    except BaseException:
        unlink_quietly(tmp, dir_fd=b.fd)
        raise
    fsync_quietly(b.fd)
    return {"previous": previous, "current": release_id}


def _unlink_current_if(b, release_id):
    """Remove ``current`` only if it is the symlink to ``release_id``: renamed aside first (atomic), then
    checked, so a link swapped in by someone else is never the one removed."""
    shown = b.real + "/current"
    st = _lstat_at(b.fd, "current")
    if st is None:
        raise ValueError("%s does not exist: no switch to %s to withdraw" % (shown, release_id))
    if not stat.S_ISLNK(st.st_mode):
        raise ValueError("%s exists and is not a symlink: refusing to withdraw it" % shown)
    tmp = temp_leaf("current")
    os.rename("current", tmp, src_dir_fd=b.fd, dst_dir_fd=b.fd)
    try:
        target = os.readlink(tmp, dir_fd=b.fd)
    except OSError:
        target = None  # swapped for a non-symlink after the lstat
    if target is not None and target.rstrip("/") in ("releases/" + release_id, b.real + "/releases/" + release_id):
        os.unlink(tmp, dir_fd=b.fd)
        fsync_quietly(b.fd)
        return
    try:
        # put back what was there, never over a current that appeared meanwhile (link refuses an existing name)
        if target is not None:
            os.link(tmp, "current", src_dir_fd=b.fd, dst_dir_fd=b.fd, follow_symlinks=False)
            os.unlink(tmp, dir_fd=b.fd)
        elif _lstat_at(b.fd, "current") is None:
            os.rename(tmp, "current", src_dir_fd=b.fd, dst_dir_fd=b.fd)
    except FileExistsError:
        unlink_quietly(tmp, dir_fd=b.fd)  # a newer current is in place: it stays, the stale one goes
    raise ValueError("%s is %s, not the switch to %s: refusing to withdraw it" % (
        shown, "a symlink to %r" % target if target is not None else "not a symlink", release_id))


def _live_history(st):
    """The history entries of releases that truly served: a switch withdrawn at once (a failed first fleet
    switch) is not one."""
    return [h for h in st["history"] if isinstance(h, dict) and "withdrawn" not in h]


def _seed(sfd, dfd, shown, result, skip=()):
    """Fill the release folder ``dfd`` from the current one ``sfd``: hard links (copies across devices), folders,
    symlinks; entries already there stay, and names in ``skip`` (the release manifest) are left out. Both walked
    through fds only."""
    for de in _sorted_entries(sfd):
        n = de.name
        if TEMP_MARK in n or n in skip:
            continue
        try:
            st = de.stat(follow_symlinks=False)
        except FileNotFoundError:
            continue
        if stat.S_ISDIR(st.st_mode):
            try:
                os.mkdir(n, stat.S_IMODE(st.st_mode), dir_fd=dfd)
            except FileExistsError:
                pass
            try:
                s2 = os.open(n, _DIR_OPEN, dir_fd=sfd)
            except OSError:
                continue
            try:
                d2 = _open_dir_at(dfd, n, shown + "/" + n, n)
                if d2 is not None:
                    try:
                        _seed(s2, d2, shown + "/" + n, result)
                    finally:
                        os.close(d2)
            finally:
                os.close(s2)
        elif stat.S_ISLNK(st.st_mode):
            if _lstat_at(dfd, n) is None:
                os.symlink(os.readlink(n, dir_fd=sfd), n, dir_fd=dfd)
        elif stat.S_ISREG(st.st_mode):
            if _lstat_at(dfd, n) is not None:
                continue
            try:
                os.link(n, n, src_dir_fd=sfd, dst_dir_fd=dfd, follow_symlinks=False)
                result["linked"] += 1
            except OSError as ex:
                if ex.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP, errno.EACCES):
                    raise
                _copy_at(sfd, dfd, n, st)
                result["copied"] += 1


def _copy_at(sfd, dfd, name, st):
    src = os.open(name, _FILE_READ, dir_fd=sfd)
    try:
        dst = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | _CLOEXEC, 0o600, dir_fd=dfd)
        try:
            _copy_range(src, dst, 0, 0, os.fstat(src).st_size)
            os.fchmod(dst, stat.S_IMODE(st.st_mode))
            os.utime(dst, ns=(st.st_atime_ns, st.st_mtime_ns))
        finally:
            os.close(dst)
    finally:
        os.close(src)


# ------------------------------------------------------------------ release states and the lock (cases 3, 4)

_STATE = ".rmote-releases.json"
_MANIFEST = ".rmote-release.json"  # in each release: who deployed what from where (release_complete)
_MANIFEST_MAX = 1 << 16
_LOCK = ".rmote-deploy.lock"
_LOCKS = {}                        # real base -> fd of its lock file, flocked by this interpreter
_LOCKS_GUARD = _thread.allocate_lock()
_HISTORY_MAX = 200


def _now():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _read_small(dfd, name, shown):
    """The bytes of a small regular file in folder dfd (never through a symlink); None if missing."""
    try:
        fd = os.open(name, _FILE_READ, dir_fd=dfd)
    except FileNotFoundError:
        return None
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise ValueError("%s is a symlink; refusing to read release state through it" % shown)
        raise
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ValueError("%s is not a regular file" % shown)
        chunks = []
        while True:
            piece = os.read(fd, 1 << 16)
            if not piece:
                return b"".join(chunks)
            chunks.append(piece)
    finally:
        os.close(fd)


def _state(b):
    """The base's release states: ``{releases: {id: {state, ...}}, history: [{release, at}]}``. A legacy base
    (no state file yet): its current release counts as complete and live; the others, whose completeness is
    unknown, are "legacy": never switched to or rolled back to, but pruned by age like complete ones (an upgrade
    must not delete them all at its first prune)."""
    import json
    raw = _read_small(b.fd, _STATE, b.real + "/" + _STATE)
    if raw is not None:
        try:
            st = json.loads(raw.decode("utf-8"))
            if isinstance(st, dict) and isinstance(st.get("releases"), dict) and isinstance(st.get("history"), list):
                return st
        except ValueError:
            pass
        raise ValueError("%s/%s is not a valid release state file; remove it to start over (all releases but "
                         "the current one then count as incomplete)" % (b.real, _STATE))
    st = {"version": 1, "releases": {}, "history": []}
    cur = _current_id(b)
    if cur is not None:
        lst = _lstat_at(b.fd, "current")
        at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(lst.st_mtime)) if lst is not None else _now()
        st["releases"][cur] = {"state": "complete", "completed_at": at}
        st["history"].append({"release": cur, "at": at})
    for rid in _releases(b):
        st["releases"].setdefault(rid, {"state": "legacy"})
    return st


def _save_state(b, st):
    """Write the state file atomically: temp, fsync, rename, fsync the base. (Under the base's lock: temps of
    the state file or of ``current`` left in the base by an interrupted call are removed first.)"""
    with os.scandir(b.fd) as it:
        stale = [de.name for de in it if de.name.startswith((".%s%s" % (_STATE, TEMP_MARK), ".current" + TEMP_MARK))]
    for name in stale:
        unlink_quietly(name, dir_fd=b.fd)
    st["history"] = st["history"][-_HISTORY_MAX:]
    _write_json_at(b.fd, _STATE, st)


def _write_json_at(dfd, name, value):
    """Write ``value`` as JSON to ``name`` in folder ``dfd`` atomically: a no-follow temp, fsync, rename, fsync the folder."""
    import json
    data = json.dumps(value, sort_keys=True, indent=1).encode("utf-8")
    tmp = temp_leaf(name)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | _CLOEXEC, 0o644, dir_fd=dfd)
    try:
        try:
            _pwrite_all(fd, data, 0)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.rename(tmp, name, src_dir_fd=dfd, dst_dir_fd=dfd)
    except BaseException:
        unlink_quietly(tmp, dir_fd=dfd)
        raise
    fsync_quietly(dfd)


def _complete(st, release_id):
    r = st["releases"].get(release_id)
    return isinstance(r, dict) and r.get("state") == "complete"


def _legacy(st, release_id):
    r = st["releases"].get(release_id)
    return isinstance(r, dict) and r.get("state") == "legacy"


def _not_complete(b, release_id):
    return ValueError("release %s under %s is not complete (its staging did not finish); deploy it again"
                      % (release_id, b.real))


def _lock_take(b, wait, holder):
    """flock the base's lock file, polling until ``wait`` seconds pass; returns ``(its fd, ms waited)``."""
    import fcntl
    shown = b.real + "/" + _LOCK
    try:
        fd = os.open(_LOCK, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | _CLOEXEC, 0o600, dir_fd=b.fd)
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise ValueError("%s is a symlink; refusing to use it as the deploy lock (remove it)" % shown)
        raise
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ValueError("%s is not a regular file; refusing to use it as the deploy lock (remove it)" % shown)
        start = time.monotonic()
        announced = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as e:
                if e.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    raise
            left = wait - (time.monotonic() - start)
            if left <= 0:
                raise TimeoutError(_held_message(fd, b.real, time.monotonic() - start))
            if not announced:
                # Once, so a deploy that pauses here says why (and for whom) instead of looking hung.
                announced = True
                import logging
                logging.getLogger("rmote.deploy").info("waiting up to %g s for the deploy lock: %s", wait,
                                                       _holder_text(fd, b.real))
            time.sleep(min(0.05, left))
        waited = time.monotonic() - start
        import json
        import socket
        info = dict(holder) if isinstance(holder, dict) else {}
        info.update({"host_pid": os.getpid(), "host_started": _now(), "remote_host": socket.gethostname()})
        data = json.dumps(info, sort_keys=True).encode("utf-8")
        os.ftruncate(fd, 0)
        _pwrite_all(fd, data, 0)
    except BaseException:
        os.close(fd)  # drops the flock too, if taken
        raise
    return fd, int(waited * 1000)


def _held_message(fd, base_real, waited):
    """What the holder wrote into the lock file, as the timeout message."""
    return "%s; waited %g s. Wait for it to finish, or raise the lock wait" % (_holder_text(fd, base_real), round(waited, 1))


def _holder_text(fd, base_real):
    """'another deploy holds BASE (pid, start, controller; what)', from what the holder wrote into the lock file."""
    import json
    try:
        info = json.loads(os.pread(fd, 1 << 16, 0).decode("utf-8"))
        if not isinstance(info, dict):
            info = {}
    except (OSError, ValueError):
        info = {}
    pid = info.get("pid") if info.get("pid") is not None else info.get("host_pid", "unknown")
    started = info.get("started") or info.get("host_started") or "an unknown time"
    origin = info.get("host") or "an unknown controller"
    what = info.get("what")
    return "another deploy holds %s (pid %s, started at %s, from %s%s)" % (
        base_real, pid, started, origin, "; " + what if isinstance(what, str) and what else "")


def _lock_drop(base_real):
    with _LOCKS_GUARD:
        fd = _LOCKS.pop(base_real, None)
    if fd is None:
        return False
    try:
        os.ftruncate(fd, 0)  # nobody holds it now: no stale holder in the next message
    except OSError:
        pass
    os.close(fd)  # the flock goes with the last fd
    return True


class _Held:
    """Hold the base's lock for one release op: a no-op when this connection already holds it (a deploy in
    progress), otherwise taken without waiting and dropped at the end (a direct call never races a deploy)."""

    def __init__(self, b):
        self.b = b
        self.took = False

    def __enter__(self):
        with _LOCKS_GUARD:
            if self.b.real in _LOCKS:
                return self
            _LOCKS[self.b.real] = _lock_take(self.b, 0.0, {"what": "a direct release call"})[0]
            self.took = True
        return self

    def __exit__(self, *exc):
        if self.took:
            _lock_drop(self.b.real)


# ------------------------------------------------------------------ shared paths and release manifests


def _shared_items(paths):
    """``[(rel, is_dir)]`` of a release's shared paths (``storage/`` is a folder, ``a.json`` a file): relative to
    the release, no ``..``, no overlap. Anything else is refused naming the path: a shared path must stay in
    ``<base>/shared``."""
    if not isinstance(paths, (list, tuple)):
        raise ValueError("shared paths must be a list")
    items = []
    for p in paths:
        rel = p.rstrip("/") if isinstance(p, str) else p
        try:
            _check_rel(rel)
        except ValueError as e:
            raise ValueError("shared path %r is refused: %s; a shared path is relative to the release and stays "
                             "inside <base>/shared" % (p, e))
        if rel == _MANIFEST or TEMP_MARK in rel:
            raise ValueError("shared path %r is refused: the name is Rmote's own" % (p,))
        items.append((rel, p.endswith("/")))
    names = sorted(rel for rel, _ in items)
    for a, b in zip(names, names[1:]):
        if b == a or b.startswith(a + "/"):
            raise ValueError("shared paths %r and %r overlap: list each file or folder once" % (a, b))
    return items


def _ensure_shared(tree, rel, is_dir):
    """Create the shared file (empty, 0600: it usually holds configuration) or folder if missing; 1 if created.
    What is there must be of the declared kind: a symlink is refused, never followed."""
    dfd, name = tree.parent(rel, create=True)
    st = _lstat_at(dfd, name)
    shown = tree.path(rel)
    if st is None:
        if is_dir:
            os.mkdir(name, 0o755, dir_fd=dfd)
        else:
            os.close(os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | _CLOEXEC, 0o600, dir_fd=dfd))
        fsync_quietly(dfd)
        return 1
    if is_dir and not stat.S_ISDIR(st.st_mode):
        raise ValueError("%s is not a real folder, but the shared path %r (ending with '/') is one: make it a folder "
                         "or list the path without '/'" % (shown, rel + "/"))
    if not is_dir and not stat.S_ISREG(st.st_mode):
        raise ValueError("%s is not a regular file, but the shared path %r is one: make it a file, or list it as "
                         "%r for a folder" % (shown, rel, rel + "/"))
    return 0


def _link_shared(tree, rel):
    """Point ``rel`` of a release at ``<base>/shared/<rel>`` with a relative symlink, atomically (whatever was
    there, seeded or copied, is replaced, never followed); 1 if changed."""
    dfd, name = tree.parent(rel, create=True)
    want = "../" * (rel.count("/") + 2) + "shared/" + rel
    st = _lstat_at(dfd, name)
    if st is not None and stat.S_ISLNK(st.st_mode) and os.readlink(name, dir_fd=dfd) == want:
        return 0
    Deploy._make_link(dfd, name, want, st, True, tree.path(rel))
    return 1


def _write_manifest(rfd, shown, manifest):
    """Write ``.rmote-release.json`` into the release folder ``rfd`` atomically."""
    _write_json_at(rfd, _MANIFEST, manifest)


def _read_manifest(b, release_id):
    """A release's manifest (a dict), or None when missing, too large or not one (never read through a link)."""
    import json
    try:
        rfd = b.release_fd(release_id)
    except (OSError, ValueError):
        return None
    try:
        fd = os.open(_MANIFEST, _FILE_READ, dir_fd=rfd)
    except OSError:
        return None
    finally:
        os.close(rfd)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > _MANIFEST_MAX:
            return None
        value = json.loads(os.read(fd, _MANIFEST_MAX + 1).decode("utf-8"))
    except ValueError:
        return None
    finally:
        os.close(fd)
    if not isinstance(value, dict):
        return None
    # the known fields with their types only: a hand-edited file must not break every listing of the base
    out = {k: value[k] if isinstance(value.get(k), str) else "" for k in ("id", "commit", "build", "user", "controller", "time")}
    files = value.get("files")
    out["files"] = files if isinstance(files, int) and not isinstance(files, bool) else 0
    shared = value.get("shared_paths")
    out["shared_paths"] = [p for p in shared if isinstance(p, str)] if isinstance(shared, list) else []
    return out


# --------------------------------------------------------------------- the one-call plan's steps


class _Plan:
    """One sync_plan call: its settings and the result it builds."""

    __slots__ = ("checksum", "delete", "uid", "gid", "set_mode", "apply", "durable", "delta", "granularity", "result", "keep")

    def __init__(self, checksum, delete, uid, gid, set_mode, apply, durable, delta):
        self.checksum, self.delete, self.uid, self.gid = checksum, delete, uid, gid
        self.set_mode, self.apply, self.durable, self.delta = set_mode, apply, durable, delta
        self.keep = []  # paths delete leaves alone (sync_plan's keep)
        self.granularity = lambda: 1  # mtime granularity of the destination, probed on first need when applying
        self.result = {"send": [], "skipped": 0, "dirs_created": 0, "links_changed": 0, "meta_fixed": 0,
                       "deleted": [], "temps_removed": 0, "basis": {}}

    def owner_differs(self, st):
        return (self.uid != -1 and st.st_uid != self.uid) or (self.gid != -1 and st.st_gid != self.gid)


def _check_entries(entries):
    """Validate every entry's syntax before anything is changed: paths, no duplicates, types, link targets."""
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


def _check_delta(delta):
    """The smallest size of both versions of a file for a delta copy, or None without one."""
    if delta is None:
        return None
    low = int(delta["min"])
    if low < 0:
        raise ValueError("delta must be {min: a size >= 0}, got %r" % (delta,))
    return low


_STR, _INT, _MODE = frozenset((str,)), frozenset((int,)), frozenset((int, type(None)))


def _check_folders(folders):
    """Validate the compact form (``folders``, see sync_plan) before anything is changed: folder paths, names,
    numbers, link targets, no duplicate path. Checked per folder with C-speed set and string operations."""
    if not isinstance(folders, list):
        raise TypeError("folders must be a list")
    names = {}  # folder -> the names given in it (a folder entry counts as a name of its parent)
    for g in folders:
        if not isinstance(g, dict):
            raise TypeError("each folder must be an object")
        d = g.get("dir")
        if d != "":
            _check_rel(d)
        files, links, shas = g.get("files") or [], g.get("links") or [], g.get("sha256")
        if not isinstance(files, list) or len(files) % 4 or not isinstance(links, list) or len(links) % 2:
            raise ValueError("folder %r: files must be [name, size, mtime_ns, mode]..., links [name, target]..." % d)
        fnames, lnames = files[0::4], links[0::2]
        if not _STR >= set(map(type, fnames + lnames + links[1::2])):  # set(map(type)): no Python call per name
            raise ValueError("folder %r: names and link targets must be strings" % d)
        if not _INT >= set(map(type, files[1::4] + files[2::4])):
            raise ValueError("folder %r: sizes and mtimes must be integers" % d)
        if not _MODE >= set(map(type, files[3::4] + [g.get("mode")])):
            raise ValueError("folder %r: a mode must be an integer or null" % d)
        if shas is not None and (not isinstance(shas, list) or len(shas) != len(fnames)
                                 or not _STR >= set(map(type, shas))):
            raise ValueError("folder %r: sha256 must list one hex digest per file" % d)
        joined = "".join(fnames) + "".join(lnames)
        if "/" in joined or "\x00" in joined or "\x00" in "".join(links[1::2]):
            raise ValueError("folder %r: a name holds '/' or NUL, or a link target NUL" % d)
        if not all(links[1::2]):
            raise ValueError("folder %r: a symlink needs a link target" % d)
        own = set(fnames)
        own.update(lnames)
        if len(own) != len(fnames) + len(lnames) or own & {"", ".", ".."}:
            raise ValueError("folder %r: an empty, '.', '..' or duplicate name" % d)
        given = names.setdefault(d, set())
        if g.get("entry"):
            if d == "":
                raise ValueError("the destination root is not a folder entry")
            head, _, name = d.rpartition("/")
            own.add(name)
            given = names.setdefault(head, set())
            if name in given:
                raise ValueError("duplicate path %r in folders" % d)
            given.add(name)
            given = names[d]
            own.discard(name)
        before = len(given)
        given.update(own)
        if len(given) != before + len(own):
            raise ValueError("duplicate path in folder %r" % d)


def _groups_of_entries(entries):
    """The plan's own form, ``[(dir, is_entry, mode, files, links, sha256s)]`` (files flat: name, size, mtime_ns,
    mode), of the entries' list form: consecutive entries of one folder share a group."""
    groups = []
    cur = None
    for e in entries:
        path = e["path"]
        mode = e.get("mode")
        mode = None if mode is None else int(mode) & 0o7777
        kind = e.get("type", "file")
        if kind == "dir":
            cur = (path, True, mode, [], [], [])
            groups.append(cur)
            continue
        head, _, name = path.rpartition("/")
        if cur is None or cur[0] != head:
            cur = (head, False, None, [], [], [])
            groups.append(cur)
        if kind == "symlink":
            cur[4].extend((name, e["link"]))
        else:
            cur[3].extend((name, e.get("size"), e.get("mtime_ns"), mode))
            cur[5].append(e.get("sha256"))
    return groups


def _groups_of_folders(folders):
    """The plan's own form of the compact ``folders`` (validated by _check_folders)."""
    return [(g["dir"], bool(g.get("entry")), g.get("mode"), g.get("files") or [], g.get("links") or [], g.get("sha256"))
            for g in folders]


def _wanted_folders(groups):
    """``(folders, implied)``: every folder entry or parent of an entry (``(mode,)`` for an entry, None when only
    implied), and for each the first path below it (to name in an error). Per group, not per entry."""
    dirs = {}
    implied = {}
    for d, is_entry, mode, files, links, _ in groups:
        if is_entry:
            first = d
        elif files:
            first = d + "/" + files[0] if d else files[0]
        elif links:
            first = d + "/" + links[0] if d else links[0]
        else:
            continue
        p = d if not is_entry else d.rpartition("/")[0]
        while p and p not in dirs:
            dirs[p] = None
            implied[p] = first
            p = p.rpartition("/")[0]
        if is_entry:
            dirs[d] = (mode,)
    return dirs, implied


def _plan_folders(plan, tree, groups):
    """Create or fix the folders, parents first, each one only ever reached through its parent's fd. Returns the
    folders that are absent (compare only: what would be made; what is below them is all to send)."""
    dirs, implied = _wanted_folders(groups)
    absent = set()
    for rel in sorted(dirs, key=lambda p: p.count("/")):
        if not _plan_folder(plan, tree, rel, dirs[rel], implied, absent):
            absent.add(rel)
    return absent


def _plan_folder(plan, tree, rel, e, implied, absent):
    """Bring one folder in line (``e`` its entry's ``(mode,)``, None when only implied); False if it is absent
    (not applying)."""
    apply = plan.apply
    mode = e[0] & 0o7777 if (e is not None and e[0] is not None and plan.set_mode) else None
    head, _, name = rel.rpartition("/")
    pfd = None if head in absent else tree.dir(head, create=apply, replace=apply, rel=rel)
    if pfd is None:
        return False
    st = _lstat_at(pfd, name)
    if st is not None and stat.S_ISLNK(st.st_mode):
        if e is None:
            # only implied by a file's parent: never destroy the user's link, never write through it
            raise _symlink_refused(tree.path(rel), implied.get(rel, rel))
        if not apply:
            return False
        os.unlink(name, dir_fd=pfd)  # the source says this is a folder: the link is replaced
        st = None
    if st is None or not stat.S_ISDIR(st.st_mode):
        if not apply:
            return False
        _make_folder(plan, tree, pfd, rel, name, st, mode)
        return True
    if apply and ((mode is not None and stat.S_IMODE(st.st_mode) != mode) or plan.owner_differs(st)):
        fd = tree.dir(rel)  # O_NOFOLLOW: swapped for a symlink since the lstat is refused
        fst = os.fstat(fd)
        if mode is not None and stat.S_IMODE(fst.st_mode) != mode:
            os.fchmod(fd, mode)
            plan.result["meta_fixed"] += 1
        if plan.owner_differs(fst):
            os.fchown(fd, plan.uid, plan.gid)
    return True


def _make_folder(plan, tree, pfd, rel, name, st, mode):
    """Make folder ``name`` of ``pfd`` (a file ``st`` in the way is removed), with its mode and owner."""
    if st is not None:
        os.unlink(name, dir_fd=pfd)
    try:
        os.mkdir(name, mode if mode is not None else 0o755, dir_fd=pfd)
    except FileExistsError:
        pass
    plan.result["dirs_created"] += 1
    fd = _open_dir_at(pfd, name, tree.path(rel), rel, create=True)
    tree.adopt(rel, fd)
    if mode is not None and stat.S_IMODE(os.fstat(fd).st_mode) != mode:
        os.fchmod(fd, mode)  # the umask cut it
    if plan.uid != -1 or plan.gid != -1:
        os.fchown(fd, plan.uid, plan.gid)


def _plan_files(plan, tree, groups, absent):
    """Compare each file and symlink with what is there: skip, fix metadata, retarget, or list to send. A file
    whose size, mtime, type and mode already match (the whole of a no-change copy) costs one lstat through its
    folder's fd and a few comparisons; anything else goes through _plan_file."""
    result = plan.result
    send = result["send"]
    fast = not plan.checksum and plan.uid == -1 and plan.gid == -1
    set_mode = plan.set_mode
    lstat = os.stat
    skipped = 0
    for d, _, _, files, links, shas in groups:
        if not files and not links:
            continue
        prefix = d + "/" if d else ""
        first = files[0] if files else links[0]
        # valid through the group: nothing below opens another folder of the tree (which could close this fd)
        pfd = None if d in absent else tree.dir(d, rel=prefix + first)
        it = iter(files)
        for i, (name, size, mtime, mode) in enumerate(zip(it, it, it, it)):
            if pfd is None:
                st = None
            else:
                try:
                    st = lstat(name, dir_fd=pfd, follow_symlinks=False)
                except FileNotFoundError:
                    st = None
            if st is None:
                send.append(prefix + name)
                continue
            if (fast and st.st_size == size and st.st_mtime_ns == mtime and st.st_mode & 0o170000 == 0o100000
                    and (mode is None or not set_mode or st.st_mode & 0o7777 == mode & 0o7777)):
                skipped += 1
                continue
            e = {"path": prefix + name, "type": "file", "size": size, "mtime_ns": mtime, "mode": mode}
            if shas:
                e["sha256"] = shas[i]
            _plan_file(plan, e, pfd, name, st)
        it = iter(links)
        for name, target in zip(it, it):
            st = None if pfd is None else _lstat_at(pfd, name)
            _plan_link(plan, tree, {"path": prefix + name, "link": target}, pfd, name, st)
    result["skipped"] += skipped


def _plan_link(plan, tree, e, pfd, name, st):
    """A symlink entry: skipped when it already points at its target, else created or retargeted atomically."""
    want = e["link"]
    if st is not None and stat.S_ISLNK(st.st_mode) and os.readlink(name, dir_fd=pfd) == want:
        plan.result["skipped"] += 1
        return
    plan.result["links_changed"] += 1
    if plan.apply:
        if pfd is None:
            raise FileNotFoundError(errno.ENOENT, "destination folder missing", tree.path(e["path"].rpartition("/")[0]))
        Deploy._make_link(pfd, name, want, st, plan.delete, tree.path(e["path"]))


def _plan_file(plan, e, pfd, name, st):
    """A file entry: listed to send (with its block sums for a delta) unless its content is the same; then only
    its mode, owner or mtime are fixed (never through a shared hard link: _rewrite_meta)."""
    rel = e["path"]
    result = plan.result
    if st is None or not stat.S_ISREG(st.st_mode):
        if st is not None and stat.S_ISDIR(st.st_mode) and plan.apply and plan.delete:
            _remove_at(pfd, name, rel, [])
        result["send"].append(rel)
        return
    same, fix_mtime = _same_content(plan, e, pfd, name, st)
    if not same:
        result["send"].append(rel)
        _add_basis(plan, e, pfd, name, st)
        return
    result["skipped"] += 1
    mode = _entry_mode(e) if plan.set_mode else None
    if (mode is not None and stat.S_IMODE(st.st_mode) != mode) or plan.owner_differs(st) or fix_mtime is not None:
        result["meta_fixed"] += 1
        if plan.apply:
            _rewrite_meta(pfd, name, st, mode, plan.uid, plan.gid,
                          fix_mtime if fix_mtime is not None else st.st_mtime_ns, plan.durable)


def _same_content(plan, e, pfd, name, st):
    """``(same, mtime to set or None)``: size+mtime, or with checksum the sha256 (equal content with another
    mtime then only gets its mtime fixed)."""
    size = e.get("size")
    mtime = e.get("mtime_ns")
    if size is None or st.st_size != int(size):
        return False, None
    if not plan.checksum:
        return mtime is not None and _mtime_equal(st.st_mtime_ns, int(mtime), plan.granularity), None
    want = e.get("sha256")
    if not want:
        raise ValueError("entry %r: checksum comparison needs sha256" % e["path"])
    if _sha256_at(pfd, name) != want.lower():
        return False, None
    if mtime is not None and not _mtime_equal(st.st_mtime_ns, int(mtime), plan.granularity):
        return True, int(mtime)
    return True, None


def _add_basis(plan, e, pfd, name, st):
    """For a delta copy: which version of a file to send is here (both versions at least ``delta.min`` bytes); the
    controller asks for its block sums (block_sums) and sends what differs (open_file with a basis, write_delta)."""
    if plan.delta is None or not plan.apply:
        return
    if st.st_size >= plan.delta and int(e.get("size") or 0) >= plan.delta:
        plan.result["basis"][e["path"]] = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "ino": st.st_ino}


class _PlanSession:
    """A plan of several pieces (sync_plan_piece): the paths its pieces named (for the delete after the last), and
    the gates that keep pieces sent ahead waiting for the one before them."""

    __slots__ = ("keep", "gates", "failed")

    def __init__(self):
        self.keep, self.gates, self.failed = set(), {}, False

    def gate(self, index):
        """The lock piece ``index`` waits on (held until piece ``index - 1`` is done); under _PLANS_LOCK."""
        g = self.gates.get(index)
        if g is None:
            g = self.gates[index] = _thread.allocate_lock()
            g.acquire()
        return g


def _plan_turn(plan, index):
    """The plan's session, once it is this piece's turn (``index`` None: pieces come in order, no wait)."""
    with _PLANS_LOCK:
        session = _PLANS.get(plan)
        if session is None:
            session = _PLANS[plan] = _PlanSession()
        gate = session.gate(index) if index else None
    if gate is not None:
        waited = 0
        while not gate.acquire(True, 1.0):
            _stop_if_cancelled()
            waited += 1
            if waited > _PIECE_WAIT_MAX:
                raise TimeoutError("piece %d of plan %s: the piece before it never came" % (index, plan))
        with _PLANS_LOCK:
            session.gates.pop(index, None)
    if session.failed:
        raise ValueError("plan %s failed in an earlier piece: this piece is not planned" % plan)
    return session


def _plan_piece_done(plan, session, index, ok, last):
    """After a piece: let the next one run; the session ends with its last piece or, when pieces come without an
    index, with a failed one (with an index it stays, marked failed, so that pieces still on their way fail too)."""
    with _PLANS_LOCK:
        if not ok:
            session.failed = True
            session.keep = set()
        if index is not None:
            session.gate(index + 1).release()
        if (ok and last) or (not ok and index is None):
            _PLANS.pop(plan, None)


def _paths(groups):
    """Every path the groups name: folder entries, files, symlinks."""
    for d, is_entry, _, files, links, _ in groups:
        if is_entry:
            yield d
        prefix = d + "/" if d else ""
        for name in files[0::4]:
            yield prefix + name
        for name in links[0::2]:
            yield prefix + name


def _plan_delete(plan, tree, groups, pieces):
    """With delete: remove what no entry names (a piece of a larger plan only records its paths: sync_plan_piece
    deletes after the last one)."""
    if not plan.delete:
        return
    if pieces is not None:
        pieces.update(_paths(groups))
    else:
        plan.result["deleted"] = _extraneous_at(tree.fd, list(_paths(groups)) + plan.keep, remove=plan.apply)
        _add_deleted_sizes(plan.result, tree, plan.apply)


def _add_deleted_sizes(result, tree, apply):
    """Compare only (a WhatIf preview): ``deleted_sizes``, the bytes each path to delete holds (a folder: the
    regular files below it), read through fds without following a symlink."""
    if apply:
        return
    sizes = []
    for rel in result["deleted"]:
        dfd, name = tree.parent(rel)
        sizes.append(0 if dfd is None else _bytes_at(dfd, name))
    result["deleted_sizes"] = sizes


def _bytes_at(dfd, name):
    st = _lstat_at(dfd, name)
    if st is None:
        return 0
    if not stat.S_ISDIR(st.st_mode):
        return st.st_size if stat.S_ISREG(st.st_mode) else 0
    total = 0
    for _, _, files, rfd in os.fwalk(name, dir_fd=dfd, follow_symlinks=False):
        for f in files:
            try:
                fst = os.stat(f, dir_fd=rfd, follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISREG(fst.st_mode):
                total += fst.st_size
    return total



class Deploy(Tool):
    """Destination side of a deploy: compare, atomic writes, deletes, releases."""

    # ---------------------------------------------------------------- inspection

    @staticmethod
    def allow_destination(root):
        """Opt this connection in to using ``root`` although it is a folder refused as a likely mistake (the
        host's root, the home folder, a top-level system folder): the controller's AllowDangerousDestination.
        Lasts until the connection ends. Returns the real path allowed."""
        real = _root(root, guard=False)
        _ALLOWED_ROOTS.add(real)
        return real

    @staticmethod
    def scan(root, follow=False, with_hash=False):
        """Entries under ``root``: path, type (file/dir/symlink/other), size, mtime_ns, mode, link[, sha256].

        A missing root gives an empty list. Temp files of interrupted writes are skipped.
        """
        root_real = _root(root, guard=False)
        if not os.path.isdir(root_real):
            return []
        if follow:
            found = list(_walk(root_real, with_hash=with_hash, follow=True))
        else:
            with _Tree(root_real) as tree:
                found = _walk_fd(tree.fd, with_hash=with_hash)
        return [e for e in found if TEMP_MARK not in e["path"].rpartition("/")[2]]

    @staticmethod
    def sha256(root, paths):
        """SHA-256 (hex) of each relative path under ``root``; None for a missing or non-regular file."""
        root_real = _root(root, guard=False)
        for rel in paths:
            _check_rel(rel)
        if not os.path.isdir(root_real):
            return [None for _ in paths]
        out = []
        with _Tree(root_real) as tree:
            for rel in paths:
                dfd, name = tree.parent(rel)
                out.append(None if dfd is None else _sha256_at(dfd, name))
        return out

    @staticmethod
    def compare(root, entries, checksum=False):
        """Compare desired entries with the destination, change nothing. See ``sync_plan``."""
        return Deploy.sync_plan(root, entries, checksum=checksum, apply=False, cleanup=False)

    # ---------------------------------------------------------------- the one-call plan

    @staticmethod
    def sync_plan(root, entries=None, checksum=False, delete=False, owner=None, group=None,
                  set_mode=True, apply=True, cleanup=True, durable=True, delta=None, pieces=None, keep=None, folders=None):
        """Bring everything but file contents in line, in one call; return what must be sent.

        ``entries``: ``[{path, type: file|dir|symlink, size, mtime_ns, mode, sha256?, link?}]``.
        Steps (with ``apply``): remove stale temp files; create the root, folders (replacing a file in the
        way, or a symlink where a folder entry is) and implied parents (a symlink there is refused, never
        followed: every folder is reached through its parent's fd); compare files by size+mtime (or sha256 with
        ``checksum``: then equal content with a different mtime only gets its mtime fixed); fix mode /
        owner of unchanged files (never through a shared hard link); create or retarget symlinks
        atomically; with ``delete`` remove everything under the root not named by an entry.
        Every path's syntax is validated before anything is changed.

        Returns ``{send: [paths], skipped: int, dirs_created: int, links_changed: int,
        meta_fixed: int, deleted: [paths], temps_removed: int, basis: {path: sums}}``; without ``apply`` (a WhatIf
        preview) also ``deleted_sizes``: the bytes under each path of ``deleted``.

        ``delta``: ``{min}``: for each file to send whose current version here is a regular file, both versions at
        least ``min`` bytes, ``basis`` names that version (``{size, mtime_ns, ino}``): the controller then asks for its
        ``block_sums`` and sends only what differs (``open_file`` with that basis, ``write_delta``).

        ``keep``: paths that ``delete`` leaves alone, and never enters (a release's shared-path symlinks: the
        controller leaves those paths out of the entries too, rsync's excluded-and-protected).

        ``folders`` (instead of ``entries``; what the controller sends): the same entries grouped by folder, compact
        (a no-change plan of 100k files decodes and compares per folder, not per dictionary):
        ``[{dir, entry?, mode?, files?: [name, size, mtime_ns, mode, ...], links?: [name, target, ...],
        sha256?: [hex per file]}]``. ``dir`` is the folder's path ("" the root); ``entry`` true when the folder is
        itself an entry (made with ``mode``; a symlink in its place is replaced), else it is only the parent of
        what it lists (a symlink there is refused). A folder may come in several groups (before and after its
        sub-folders); names hold no '/'.
        """
        if folders is not None:
            if entries is not None:
                raise ValueError("give entries or folders, not both")
            _check_folders(folders)
            groups = _groups_of_folders(folders)
        else:
            _check_entries(entries)
            groups = _groups_of_entries(entries)
        plan = _Plan(checksum, delete, _uid(owner), _gid(group), set_mode, apply, durable, _check_delta(delta))
        plan.keep = list(keep or [])
        for rel in plan.keep:
            _check_rel(rel)
        root_real = _root(root, create=apply)
        if not os.path.isdir(root_real):
            if apply:
                raise NotADirectoryError(errno.ENOTDIR, "destination root is not a folder", root_real)
            plan.result["send"] = [(d + "/" if d else "") + n for d, _, _, files, _, _ in groups for n in files[0::4]]
            return plan.result
        with _Tree(root_real) as tree:
            if delete:
                _refuse_release_base(tree)  # before anything, temps included, is removed
            if apply and cleanup:
                plan.result["temps_removed"] = len(_MARKS.sweep(root_real, lambda: Deploy.cleanup_temps(root)))
            if apply:
                plan.granularity = lambda: _mtime_granularity(root_real, tree.fd)
            absent = _plan_folders(plan, tree, groups)
            _plan_files(plan, tree, groups, absent)
            _plan_delete(plan, tree, groups, pieces)
        return plan.result

    @staticmethod
    def sync_plan_piece(plan, last, root, entries=None, index=None, **kw):
        """One piece of a plan whose entries do not fit one frame: ``sync_plan`` for ``entries`` (or ``folders``),
        which the controller sends in bounded pieces under one ``plan`` id.

        With ``index`` (0, 1, ...) the controller may send the next pieces before this one is answered (the host
        is never idle between pieces): each piece runs only after the one before it has finished, on whatever worker
        thread it arrived; after a failed piece every later one fails too. Without it the pieces must come in order.

        With ``delete``, the paths of every piece are kept here (the plan session, gone with the connection)
        and extraneous paths are deleted only after the ``last`` piece, so that no piece deletes another's files.
        Each piece returns its own result (``deleted`` only in the last one's).
        """
        if not isinstance(plan, str) or not plan:
            raise ValueError("plan must be a non-empty id")
        if index is not None and (type(index) is not int or index < 0):
            raise ValueError("index must be an integer >= 0")
        session = _plan_turn(plan, index)
        done = False
        try:
            result = Deploy.sync_plan(root, entries, pieces=session.keep, **kw)
            if last and kw.get("delete"):
                with _Tree(_root(root)) as tree:
                    result["deleted"] = _extraneous_at(tree.fd, list(session.keep) + list(kw.get("keep") or []),
                                                       remove=kw.get("apply", True))
                    _add_deleted_sizes(result, tree, kw.get("apply", True))
            done = True
            return result
        finally:
            _plan_piece_done(plan, session, index, done, last)

    @staticmethod
    def _make_link(dfd, name, want, st, replace_dirs, shown):
        """Create or retarget the symlink ``name`` of folder ``dfd`` atomically (temp link renamed over it)."""
        if st is not None and stat.S_ISDIR(st.st_mode):
            if replace_dirs:
                _remove_at(dfd, name, name, [])
            else:
                try:
                    os.rmdir(name, dir_fd=dfd)
                except OSError:
                    raise IsADirectoryError(errno.EISDIR, "a folder is in the way of a symlink", shown)
        tmp = temp_leaf(name)
        os.symlink(want, tmp, dir_fd=dfd)
        try:
            os.rename(tmp, name, src_dir_fd=dfd, dst_dir_fd=dfd)
        except BaseException:
            unlink_quietly(tmp, dir_fd=dfd)
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
        with _Tree(root_real) as tree:
            for d in sorted(items, key=lambda d: d["path"].count("/")):
                rel = d["path"]
                dfd, name = tree.parent(rel, create=True)
                mode = _entry_mode(d)
                try:
                    os.mkdir(name, mode if mode is not None else 0o755, dir_fd=dfd)
                    created.append(rel)
                except FileExistsError:
                    pass
                fd = _open_dir_at(dfd, name, tree.path(rel), rel, create=True)  # a symlink or file there: refused
                tree.adopt(rel, fd)
                if mode is not None and stat.S_IMODE(os.fstat(fd).st_mode) != mode:
                    os.fchmod(fd, mode)
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
        with _Tree(root_real) as tree:
            for item in links:
                rel = item["path"]
                dfd, name = tree.parent(rel, create=True)
                st = _lstat_at(dfd, name)
                if st is not None and stat.S_ISLNK(st.st_mode) and os.readlink(name, dir_fd=dfd) == item["link"]:
                    continue
                Deploy._make_link(dfd, name, item["link"], st, False, tree.path(rel))
                changed.append(rel)
        return changed

    # ---------------------------------------------------------------- deletes and temps

    @staticmethod
    def delete_extraneous(root, keep_paths):
        """Delete everything under ``root`` not named in ``keep_paths`` (their parents are kept).

        Symlinks are removed, never followed; every folder is reached through its parent's fd (a folder swapped
        for a symlink mid-walk is removed as an entry or skipped, never entered). A removed folder is listed
        with everything below it. Returns the deleted relative paths (deepest first inside a removed folder).
        """
        root_real = _root(root)
        keep = _keep_set(keep_paths)
        if not os.path.isdir(root_real):
            return []
        with _Tree(root_real) as tree:
            _refuse_release_base(tree)
            return _extraneous_at(tree.fd, keep, remove=True)

    @staticmethod
    def cleanup_temps(root):
        """Remove temp files left by interrupted writes under ``root`` (not ones this process has open).

        Returns the removed relative paths.
        """
        root_real = _root(root)
        if not os.path.isdir(root_real):
            return []
        with _Tree(root_real) as tree:
            return _cleanup_temps_at(tree.fd, _open_temp_inodes())

    # ---------------------------------------------------------------- writes

    @staticmethod
    def put_small(root, rel_path, data, mode=None, mtime_ns=None, owner=None, group=None,
                  sha256=None, durable=True):
        """Write one whole file atomically in one call. Returns the number of bytes written."""
        uid, gid = _uid(owner), _gid(group)  # an unknown name fails before a temp file exists
        root_real = _root(root, create=True)
        with _Tree(root_real) as tree:
            dfd, name, tmp, fd = _open_temp(tree, rel_path)
            try:
                _pwrite_all(fd, data, 0)
            except BaseException:
                os.close(fd)
                unlink_quietly(tmp, dir_fd=dfd)
                raise
            _finish(fd, dfd, tmp, name, tree.path(rel_path), len(data), _mode_or_none(mode), uid, gid, mtime_ns,
                    sha256, durable)
            if durable:
                fsync_quietly(dfd)
        return len(data)

    @staticmethod
    @zero_copy
    def put_many(root, files, data, owner=None, group=None, durable=True, checks=0):
        """Write several small files atomically in one call.

        ``files``: ``[{path, offset, size, mode?, mtime_ns?, sha256?, compressed?, wire_size?}]``, each file's
        bytes at ``data[offset:offset+size]`` (or zlib-compressed at ``data[offset:offset+wire_size]``). All paths are validated before anything is written. Every file is
        written to its temp name and fsynced first, then all are renamed into place, then each folder
        is fsynced once (a batch of several files on a block-device filesystem: one syncfs before the renames and
        one after, ``_batch_sync_ok``). Returns ``{written: [paths], bytes: int}``.

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
        uid, gid = _uid(owner), _gid(group)
        with _Tree(root_real) as tree:
            for f in files:
                tree.parent(f["path"])  # symlinked parents refused before anything is written
            # durable either way: each file fsynced before its rename, or all of them by one syncfs before the renames
            batch_sync = durable and _batch_sync_ok(tree.fd, len(files))
            held = {}    # folder -> a dup of its fd, valid for the whole batch (the tree may close its own)
            staged = []  # [file, folder fd, name, temp name or None once renamed]
            try:
                for f in files:
                    _stop_if_cancelled()  # the finally below removes what was staged
                    dfd, name, tmp, fd = _open_temp(tree, f["path"])
                    head = f["path"].rpartition("/")[0]
                    if head not in held:
                        try:
                            held[head] = os.dup(dfd)
                        except BaseException:
                            os.close(fd)
                            unlink_quietly(tmp, dir_fd=dfd)
                            raise
                    dfd = held[head]
                    staged.append([f, dfd, name, tmp])
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
                    _finish_no_rename(fd, dfd, tmp, tree.path(f["path"]), size, _mode_or_none(f.get("mode")),
                                      uid, gid, f.get("mtime_ns"), f.get("sha256"), durable and not batch_sync)
                if batch_sync:
                    _syncfs(tree.fd)  # every temp file's bytes and inode on disk before any rename
                    # the slow step (it waits for the whole filesystem's writeback): a call cancelled or a connection
                    # cut meanwhile renames nothing, as one cut during the per-file fsyncs above does
                    _stop_if_cancelled()
                for item in staged:
                    _rename_into_place(item[1], item[3], item[2], tree.path(item[0]["path"]))
                    item[3] = None
                if batch_sync:
                    _syncfs(tree.fd)  # the renames (and new folders), as the folder fsyncs below would
                elif durable:
                    for dfd in held.values():
                        fsync_quietly(dfd)
            finally:
                for item in staged:
                    if item[3] is not None:
                        unlink_quietly(item[3], dir_fd=item[1])
                for dfd in held.values():
                    os.close(dfd)
        return {"written": [f["path"] for f in files], "bytes": sum(int(f["size"]) for f in files)}

    @staticmethod
    def block_sums(root, rel_path, basis):
        """Stream the block sums of the current version of ``rel_path`` (still the one ``basis``, ``{size, mtime_ns,
        ino}`` from sync_plan, describes: else ``OSError`` ESTALE), in pages: ``{block, count, strong, sums}``, ``sums``
        holding 4 + ``strong`` bytes a block (its Adler-32, big-endian, then the first ``strong`` bytes, 2 to 8
        (``_strong_bytes``), of its CRC-32 up to 4 bytes, of its SHA-256 above: ``_strong_sum``), ``count`` the blocks of the whole file. ``block`` is rsync's: about the square
        root of the size, 700 bytes to 128 KiB."""
        with _Tree(_root(root, guard=False)) as tree:
            dfd, name = tree.parent(rel_path)
            fd = _open_basis(dfd, name, basis, tree.path(rel_path))
        try:
            size = int(basis["size"])
            block = _block_size(size)
            count = (size + block - 1) // block
            strong = _strong_bytes(size, block)
            for page in _sum_pages(fd, size, block, strong):
                _stop_if_cancelled()
                yield {"block": block, "count": count, "strong": strong, "sums": page}
            if not _same_basis(fd, basis):
                raise OSError(errno.ESTALE, "%s changed while it was summed" % rel_path)
        finally:
            os.close(fd)

    @staticmethod
    def open_file(root, rel_path, size, mode=None, mtime_ns=None, owner=None, group=None,
                  durable=True, handle=None, basis=None):
        """Start a chunked atomic write. Returns a handle for ``write_chunk``/``write_delta``/``commit``/``abort``.

        ``handle`` may be chosen by the caller (letters, digits, '-', '_'), so chunks can be pipelined
        right behind this call. The handle holds its destination folder's fd: commit renames inside that
        folder, whatever happens to the path meanwhile.

        ``basis`` (a delta copy): ``{size, mtime_ns, ino}`` of the current version of the file, which
        ``write_delta`` copies ranges from. It is held open until commit; if it is not that version now, or is
        not at commit, nothing is written (``OSError`` ESTALE: the controller then sends the file whole).
        """
        if handle is not None and (not isinstance(handle, str) or not 0 < len(handle) <= 64
                                   or not _HANDLE_CHARS.issuperset(handle)):
            raise ValueError("invalid handle %r" % (handle,))
        uid, gid = _uid(owner), _gid(group)  # an unknown name fails before a temp file exists
        root_real = _root(root, create=True)
        with _Tree(root_real) as tree:
            src = None
            if basis is not None:
                pfd, name = tree.parent(rel_path)
                src = _open_basis(pfd, name, basis, tree.path(rel_path))
            try:
                dfd, name, tmp, fd = _open_temp(tree, rel_path)
            except BaseException:
                _close_quietly(src)
                raise
            try:
                dfd = os.dup(dfd)
            except BaseException:
                os.close(fd)
                _close_quietly(src)
                unlink_quietly(tmp, dir_fd=dfd)
                raise
            target = tree.path(rel_path)
        hid = handle or os.urandom(8).hex()
        h = _Handle(id=hid, fd=fd, dir_fd=dfd, tmp=tmp, parent=target.rpartition("/")[0], name=name, target=target,
                    size=int(size), mode=_mode_or_none(mode), uid=uid, gid=gid, mtime_ns=mtime_ns, durable=durable,
                    src=src, basis=basis)
        if src is not None:
            import hashlib
            h.sha = hashlib.sha256()  # a delta's runs come in order: its result is hashed as they land
        with _HANDLES_LOCK:
            if hid in _HANDLES:
                os.close(fd)
                _close_quietly(src)
                unlink_quietly(tmp, dir_fd=dfd)
                os.close(dfd)
                raise ValueError("handle %r already open" % hid)
            _HANDLES[hid] = h
        if Tool.cancelled():
            # cancelled meanwhile (the controller, or the connection's end, whose cleanup may have looked at the
            # open writes before this one was among them): remove what this call started, as other calls do
            Deploy.abort(hid)
            _stop_if_cancelled()
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
        h.enter()
        n = 0
        try:
            n = _pwrite_all(h.fd, data, offset)
        finally:
            h.leave(n)
        if h.durable:
            _WRITEBACK.submit(h, offset, n)
        return n

    @staticmethod
    @zero_copy
    def write_delta(handle, offset, pieces, data):
        """Write a run of a delta copy's new file from ``offset`` on (pwrite: runs may arrive in any order).
        ``pieces``: ``[[length, source], ...]`` in order; ``source`` >= 0 copies ``length`` bytes of the basis (see
        ``open_file``) from there (copy_file_range), -1 takes the next ``length`` bytes of ``data``. Returns the
        bytes written."""
        h = _get_handle(handle)
        if h.src is None:
            raise ValueError("write handle %r was opened without a basis" % (handle,))
        offset, base_size = int(offset), int(h.basis["size"])
        runs = [(int(n), int(src)) for n, src in pieces]
        total = sum(n for n, _ in runs)
        if (offset < 0 or offset + total > h.size or any(n < 0 or src < -1 or src + n > base_size for n, src in runs)
                or sum(n for n, src in runs if src < 0) != len(data)):
            raise ValueError("delta run at %d: pieces outside the file (%d bytes), the basis (%d) or the data (%d)"
                             % (offset, h.size, base_size, len(data)))
        h.enter(offset, total)
        at = written = 0
        try:
            for n, src in runs:
                _stop_if_cancelled()
                if src < 0:
                    _pwrite_all(h.fd, data[at:at + n], offset + written)
                    at += n
                else:
                    _copy_range(h.src, h.fd, src, offset + written, n)
                written += n
            _hash_written(h, offset)  # before the writeback below: the pages are still cached
        finally:
            h.leave(written)
        if h.durable:
            _WRITEBACK.submit(h, offset, written)  # copied ranges are dirty pages too: their disk writes overlap the scan
        return written

    @staticmethod
    def commit(handle, sha256=None):
        """fsync, verify size (and sha256 if given), set mode/owner/mtime, rename over the target."""
        with _HANDLES_LOCK:
            h = _HANDLES.pop(handle, None)
        if h is None:
            raise KeyError("unknown write handle %r" % (handle,))
        h.close_for_writes()
        _WRITEBACK.drain(h)
        got = None
        try:
            if sha256 and h.sha is not None and h.written >= h.size:
                with h.hash_lock:  # the writes' hashing is done: hash what is left (nothing, when all came in order)
                    if h.sha is not None:
                        _hash_range(h.fd, h.sha, h.hashed, h.size)
                        got = h.sha.hexdigest()
            stale = h.src is not None and not _same_basis(h.src, h.basis)  # rewritten in place while copied from
            _close_quietly(h.src)
            if h.written < h.size or stale:
                os.close(h.fd)
                unlink_quietly(h.tmp, dir_fd=h.dir_fd)
                if stale:
                    raise OSError(errno.ESTALE, "%s changed while its blocks were reused; nothing was written" % h.target)
                raise IOError(errno.EIO, "incomplete write: %d of %d bytes" % (h.written, h.size), h.target)
            held = _hold_replaced(h.dir_fd, h.name)
            try:
                _finish(h.fd, h.dir_fd, h.tmp, h.name, h.target, h.size, h.mode, h.uid, h.gid, h.mtime_ns, sha256,
                        h.durable, got)
                if h.durable:
                    fsync_quietly(h.dir_fd)
            except BaseException:
                _close_quietly(held)
                raise
            _free_later(held)
        finally:
            os.close(h.dir_fd)
        return h.size

    @staticmethod
    def abort(handle):
        """Drop an open write: close and remove its temp file. Unknown handles are ignored."""
        with _HANDLES_LOCK:
            h = _HANDLES.pop(handle, None)
        if h is None:
            return False
        h.close_for_writes()
        _WRITEBACK.drain(h)
        _close_quietly(h.fd)
        _close_quietly(h.src)
        unlink_quietly(h.tmp, dir_fd=h.dir_fd)
        try:
            os.close(h.dir_fd)
        except OSError:
            pass
        return True

    # ---------------------------------------------------------------- releases
    #
    # base/releases/<id> are real folders inside the real base, reached through fds only; base/current is a
    # symlink "releases/<id>"; base/.rmote-releases.json holds each release's state (staging or complete) and the
    # history of live releases; base/.rmote-deploy.lock is flocked by the deploy that owns the base.

    @staticmethod
    def release_lock(base, wait=0.0, holder=None):
        """Take the base's deploy lock for this connection (until ``release_unlock`` or the connection ends:
        the kernel drops the flock with the interpreter). Waits up to ``wait`` seconds, then TimeoutError naming
        the holder. Re-entrant. Returns ``{base, waited_ms}``."""
        wait = float(wait or 0.0)
        with _Base(base, create=True) as b:
            with _LOCKS_GUARD:
                if b.real in _LOCKS:
                    return {"base": b.real, "waited_ms": 0}
            fd, waited = _lock_take(b, wait, holder)
            with _LOCKS_GUARD:
                if b.real in _LOCKS:  # another thread of this connection took it meanwhile
                    os.close(fd)
                else:
                    _LOCKS[b.real] = fd
            return {"base": b.real, "waited_ms": waited}

    @staticmethod
    def release_unlock(base):
        """Drop the base's deploy lock; False when this connection did not hold it."""
        return _lock_drop(_base(base))

    @staticmethod
    def release_prepare(base, release_id, seed_from_current=True):
        """Create ``base/releases/<id>``, seeded from ``current`` with hard links (copies across devices).

        The release is recorded as staging (incomplete) before anything in it changes; ``release_complete``
        marks it complete. Re-preparing an existing, non-current release keeps its files (an interrupted
        deploy resumes). Preparing the live release is refused. Returns ``{path, seeded_from, linked, copied}``.
        """
        _check_release_id(release_id)
        with _Base(base, create=True) as b, _Held(b):
            cur = _current_id(b)
            if cur == release_id:
                raise ValueError("release %r is the current release: prepare a new id" % release_id)
            path = b.real + "/releases/" + release_id
            b.releases_fd(create=True)
            st = _state(b)
            st["releases"][release_id] = {"state": "staging", "prepared_at": _now()}
            _save_state(b, st)
            dfd = b.release_fd(release_id, create=True)
            try:
                result = {"path": path, "seeded_from": None, "linked": 0, "copied": 0}
                if not seed_from_current or cur is None:
                    return result
                try:
                    sfd = b.release_fd(cur)
                except FileNotFoundError:
                    return result
                try:
                    result["seeded_from"] = cur
                    _cleanup_temps_at(dfd, _open_temp_inodes())
                    _seed(sfd, dfd, path, result, skip=(_MANIFEST,))  # each release gets its own manifest
                finally:
                    os.close(sfd)
                return result
            finally:
                os.close(dfd)

    @staticmethod
    def release_link_shared(base, release_id, paths):
        """Link the shared ``paths`` of a staged release: each ``<base>/shared/<path>`` is created when missing (a
        path ending with ``/`` as an empty folder, any other as an empty 0600 file) and ``releases/<id>/<path>``
        becomes a relative symlink to it, replacing whatever the seed or the copy put there. ``shared/`` and
        every folder on the way are real folders reached through fds (a symlink is refused, never followed);
        nothing inside a shared path is ever changed. The live release is refused. Returns ``{created, linked}``
        (paths created in shared/, links made or changed)."""
        _check_release_id(release_id)
        items = _shared_items(paths)
        with _Base(base) as b, _Held(b):
            if _current_id(b) == release_id:
                raise ValueError("release %r is the current release: link shared paths while staging" % release_id)
            result = {"created": [], "linked": []}
            if not items:
                return result
            shown = b.real + "/shared"
            with _Tree.at(_managed_dir(b.fd, "shared", shown, create=True), shown) as shared:
                for rel, is_dir in items:
                    if _ensure_shared(shared, rel, is_dir):
                        result["created"].append(rel + ("/" if is_dir else ""))
            path = b.real + "/releases/" + release_id
            with _Tree.at(b.release_fd(release_id), path) as tree:
                for rel, _ in items:
                    if _link_shared(tree, rel):
                        result["linked"].append(rel)
                fsync_quietly(tree.fd)
            return result

    @staticmethod
    def release_complete(base, release_id, manifest=None):
        """Mark a staged release complete (its staging finished): only a complete release can go live. With
        ``manifest`` (a dict: commit, build, user, controller, time, files...), first write it to the release's
        ``.rmote-release.json`` with ``id`` set to the release. Returns ``{release, completed_at}``."""
        _check_release_id(release_id)
        if manifest is not None and not isinstance(manifest, dict):
            raise ValueError("the release manifest must be an object")
        with _Base(base) as b, _Held(b):
            rfd = b.release_fd(release_id)
            try:
                if manifest is not None:
                    _write_manifest(rfd, b.real + "/releases/" + release_id, dict(manifest, id=release_id))
            finally:
                os.close(rfd)
            st = _state(b)
            at = _now()
            entry = st["releases"].get(release_id)
            entry = dict(entry) if isinstance(entry, dict) else {}
            entry.update({"state": "complete", "completed_at": at})
            st["releases"][release_id] = entry
            _save_state(b, st)
            return {"release": release_id, "completed_at": at}

    @staticmethod
    def release_switch(base, release_id):
        """Point ``base/current`` at ``releases/<id>`` atomically (temp symlink renamed over it). Refuses a
        release that is not complete. Records the switch in the history of live releases."""
        _check_release_id(release_id)
        with _Base(base) as b, _Held(b):
            os.close(b.release_fd(release_id))
            st = _state(b)
            if not _complete(st, release_id):
                raise _not_complete(b, release_id)
            return Deploy._go_live(b, st, release_id)

    @staticmethod
    def _go_live(b, st, release_id):
        result = _switch(b, release_id)
        st["history"].append({"release": release_id, "at": _now()})
        _save_state(b, st)
        return result

    @staticmethod
    def release_withdraw(base, release_id):
        """Undo a first switch: remove ``base/current`` if, and only if, it is the symlink to ``releases/<id>``
        (a fleet deploy whose switch failed on another host, where this host had no earlier release to switch
        back to). ``current`` is first renamed aside atomically, so the decision is about exactly the entry
        removed; anything else found there (another release, not a symlink) is put back without replacing
        whatever appeared meanwhile, and refused naming it. The release stays staged and complete, but its
        history entry is marked withdrawn: it was live only for the moment of the failed fleet switch, so it
        never becomes a rollback target by being "live" (an explicit rollback ``to`` it still works).
        Returns ``{release, withdrawn_at}``."""
        _check_release_id(release_id)
        with _Base(base) as b, _Held(b):
            st = _state(b)
            _unlink_current_if(b, release_id)
            at = _now()
            for h in reversed(st["history"]):
                if isinstance(h, dict) and h.get("release") == release_id and "withdrawn" not in h:
                    h["withdrawn"] = at  # only the switch being undone: earlier real live periods stay
                    break
            _save_state(b, st)
            return {"release": release_id, "withdrawn_at": at}

    @staticmethod
    def release_list(base):
        """``{releases: [ids, oldest first], current: id or None, complete: [ids], history: [{release, at}],
        manifests: {id: manifest}}`` (ids in natural sort order; history oldest first; a release without a readable
        ``.rmote-release.json`` has no manifest). Read-only: no lock, so it works during a deploy."""
        try:
            b = _Base(base)
        except FileNotFoundError:
            return {"releases": [], "current": None, "complete": [], "history": [], "manifests": {}}
        with b:
            ids = _releases(b)
            st = _state(b)
            manifests = {}
            for r in ids:
                m = _read_manifest(b, r)
                if m is not None:
                    manifests[r] = m
            return {"releases": ids, "current": _current_id(b), "complete": [r for r in ids if _complete(st, r)],
                    "history": _live_history(st), "manifests": manifests}

    @staticmethod
    def release_prune(base, keep, staging=None):
        """Delete releases so that ``keep`` complete ones remain (the current one included): incomplete ones
        first (oldest first), then the oldest complete ones. Never the current release, never ``staging``.
        Only real folders inside the real releases/ are removed, through fds. Returns the removed ids."""
        keep = int(keep)
        if keep < 1:
            raise ValueError("keep must be at least 1")
        if staging is not None:
            _check_release_id(staging)
        try:
            b = _Base(base)
        except FileNotFoundError:
            return []
        with b, _Held(b):
            ids = _releases(b)
            cur = _current_id(b)
            st = _state(b)
            protected = {cur, staging}
            incomplete = [r for r in ids if r not in protected and not _complete(st, r) and not _legacy(st, r)]
            complete = [r for r in ids if r == cur or _complete(st, r) or _legacy(st, r)]
            excess = len(complete) - keep
            victims = incomplete + [r for r in complete if r not in protected][:max(0, excess)]
            removed = []
            try:
                for rid in victims:
                    if _remove_at(b.releases_fd(), rid, rid, [], dir_only=True):
                        removed.append(rid)
                    st["releases"].pop(rid, None)
            finally:
                if victims:
                    _save_state(b, st)
            return removed

    @staticmethod
    def rollback(base, to=None):
        """Switch ``current`` back to the newest older release that was live and is complete (``to``: that
        release, which must be complete). Never to a release that was never complete or never live. ValueError
        naming the base if there is none."""
        if to is not None:
            _check_release_id(to)
        try:
            b = _Base(base)
        except FileNotFoundError:
            raise ValueError("no current release under %s: nothing to roll back" % _base(base))
        with b, _Held(b):
            cur = _current_id(b)
            st = _state(b)
            ids = set(_releases(b))
            if to is not None:
                if to not in ids:
                    raise ValueError("no release %s under %s to roll back to" % (to, b.real))
                if not _complete(st, to):
                    raise _not_complete(b, to)
                return Deploy._go_live(b, st, to)
            if cur is None:
                raise ValueError("no current release under %s: nothing to roll back" % b.real)
            # the newest release older than the current one that was live and is complete (Capistrano's order:
            # rolling back twice steps back twice, it does not return to the release just rolled back from)
            was_live = {h.get("release") for h in _live_history(st)}
            older = [r for r in ids if r in was_live and _complete(st, r) and _release_key(r) < _release_key(cur)]
            target = max(older, key=_release_key) if older else None
            if target is None:
                raise ValueError("no earlier live release to roll back to under %s" % b.real)
            return Deploy._go_live(b, st, target)


# Every call counts as writing while it runs, so the connection's end keeps its marks while one that may still make a
# temp file runs. All of them, not a list of the writers: a new call that writes cannot be left out (a call that
# makes no temp file only keeps the marks a moment longer).
for _name, _fn in list(vars(Deploy).items()):
    if not _name.startswith("_") and isinstance(_fn, staticmethod):
        setattr(Deploy, _name, staticmethod(_MARKS.writing(_fn.__func__)))
del _name, _fn


# --------------------------------------------------------------- cancellation and the connection's end


def _stop_if_cancelled():
    """Raise in a call the controller cancelled (or the runtime is exiting): its caller removes its temp files."""
    if Tool.cancelled():
        raise OSError(errno.ECANCELED, "the copy was cancelled; nothing of this call was written")


def _abort_open_writes():
    """The connection ended: remove the temp file of every chunked write still open (see on_shutdown)."""
    with _HANDLES_LOCK:
        ids = list(_HANDLES)
    for hid in ids:
        try:
            Deploy.abort(hid)
        except Exception:
            pass


def _end_connection():
    _abort_open_writes()
    if not _HANDLES:  # a temp file whose abort failed keeps this process's marks (the next plan walks)
        _MARKS.end()


on_shutdown(_end_connection)
