"""PacmanRepository: manage ``[name]`` repository sections of pacman.conf.

Edits are minimal: only the managed section changes; comments, blank lines and
every other section stay byte-for-byte intact. Signing keys are imported with
``pacman-key --add`` and locally signed with ``--lsign-key``.
"""

import os
import re
import subprocess
import tempfile
from dataclasses import dataclass
from typing import List, Optional, Tuple, Union

from rmote_toolkit import replace_file

_HEADER = re.compile(r"^\s*\[([^\]]*)\]\s*$")
_NAME = re.compile(r"^[A-Za-z0-9_.+-]+$")
_FPR = re.compile(r"^[0-9A-F]{40}$")
_PACMAN_KEY = "pacman-key"  # module attribute so tests can point it at a stand-in
_GPG = "gpg"


@dataclass
class PacmanRepositoryResult:
    """Result of ``repository``: ``key_changed`` is true when a key was imported."""
    changed: bool
    conf: str
    key_changed: bool
    fingerprint: Optional[str]


def _is_gap(line):
    s = line.strip()
    return not s or s.startswith("#")


def _find(lines, name):
    # type: (List[str], str) -> Optional[Tuple[int, int, int]]
    """(header index, end of managed body, end of section incl. trailing comments/blank lines)."""
    start = None
    for i, line in enumerate(lines):
        m = _HEADER.match(line)
        if m:
            if start is not None:
                end = i
                break
            if m.group(1).strip() == name:
                start = i
    else:
        end = len(lines)
    if start is None:
        return None
    body_end = end
    # Comments/blank lines at the bottom introduce whatever follows: not ours.
    while body_end > start + 1 and _is_gap(lines[body_end - 1]):
        body_end -= 1
    return start, body_end, end


def edit_conf(text, name, servers=None, sig_level=None, include=None, state="present", before=None):
    # type: (str, str, Optional[List[str]], Optional[str], Optional[str], str, Optional[str]) -> str
    """Return pacman.conf ``text`` with section ``[name]`` set (or removed)."""
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    found = _find(lines, name)
    if state == "absent":
        if found is None:
            return text
        start, body_end, _ = found
        del lines[start:body_end]
        # Don't leave two blank lines where the section was.
        if start > 0 and not lines[start - 1].strip() and (start == len(lines) or not lines[start].strip()):
            del lines[start - 1]
        return "".join(lines)

    directives = []
    if sig_level:
        directives.append("SigLevel = %s\n" % sig_level)
    if include:
        directives.append("Include = %s\n" % include)
    directives += ["Server = %s\n" % s for s in servers or []]
    if found is not None:
        start, body_end, _ = found
        # Keep the section's own comments; its directives are replaced wholesale.
        comments = [l for l in lines[start + 1:body_end] if l.strip().startswith("#")]
        lines[start + 1:body_end] = comments + directives
    else:
        block = ["[%s]\n" % name] + directives
        target = _find(lines, before) if before else None
        if target is not None:
            lines[target[0]:target[0]] = block + ["\n"]
        else:
            if lines and lines[-1].strip():
                block.insert(0, "\n")
            lines += block
    result = "".join(lines)
    if not text.endswith("\n") and result == text + "\n":
        return text  # only the missing final newline differs: not a change
    return result


def key_fingerprints(colon_output):
    # type: (str) -> List[str]
    """Primary-key fingerprints from ``gpg --with-colons`` output."""
    fprs, want = [], False
    for line in colon_output.splitlines():
        fields = line.split(":")
        if fields[0] in ("pub", "sec"):
            want = True
        elif fields[0] == "fpr" and want and len(fields) > 9:
            fprs.append(fields[9])
            want = False
        elif fields[0] in ("sub", "ssb"):
            want = False
    return fprs


def _write_preserving(path, data):
    try:
        mode = os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        mode = 0o644
    replace_file(path, data, mode)


