"""Apt: Debian/Ubuntu packages (present / absent / latest) and package lists.

State is read with ``dpkg-query``; changes go through ``apt-get`` with
DEBIAN_FRONTEND=noninteractive and conffile prompts answered "keep the
current file" (--force-confdef --force-confold), waiting for the dpkg lock
instead of failing when another apt run holds it.
"""

import os
import re
import subprocess
import time
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple, Union

_DPKG_QUERY = "dpkg-query"  # module attributes so tests can point them at stand-ins
_APT_GET = "apt-get"
_STAMPS = ["/var/lib/apt/periodic/update-success-stamp", "/var/lib/apt/lists"]
_LOCK_TIMEOUT = 300  # seconds to wait for another apt/dpkg to finish
_FORMAT = "${Package}\\t${Architecture}\\t${Status}\\t${Version}\\n"
# name[:arch][=version]; Debian policy: lowercase letters, digits, + - . ; at least 2 chars.
_SPEC = re.compile(r"^([a-z0-9][a-z0-9+.-]+)(?::([a-z0-9-]+))?(?:=([A-Za-z0-9.+~:_-]+))?$")


@dataclass
class PackageResult:
    """Result of ``package``/``converge``: ``installed`` maps each requested
    package (as named, without any '=version') that is installed afterwards to
    its version."""
    changed: bool
    installed: Dict[str, str]


def parse_dpkg_query(text):
    # type: (str) -> Dict[str, Tuple[str, str]]
    """Parse ``dpkg-query -W -f='${Package}\\t${Architecture}\\t${Status}\\t${Version}\\n'``.

    Returns {name: (status, version)} and {name:arch: (status, version)}, where
    status is the last word of ${Status} ('installed', 'config-files',
    'not-installed', 'half-configured', ...).
    """
    result = {}
    for line in text.splitlines():
        fields = line.split("\t")
        if len(fields) != 4:
            continue
        name, arch, status, version = fields
        words = status.split()
        state = words[-1] if words else ""
        entry = (state, version)
        # Several architectures of one package: prefer an installed one for the bare name.
        if name not in result or (state == "installed" and result[name][0] != "installed"):
            result[name] = entry
        if arch:
            result["%s:%s" % (name, arch)] = entry
    return result


def parse_simulation(text):
    # type: (str) -> List[Tuple[str, str]]
    """(action, package) for each 'Inst'/'Remv'/'Purg' line of ``apt-get -s`` output."""
    actions = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0] in ("Inst", "Remv", "Purg"):
            actions.append((parts[0], parts[1]))
    return actions


def _specs(names):
    # type: (Union[str, List[str], None]) -> List[Tuple[str, str, Optional[str]]]
    """-> [(spec as given, name[:arch], pinned version or None)]"""
    if names is None:
        return []
    items = names.split() if isinstance(names, str) else list(names)
    out = []
    for item in items:
        m = _SPEC.match(item) if isinstance(item, str) else None
        if not m:
            raise ValueError("invalid package name %r (expected name, name:arch or name=version)" % (item,))
        key = m.group(1) + (":" + m.group(2) if m.group(2) else "")
        out.append((item, key, m.group(3)))
    return out


def _run(argv, check=True):
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive", LC_ALL="C", APT_LISTCHANGES_FRONTEND="none")
    try:
        proc = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    except FileNotFoundError:
        raise FileNotFoundError("%s not found: the Apt tool needs a Debian/Ubuntu host" % argv[0]) from None
    out = proc.stdout.decode("utf-8", "replace")
    err = proc.stderr.decode("utf-8", "replace")
    if check and proc.returncode != 0:
        raise subprocess.CalledProcessError(proc.returncode, argv, output=out, stderr=err)
    return proc.returncode, out, err


def _query(keys):
    # type: (List[str]) -> Dict[str, Tuple[str, str]]
    if not keys:
        return {}
    # Exit status 1 only means some names are unknown to dpkg.
    _, out, _ = _run([_DPKG_QUERY, "-W", "-f=" + _FORMAT] + sorted(set(keys)), check=False)
    return parse_dpkg_query(out)


def _apt(args):
    return _run([_APT_GET, "-y", "-q", "-o", "DPkg::Lock::Timeout=%d" % _LOCK_TIMEOUT] + args)


def _install_args(install_recommends):
    args = ["-o", "Dpkg::Options::=--force-confdef", "-o", "Dpkg::Options::=--force-confold"]
    if install_recommends is True:
        args.append("--install-recommends")
    elif install_recommends is False:
        args.append("--no-install-recommends")
    return args


