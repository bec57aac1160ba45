"""rmote deploy tree: the Deploy tool's walks below a destination root, all through folder fds.

A module of the Deploy tool (python/tools/deploy.py), synced as ``rmote_deploy_tree`` in front of it
(docs/PROTOCOL.md section 4): relative-path checks, folder fds (``_Tree``), removal, hashing and the walks (scan,
extraneous paths, stale temps). Its names keep their underscore: they are the Deploy tool's internals, not an API
for other tools. Stdlib only, Python 3.8+.
"""
import errno
import os
import stat

from rmote_toolkit import CLOEXEC as _CLOEXEC, DIR_OPEN as _DIR_OPEN, FILE_READ as _FILE_READ, TEMP_MARK
from rmote_toolkit import lstat_at as _lstat_at, open_folder, remove_at as _remove_at

_HASH_BLOCK = 1 << 20


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


def _within(real, root_real):
    if real == root_real:
        return True
    prefix = root_real if root_real.endswith("/") else root_real + "/"
    return real.startswith(prefix)


# ------------------------------------------------------------------------ folder fds (issue 16, case 1)
#
# Nothing below a destination root is ever reached by a path: each folder is opened once per call relative to
# its parent's fd with O_NOFOLLOW, and every stat/unlink/rename/mkdir/symlink/link names an entry of such a
# folder fd. A local user who swaps a folder for a symlink between two of our steps can make a step fail, but
# can never make it act outside the destination (the coreutils rm / systemd-tmpfiles discipline).

def _join(top, rel):
    return top + "/" + rel if top != "/" else "/" + rel


def _symlink_refused(shown, rel):
    """The error for a symlink where a folder on the way to ``rel`` should be (at ``shown``)."""
    return ValueError("%s is a symlink; refusing to follow it to reach %r (nothing below the destination root is "
                      "followed: replace the link with a real folder, or send that folder as a folder entry)"
                      % (shown, rel))


def _open_dir_at(pfd, name, shown, rel, create=False, replace=False):
    """The fd of the real folder ``name`` in folder ``pfd``; None if missing and not ``create``.

    A symlink there is refused (ValueError naming it), never followed. With ``replace`` a file in the way is
    removed and a folder made. Retried a few times when the entry changes under us; then the OSError stands.
    """
    for _ in range(3):
        try:
            return os.open(name, _DIR_OPEN, dir_fd=pfd)
        except FileNotFoundError:
            if not create:
                return None
            try:
                os.mkdir(name, 0o755, dir_fd=pfd)
            except FileExistsError:
                pass
        except OSError as e:
            if e.errno not in (errno.ELOOP, errno.ENOTDIR):
                raise
            st = _lstat_at(pfd, name)
            if st is None or stat.S_ISDIR(st.st_mode):
                continue  # changed since the open: look again
            if stat.S_ISLNK(st.st_mode):
                raise _symlink_refused(shown, rel)
            if not replace:
                raise NotADirectoryError(errno.ENOTDIR, "not a directory", shown)
            try:
                os.unlink(name, dir_fd=pfd)
            except FileNotFoundError:
                pass
    return os.open(name, _DIR_OPEN, dir_fd=pfd)


_TREE_FDS = 256  # folder fds one call keeps open at most (a host's soft limit may be 1024)


