"""AptRepository: manage a DEB822 ``<name>.sources`` file and its signing key.

Pure file operations (no apt call): after a change, refresh the package lists
with ``Apt.update(cache_valid_time=0)``.
"""

import errno
import os
import re
from dataclasses import dataclass
from typing import List, Optional, Union

from rmote_toolkit import replace_file

_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")  # apt ignores sources.list.d files with other characters
_StrList = Union[str, List[str], None]


@dataclass
class AptSourceResult:
    """Result of ``source``: ``key_path`` is the keyring file used as Signed-By
    (None without ``key``)."""
    changed: bool
    path: str
    key_path: Optional[str]


def _words(value, what, required=True):
    # type: (_StrList, str, bool) -> List[str]
    if value is None:
        items = []
    elif isinstance(value, str):
        items = value.split()
    else:
        items = [str(v).strip() for v in value]
    for item in items:
        if not item or any(c.isspace() for c in item):
            raise ValueError("%s entries must be non-empty and contain no whitespace: %r" % (what, item))
    if required and not items:
        raise ValueError("%s must not be empty" % what)
    return items


def _write_if_changed(path, data, mode=0o644):
    """Atomic (temp file + fsync + rename) and idempotent; returns changed."""
    try:
        with open(path, "rb") as f:
            if f.read() == data and (os.stat(path).st_mode & 0o7777) == mode:
                return False
    except FileNotFoundError:
        pass
    replace_file(path, data, mode)
    return True


def _remove(path):
    try:
        os.unlink(path)
        return True
    except FileNotFoundError:
        return False


def _key_kind(key):
    # type: (bytes) -> str
    head = key.lstrip()[:64]
    if head.startswith(b"-----BEGIN PGP PUBLIC KEY BLOCK-----"):
        return "asc"
    if head.startswith(b"-----BEGIN"):
        raise ValueError("key is ASCII-armored but not a PGP PUBLIC KEY BLOCK (a private key or signature?)")
    # Binary OpenPGP: first packet tag byte has bit 7 set; 0x99/0x98/0xc6 = public key packet.
    if key and key[0] in (0x98, 0x99, 0x9a, 0xc6):
        return "gpg"
    raise ValueError("key is neither an ASCII-armored ('-----BEGIN PGP PUBLIC KEY BLOCK-----') nor a binary "
                     "OpenPGP public key; pass the key file's bytes as published by the repository")


def render_sources(types, uris, suites, components, architectures, signed_by, enabled=True):
    # type: (List[str], List[str], List[str], List[str], List[str], Optional[str], bool) -> str
    """The DEB822 stanza text for one source."""
    lines = []
    if not enabled:
        lines.append("Enabled: no")
    lines += ["Types: " + " ".join(types), "URIs: " + " ".join(uris), "Suites: " + " ".join(suites)]
    if components:
        lines.append("Components: " + " ".join(components))
    if architectures:
        lines.append("Architectures: " + " ".join(architectures))
    if signed_by:
        lines.append("Signed-By: " + signed_by)
    return "\n".join(lines) + "\n"


class AptRepository(Tool):
    """DEB822 apt sources (``/etc/apt/sources.list.d/<name>.sources``) and their keys."""

    @staticmethod
    def source(name, uris=None, suites=None, components=None, key=None, types="deb", architectures=None,
               signed_by=None, state="present", enabled=True,
               directory="/etc/apt/sources.list.d", keyring_directory="/etc/apt/keyrings"):
        # type: (str, _StrList, _StrList, _StrList, Union[bytes, str, None], _StrList, _StrList, Optional[str], str, bool, str, str) -> AptSourceResult
        """Ensure ``<directory>/<name>.sources`` exists with exactly these settings
        (state='present') or is gone together with its key (state='absent').

        List arguments take a list or a space-separated string. A suite ending in
        '/' is a flat repository: ``components`` must then be empty; otherwise
        ``components`` is required. ``key`` (bytes or str) is the repository's
        public key, ASCII-armored (stored as ``<keyring_directory>/<name>.asc``) or
        binary (``<name>.gpg``), referenced by Signed-By. ``signed_by`` instead
        points Signed-By at an existing keyring path. Both files are 0644 and are
        written atomically, only when different.
        Returns AptSourceResult{changed, path, key_path}.
        """
        if not isinstance(name, str) or not _NAME.match(name):
            raise ValueError("invalid source name %r: use letters, digits, '_', '-' and '.' only "
                             "(apt silently ignores other file names)" % (name,))
        if state not in ("present", "absent"):
            raise ValueError("state must be 'present' or 'absent', not %r" % (state,))
        path = os.path.join(directory, name + ".sources")
        key_paths = {ext: os.path.join(keyring_directory, "%s.%s" % (name, ext)) for ext in ("asc", "gpg")}

        if state == "absent":
            changed = _remove(path)
            for p in key_paths.values():
                changed = _remove(p) or changed
            return AptSourceResult(changed=changed, path=path, key_path=None)

        type_list = _words(types, "types")
        for t in type_list:
            if t not in ("deb", "deb-src"):
                raise ValueError("types must be 'deb' and/or 'deb-src', not %r" % (t,))
        uri_list = _words(uris, "uris")
        suite_list = _words(suites, "suites")
        comp_list = _words(components, "components", required=False)
        arch_list = _words(architectures, "architectures", required=False)
        flat = [s for s in suite_list if s.endswith("/")]
        if flat and comp_list:
            raise ValueError("suite %r is a flat repository path (ends with '/'): components must be empty" % flat[0])
        if not flat and not comp_list:
            raise ValueError("components are required (e.g. ['main']) unless the suite is a flat path ending in '/'")
        if key is not None and signed_by is not None:
            raise ValueError("give key or signed_by, not both")
        if not os.path.isdir(directory):
            raise FileNotFoundError(errno.ENOENT, "sources directory does not exist (is apt installed?)", directory)

        changed = False
        key_path = signed_by
        if key is not None:
            data = key.encode("utf-8") if isinstance(key, str) else bytes(key)
            kind = _key_kind(data)
            key_path = key_paths[kind]
            if not os.path.isdir(keyring_directory):
                os.makedirs(keyring_directory, 0o755)
                changed = True
            changed = _write_if_changed(key_path, data) or changed
            other = key_paths["gpg" if kind == "asc" else "asc"]
            changed = _remove(other) or changed  # the key changed format: drop the stale one
        text = render_sources(type_list, uri_list, suite_list, comp_list, arch_list, key_path, enabled)
        changed = _write_if_changed(path, text.encode("utf-8")) or changed
        if changed:
            AptRepository.log.info("apt source %s updated", name)
        return AptSourceResult(changed=changed, path=path, key_path=key_path if key is not None else None)
