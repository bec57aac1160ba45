"""Service: systemd units through ``systemctl``.

Start/stop/restart/reload wait (by polling the unit's ActiveState) until the
unit settles, and a unit that fails raises CalledProcessError whose stderr
carries systemctl's message plus the unit's last journal lines.

Needs systemd as PID 1, unless the environment variable RMOTE_SYSTEMCTL names
an alternative systemctl command (e.g. the daemonless docker-systemctl-replacement,
Debian package ``systemctl``; may include arguments like ``--root=/srv/root``).

``sudo=True`` runs only the changing systemctl commands (start, stop, restart,
reload, enable, disable, daemon-reload) through ``sudo -n``, exactly as
``sudo -n systemctl restart app``: a deploy user whose sudoers allows just that
line can restart the app, while queries (show, is-enabled) run unprivileged.
A command sudo or systemd refuses raises PermissionError naming the command.
"""

import errno
import os
import re
import shlex
import subprocess
import time
from dataclasses import dataclass
from typing import Dict, List, Optional

_SYSTEMD_RUNNING = "/run/systemd/system"  # exists iff systemd is PID 1 (sd_booted())
_JOURNALCTL = "journalctl"
_UNIT = re.compile(r"^[A-Za-z0-9:_.\\@-]+$")
_ENABLED_ALREADY = ("enabled", "static", "alias", "generated", "transient")
_DISABLED_ALREADY = ("disabled", "static", "alias", "generated", "transient", "not-found",
                     "masked", "masked-runtime", "indirect")


class SystemdUnavailableError(RuntimeError):
    """systemd is not the init system here, so units cannot be managed."""


@dataclass
class ServiceStatus:
    """State of one unit. ``enabled`` is ``systemctl is-enabled`` output
    ('enabled', 'disabled', 'static', 'masked', 'not-found', ...);
    ``result`` is systemd's Result ('success', 'exit-code', ...)."""
    unit: str
    load_state: str  # 'loaded' | 'not-found' | 'masked' | ...
    active_state: str  # 'active' | 'inactive' | 'failed' | 'activating' | ...
    sub_state: str  # 'running' | 'dead' | 'exited' | ...
    enabled: str
    main_pid: int  # 0 when not running
    result: str


@dataclass
class ServiceResult:
    """Result of start/stop/restart/reload/converge: the status after the operation."""
    changed: bool
    status: ServiceStatus


def _systemctl():
    # type: () -> List[str]
    override = os.environ.get("RMOTE_SYSTEMCTL")
    if override:
        return shlex.split(override)
    if not os.path.isdir(_SYSTEMD_RUNNING):
        try:
            with open("/proc/1/comm") as f:
                init = f.read().strip() or "unknown"
        except OSError:
            init = "unknown"
        raise SystemdUnavailableError(
            "systemd is not running on this host (PID 1 is %s); Service needs systemd" % init)
    return ["systemctl"]


def _check_unit(unit):
    if not isinstance(unit, str) or not _UNIT.match(unit) or unit.startswith("-"):
        raise ValueError("invalid unit name %r" % (unit,))


def _run(args, timeout=60, check=True, sudo=False):
    argv = (["sudo", "-n"] if sudo else []) + _systemctl() + args
    env = dict(os.environ, LC_ALL="C", SYSTEMD_PAGER="", SYSTEMD_COLORS="0")
    try:
        proc = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise TimeoutError("%s did not finish within %s s" % (" ".join(argv), timeout)) from None
    except FileNotFoundError:
        raise FileNotFoundError(errno.ENOENT, "systemctl not found (is systemd installed?)", argv[0]) from None
    out = proc.stdout.decode("utf-8", "replace")
    err = proc.stderr.decode("utf-8", "replace")
    if check and proc.returncode != 0:
        raise subprocess.CalledProcessError(proc.returncode, argv, output=out, stderr=err)
    return proc.returncode, out, err


def parse_show(text):
    # type: (str) -> Dict[str, str]
    """``systemctl show`` output (Key=Value lines) -> dict."""
    props = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and key not in props:
            props[key] = value
    return props


