"""rmote toolkit: file helpers the built-in tools share (docs/PROTOCOL.md section 4).

Not part of the runtime: the controller syncs this module (as ``rmote_toolkit``) in front of the first tool
that imports it, so a connection that never writes a file never pays for it. Stdlib only, Python 3.8+.

Every change a helper makes names an entry of a folder held open by fd (issue 16): the folder is reached from
``/`` one component at a time with O_NOFOLLOW, and a symlink on the way is followed only when nobody but root or
this user could have placed or changed it (``_trusted_link``); any other is refused with an error naming it. So a
user who owns a folder on the path (a home folder, an app's data folder) cannot redirect a write, chmod or delete
elsewhere by swapping a folder for a symlink between two steps.
"""
import errno
import os
import stat

TEMP_MARK = ".rmote-tmp-"  # in every temp file name temp_name() makes (cleanup finds leftovers by it)

CLOEXEC = getattr(os, "O_CLOEXEC", 0)
DIR_OPEN = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | CLOEXEC
FILE_READ = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | CLOEXEC  # NONBLOCK: a FIFO swapped in never hangs us
_MAX_LINKS = 40  # as the kernel's MAXSYMLINKS
_RETRIES = 8     # an entry that keeps changing under the walk fails after this many looks
# a release base (python/tools/deploy.py) holds one of these; its releases/ and shared/ and each release are never
# reached through a symlink, whoever owns it (issue 16, case 2)
_BASE_MARKS = (".rmote-releases.json", ".rmote-deploy.lock")
_MANAGED = ("releases", "shared")


def temp_leaf(name):
    """A fresh temp name for a file called name, in the same folder: ".<name>.rmote-tmp-<random>", the name cut
    to stay under NAME_MAX."""
    return "." + name[:200] + TEMP_MARK + os.urandom(6).hex()


def temp_name(path):
    """A fresh temp path beside path (temp_leaf of its name)."""
    directory, name = os.path.split(path)
    return os.path.join(directory, temp_leaf(name))


def unlink_quietly(path, dir_fd=None):
    """Remove path (relative to dir_fd when given) if it can be; a missing or stuck entry is no error."""
    try:
        os.unlink(path, dir_fd=dir_fd)
    except OSError:
        pass


def private_folder(path):
    """True when ``path`` is a folder only this user can enter, made (mode 0700) if missing; False when it is anything
    else: a link, another user's, open to others, or impossible to make. Per-user state under ~/.cache/rmote (the
    deploy's temp marks, the kept runtimes' sockets) lives only in such folders."""
    try:
        os.makedirs(path, 0o700, exist_ok=True)
        st = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISDIR(st.st_mode) and st.st_uid == os.geteuid() and not st.st_mode & 0o077


def fsync_quietly(fd):
    """fsync fd; a filesystem that refuses (some do for folders) is no error."""
    try:
        os.fsync(fd)
    except OSError:
        pass


# ------------------------------------------------------------------------ folders reached through fds


def lstat_at(dfd, name):
    """lstat of the entry ``name`` of folder ``dfd``; None when missing."""
    try:
        return os.stat(name, dir_fd=dfd, follow_symlinks=False)
    except FileNotFoundError:
        return None


def _is_base(dfd):
    return any(lstat_at(dfd, mark) is not None for mark in _BASE_MARKS)


def _trusted_link(dfd, st):
    """Whether the symlink ``st`` in folder ``dfd`` is one only root or this user could have placed: owned by one
    of them, in a folder owned by one of them that nobody else may write to (or sticky), as OpenSSH's and
    systemd's safe-path checks ask."""
    me = os.geteuid()
    folder = os.fstat(dfd)
    return (st.st_uid in (0, me) and folder.st_uid in (0, me)
            and (not folder.st_mode & 0o022 or folder.st_mode & stat.S_ISVTX))


def unsafe_link(shown, target, why):
    """The error for a symlink at ``shown`` refused on the way to ``target``."""
    return PermissionError(errno.EPERM, "%s is a symlink %s; refusing to follow it to reach %s (a user who can "
                                        "change it could point it anywhere: give the real path, or make it a real "
                                        "folder)" % (shown, why, target), shown)


