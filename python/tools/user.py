"""User: local users, groups, SSH authorized keys and sudoers drop-ins.

Changes go through useradd/usermod/userdel/groupadd/groupmod/groupdel (argv,
never a shell); current state is read from the passwd/group databases. Names
are validated before anything runs.
"""

import base64
import binascii
import errno
import grp
import os
import pwd
import re
import stat
import subprocess
from dataclasses import dataclass
from typing import List, Optional, Tuple, Union

from rmote_toolkit import (DIR_OPEN, FILE_READ, commit_temp, commit_temp_at, lstat_at, open_folder, open_parent,
                           write_temp, write_temp_at)

_VISUDO = "visudo"  # module attribute so tests can point it at a stand-in
_NAME = re.compile(r"^[a-z_][a-z0-9_-]*[$]?$")
_SUDOERS_NAME = re.compile(r"^[A-Za-z0-9_-]+$")  # sudo skips includedir files with '.' or a trailing '~'
_KEY = re.compile(
    r"(?:^|\s)((?:ssh-(?:rsa|dss|ed25519|ed448)|ecdsa-sha2-nistp(?:256|384|521)|sk-ssh-ed25519@openssh\.com|"
    r"sk-ecdsa-sha2-nistp256@openssh\.com|rsa-sha2-(?:256|512))(?:-cert-v01@openssh\.com)?)"
    r"\s+([A-Za-z0-9+/]+={0,3})(?:\s+(.*))?$")


@dataclass
class UserResult:
    """Result of ``user``: the account after the operation (fields other than
    ``name``/``changed``/``exists`` are None when it doesn't exist)."""
    changed: bool
    name: str
    exists: bool
    uid: Optional[int] = None
    gid: Optional[int] = None
    group: Optional[str] = None  # primary group name
    groups: Optional[List[str]] = None  # supplementary groups, sorted
    home: Optional[str] = None
    shell: Optional[str] = None
    comment: Optional[str] = None


def validate_name(name, what="user"):
    # type: (str, str) -> str
    """Return ``name`` if it is a safe user/group name, else raise ValueError."""
    if not isinstance(name, str) or not _NAME.match(name) or len(name) > 32:
        raise ValueError("invalid %s name %r: use lowercase letters, digits, '_' and '-', starting with a letter "
                         "or '_', at most 32 characters" % (what, name))
    return name


def _run(argv):
    try:
        proc = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env=dict(os.environ, LC_ALL="C"))
    except FileNotFoundError:
        raise FileNotFoundError(errno.ENOENT, "%s not found (install the 'passwd'/'shadow' package)" % argv[0],
                                argv[0]) from None
    if proc.returncode != 0:
        raise subprocess.CalledProcessError(proc.returncode, argv, output=proc.stdout.decode("utf-8", "replace"),
                                            stderr=proc.stderr.decode("utf-8", "replace"))


def _getpw(name):
    try:
        return pwd.getpwnam(name)
    except KeyError:
        return None


def _getgr(name):
    try:
        return grp.getgrnam(name)
    except KeyError:
        return None


def _group_gid(group):
    # type: (Union[str, int]) -> int
    if isinstance(group, int) and not isinstance(group, bool):
        return group
    validate_name(group, "group")
    g = _getgr(group)
    if g is None:
        raise ValueError("group %r does not exist: create it first with User.group" % (group,))
    return g.gr_gid


def _supplementary(name, primary_gid):
    return sorted(g.gr_name for g in grp.getgrall() if name in g.gr_mem and g.gr_gid != primary_gid)


def _user_result(name, changed):
    pw = _getpw(name)
    if pw is None:
        return UserResult(changed=changed, name=name, exists=False)
    try:
        primary = grp.getgrgid(pw.pw_gid).gr_name
    except KeyError:
        primary = None
    return UserResult(changed=changed, name=name, exists=True, uid=pw.pw_uid, gid=pw.pw_gid, group=primary,
                      groups=_supplementary(name, pw.pw_gid), home=pw.pw_dir, shell=pw.pw_shell,
                      comment=pw.pw_gecos)


# ------------------------------------------------------------ authorized_keys

def parse_key(line):
    # type: (str) -> Optional[Tuple[str, str]]
    """(key type, base64 blob) of an authorized_keys line, or None for blank,
    comment and unparseable lines. Options before the type and the trailing
    comment are not part of the identity."""
    text = line.strip()
    if not text or text.startswith("#"):
        return None
    m = _KEY.search(text)
    if not m:
        return None
    try:
        base64.b64decode(m.group(2), validate=True)
    except (binascii.Error, ValueError):
        return None
    return m.group(1), m.group(2)


