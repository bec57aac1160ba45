"""rmote toolkit: file helpers the built-in tools share (docs/PROTOCOL.md section 4).

Not part of the runtime: the controller syncs this module (as ``rmote_toolkit``) in front of the first tool
that imports it, so a connection that never writes a file never pays for it. Stdlib only, Python 3.8+.
"""
import os

TEMP_MARK = ".rmote-tmp-"  # in every temp file name temp_name() makes (cleanup finds leftovers by it)


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


def fsync_quietly(fd):
    """fsync fd; a filesystem that refuses (some do for folders) is no error."""
    try:
        os.fsync(fd)
    except OSError:
        pass


def write_temp(path, data, mode, uid=None, gid=None, owner_required=True):
    """Write data to a new temp file beside path, fsync it, give it uid/gid (-1/None keeps; a refused chown
    only fails when owner_required) and then mode; return its name. The temp is removed on failure."""
    tmp = temp_name(path)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        if uid is not None or gid is not None:
            try:
                os.chown(tmp, -1 if uid is None else uid, -1 if gid is None else gid)
            except PermissionError:
                if owner_required:
                    raise
        os.chmod(tmp, mode)  # after chown, which clears setuid/setgid bits
        return tmp
    except BaseException:
        unlink_quietly(tmp)
        raise


def commit_temp(tmp, path):
    """Rename tmp over path (the atomic step; tmp is removed if it fails), then fsync the folder."""
    try:
        os.replace(tmp, path)
    except BaseException:
        unlink_quietly(tmp)
        raise
    try:
        fd = os.open(os.path.dirname(path) or ".", os.O_RDONLY)
    except OSError:
        return  # the rename is done
    try:
        fsync_quietly(fd)
    finally:
        os.close(fd)


def replace_file(path, data, mode, uid=None, gid=None, owner_required=True):
    """Atomically replace path with data: readers see the old file or the new one, never a part."""
    commit_temp(write_temp(path, data, mode, uid, gid, owner_required), path)


def write_file(path, data, mode=None, uid=None, gid=None):
    """Write data to path atomically and idempotently; return (changed, sha256).

    Equal content with the wanted mode/owner changes nothing; equal content with other metadata is fixed
    in place. Without an explicit mode/owner an existing file keeps its own, a new file gets
    0666 & ~umask and the caller's identity. A symlink is followed, so it keeps pointing at the file.
    """
    import errno
    import hashlib
    import stat
    digest = hashlib.sha256(data).hexdigest()
    real = os.path.realpath(path) if os.path.islink(path) else path
    try:
        st = os.stat(real)
    except FileNotFoundError:
        st = None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(errno.EISDIR, "cannot write file contents: path is a directory", path)
    if st is not None and stat.S_ISREG(st.st_mode) and st.st_size == len(data):
        with open(real, "rb") as f:
            same = f.read(len(data) + 1) == data
        if same:
            mode_ok = mode is None or stat.S_IMODE(st.st_mode) == mode
            owner_ok = (uid is None or st.st_uid == uid) and (gid is None or st.st_gid == gid)
            if mode_ok and owner_ok:
                return False, digest
            if not owner_ok:
                os.chown(real, -1 if uid is None else uid, -1 if gid is None else gid)
            if mode is not None:
                os.chmod(real, mode)
            return True, digest
    directory = os.path.dirname(real) or "."
    if not os.path.isdir(directory):
        raise FileNotFoundError(errno.ENOENT, "parent directory does not exist (create it first with FileSystem.mkdir)", directory)
    if mode is None:
        mode = stat.S_IMODE(st.st_mode) if st is not None else (0o666 & ~_umask())
    explicit_owner = uid is not None or gid is not None
    if st is not None and stat.S_ISREG(st.st_mode):
        uid = st.st_uid if uid is None else uid
        gid = st.st_gid if gid is None else gid
    # Keeping an existing file's owner is best effort for unprivileged callers; a requested owner is not.
    replace_file(real, data, mode, uid, gid, owner_required=explicit_owner)
    return True, digest


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