class _Walk:
    """One component-by-component walk: the folder fd reached, the real path shown for it, the folders above
    (for ``..`` and the release-base check)."""

    __slots__ = ("fd", "shown", "trail", "links", "target")

    def __init__(self, target, fd=None, shown=""):
        self.fd = os.open("/", DIR_OPEN) if fd is None else os.dup(fd)
        self.shown = shown.rstrip("/")
        self.trail = []  # [(fd, shown)] of the folders above, nearest last
        self.links = 0
        self.target = target

    def close(self):
        for fd, _ in self.trail:
            os.close(fd)
        self.trail = []
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def take(self):
        """The folder fd (the caller owns it now); the walk is closed."""
        fd, self.fd = self.fd, None
        self.close()
        return fd

    def child(self, name):
        return (self.shown or "") + "/" + name

    def up(self):
        if self.trail:
            os.close(self.fd)
            self.fd, self.shown = self.trail.pop()
        else:  # a walk that started at a folder fd: its parent (".." of "/" is "/")
            fd = os.open("..", DIR_OPEN, dir_fd=self.fd)
            os.close(self.fd)
            self.fd, self.shown = fd, self.shown.rpartition("/")[0]

    def enter(self, fd, name):
        self.trail.append((self.fd, self.shown))
        self.fd, self.shown = fd, self.child(name)

    def restart(self):
        self.close()
        self.fd, self.shown = os.open("/", DIR_OPEN), ""

    def follow(self, name, st, todo):
        """Queue the target of the symlink ``name`` (lstat ``st``) of the current folder, if it may be followed."""
        shown = self.child(name)
        if not _trusted_link(self.fd, st):
            raise unsafe_link(shown, self.target, "that another user controls (link owner uid %d, folder owner uid %d)"
                              % (st.st_uid, os.fstat(self.fd).st_uid))
        if name in _MANAGED and _is_base(self.fd) or (
                self.shown.rpartition("/")[2] == "releases" and self.trail and _is_base(self.trail[-1][0])):
            raise unsafe_link(shown, self.target, "in a release base (releases/, shared/ and each release are never "
                                                  "reached through a symlink)")
        self.links += 1
        if self.links > _MAX_LINKS:
            raise OSError(errno.ELOOP, "too many levels of symbolic links", self.target)
        link = os.readlink(name, dir_fd=self.fd)
        todo.extend(reversed([p for p in link.split("/") if p not in ("", ".")]))
        if link.startswith("/"):
            self.restart()
        return link

    def walk(self, parts, create=False, mode=0o777):
        """Go down ``parts``; return the parts left when one is missing (and not ``create``), else []."""
        todo = list(reversed([p for p in parts if p not in ("", ".")]))
        looks = 0
        while todo:
            name = todo.pop()
            if name == "..":
                self.up()
                continue
            try:
                fd = os.open(name, DIR_OPEN, dir_fd=self.fd)
            except FileNotFoundError:
                if not create:
                    return [name] + list(reversed(todo))
                try:
                    os.mkdir(name, mode, dir_fd=self.fd)
                except FileExistsError:
                    pass
                except OSError as e:
                    raise OSError(e.errno, e.strerror, self.child(name)) from None
            except OSError as e:
                if e.errno not in (errno.ELOOP, errno.ENOTDIR):
                    raise OSError(e.errno, e.strerror, self.child(name)) from None  # named in full, not as a leaf
                st = lstat_at(self.fd, name)
                if st is not None and stat.S_ISLNK(st.st_mode):
                    self.follow(name, st, todo)
                    continue
                if st is not None and not stat.S_ISDIR(st.st_mode):
                    raise NotADirectoryError(errno.ENOTDIR, "not a directory", self.child(name))
            else:
                self.enter(fd, name)
                continue
            looks += 1  # created, or changed since the open: look again
            if looks > _RETRIES:
                raise OSError(errno.EAGAIN, "kept changing while it was opened", self.child(name))
            todo.append(name)
        return []


def _absolute(path):
    if not isinstance(path, str) or not path or "\x00" in path:
        raise ValueError("invalid path %r" % (path,))
    return path if path.startswith("/") else os.path.join(os.getcwd(), path)