def _journal(unit):
    try:
        proc = subprocess.run([_JOURNALCTL, "-u", unit, "-n", "20", "--no-pager", "-q"], stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=10)
        return proc.stdout.decode("utf-8", "replace").strip()
    except (OSError, subprocess.SubprocessError):
        return ""  # best effort: the journal is a hint, not the error


def _show(unit):
    # type: (str) -> Dict[str, str]
    # Full `show` rather than -p A,B: alternative systemctls don't all support property lists.
    _, out, _ = _run(["show", unit], check=False)
    return parse_show(out)


def _status(unit):
    # type: (str) -> ServiceStatus
    p = _show(unit)
    _, en_out, _ = _run(["is-enabled", unit], check=False)
    enabled = en_out.strip().splitlines()[0].strip() if en_out.strip() else "not-found"
    try:
        pid = int(p.get("MainPID") or 0)
    except ValueError:
        pid = 0
    return ServiceStatus(
        unit=p.get("Id") or unit, load_state=p.get("LoadState") or "not-found",
        active_state=p.get("ActiveState") or "inactive", sub_state=p.get("SubState") or "dead",
        enabled=enabled, main_pid=pid, result=p.get("Result") or "",
    )


def _fail(unit, argv, returncode, stderr, status):
    # type: (str, List[str], int, str, Optional[ServiceStatus]) -> None
    text = stderr.strip()
    if status is not None:
        text = (text + "\n" if text else "") + "unit %s: ActiveState=%s SubState=%s Result=%s" % (
            unit, status.active_state, status.sub_state, status.result)
    journal = _journal(unit)
    if journal:
        text += "\n--- last journal lines (journalctl -u %s) ---\n%s" % (unit, journal)
    raise subprocess.CalledProcessError(returncode, argv, output="", stderr=text + "\n")


def _sudo_noise(line):
    # sudo warns on stderr when the hostname does not resolve; that is not why a command failed.
    return line.startswith("sudo: unable to resolve host")


def _refused(args, code, err, sudo):
    # type: (List[str], int, str, bool) -> None
    """Raise PermissionError when sudo refused the command, or systemd refused a non-root caller."""
    lines = [ln for ln in err.strip().splitlines() if not _sudo_noise(ln)]
    command = " ".join(["systemctl"] + args)
    try:
        import pwd
        user = pwd.getpwuid(os.geteuid()).pw_name
    except (ImportError, KeyError):
        user = str(os.geteuid())
    if sudo and lines and (lines[0].startswith("sudo: ") or "is not allowed to execute" in lines[0]):
        raise PermissionError(
            "sudo refused '%s' for user %s: %s (sudoers must allow exactly this command with NOPASSWD, e.g. "
            "'%s ALL=(root) NOPASSWD: /usr/bin/%s')" % (command, user, lines[0], user, command))
    # systemctl's exit code 4 is "insufficient privileges" (systemd answers "Access denied" to a non-root caller).
    if code == 4 and os.geteuid() != 0 and not sudo:
        raise PermissionError(
            "'%s' was refused for user %s: %s (connect as root, or pass sudo=True with a sudoers rule for this command)"
            % (command, user, lines[0] if lines else "access denied"))


def _act(unit, verb, timeout, no_block=False, sudo=False):
    args = [verb] + (["--no-block"] if no_block else []) + [unit]
    code, _, err = _run(args, timeout=timeout, check=False, sudo=sudo)
    if code != 0:
        _refused(args, code, err, sudo)
        # Name the unit and its state even when systemctl printed nothing (the daemonless replacement is silent).
        _fail(unit, (["sudo", "-n"] if sudo else []) + _systemctl() + args, code, err, _status(unit))


