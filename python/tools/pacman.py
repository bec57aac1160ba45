"""Pacman: Arch Linux packages (present / absent / latest) and database refresh."""

import hashlib
import os
import re
import subprocess
from dataclasses import dataclass
from typing import Dict, List, Optional, Union

_PACMAN = "pacman"  # module attribute so tests can point it at a stand-in
_NAME = re.compile(r"^[a-zA-Z0-9@_+][a-zA-Z0-9@._+-]*$")


@dataclass
class PackageResult:
    """Result of ``package``/``converge``: ``installed`` maps each requested
    package that is installed afterwards to its version."""
    changed: bool
    installed: Dict[str, str]


def parse_query(text):
    # type: (str) -> Dict[str, str]
    """``pacman -Q`` output ('name version' lines) -> {name: version}."""
    result = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 2 and not line.startswith(("error:", "warning:")):
            result[parts[0]] = parts[1]
    return result


def parse_upgrades(text):
    # type: (str) -> Dict[str, str]
    """``pacman -Qu`` output ('name old -> new [ignored]') -> {name: new version},
    leaving out packages pacman is told to ignore."""
    result = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 4 and parts[2] == "->" and "[ignored]" not in parts[4:]:
            result[parts[0]] = parts[3]
    return result


def parse_sync(text):
    # type: (str) -> bool
    """True if ``pacman -Sy`` output shows a database was downloaded."""
    for line in text.splitlines():
        s = line.strip()
        if not s or s.startswith("::") or s.endswith("is up to date"):
            continue
        return True
    return False


def _names(names):
    # type: (Union[str, List[str], None]) -> List[str]
    if names is None:
        return []
    items = names.split() if isinstance(names, str) else list(names)
    for n in items:
        if not isinstance(n, str) or not _NAME.match(n):
            raise ValueError("invalid package name %r" % (n,))
    return items


def _run(args, check=True):
    argv = [_PACMAN] + args
    env = dict(os.environ, LC_ALL="C")  # parse untranslated output
    try:
        proc = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    except FileNotFoundError:
        raise FileNotFoundError("pacman not found: the Pacman tool needs an Arch Linux host") from None
    out = proc.stdout.decode("utf-8", "replace")
    err = proc.stderr.decode("utf-8", "replace")
    if check and proc.returncode != 0:
        raise subprocess.CalledProcessError(proc.returncode, argv, output=out, stderr=err)
    return proc.returncode, out, err


def _installed(names):
    # type: (List[str]) -> Dict[str, str]
    if not names:
        return {}
    # Exit status 1 just means some names are not installed.
    _, out, _ = _run(["-Q"] + names, check=False)
    found = parse_query(out)
    return {n: found[n] for n in names if n in found}


def _sync_state():
    # type: () -> Optional[Dict[str, str]]
    """{database file: sha256} of the sync databases, or None when pacman-conf cannot say where they are."""
    try:
        proc = subprocess.run([_PACMAN + "-conf", "DBPath"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, env=dict(os.environ, LC_ALL="C"))
    except OSError:
        return None
    if proc.returncode != 0:
        return None
    sync = os.path.join(proc.stdout.decode("utf-8", "replace").strip() or "/var/lib/pacman/", "sync")
    state = {}
    try:
        names = sorted(os.listdir(sync))
    except FileNotFoundError:
        return {}
    for name in names:
        if name.endswith(".db"):
            with open(os.path.join(sync, name), "rb") as f:
                state[name] = hashlib.sha256(f.read()).hexdigest()
    return state


def _refresh():
    # The databases' content decides 'changed': a file:// server re-copies an unchanged database without saying
    # "is up to date" (seen with pacman 6.0), so the output alone would report a change on every refresh.
    before = _sync_state()
    _, out, _ = _run(["-Sy", "--noconfirm", "--noprogressbar"])
    after = _sync_state()
    if before is None or after is None:
        return parse_sync(out)
    return before != after


def _converge(present, absent, latest, update_cache, remove_dependencies):
    changed = False
    if update_cache:
        changed = _refresh() or changed
    wanted = present + latest
    have = _installed(wanted + absent)
    todo = [n for n in present if n not in have]
    if latest:
        # -Qu lists only installed packages with a newer version in the sync dbs.
        upgradable = [n for n in latest if n in have]
        upgrades = {}  # type: Dict[str, str]
        if upgradable:
            _, out, _ = _run(["-Qu"] + upgradable, check=False)
            upgrades = parse_upgrades(out)
        todo += [n for n in latest if n not in have or n in upgrades]
    if todo:
        _run(["-S", "--needed", "--noconfirm", "--noprogressbar"] + todo)
        changed = True
    remove = [n for n in absent if n in have]
    if remove:
        _run(["-Rs" if remove_dependencies else "-R", "--noconfirm", "--noprogressbar"] + remove)
        changed = True
    return PackageResult(changed=changed, installed=_installed(wanted))


class Pacman(Tool):
    """Arch Linux packages via pacman (root required for changes)."""

    @staticmethod
    def update(upgrade=False):
        # type: (bool) -> bool
        """Refresh the sync databases (``pacman -Sy``); with ``upgrade`` also
        upgrade the whole system (``-Su``). Returns changed."""
        changed = _refresh()
        if upgrade:
            _, out, _ = _run(["-Qu"], check=False)
            if parse_upgrades(out):
                _run(["-Su", "--noconfirm", "--noprogressbar"])
                changed = True
        return changed

    @staticmethod
    def package(names, state="present", update_cache=False, remove_dependencies=False):
        # type: (Union[str, List[str]], str, bool, bool) -> PackageResult
        """Ensure packages are 'present' (installed, any version), 'latest'
        (installed and upgraded to the sync db's version) or 'absent' (removed;
        with ``remove_dependencies`` their unneeded dependencies too, ``-Rs``).
        ``names``: a list or space-separated string of package names (not groups).
        ``update_cache`` runs ``pacman -Sy`` first. Returns PackageResult{changed, installed}."""
        items = _names(names)
        if not items:
            raise ValueError("no package names given")
        if state == "present":
            return _converge(items, [], [], update_cache, remove_dependencies)
        if state == "latest":
            return _converge([], [], items, update_cache, remove_dependencies)
        if state == "absent":
            return _converge([], items, [], update_cache, remove_dependencies)
        raise ValueError("state must be 'present', 'absent' or 'latest', not %r" % (state,))

    @staticmethod
    def converge(present=None, absent=None, latest=None, update_cache=False, remove_dependencies=False):
        # type: (Optional[List[str]], Optional[List[str]], Optional[List[str]], bool, bool) -> PackageResult
        """Apply several states in one call (installs first, then removals).
        Returns PackageResult{changed, installed} for present + latest names."""
        p, a, l = _names(present), _names(absent), _names(latest)
        clash = set(a) & (set(p) | set(l))
        if clash:
            raise ValueError("packages both wanted and absent: %s" % ", ".join(sorted(clash)))
        return _converge(p, a, l, update_cache, remove_dependencies)