def open_folder(path, create=False, mode=0o777, target=None):
    """An fd (O_DIRECTORY, the caller closes it) of the folder ``path``, reached from ``/`` one component at a time
    through folder fds; with ``create`` missing folders are made (``mode``, filtered by the umask). A symlink on the
    way is followed only when trusted (see the module's note), else PermissionError naming it; a file on the way is
    NotADirectoryError; a missing folder FileNotFoundError naming it. Errors say the walk was to reach ``target``
    (default ``path``)."""
    w = _Walk(target or path)
    try:
        rest = w.walk(_absolute(path).split("/"), create, mode)
        if rest:
            raise FileNotFoundError(errno.ENOENT, "no such folder", w.child(rest[0]))
        return w.take()
    finally:
        w.close()


def real_path(path):
    """``path`` made absolute with its symlinks resolved as ``open_folder`` resolves them (an untrusted one is
    refused); a missing tail is kept as given, as os.path.realpath does."""
    w = _Walk(path)
    try:
        rest = w.walk(_absolute(path).split("/"))
        shown = w.shown or "/"
        return os.path.normpath(os.path.join(shown, *rest)) if rest else shown
    finally:
        w.close()


def open_parent(path, create=False):
    """``(folder fd, name)`` for ``path``: its folder opened as ``open_folder`` does, and its last component."""
    directory, name = os.path.split(_absolute(path).rstrip("/") or "/")
    if name in ("", ".", ".."):
        raise IsADirectoryError(errno.EISDIR, "is a directory", path)
    return open_folder(directory, create, target=path), name


def resolve_at(pfd, name, path):
    """``(new folder fd, name)`` of the entry ``name`` of folder ``pfd`` (shown as ``path``'s folder) with a final
    symlink resolved, trusted ones only, as on the way. The caller closes both fds."""
    w = _Walk(path, pfd, os.path.dirname(_absolute(path)))
    try:
        while True:
            st = lstat_at(w.fd, name)
            if st is None or not stat.S_ISLNK(st.st_mode):
                return w.take(), name
            todo = []
            w.follow(name, st, todo)
            parts = list(reversed(todo))
            if not parts or parts[-1] == "..":
                raise IsADirectoryError(errno.EISDIR, "is a directory", path)
            rest = w.walk(parts[:-1])
            if rest:
                raise FileNotFoundError(errno.ENOENT, "no such folder", w.child(rest[0]))
            name = parts[-1]
    finally:
        w.close()


def chmod_at(dfd, name, mode, st=None):
    """chmod the file ``name`` of folder ``dfd`` without following a symlink (Linux has no lchmod): through an fd
    of the file itself, or, when it is unreadable to us or no file or folder (``st``, its lstat: a device is never
    opened), an O_PATH fd and /proc/self/fd (as systemd does)."""
    try:
        if st is not None and not (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode)):
            raise PermissionError(errno.EACCES, "not opened", name)
        fd = os.open(name, FILE_READ, dir_fd=dfd)
    except PermissionError:
        fd = os.open(name, getattr(os, "O_PATH", os.O_RDONLY) | os.O_NOFOLLOW | CLOEXEC, dir_fd=dfd)
        try:
            if stat.S_ISLNK(os.fstat(fd).st_mode):
                raise OSError(errno.ELOOP, "became a symlink; not changed", name)
            os.chmod("/proc/self/fd/%d" % fd, mode)
        finally:
            os.close(fd)
        return
    try:
        os.fchmod(fd, mode)
    finally:
        os.close(fd)


def remove_at(pfd, name, rel, out, dir_only=False):
    """Remove the entry ``name`` of folder ``pfd`` and everything below it, never following a symlink: a
    symlink is unlinked as an entry; a folder is opened O_NOFOLLOW and emptied through its fd. ``out`` gets the
    removed relative paths (inner ones first). With ``dir_only`` anything but a real folder is left alone.
    Returns True if something was removed. (shutil.rmtree(dir_fd=) is 3.11+; this runs on 3.8.)"""
    for _ in range(3):
        try:
            fd = os.open(name, DIR_OPEN, dir_fd=pfd)
        except FileNotFoundError:
            return False
        except OSError as e:
            if e.errno not in (errno.ELOOP, errno.ENOTDIR):
                raise
            if dir_only:
                return False
            try:
                os.unlink(name, dir_fd=pfd)
            except FileNotFoundError:
                return False
            except IsADirectoryError:
                continue  # became a folder since the open
            out.append(rel)
            return True
        try:
            with os.scandir(fd) as it:
                names = [de.name for de in it]
            for n in names:
                remove_at(fd, n, rel + "/" + n if rel else n, out)
        finally:
            os.close(fd)
        try:
            os.rmdir(name, dir_fd=pfd)
        except FileNotFoundError:
            return False
        out.append(rel)
        return True
    raise OSError(errno.EAGAIN, "kept changing while it was removed", rel)