def _wanted_keys(key):
    # type: (Union[str, List[str]]) -> List[Tuple[Tuple[str, str], str]]
    lines = key.splitlines() if isinstance(key, str) else [l for k in key for l in str(k).splitlines()]
    out = []
    for line in lines:
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        ident = parse_key(text)
        if ident is None:
            raise ValueError("not an SSH public key line: %r (expected '[options] <type> <base64> [comment]')"
                             % (text[:80],))
        out.append((ident, text))
    if not out:
        raise ValueError("no SSH public key given")
    return out


def edit_authorized_keys(content, key, state="present", exclusive=False):
    # type: (str, Union[str, List[str]], str, bool) -> str
    """Return authorized_keys ``content`` with the key line(s) in ``key`` present
    (replacing a line for the same key whose options/comment differ) or absent.
    ``exclusive`` (present only) drops every other key line."""
    if state not in ("present", "absent"):
        raise ValueError("state must be 'present' or 'absent', not %r" % (state,))
    wanted = _wanted_keys(key)
    idents = {ident: text for ident, text in wanted}
    lines = content.splitlines()
    out, seen = [], set()
    for line in lines:
        ident = parse_key(line)
        if ident is None:
            out.append(line)
        elif ident in idents:
            if state == "present" and ident not in seen:
                out.append(idents[ident])
            seen.add(ident)
        elif not (state == "present" and exclusive):
            out.append(line)
    if state == "present":
        out += [text for ident, text in wanted if ident not in seen]
        seen.update(idents)
    return "\n".join(out) + "\n" if out else ""


def _read_nofollow(path):
    # type: (str) -> Optional[bytes]
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        return None
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise PermissionError(errno.EPERM, "refusing to follow a symlink", path) from None
        raise
    with os.fdopen(fd, "rb") as f:
        return f.read()


def _ssh_dir(hfd, shown, create, uid, gid):
    """``(fd or None, changed)`` of the .ssh folder of the home folder ``hfd``: a real folder (a symlink is refused,
    named), made 0700 and the user's when missing (and ``create``), group/world access removed through its fd."""
    changed = False
    for _ in range(3):
        try:
            fd = os.open(".ssh", DIR_OPEN, dir_fd=hfd)
            break
        except FileNotFoundError:
            if not create:
                return None, False
            try:
                os.mkdir(".ssh", 0o700, dir_fd=hfd)
                changed = True
            except FileExistsError:
                pass
        except OSError as e:
            if e.errno in (errno.ELOOP, errno.ENOTDIR):
                st = lstat_at(hfd, ".ssh")
                if st is not None and stat.S_ISLNK(st.st_mode):
                    raise PermissionError(errno.EPERM, "refusing to follow a symlink", shown) from None
                if st is not None and not stat.S_ISDIR(st.st_mode):
                    raise NotADirectoryError(errno.ENOTDIR, "not a directory", shown) from None
                continue  # changed since the open: look again
            raise
    else:
        raise OSError(errno.EAGAIN, "kept changing while it was opened", shown)
    try:
        if changed and uid is not None:
            os.fchown(fd, uid, gid)
        if os.fstat(fd).st_mode & 0o077:
            os.fchmod(fd, 0o700)  # sshd's StrictModes rejects group/world access
            changed = True
    except BaseException:
        os.close(fd)
        raise
    return fd, changed


def _read_at(dfd, name, shown):
    """``(bytes, lstat)`` of the regular file ``name`` of folder ``dfd``, ``(None, None)`` when missing; a symlink
    or anything but a regular file there is refused, named."""
    try:
        fd = os.open(name, FILE_READ, dir_fd=dfd)
    except FileNotFoundError:
        return None, None
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise PermissionError(errno.EPERM, "refusing to follow a symlink", shown) from None
        raise
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise PermissionError(errno.EPERM, "not a regular file", shown)
        return f.read(), st


def _owner_args(uid, gid):
    # Only root can give files away; an unprivileged caller manages its own keys.
    return (uid, gid) if os.geteuid() == 0 else (None, None)