class _Tree:
    """The folder fds one call uses under one destination root, each folder opened once (a no-change plan of
    thousands of files costs one open per folder, not one walk per file), the least recently used closed past
    _TREE_FDS. So a returned fd is only valid until the next dir()/parent()/adopt(): whoever keeps one longer
    takes an os.dup of it. Use as a context manager."""

    __slots__ = ("root", "fds")

    def __init__(self, root_real):
        self.root = root_real
        # reached as the toolkit reaches any folder: a symlink on the way that another user controls is refused
        self.fds = {"": open_folder(root_real)}

    @classmethod
    def at(cls, fd, shown):
        """A tree whose root is the folder fd ``fd`` (already checked to be a real folder; the tree owns it),
        shown as ``shown`` in errors."""
        tree = cls.__new__(cls)
        tree.root = shown
        tree.fds = {"": fd}
        return tree

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for fd in self.fds.values():
            os.close(fd)
        self.fds = {}

    @property
    def fd(self):
        return self.fds[""]

    def path(self, rel):
        return _join(self.root, rel) if rel else self.root

    def dir(self, rel_dir, create=False, replace=False, rel=None):
        """The fd of folder ``rel_dir`` ("" is the root); None when missing and not ``create``."""
        fd = self.fds.pop(rel_dir, None)
        if fd is not None:
            self.fds[rel_dir] = fd  # most recently used last
            return fd
        head, _, name = rel_dir.rpartition("/")
        pfd = self.dir(head, create, replace, rel)
        if pfd is None:
            return None
        fd = _open_dir_at(pfd, name, self.path(rel_dir), rel or rel_dir, create, replace)
        if fd is not None:
            self.adopt(rel_dir, fd)
        return fd

    def parent(self, rel, create=False, replace=False):
        """``(folder fd or None, name)`` for a destination-relative path (validated here)."""
        parts = _check_rel(rel)
        head = "/".join(parts[:-1])
        return self.dir(head, create, replace, rel), parts[-1]

    def adopt(self, rel_dir, fd):
        """Keep ``fd`` as the folder ``rel_dir``'s (the tree closes it)."""
        old = self.fds.pop(rel_dir, None)
        if old is not None and old != fd:
            os.close(old)
        self.fds[rel_dir] = fd
        if len(self.fds) > _TREE_FDS:
            for key in self.fds:
                if key and key != rel_dir:
                    os.close(self.fds.pop(key))
                    break


# ------------------------------------------------------------------------------------- hashing


def _sha256_fd(fd):
    import hashlib
    h = hashlib.sha256()
    offset = 0
    while True:
        block = os.pread(fd, _HASH_BLOCK, offset)
        if not block:
            break
        h.update(block)
        offset += len(block)
    return h.hexdigest()


def _sha256_at(dfd, name):
    """SHA-256 of the regular file ``name`` in folder ``dfd``; None if it is missing or not a regular file."""
    try:
        fd = os.open(name, _FILE_READ, dir_fd=dfd)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as e:
        if e.errno == errno.ELOOP:
            return None  # a symlink: never read through it
        raise
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        return _sha256_fd(fd)
    finally:
        os.close(fd)


# -------------------------------------------------------------------------------------- walking


def _dirs_depth_first(root_fd, visit):
    """Call ``visit(rel_dir, fd)`` for the folder ``root_fd`` and then, depth first and in the order given, for
    every sub-folder name it returns (a real folder opened O_NOFOLLOW through its parent's fd; one that is a
    symlink or gone by then is skipped, never entered). One fd per level is open at a time."""
    stack = [("", root_fd, iter(visit("", root_fd)))]
    try:
        while stack:
            rel_dir, dfd, names = stack[-1]
            name = next(names, None)
            if name is None:
                stack.pop()
                if dfd != root_fd:
                    os.close(dfd)
                continue
            try:
                sub = os.open(name, _DIR_OPEN, dir_fd=dfd)
            except OSError:
                continue
            rel = name if not rel_dir else rel_dir + "/" + name
            stack.append((rel, sub, iter(())))
            stack[-1] = (rel, sub, iter(visit(rel, sub)))
    finally:
        for _, dfd, _ in stack:
            if dfd != root_fd:
                os.close(dfd)


def _sorted_entries(dfd):
    with os.scandir(dfd) as it:
        return sorted(it, key=lambda e: e.name)


def _entry_of(rel, st):
    """A scan entry for ``rel`` as ``st`` describes it (its walker fills in link and sha256)."""
    entry = {"path": rel, "size": 0, "mtime_ns": st.st_mtime_ns, "mode": stat.S_IMODE(st.st_mode), "link": None}
    if stat.S_ISLNK(st.st_mode):
        entry["type"] = "symlink"
    elif stat.S_ISDIR(st.st_mode):
        entry["type"] = "dir"
    elif stat.S_ISREG(st.st_mode):
        entry["type"] = "file"
        entry["size"] = st.st_size
    else:
        entry["type"] = "other"
    return entry


