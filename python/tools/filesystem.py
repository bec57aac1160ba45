"""FileSystem: read, atomic write, glob, line-in-file, stat and friends.

Every mutating method is idempotent and reports whether it changed anything.
Writes never leave a half-written file behind: data goes to a temporary file in
the destination directory, is fsync'ed, gets its mode/owner, and is renamed
over the destination (then the directory is fsync'ed).
"""

import difflib
import errno
import glob as _glob
import grp
import hashlib
import os
import pathlib as _pathlib
import pwd
import re
import stat as _stat
from dataclasses import dataclass
from typing import List, Optional, Tuple, Union

from rmote_toolkit import (DIR_OPEN, chmod_at, commit_temp_at, file_mode, group_id, lstat_at, open_folder, open_parent,
                           owner_id, remove_at, resolve_at, temp_leaf, write_file)

_Mode = Union[int, str, None]
_Id = Union[int, str, None]


@dataclass
class WriteResult:
    """Result of ``write``/``write_str``."""
    path: str
    changed: bool
    sha256: str


@dataclass
class LineInFileResult:
    """Result of ``line_in_file``: ``diff`` is a unified diff ('' when unchanged)."""
    path: str
    changed: bool
    diff: str


@dataclass
class StatResult:
    """Result of ``stat``. When ``exists`` is false every other field but ``path`` is None."""
    path: str
    exists: bool
    type: Optional[str] = None  # 'file' | 'dir' | 'symlink' | 'other'
    size: Optional[int] = None
    mode: Optional[int] = None  # permission bits incl. setuid/setgid/sticky (S_IMODE)
    uid: Optional[int] = None
    gid: Optional[int] = None
    owner: Optional[str] = None  # None when the uid has no passwd entry
    group: Optional[str] = None
    mtime: Optional[float] = None
    link_target: Optional[str] = None  # only for symlinks


# ----------------------------------------------------------------- helpers

def _change_path(path, change, recursive):
    """``_change_tree`` for ``path`` itself, reached through folder fds, a final symlink followed when the toolkit
    trusts it."""
    pfd, name = open_parent(path)
    try:
        dfd, name = resolve_at(pfd, name, path)
    finally:
        os.close(pfd)
    try:
        return _change_tree(dfd, name, change, recursive)
    finally:
        os.close(dfd)


def _change_tree(dfd, name, change, recursive):
    """``change(dfd, name, lstat)`` for the entry ``name`` of folder ``dfd`` and, when ``recursive``, everything
    below it, reached through folder fds opened O_NOFOLLOW: a symlink below the top is never entered (a folder
    swapped for one meanwhile is skipped). Returns whether any call changed something."""
    st = os.stat(name, dir_fd=dfd, follow_symlinks=False)
    changed = change(dfd, name, st)
    if not (recursive and _stat.S_ISDIR(st.st_mode)):
        return changed
    try:
        fd = os.open(name, DIR_OPEN, dir_fd=dfd)
    except OSError as e:
        if e.errno in (errno.ELOOP, errno.ENOTDIR, errno.ENOENT):
            return changed
        raise
    try:
        for n in sorted(os.listdir(fd)):
            try:
                changed = _change_tree(fd, n, change, True) or changed
            except FileNotFoundError:
                pass  # removed meanwhile
    finally:
        os.close(fd)
    return changed


def _decode_lines(raw):
    # surrogateescape keeps bytes that are not UTF-8 intact through an edit.
    text = raw.decode("utf-8", "surrogateescape")
    return text.splitlines(keepends=True) if text else []


def _strip_eol(line):
    return line.rstrip("\r\n")


def _only_first(match, first, state):
    """Whether only the first regexp/line match counts: rmote's ``match`` (FIRST=0,
    ALL=1, or 'first'/'all'); unset, the port's ``first`` flag decides for
    state='absent' and rmote's FIRST for replacement."""
    if match is None:
        return first or state == "present"
    if isinstance(match, str) and match.lower() in ("first", "all"):
        return match.lower() == "first"
    if match in (0, 1) and not isinstance(match, bool):
        return match == 0
    raise ValueError("match must be 'first' or 'all' (rmote's LineInFileMatch 0/1), not %r" % (match,))


# -------------------------------------------------------------------- tool