# --------------------------------------------------------------------------------- atomic writes


def _named(e, tmp, shown):
    """``e`` naming ``shown`` (the file as the caller gave it) when it names the temp or nothing: an fd-relative
    call's error would otherwise say only a leaf name."""
    if shown is None or e.filename not in (None, tmp):
        return e
    return OSError(e.errno, e.strerror, shown)


def write_temp_at(pfd, name, data, mode, uid=None, gid=None, owner_required=True, shown=None):
    """Write data to a new temp file beside ``name`` in folder ``pfd``, fsync it, give it uid/gid (-1/None keeps;
    a refused chown only fails when owner_required) and then mode; return its name. Removed on failure. Errors
    name ``shown`` (the file's path)."""
    tmp = temp_leaf(name)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | CLOEXEC, 0o600, dir_fd=pfd)
    except OSError as e:
        raise _named(e, tmp, shown) from None
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            if uid is not None or gid is not None:
                try:
                    os.fchown(fd, -1 if uid is None else uid, -1 if gid is None else gid)
                except PermissionError:
                    if owner_required:
                        raise
            os.fchmod(fd, mode)  # after chown, which clears setuid/setgid bits
            os.fsync(fd)
        finally:
            os.close(fd)
        return tmp
    except BaseException as e:
        unlink_quietly(tmp, dir_fd=pfd)
        if isinstance(e, OSError):
            raise _named(e, tmp, shown) from None
        raise


def commit_temp_at(pfd, tmp, name, shown=None):
    """Rename ``tmp`` over ``name`` in folder ``pfd`` (the atomic step; tmp is removed if it fails), then fsync
    the folder. Errors name ``shown`` (the file's path)."""
    try:
        os.replace(tmp, name, src_dir_fd=pfd, dst_dir_fd=pfd)
    except BaseException as e:
        unlink_quietly(tmp, dir_fd=pfd)
        if isinstance(e, OSError):
            raise _named(e, tmp, shown) from None
        raise
    fsync_quietly(pfd)


def write_temp(path, data, mode, uid=None, gid=None, owner_required=True):
    """write_temp_at in the folder of ``path`` (reached through fds); return the temp's path."""
    pfd, name = open_parent(path)
    try:
        return os.path.join(os.path.dirname(path), write_temp_at(pfd, name, data, mode, uid, gid, owner_required, path))
    finally:
        os.close(pfd)


def commit_temp(tmp, path):
    """commit_temp_at for a temp beside ``path`` (from write_temp)."""
    pfd, name = open_parent(path)
    try:
        commit_temp_at(pfd, os.path.basename(tmp), name, path)
    finally:
        os.close(pfd)


def replace_file(path, data, mode, uid=None, gid=None, owner_required=True):
    """Atomically replace path with data: readers see the old file or the new one, never a part. A symlink at
    ``path`` is replaced, not followed."""
    pfd, name = open_parent(path)
    try:
        commit_temp_at(pfd, write_temp_at(pfd, name, data, mode, uid, gid, owner_required, path), name, path)
    finally:
        os.close(pfd)


def write_file(path, data, mode=None, uid=None, gid=None):
    """Write data to path atomically and idempotently; return (changed, sha256).

    Equal content with the wanted mode/owner changes nothing; equal content with other metadata is fixed
    in place. Without an explicit mode/owner an existing file keeps its own, a new file gets
    0666 & ~umask and the caller's identity. A symlink is followed, so it keeps pointing at the file, when
    it is trusted (the module's note); every step names an entry of a folder fd.
    """
    import hashlib
    digest = hashlib.sha256(data).hexdigest()
    try:
        pfd, name = open_parent(path)
    except FileNotFoundError as e:
        raise FileNotFoundError(errno.ENOENT, "parent directory does not exist (create it first with FileSystem.mkdir)",
                                e.filename or os.path.dirname(path)) from None
    try:
        fd, name = resolve_at(pfd, name, path)
    finally:
        os.close(pfd)
    try:
        return _write_at(fd, name, path, data, digest, mode, uid, gid)
    except OSError as e:
        raise _named(e, name, path) from None
    finally:
        os.close(fd)