def _walk_fd(root_fd, with_hash=False):
    """Entries for everything under the folder ``root_fd`` (not itself), sorted per folder, never following a
    symlink."""
    out = []

    def visit(rel_dir, dfd):
        subdirs = []
        for de in _sorted_entries(dfd):
            rel = de.name if rel_dir == "" else rel_dir + "/" + de.name
            try:
                st = de.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue
            entry = _entry_of(rel, st)
            if entry["type"] == "symlink":
                try:
                    entry["link"] = os.readlink(de.name, dir_fd=dfd)
                except OSError:
                    continue  # replaced since the listing
            elif entry["type"] == "dir":
                subdirs.append(de.name)
            elif entry["type"] == "file" and with_hash:
                entry["sha256"] = _sha256_at(dfd, de.name)
            out.append(entry)
        return subdirs
    _dirs_depth_first(root_fd, visit)
    return out


def _walk(root_real, with_hash=False, follow=False):
    """Yield entries for everything under ``root_real`` following symlinks (scan's explicit ``follow``,
    read-only; every walk that changes anything uses _walk_fd / _dirs_depth_first)."""
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
            entry = _entry_of(rel, st)
            if entry["type"] == "symlink":
                entry["link"] = os.readlink(de.path)
            elif entry["type"] == "dir":
                if follow and not _within(os.path.realpath(de.path), root_real):
                    continue
                subdirs.append((rel, de.path))
            elif entry["type"] == "file" and with_hash:
                entry["sha256"] = _sha256_follow(de.path)
            yield entry
        stack.extend(reversed(subdirs))


def _sha256_follow(path):
    import hashlib
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(_HASH_BLOCK), b""):
            h.update(block)
    return h.hexdigest()


def _keep_set(keep_paths):
    keep = set()
    for p in keep_paths:
        _check_rel(p)
        keep.add(p)
        parts = p.split("/")
        for i in range(1, len(parts)):
            keep.add("/".join(parts[:i]))
    return keep


def _extraneous_at(root_fd, keep, remove):
    """Paths under the folder ``root_fd`` not in ``keep`` (a set of paths with their parents, or a list of paths);
    with ``remove`` they are removed as they are found. Kept folders are entered through fds, never through a
    symlink."""
    if not isinstance(keep, set):
        keep = _keep_set(keep)
    out = []

    def visit(rel_dir, dfd):
        subdirs = []
        for de in _sorted_entries(dfd):
            rel = de.name if rel_dir == "" else rel_dir + "/" + de.name
            if rel not in keep:
                if remove:
                    _remove_at(dfd, de.name, rel, out)
                else:
                    out.append(rel)
            elif de.is_dir(follow_symlinks=False):
                subdirs.append(de.name)
        return subdirs
    _dirs_depth_first(root_fd, visit)
    return out


def _cleanup_temps_at(root_fd, mine=frozenset()):
    """Remove temp files of interrupted writes under the folder ``root_fd`` (not the ``(st_dev, st_ino)`` in
    ``mine``: the ones this process has open); return their relative paths."""
    removed = []

    def visit(rel_dir, dfd):
        subdirs = []
        with os.scandir(dfd) as it:
            items = list(it)
        for de in items:
            n = de.name
            if TEMP_MARK in n and n.startswith("."):
                rel = n if rel_dir == "" else rel_dir + "/" + n
                try:
                    st = de.stat(follow_symlinks=False)
                    if (st.st_dev, st.st_ino) in mine:
                        continue
                    if _remove_at(dfd, n, rel, []):
                        removed.append(rel)
                except OSError:
                    pass
            elif de.is_dir(follow_symlinks=False):
                subdirs.append(n)
        return subdirs
    _dirs_depth_first(root_fd, visit)
    return removed