def _run(argv, data=None):
    try:
        return subprocess.run(argv, input=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    except FileNotFoundError:
        raise FileNotFoundError("%s not found: is this an Arch Linux host with pacman installed?" % argv[0]) from None


def _check(proc, argv):
    if proc.returncode != 0:
        raise subprocess.CalledProcessError(proc.returncode, argv, output=proc.stdout.decode("utf-8", "replace"),
                                            stderr=proc.stderr.decode("utf-8", "replace"))


def _ensure_key(key, key_id):
    # type: (Union[bytes, str], Optional[str]) -> Tuple[bool, str]
    data = key.encode("utf-8") if isinstance(key, str) else bytes(key)
    if key_id:
        fpr = key_id.replace(" ", "").upper()
    else:
        argv = [_GPG, "--batch", "--with-colons", "--import-options", "show-only", "--import"]
        proc = _run(argv, data)
        _check(proc, argv)
        fprs = key_fingerprints(proc.stdout.decode("utf-8", "replace"))
        if len(fprs) != 1:
            raise ValueError("key must contain exactly one public key (found %d); pass key_id to choose" % len(fprs))
        fpr = fprs[0]
    if not _FPR.match(fpr):
        raise ValueError("key_id must be a full 40-hex-digit fingerprint, not %r" % (key_id,))
    if _run([_PACMAN_KEY, "--list-keys", fpr]).returncode == 0:
        return False, fpr
    with tempfile.NamedTemporaryFile(prefix="rmote-key-", suffix=".asc") as f:
        f.write(data)
        f.flush()
        for argv in ([_PACMAN_KEY, "--add", f.name], [_PACMAN_KEY, "--lsign-key", fpr]):
            _check(_run(argv), argv)
    return True, fpr


class PacmanRepository(Tool):
    """Repository sections in pacman.conf and their signing keys."""

    @staticmethod
    def repository(name, servers=None, sig_level=None, include=None, key=None, key_id=None,
                   state="present", before=None, conf="/etc/pacman.conf"):
        # type: (str, Union[str, List[str], None], Optional[str], Optional[str], Union[bytes, str, None], Optional[str], str, Optional[str], str) -> PacmanRepositoryResult
        """Ensure section ``[name]`` of ``conf`` holds exactly ``SigLevel``
        (if ``sig_level``), ``Include`` (if ``include``) and one ``Server`` line per
        entry of ``servers`` (state='present'), or is removed (state='absent').

        A new section goes before section ``before`` if given and present (pacman
        uses repositories in file order), else at the end. Comments inside the
        section and everything outside it are preserved.
        ``key`` (armored or binary public key) is imported with ``pacman-key --add``
        and ``--lsign-key``'d unless already in pacman's keyring; its fingerprint is
        ``key_id`` or read from the key with gpg. Keys are never removed.
        Returns PacmanRepositoryResult{changed, conf, key_changed, fingerprint};
        ``changed`` covers the key too.
        """
        if not isinstance(name, str) or not _NAME.match(name) or name == "options":
            raise ValueError("invalid repository name %r (letters, digits, '.', '_', '+', '-'; not 'options')" % (name,))
        if state not in ("present", "absent"):
            raise ValueError("state must be 'present' or 'absent', not %r" % (state,))
        server_list = [servers] if isinstance(servers, str) else list(servers or [])
        for s in server_list:
            if not s or "\n" in s:
                raise ValueError("invalid server URL %r" % (s,))
        if state == "present" and not server_list and not include:
            raise ValueError("a repository needs servers (or an include file listing them)")
        for value in (sig_level, include):
            if value is not None and "\n" in value:
                raise ValueError("sig_level/include must be single-line values")
        try:
            with open(conf, "r", encoding="utf-8", newline="") as f:
                text = f.read()
        except FileNotFoundError:
            raise FileNotFoundError("%s does not exist: is pacman installed?" % conf) from None

        key_changed, fpr = False, None
        if key is not None and state == "present":
            key_changed, fpr = _ensure_key(key, key_id)
        new = edit_conf(text, name, server_list, sig_level, include, state, before)
        changed = new != text
        if changed:
            _write_preserving(conf, new.encode("utf-8"))
            PacmanRepository.log.info("pacman repository [%s] %s in %s", name,
                                      "removed" if state == "absent" else "updated", conf)
        return PacmanRepositoryResult(changed=changed or key_changed, conf=conf, key_changed=key_changed,
                                      fingerprint=fpr)