def _cache_age():
    # type: () -> Optional[float]
    newest = None
    for path in _STAMPS:
        try:
            mtime = os.stat(path).st_mtime
        except OSError:
            continue
        newest = mtime if newest is None else max(newest, mtime)
    return None if newest is None else time.time() - newest


def _update(cache_valid_time):
    age = _cache_age()
    if cache_valid_time and age is not None and age < cache_valid_time:
        return False
    _apt(["update"])
    return True


def _converge(present, absent, latest, update_cache, cache_valid_time, install_recommends, purge):
    changed = False
    if update_cache:
        changed = _update(cache_valid_time) or changed
    state = _query([k for _, k, _ in present + latest + absent])

    def have(key):
        entry = state.get(key)
        return entry is not None and entry[0] == "installed"

    install = [spec for spec, key, pin in present if not have(key) or (pin is not None and state[key][1] != pin)]
    candidates = [spec for spec, _, _ in latest]
    if candidates:
        # Ask apt (dry run) whether installing/upgrading these would do anything.
        _, out, _ = _apt(["install", "-s"] + _install_args(install_recommends) + candidates)
        if parse_simulation(out):
            install += [c for c in candidates if c not in install]
    if install:
        _apt(["install"] + _install_args(install_recommends) + install)
        changed = True
    remove = [key for _, key, _ in absent
              if have(key) or (purge and key in state and state[key][0] not in ("not-installed", ""))]
    if remove:
        _apt(["purge" if purge else "remove"] + remove)
        changed = True
    wanted = present + latest
    after = _query([k for _, k, _ in wanted]) if changed else state
    installed = {}
    for spec, key, _ in wanted:
        entry = after.get(key)
        if entry is not None and entry[0] == "installed":
            installed[key] = entry[1]
    return PackageResult(changed=changed, installed=installed)


class Apt(Tool):
    """Debian/Ubuntu packages via dpkg-query and apt-get (root required for changes)."""

    @staticmethod
    def update(cache_valid_time=3600):
        # type: (int) -> bool
        """``apt-get update`` unless the lists were refreshed less than
        ``cache_valid_time`` seconds ago (0: always). Returns changed."""
        return _update(cache_valid_time)

    @staticmethod
    def package(names, state="present", update_cache=False, cache_valid_time=3600,
                install_recommends=None, purge=False):
        # type: (Union[str, List[str]], str, bool, int, Optional[bool], bool) -> PackageResult
        """Ensure packages are 'present' (installed; 'name=version' pins a version),
        'latest' (installed and at the candidate version) or 'absent' (removed;
        with ``purge`` also their configuration, including packages already
        removed but not purged). ``names``: list or space-separated string of
        name, name:arch or name=version. ``update_cache`` first runs ``update``
        with ``cache_valid_time``. ``install_recommends``: None = apt's default.
        Returns PackageResult{changed, installed}."""
        specs = _specs(names)
        if not specs:
            raise ValueError("no package names given")
        if state not in ("present", "absent", "latest"):
            raise ValueError("state must be 'present', 'absent' or 'latest', not %r" % (state,))
        if state != "present" and any(pin for _, _, pin in specs):
            raise ValueError("'name=version' is only meaningful with state='present'")
        p = specs if state == "present" else []
        l = specs if state == "latest" else []
        a = specs if state == "absent" else []
        return _converge(p, a, l, update_cache, cache_valid_time, install_recommends, purge)

    @staticmethod
    def converge(present=None, absent=None, latest=None, update_cache=False, cache_valid_time=3600,
                 install_recommends=None, purge=False):
        # type: (Optional[List[str]], Optional[List[str]], Optional[List[str]], bool, int, Optional[bool], bool) -> PackageResult
        """Apply several states in one call: one install for present + latest,
        then one removal. Returns PackageResult{changed, installed} for
        present + latest."""
        p, a, l = _specs(present), _specs(absent), _specs(latest)
        if any(pin for _, _, pin in a + l):
            raise ValueError("'name=version' is only meaningful in present")
        clash = {k for _, k, _ in a} & {k for _, k, _ in p + l}
        if clash:
            raise ValueError("packages both wanted and absent: %s" % ", ".join(sorted(clash)))
        return _converge(p, a, l, update_cache, cache_valid_time, install_recommends, purge)