def _wait(unit, want, timeout, verb):
    # type: (str, str, float, str) -> ServiceStatus
    """Poll until the unit settles: want='up' (active, or a oneshot that exited
    successfully) or 'down' (inactive/failed)."""
    deadline = time.monotonic() + timeout
    delay = 0.05
    while True:
        st = _status(unit)
        if want == "up":
            if st.active_state == "active":
                return st
            if st.active_state == "failed" or (st.active_state == "inactive" and st.result not in ("", "success")):
                _fail(unit, _systemctl() + [verb, unit], 3, "unit %s failed to %s" % (unit, verb), st)
            if st.active_state == "inactive" and st.result == "success" and st.sub_state == "dead":
                return st  # a oneshot unit that ran and finished
        elif st.active_state in ("inactive", "failed"):
            return st
        if time.monotonic() >= deadline:
            raise TimeoutError("unit %s is still %s/%s %s s after %s (wanted it %s)" % (
                unit, st.active_state, st.sub_state, timeout, verb, "active" if want == "up" else "stopped"))
        time.sleep(delay)
        delay = min(delay * 2, 0.5)


def _require_loaded(unit, st):
    if st.load_state == "not-found":
        raise FileNotFoundError(errno.ENOENT, "systemd unit not found (install its unit file, then daemon_reload)", unit)
    if st.load_state == "masked" or st.enabled in ("masked", "masked-runtime"):
        raise RuntimeError("unit %s is masked: unmask it first (systemctl unmask %s)" % (unit, unit))


def _start(unit, wait, timeout, verb="start", sudo=False):
    st = _status(unit)
    _require_loaded(unit, st)
    if verb == "start" and st.active_state in ("active", "reloading"):
        return False, st
    _act(unit, verb, timeout, no_block=not wait, sudo=sudo)
    return True, (_wait(unit, "up", timeout, verb) if wait else _status(unit))


def _stop(unit, wait, timeout, sudo=False):
    st = _status(unit)
    if st.load_state == "not-found" or st.active_state in ("inactive", "failed"):
        return False, st
    _act(unit, "stop", timeout, no_block=not wait, sudo=sudo)
    return True, (_wait(unit, "down", timeout, "stop") if wait else _status(unit))


def _enable(unit, now, sudo=False):
    st = _status(unit)
    _require_loaded(unit, st)
    changed = False
    if st.enabled not in _ENABLED_ALREADY:
        _act(unit, "enable", 60, sudo=sudo)
        changed = True
    if now:
        changed = _start(unit, True, 60, sudo=sudo)[0] or changed
    return changed


def _disable(unit, now, sudo=False):
    st = _status(unit)
    changed = False
    if st.enabled not in _DISABLED_ALREADY:
        _act(unit, "disable", 60, sudo=sudo)
        changed = True
    if now:
        changed = _stop(unit, True, 60, sudo=sudo)[0] or changed
    return changed