def _write_at(pfd, name, path, data, digest, mode, uid, gid):
    st = lstat_at(pfd, name)
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(errno.EISDIR, "cannot write file contents: path is a directory", path)
    if st is not None and stat.S_ISREG(st.st_mode) and st.st_size == len(data):
        fd = os.open(name, FILE_READ, dir_fd=pfd)
        try:
            st = os.fstat(fd)  # the file read is the one checked and fixed
            same = stat.S_ISREG(st.st_mode) and _read_all(fd, len(data) + 1) == data
            if same:
                mode_ok = mode is None or stat.S_IMODE(st.st_mode) == mode
                owner_ok = (uid is None or st.st_uid == uid) and (gid is None or st.st_gid == gid)
                if mode_ok and owner_ok:
                    return False, digest
                if st.st_nlink == 1:  # a second link may be anywhere: rewritten below instead
                    if not owner_ok:
                        os.fchown(fd, -1 if uid is None else uid, -1 if gid is None else gid)
                    if mode is not None:
                        os.fchmod(fd, mode)
                    return True, digest
        finally:
            os.close(fd)
    if mode is None:
        mode = stat.S_IMODE(st.st_mode) if st is not None else (0o666 & ~_umask())
    explicit_owner = uid is not None or gid is not None
    if st is not None and stat.S_ISREG(st.st_mode):
        uid = st.st_uid if uid is None else uid
        gid = st.st_gid if gid is None else gid
    # Keeping an existing file's owner is best effort for unprivileged callers; a requested owner is not.
    commit_temp_at(pfd, write_temp_at(pfd, name, data, mode, uid, gid, explicit_owner, path), name, path)
    return True, digest


def _read_all(fd, limit):
    chunks, size = [], 0
    while size < limit:
        piece = os.read(fd, min(limit - size, 1 << 20))
        if not piece:
            break
        chunks.append(piece)
        size += len(piece)
    return b"".join(chunks)


def _umask():
    # os.umask() can only be read by setting it, which races with other threads; Linux >= 4.7 shows it in /proc.
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o022


def file_mode(mode):
    """A permission mode from 0o644, 420, '0644', '644' or '0o644' (None stays None)."""
    if mode is None:
        return None
    if isinstance(mode, bool):
        raise TypeError("mode must be an int or an octal string like '0644', not bool")
    if isinstance(mode, int):
        value = mode
    elif isinstance(mode, str):
        text = mode.strip().lower()
        if text.startswith("0o"):
            text = text[2:]
        if not text or text.strip("01234567"):
            raise ValueError("invalid mode %r: use an octal string like '0644' or an int" % (mode,))
        value = int(text, 8)
    else:
        raise TypeError("mode must be an int or an octal string like '0644', not %s" % type(mode).__name__)
    if not 0 <= value <= 0o7777:
        raise ValueError("invalid mode %s: must be between 0 and 0o7777" % oct(value))
    return value


def owner_id(owner):
    """The uid of a user name or number (None stays None); an unknown name says how to fix it."""
    if owner is None or isinstance(owner, int) and not isinstance(owner, bool):
        return owner
    if isinstance(owner, str) and owner.isdigit():
        return int(owner)
    import pwd
    try:
        return pwd.getpwnam(owner).pw_uid
    except KeyError:
        raise ValueError("unknown user %r on this host: create it first (User.user)" % (owner,)) from None


def group_id(group):
    """The gid of a group name or number (None stays None); an unknown name says how to fix it."""
    if group is None or isinstance(group, int) and not isinstance(group, bool):
        return group
    if isinstance(group, str) and group.isdigit():
        return int(group)
    import grp
    try:
        return grp.getgrnam(group).gr_gid
    except KeyError:
        raise ValueError("unknown group %r on this host: create it first (User.group)" % (group,)) from None