class User(Tool):
    """Local accounts (root required for changes)."""

    @staticmethod
    def user(name, state="present", uid=None, group=None, groups=None, append=True, shell=None, home=None,
             system=False, create_home=True, remove_home=False, comment=None):
        # type: (str, str, Optional[int], Union[str, int, None], Optional[List[str]], bool, Optional[str], Optional[str], bool, bool, bool, Optional[str]) -> UserResult
        """Ensure user ``name`` exists with the given attributes (None = leave as is /
        system default), or is removed (state='absent'; ``remove_home`` also
        deletes the home directory and mail spool).

        ``group``: primary group (name or gid; must exist). ``groups``:
        supplementary groups; with ``append`` (default) they are added to the
        current ones, otherwise they become the exact list ([] clears).
        ``create_home``/``system``/``home`` apply at creation; ``home`` on an
        existing user changes the passwd entry only (files are not moved).
        Returns UserResult{changed, name, exists, uid, gid, group, groups, home,
        shell, comment}.
        """
        validate_name(name)
        if state not in ("present", "absent"):
            raise ValueError("state must be 'present' or 'absent', not %r" % (state,))
        pw = _getpw(name)
        if state == "absent":
            if pw is None:
                return _user_result(name, False)
            _run(["userdel"] + (["--remove"] if remove_home else []) + [name])
            return _user_result(name, True)

        for text, what in ((shell, "shell"), (home, "home"), (comment, "comment")):
            if text is not None and (not isinstance(text, str) or ":" in text or "\n" in text):
                raise ValueError("invalid %s %r (no ':' or newlines)" % (what, text))
        gid = _group_gid(group) if group is not None else None
        want_groups = None
        if groups is not None:
            want_groups = sorted(set(validate_name(g, "group") for g in groups))
            missing = [g for g in want_groups if _getgr(g) is None]
            if missing:
                raise ValueError("groups do not exist: %s (create them first with User.group)" % ", ".join(missing))

        if pw is None:
            argv = ["useradd"]
            if uid is not None:
                argv += ["--uid", str(int(uid))]
            if gid is not None:
                argv += ["--gid", str(gid)]
            if want_groups:
                argv += ["--groups", ",".join(want_groups)]
            if shell is not None:
                argv += ["--shell", shell]
            if home is not None:
                argv += ["--home-dir", home]
            if comment is not None:
                argv += ["--comment", comment]
            if system:
                argv.append("--system")
            argv.append("--create-home" if create_home else "--no-create-home")
            _run(argv + [name])
            return _user_result(name, True)

        argv = ["usermod"]
        if uid is not None and int(uid) != pw.pw_uid:
            argv += ["--uid", str(int(uid))]
        if gid is not None and gid != pw.pw_gid:
            argv += ["--gid", str(gid)]
        if shell is not None and shell != pw.pw_shell:
            argv += ["--shell", shell]
        if home is not None and home != pw.pw_dir:
            argv += ["--home", home]
        if comment is not None and comment != pw.pw_gecos:
            argv += ["--comment", comment]
        if want_groups is not None:
            current = set(_supplementary(name, gid if gid is not None else pw.pw_gid))
            if append:
                add = sorted(set(want_groups) - current)
                if add:
                    argv += ["--append", "--groups", ",".join(add)]
            elif set(want_groups) != current:
                argv += ["--groups", ",".join(want_groups)]
        if len(argv) == 1:
            return _user_result(name, False)
        _run(argv + [name])
        return _user_result(name, True)

    @staticmethod
    def group(name, state="present", gid=None, system=False):
        # type: (str, str, Optional[int], bool) -> bool
        """Ensure group ``name`` exists (with ``gid`` if given) or is removed.
        Returns changed."""
        validate_name(name, "group")
        if state not in ("present", "absent"):
            raise ValueError("state must be 'present' or 'absent', not %r" % (state,))
        g = _getgr(name)
        if state == "absent":
            if g is None:
                return False
            _run(["groupdel", name])
            return True
        if g is None:
            _run(["groupadd"] + (["--gid", str(int(gid))] if gid is not None else [])
                 + (["--system"] if system else []) + [name])
            return True
        if gid is not None and int(gid) != g.gr_gid:
            _run(["groupmod", "--gid", str(int(gid)), name])
            return True
        return False

    @staticmethod
    def authorized_key(user, key, state="present", exclusive=False, path=None):
        # type: (str, Union[str, List[str]], str, bool, Optional[str]) -> bool
        """Manage SSH public key line(s) in ``user``'s authorized_keys.

        ``key``: one or more '[options] <type> <base64> [comment]' lines (a string,
        possibly multi-line, or a list). A key already present with other
        options/comment is rewritten; ``exclusive`` (present) removes all other
        keys. ``path`` defaults to ~user/.ssh/authorized_keys; ~/.ssh is created
        0700 and the file kept 0600, both owned by the user. Symlinks are refused.
        Returns changed."""
        validate_name(user)
        pw = _getpw(user)
        if pw is None:
            raise ValueError("user %r does not exist: create it first with User.user" % (user,))
        uid, gid = _owner_args(pw.pw_uid, pw.pw_gid)
        if path is None:
            try:
                hfd = open_folder(pw.pw_dir)  # through folder fds: a symlink the user controls is refused
            except FileNotFoundError:
                if state == "absent":
                    return False
                raise FileNotFoundError(errno.ENOENT, "home directory of %r does not exist" % user, pw.pw_dir) from None
            try:
                sfd, changed = _ssh_dir(hfd, os.path.join(pw.pw_dir, ".ssh"), state != "absent", uid, gid)
            finally:
                os.close(hfd)
            if sfd is None:
                return False
            name, path = "authorized_keys", os.path.join(pw.pw_dir, ".ssh", "authorized_keys")
        else:
            (sfd, name), changed = open_parent(path), False
        try:
            raw, st = _read_at(sfd, name, path)
            old = raw.decode("utf-8", "surrogateescape") if raw is not None else None
            if old is None and state == "absent":
                return changed
            new = edit_authorized_keys(old or "", key, state, exclusive)
            meta_ok = st is not None and (st.st_mode & 0o7777) == 0o600 and (uid is None or (st.st_uid, st.st_gid) == (uid, gid))
            if new == old and meta_ok:
                return changed
            # the temp is made in the held .ssh fd and renamed over the entry: a symlink there is replaced, never followed
            commit_temp_at(sfd, write_temp_at(sfd, name, new.encode("utf-8", "surrogateescape"), 0o600, uid, gid, True, path), name, path)
            return True
        finally:
            os.close(sfd)

    @staticmethod
    def sudoer(name, content, state="present", directory="/etc/sudoers.d"):
        # type: (str, str, str, str) -> bool
        """Manage the sudoers drop-in ``<directory>/<name>`` (0440, root-owned).
        ``content`` is validated with ``visudo -cf`` before it replaces the file;
        invalid content raises ValueError with visudo's report and changes nothing.
        Returns changed."""
        if not isinstance(name, str) or not _SUDOERS_NAME.match(name):
            raise ValueError("invalid sudoers file name %r: use letters, digits, '_' and '-' only "
                             "(sudo silently ignores names containing '.' or ending in '~')" % (name,))
        if state not in ("present", "absent"):
            raise ValueError("state must be 'present' or 'absent', not %r" % (state,))
        path = os.path.join(directory, name)
        if state == "absent":
            try:
                os.unlink(path)
                return True
            except FileNotFoundError:
                return False
        if not isinstance(content, str):
            raise TypeError("content must be a string")
        if not content.endswith("\n"):
            content += "\n"  # sudo rejects a last line without newline
        data = content.encode("utf-8")
        uid, gid = _owner_args(0, 0)
        existing = _read_nofollow(path)
        if existing == data:
            st = os.stat(path)
            if (st.st_mode & 0o7777) == 0o440 and (uid is None or (st.st_uid, st.st_gid) == (0, 0)):
                return False
        if not os.path.isdir(directory):
            raise FileNotFoundError(errno.ENOENT, "sudoers directory does not exist (is sudo installed?)", directory)
        # The temp name starts with '.', so sudo ignores it even before the rename.
        tmp = write_temp(path, data, 0o440, uid, gid)
        try:
            try:
                proc = subprocess.run([_VISUDO, "-c", "-f", tmp], stdin=subprocess.DEVNULL,
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            except FileNotFoundError:
                raise FileNotFoundError(errno.ENOENT, "visudo not found: install sudo first", _VISUDO) from None
            if proc.returncode != 0:
                report = proc.stdout.decode("utf-8", "replace").replace(tmp, name).strip()
                raise ValueError("invalid sudoers content for %r: %s" % (name, report or "visudo rejected it"))
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
        commit_temp(tmp, path)
        return True