class Service(Tool):
    """systemd units (``unit`` is a unit name: 'nginx', 'nginx.service', 'foo.timer').
    Every changing method takes ``sudo`` (see the module's docstring)."""

    @staticmethod
    def status(unit):
        # type: (str) -> ServiceStatus
        """ServiceStatus{unit, load_state, active_state, sub_state, enabled, main_pid, result}.
        An unknown unit gives load_state 'not-found' (no error)."""
        _check_unit(unit)
        return _status(unit)

    @staticmethod
    def start(unit, wait=True, timeout=30, sudo=False):
        # type: (str, bool, float, bool) -> ServiceResult
        """Start the unit unless it is already active. With ``wait``, wait up to
        ``timeout`` s until it is active (or a oneshot finished). Unit failure:
        CalledProcessError (stderr: systemctl message + journal tail); unknown
        unit: FileNotFoundError; masked: RuntimeError; still starting after
        ``timeout``: TimeoutError; refused (sudo, or systemd to a non-root
        caller): PermissionError. Returns ServiceResult{changed, status}."""
        _check_unit(unit)
        changed, st = _start(unit, wait, timeout, sudo=sudo)
        return ServiceResult(changed=changed, status=st)

    @staticmethod
    def stop(unit, wait=True, timeout=30, sudo=False):
        # type: (str, bool, float, bool) -> ServiceResult
        """Stop the unit unless already inactive/failed (an unknown unit is a no-op).
        Returns ServiceResult{changed, status}."""
        _check_unit(unit)
        changed, st = _stop(unit, wait, timeout, sudo=sudo)
        return ServiceResult(changed=changed, status=st)

    @staticmethod
    def restart(unit, wait=True, timeout=30, sudo=False):
        # type: (str, bool, float, bool) -> ServiceResult
        """Restart the unit (starts it if stopped); always changed. Errors as ``start``."""
        _check_unit(unit)
        _, st = _start(unit, wait, timeout, verb="restart", sudo=sudo)
        return ServiceResult(changed=True, status=st)

    @staticmethod
    def reload(unit, wait=True, timeout=30, sudo=False):
        # type: (str, bool, float, bool) -> ServiceResult
        """Reload the unit's configuration (``systemctl reload``); a unit that is
        not running is started instead. Always changed. A running unit that
        cannot reload (no ExecReload=, systemd's CanReload=no) raises
        NotImplementedError before anything is sent. Other errors as ``start``."""
        _check_unit(unit)
        props = _show(unit)
        st = _status(unit)
        _require_loaded(unit, st)
        verb = "reload" if st.active_state in ("active", "reloading") else "start"
        if verb == "reload" and props.get("CanReload") == "no":
            raise NotImplementedError(
                "unit %s cannot reload its configuration (it has no ExecReload=; systemd reports CanReload=no): "
                "restart it instead, or add ExecReload= to the unit" % st.unit)
        _, st = _start(unit, wait, timeout, verb=verb, sudo=sudo)
        return ServiceResult(changed=True, status=st)

    @staticmethod
    def wait(unit, active=True, timeout=30):
        # type: (str, bool, float) -> ServiceStatus
        """Wait (polling, up to ``timeout`` s) until the unit is active (or a
        oneshot finished), or with ``active=False`` until it is stopped; e.g.
        after ``start(unit, wait=False)``. A unit that fails while awaited raises
        CalledProcessError with its journal tail; still not there after
        ``timeout``: TimeoutError; unknown unit: FileNotFoundError.
        Returns the ServiceStatus reached."""
        _check_unit(unit)
        if active:
            _require_loaded(unit, _status(unit))
        return _wait(unit, "up" if active else "down", timeout, "wait")

    @staticmethod
    def enable(unit, now=False, sudo=False):
        # type: (str, bool, bool) -> bool
        """Enable the unit at boot (no-op for enabled/static units); with ``now``
        also start it. Returns changed."""
        _check_unit(unit)
        return _enable(unit, now, sudo)

    @staticmethod
    def disable(unit, now=False, sudo=False):
        # type: (str, bool, bool) -> bool
        """Disable the unit at boot; with ``now`` also stop it. Returns changed."""
        _check_unit(unit)
        return _disable(unit, now, sudo)

    @staticmethod
    def daemon_reload(sudo=False):
        # type: (bool) -> None
        """``systemctl daemon-reload`` (after adding or editing unit files)."""
        code, _, err = _run(["daemon-reload"], timeout=120, check=False, sudo=sudo)
        if code != 0:
            _refused(["daemon-reload"], code, err, sudo)
            raise subprocess.CalledProcessError(code, (["sudo", "-n"] if sudo else []) + _systemctl() + ["daemon-reload"],
                                                output="", stderr=err)

    @staticmethod
    def converge(unit, started=None, enabled=None, timeout=30, sudo=False):
        # type: (str, Optional[bool], Optional[bool], float, bool) -> ServiceResult
        """Bring the unit to the wanted state: ``enabled`` True/False/None (leave),
        then ``started`` True/False/None (leave). Returns ServiceResult{changed, status}."""
        _check_unit(unit)
        changed = False
        if enabled is True:
            changed = _enable(unit, False, sudo) or changed
        elif enabled is False:
            changed = _disable(unit, False, sudo) or changed
        if started is True:
            changed = _start(unit, True, timeout, sudo=sudo)[0] or changed
        elif started is False:
            changed = _stop(unit, True, timeout, sudo=sudo)[0] or changed
        return ServiceResult(changed=changed, status=_status(unit))