class FileSystem(Tool):
    """Remote filesystem operations. Modes are ints or octal strings ('0644');
    owner/group are names or numeric ids."""

    @staticmethod
    def read(path):
        # type: (str) -> bytes
        """Return the contents of ``path`` as bytes."""
        with open(path, "rb") as f:
            return f.read()

    @staticmethod
    def read_str(path, encoding="utf-8"):
        # type: (str, str) -> str
        """Return the contents of ``path`` decoded with ``encoding`` (strict)."""
        with open(path, "r", encoding=encoding, newline="") as f:
            return f.read()

    @staticmethod
    def write(path, data, mode=None, owner=None, group=None):
        # type: (str, bytes, _Mode, _Id, _Id) -> WriteResult
        """Atomically write ``data`` (bytes) to ``path``.

        Unchanged content with the right mode/owner is left alone (``changed`` false).
        A symlink at ``path`` is followed. Without ``mode``/``owner``/``group`` an
        existing file keeps its own; a new one gets 0666 & ~umask.
        Returns WriteResult{path, changed, sha256}.
        """
        if isinstance(data, str):
            raise TypeError("write() takes bytes; use write_str() for text")
        data = bytes(data)
        changed, digest = write_file(path, data, file_mode(mode), owner_id(owner), group_id(group))
        if changed:
            FileSystem.log.debug("wrote %s (%d bytes)", path, len(data))
        return WriteResult(path=path, changed=changed, sha256=digest)

    @staticmethod
    def write_str(path, text, mode=None, owner=None, group=None, encoding="utf-8"):
        # type: (str, str, _Mode, _Id, _Id, str) -> WriteResult
        """Like ``write`` with ``text`` encoded as ``encoding``."""
        return FileSystem.write(path, text.encode(encoding), mode=mode, owner=owner, group=group)

    @staticmethod
    def glob(directory, pattern, recursive=True):
        # type: (str, str, bool) -> List[str]
        """Sorted paths under ``directory`` matching ``pattern``, with rmote's rules
        (``pathlib.Path.glob``): ``*`` matches dot files too and ``**`` spans
        directories. rmote returns them unsorted; here they are sorted.
        ``recursive=False`` gives the shell's rules instead (``glob.glob``: ``*``
        skips dot files, ``**`` is ``*``)."""
        if os.path.isabs(pattern):
            raise ValueError("pattern %r is absolute; give it relative to directory %r" % (pattern, directory))
        if recursive:
            return sorted(str(p) for p in _pathlib.Path(directory).glob(pattern))
        return sorted(_glob.glob(os.path.join(_glob.escape(directory), pattern)))

    @staticmethod
    def line_in_file(path, line, regexp=None, state="present", insert_after=None, first=False, create=False,
                     mode=None, insert_before=None, match=None, strip=True, newline=True):
        # type: (str, str, Optional[str], str, Optional[str], bool, bool, _Mode, Optional[str], Union[str, int, None], bool, bool) -> LineInFileResult
        """Ensure one line is present in (or absent from) a text file.

        state='present':
          * with ``regexp``: the first line matching it is replaced by ``line``
            (as rmote; ``match='all'`` replaces every match); if none match and
            ``line`` is not already there it is inserted;
          * without: ``line`` is inserted unless an equal line exists.
          Insertion goes after the last line matching the regex ``insert_after``
          (first match when ``first``), or before the first line matching
          ``insert_before``; 'EOF'/'BOF' are accepted; default end of file.
        state='absent': lines matching ``regexp`` (or equal to ``line`` when no
          regexp) are removed (only the first when ``first`` or ``match='first'``).
        ``match``: 'first'/'all' (or rmote's LineInFileMatch values 0/1).
        Lines compare without their line terminator and, with ``strip`` (default,
        as rmote), without surrounding whitespace. An inserted line gets a newline
        unless ``newline`` is false (rmote's behaviour: an appended line is
        terminated only when the file ended with one, a created file is not).
        A missing file is an error unless ``create`` (present) or state is
        'absent' (nothing to do). ``mode`` applies to a created file or fixes an
        existing one. Returns LineInFileResult{path, changed, diff}.
        """
        if state not in ("present", "absent"):
            raise ValueError("state must be 'present' or 'absent', not %r" % (state,))
        if "\n" in line or "\r" in line:
            raise ValueError("line must be a single line without newline characters")
        if insert_after is not None and insert_before is not None:
            raise ValueError("give insert_after or insert_before, not both")
        only_first = _only_first(match, first, state)
        want_mode = file_mode(mode)
        rx = re.compile(regexp) if regexp is not None else None

        def same(item):
            body = _strip_eol(item)
            return body.strip() == line.strip() if strip else body == line

        try:
            with open(path, "rb") as f:
                raw = f.read()
            exists = True
        except FileNotFoundError:
            if state == "absent":
                return LineInFileResult(path=path, changed=False, diff="")
            if not create:
                raise FileNotFoundError(errno.ENOENT, "file does not exist (pass create=True to create it)", path) from None
            raw, exists = b"", False
        old = _decode_lines(raw)
        new = list(old)

        if state == "absent":
            kept, removed = [], False
            for item in new:
                hit = rx.search(_strip_eol(item)) if rx is not None else same(item)
                if hit and not (removed and only_first):
                    removed = True
                    continue
                kept.append(item)
            new = kept
        else:
            replaced = False
            if rx is not None:
                for i, item in enumerate(new):
                    if rx.search(_strip_eol(item)):
                        eol = item[len(_strip_eol(item)):]
                        new[i] = line + (eol or "")
                        replaced = True
                        if only_first:
                            break
            if not replaced and not any(same(item) for item in new):
                index = len(new)
                if insert_before is not None and insert_before != "EOF":
                    if insert_before == "BOF":
                        index = 0
                    else:
                        brx = re.compile(insert_before)
                        hits = [i for i, item in enumerate(new) if brx.search(_strip_eol(item))]
                        if hits:
                            index = hits[0]
                elif insert_after is not None and insert_after != "EOF":
                    if insert_after == "BOF":
                        index = 0
                    else:
                        arx = re.compile(insert_after)
                        hits = [i for i, item in enumerate(new) if arx.search(_strip_eol(item))]
                        if hits:
                            index = (hits[0] if first else hits[-1]) + 1
                if index > 0 and not new[index - 1].endswith("\n"):
                    new[index - 1] += "\n"  # don't glue onto an unterminated last line
                terminated = newline or index < len(new) or (bool(old) and old[-1].endswith("\n"))
                new.insert(index, line + ("\n" if terminated else ""))

        content = "".join(new)
        before = "".join(old)
        if content == before and exists:
            # Content is right; still honour an explicit mode.
            changed = False
            if want_mode is not None:
                changed, _ = write_file(path, raw, want_mode)
            return LineInFileResult(path=path, changed=changed, diff="")
        write_file(path, content.encode("utf-8", "surrogateescape"), want_mode)
        diff = "".join(difflib.unified_diff(
            old, new, fromfile=path + " (before)", tofile=path + " (after)"))
        if diff and not diff.endswith("\n"):
            diff += "\n"
        return LineInFileResult(path=path, changed=True, diff=diff)

    @staticmethod
    def stat(path, follow_symlinks=True):
        # type: (str, bool) -> StatResult
        """Describe ``path``; a missing path gives ``exists`` false (never an error).
        With ``follow_symlinks`` false a symlink itself is described (type 'symlink')."""
        try:
            st = os.stat(path, follow_symlinks=follow_symlinks)
        except FileNotFoundError:
            return StatResult(path=path, exists=False)
        m = st.st_mode
        if _stat.S_ISLNK(m):
            kind = "symlink"
        elif _stat.S_ISREG(m):
            kind = "file"
        elif _stat.S_ISDIR(m):
            kind = "dir"
        else:
            kind = "other"
        try:
            owner = pwd.getpwuid(st.st_uid).pw_name
        except KeyError:
            owner = None
        try:
            group = grp.getgrgid(st.st_gid).gr_name
        except KeyError:
            group = None
        return StatResult(
            path=path, exists=True, type=kind, size=st.st_size, mode=_stat.S_IMODE(m),
            uid=st.st_uid, gid=st.st_gid, owner=owner, group=group, mtime=st.st_mtime,
            link_target=os.readlink(path) if kind == "symlink" else None,
        )

    @staticmethod
    def exists(path):
        # type: (str) -> bool
        """True if ``path`` exists (a dangling symlink counts as not existing)."""
        return os.path.exists(path)

    @staticmethod
    def mkdir(path, mode=None, parents=True):
        # type: (str, _Mode, bool) -> bool
        """Ensure ``path`` is a directory (with ``mode`` if given). Returns changed.
        Missing parents are created when ``parents`` (with the default mode).
        A leading ``~/`` is the login user's home folder. Every folder is reached
        through its parent's fd; a symlink on the way (or at ``path``) is followed
        only when nobody but root or this user controls it, else refused."""
        path = os.path.expanduser(path)
        want = file_mode(mode)
        try:
            fd = open_folder(path)
            changed = False
        except NotADirectoryError as e:
            raise FileExistsError(errno.EEXIST, "path exists and is not a directory", e.filename) from None
        except FileNotFoundError:
            pfd, name = open_parent(path, create=parents)
            try:
                try:
                    os.mkdir(name, 0o777 if want is None else want, dir_fd=pfd)
                except FileExistsError:
                    pass
                fd = os.open(name, DIR_OPEN, dir_fd=pfd)  # a symlink or a file put there meanwhile: refused
            except NotADirectoryError:
                raise FileExistsError(errno.EEXIST, "path exists and is not a directory", path) from None
            finally:
                os.close(pfd)
            changed = True
        try:
            if want is not None and _stat.S_IMODE(os.fstat(fd).st_mode) != want:
                os.fchmod(fd, want)  # mkdir's mode is filtered by the umask
                changed = True
        finally:
            os.close(fd)
        return changed

    @staticmethod
    def chmod(path, mode, recursive=False):
        # type: (str, _Mode, bool) -> bool
        """Set permission bits on ``path`` (and everything below it when ``recursive``;
        symlinks below it are skipped, never followed). Returns changed."""
        want = file_mode(mode)
        if want is None:
            raise ValueError("mode is required")

        def change(dfd, name, st):
            if _stat.S_ISLNK(st.st_mode) or _stat.S_IMODE(st.st_mode) == want:
                return False
            chmod_at(dfd, name, want, st)
            return True
        return _change_path(path, change, recursive)

    @staticmethod
    def chown(path, owner=None, group=None, recursive=False):
        # type: (str, _Id, _Id, bool) -> bool
        """Set owner and/or group of ``path`` (recursively when ``recursive``; symlinks
        below ``path`` are changed themselves, not followed). Returns changed."""
        uid, gid = owner_id(owner), group_id(group)
        if uid is None and gid is None:
            raise ValueError("give owner and/or group")

        def change(dfd, name, st):
            if (uid is None or st.st_uid == uid) and (gid is None or st.st_gid == gid):
                return False
            os.chown(name, -1 if uid is None else uid, -1 if gid is None else gid, dir_fd=dfd, follow_symlinks=False)
            return True
        return _change_path(path, change, recursive)

    @staticmethod
    def remove(path, recursive=False, missing_ok=True):
        # type: (str, bool, bool) -> bool
        """Remove a file, symlink (never its target) or directory. A non-empty
        directory needs ``recursive``; its contents are removed through folder fds,
        never following a symlink. Returns changed (False if already absent)."""
        try:
            pfd, name = open_parent(path)
        except FileNotFoundError:
            pfd, name = None, None
        try:
            st = lstat_at(pfd, name) if pfd is not None else None
            if st is None:
                if missing_ok:
                    return False
                raise FileNotFoundError(errno.ENOENT, "no such file or directory", path)
            if not _stat.S_ISDIR(st.st_mode):
                os.unlink(name, dir_fd=pfd)
            elif recursive:
                remove_at(pfd, name, name, [])
            else:
                try:
                    os.rmdir(name, dir_fd=pfd)
                except OSError as e:
                    if e.errno in (errno.ENOTEMPTY, errno.EEXIST):
                        raise OSError(e.errno, "directory is not empty (pass recursive=True to remove its contents)", path) from None
                    raise
            return True
        finally:
            if pfd is not None:
                os.close(pfd)

    @staticmethod
    def sha256(path):
        # type: (str) -> str
        """Hex SHA-256 of the file's contents."""
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        return h.hexdigest()

    @staticmethod
    def symlink(target, link_path, force=False):
        # type: (str, str, bool) -> bool
        """Make ``link_path`` a symlink to ``target`` (atomically replacing an existing
        symlink). An existing regular file is replaced only when ``force``; a
        directory never is. Returns changed."""
        pfd, name = open_parent(link_path)
        try:
            st = lstat_at(pfd, name)
            if st is not None and _stat.S_ISLNK(st.st_mode):
                if os.readlink(name, dir_fd=pfd) == target:
                    return False
            elif st is not None and _stat.S_ISDIR(st.st_mode):
                raise IsADirectoryError(errno.EISDIR, "a directory is in the way of the symlink (remove it first)", link_path)
            elif st is not None and not force:
                raise FileExistsError(errno.EEXIST, "a file is in the way of the symlink (pass force=True to replace it)", link_path)
            tmp = temp_leaf(name)
            os.symlink(target, tmp, dir_fd=pfd)
            commit_temp_at(pfd, tmp, name, link_path)
            return True
        finally:
            os.close(pfd)
