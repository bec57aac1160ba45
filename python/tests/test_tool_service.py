import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest

import tool_support

mod = tool_support.load("service")
Service = tool_support.tool_class(mod)

# Captured `systemctl show nginx.service` lines (systemd 252), trimmed.
SHOW_NGINX = """\
Type=forking
Restart=on-failure
MainPID=4242
Result=success
Id=nginx.service
Names=nginx.service
Description=A high performance web server and a reverse proxy server
LoadState=loaded
ActiveState=active
SubState=running
UnitFileState=enabled
ExecStart={ path=/usr/sbin/nginx ; argv[]=/usr/sbin/nginx -g daemon on; master_process on; ; ignore_errors=no }
Environment=A=1 B=2
"""

# A stand-in systemctl over a JSON state file. A started unit stays "activating"
# for `delay` show calls, then becomes active (or failed when `fail` is set).
FAKE_SYSTEMCTL = textwrap.dedent("""\
    import json, os, sys
    state_path, args = sys.argv[1], sys.argv[2:]
    with open(state_path) as f:
        st = json.load(f)
    st["calls"].append(args)
    st.setdefault("via_sudo", []).append(bool(os.environ.get("SUDO_COMMAND")))
    words = [a for a in args if not a.startswith("-")]
    verb, unit = words[0], (words[1] if len(words) > 1 else None)
    u = st["units"].get(unit)
    rc, out, err = 0, "", ""
    def settle(u):
        if u["active"] == "activating":
            if u.get("countdown", 0) > 0:
                u["countdown"] -= 1
            else:
                u.update(active="failed", sub="failed", result="exit-code", pid=0) if u.get("fail") else \\
                    u.update(active="active", sub="running", result="success", pid=1234)
    if verb == "show":
        if u is None:
            out = "Id=%s\\nLoadState=not-found\\nActiveState=inactive\\nSubState=dead\\nMainPID=0\\n" % unit
        else:
            settle(u)
            out = "Id=%s\\nLoadState=%s\\nActiveState=%s\\nSubState=%s\\nMainPID=%d\\nResult=%s\\nCanReload=%s\\n" % (
                unit, u.get("load", "loaded"), u["active"], u["sub"], u.get("pid", 0), u.get("result", "success"),
                u.get("can_reload", "yes"))
    elif verb == "is-enabled":
        if u is None:
            err, rc = "Failed to get unit file state for %s: No such file or directory" % unit, 1
        else:
            out = u["enabled"]
            rc = 0 if u["enabled"] in ("enabled", "static") else 1
    elif u is None and verb != "daemon-reload":
        err, rc = "Unit %s not found." % unit, 5
    elif verb in ("start", "restart"):
        if u.get("fail_job"):
            err, rc = "Job for %s failed because the control process exited with error code." % unit, 1
        else:
            u.update(active="activating", sub="start", countdown=u.get("delay", 0))
    elif verb == "stop":
        u.update(active="inactive", sub="dead", pid=0)
    elif verb == "reload":
        u["reloaded"] = u.get("reloaded", 0) + 1
    elif verb == "enable":
        u["enabled"] = "enabled"
    elif verb == "disable":
        u["enabled"] = "disabled"
    elif verb == "daemon-reload":
        st["daemon_reloads"] = st.get("daemon_reloads", 0) + 1
    with open(state_path, "w") as f:
        json.dump(st, f)
    sys.stdout.write(out + ("\\n" if out and not out.endswith("\\n") else ""))
    sys.stderr.write(err)
    sys.exit(rc)
""")


class TestPure(unittest.TestCase):
    def test_refusals_name_the_command_and_the_fix(self):
        with self.assertRaises(PermissionError) as cm:
            mod._refused(["stop", "app"], 1, "sudo: unable to resolve host h1: Name or service not known\n"
                                              "sudo: a password is required\n", True)
        self.assertRegex(str(cm.exception), r"^sudo refused 'systemctl stop app' for user \S+: sudo: a password is required "
                                            r"\(sudoers must allow exactly this command with NOPASSWD, e\.g\. "
                                            r"'\S+ ALL=\(root\) NOPASSWD: /usr/bin/systemctl stop app'\)$")
        mod._refused(["start", "app"], 1, "Job for app.service failed.\n", True)  # not a refusal: the unit failed

    def test_parse_show(self):
        p = mod.parse_show(SHOW_NGINX)
        self.assertEqual((p["Id"], p["ActiveState"], p["SubState"], p["MainPID"]),
                         ("nginx.service", "active", "running", "4242"))
        self.assertEqual(p["Environment"], "A=1 B=2")

    def test_unit_validation(self):
        for bad in ("", "-x", "a b", "a;b", "$(id)", None):
            with self.subTest(bad=bad), self.assertRaises(ValueError):
                Service.status(bad)

    def test_no_systemd_message(self):
        saved = os.environ.pop("RMOTE_SYSTEMCTL", None)
        mod._SYSTEMD_RUNNING = "/nonexistent/run/systemd/system"
        try:
            with self.assertRaises(mod.SystemdUnavailableError) as cm:
                Service.status("nginx")
            self.assertIsInstance(cm.exception, RuntimeError)
            with open("/proc/1/comm") as f:
                comm = f.read().strip()
            self.assertEqual(str(cm.exception),
                             "systemd is not running on this host (PID 1 is %s); Service needs systemd" % comm)
        finally:
            mod._SYSTEMD_RUNNING = "/run/systemd/system"
            if saved is not None:
                os.environ["RMOTE_SYSTEMCTL"] = saved


class TestWithFakeSystemctl(unittest.TestCase):
    """systemctl replaced by a scripted fake (slow, failing and masked units on demand). The real path runs below
    (TestWithDaemonlessSystemctl) and in the C# suite's
    ServiceToolTests.Units_start_stop_restart_enable_disable_and_converge, both against Debian's daemonless
    systemctl: systemd itself cannot be PID 1 on the test machines, so real systemd is not tested."""

    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.state = os.path.join(self._tmp.name, "state.json")
        script = os.path.join(self._tmp.name, "systemctl.py")
        with open(script, "w") as f:
            f.write(FAKE_SYSTEMCTL)
        self.saved_env = os.environ.get("RMOTE_SYSTEMCTL")
        os.environ["RMOTE_SYSTEMCTL"] = "%s -S %s %s" % (sys.executable, script, self.state)
        journal = os.path.join(self._tmp.name, "journalctl")
        with open(journal, "w") as f:
            f.write("#!/bin/sh\necho \"Jan 01 app[1]: fatal: config error ($*)\"\n")
        os.chmod(journal, 0o755)
        mod._JOURNALCTL = journal
        self.save({"calls": [], "units": {
            "web.service": {"active": "inactive", "sub": "dead", "enabled": "disabled"},
            "slow.service": {"active": "inactive", "sub": "dead", "enabled": "enabled", "delay": 3},
            "broken.service": {"active": "inactive", "sub": "dead", "enabled": "disabled", "fail": True},
            "jobfail.service": {"active": "inactive", "sub": "dead", "enabled": "disabled", "fail_job": True},
            "static.service": {"active": "inactive", "sub": "dead", "enabled": "static"},
            "masked.service": {"active": "inactive", "sub": "dead", "enabled": "masked", "load": "masked"},
            "noreload.service": {"active": "active", "sub": "running", "enabled": "static", "can_reload": "no"},
        }})

    def tearDown(self):
        if self.saved_env is None:
            os.environ.pop("RMOTE_SYSTEMCTL", None)
        else:
            os.environ["RMOTE_SYSTEMCTL"] = self.saved_env
        mod._JOURNALCTL = "journalctl"
        self._tmp.cleanup()

    def save(self, st):
        with open(self.state, "w") as f:
            json.dump(st, f)

    def load(self):
        with open(self.state) as f:
            return json.load(f)

    def verbs(self):
        return [c[0] for c in self.load()["calls"] if c[0] not in ("show", "is-enabled")]

    def test_status(self):
        s = Service.status("web.service")
        self.assertEqual((s.unit, s.load_state, s.active_state, s.sub_state, s.enabled, s.main_pid),
                         ("web.service", "loaded", "inactive", "dead", "disabled", 0))
        missing = Service.status("nope.service")
        self.assertEqual((missing.load_state, missing.enabled), ("not-found", "not-found"))

    def test_start_stop_idempotent(self):
        r = Service.start("web.service")
        self.assertTrue(r.changed)
        self.assertEqual((r.status.active_state, r.status.sub_state, r.status.main_pid), ("active", "running", 1234))
        self.assertFalse(Service.start("web.service").changed)
        r = Service.stop("web.service")
        self.assertEqual((r.changed, r.status.active_state), (True, "inactive"))
        self.assertFalse(Service.stop("web.service").changed)
        self.assertFalse(Service.stop("nope.service").changed)
        self.assertEqual(self.verbs(), ["start", "stop"])

    def test_start_waits_for_activation(self):
        r = Service.start("slow.service")
        self.assertEqual(r.status.active_state, "active")
        shows = [c for c in self.load()["calls"] if c[0] == "show"]
        self.assertGreaterEqual(len(shows), 4)

    def test_start_no_wait(self):
        r = Service.start("slow.service", wait=False)
        self.assertTrue(r.changed)
        self.assertEqual(r.status.active_state, "activating")
        self.assertIn(["start", "--no-block", "slow.service"], self.load()["calls"])

    def test_start_timeout(self):
        st = self.load()
        st["units"]["slow.service"]["delay"] = 10 ** 6
        self.save(st)
        # The limit bounds the `systemctl start` command too (here one start of the fake, a python3 process: over
        # 0.3 s on a loaded CI box, which failed this test with that command's own timeout), then the wait for the
        # unit, which never activates: 5 s leaves the command room, and the message must be the wait's.
        with self.assertRaisesRegex(TimeoutError, "^unit slow.service is still activating/start 5 s after start"):
            Service.start("slow.service", timeout=5)

    def test_failed_unit_raises_with_journal(self):
        with self.assertRaises(subprocess.CalledProcessError) as cm:
            Service.start("broken.service")
        e = cm.exception
        self.assertIn("ActiveState=failed", e.stderr)
        self.assertIn("Result=exit-code", e.stderr)
        self.assertIn("fatal: config error (-u broken.service -n 20 --no-pager -q)", e.stderr)
        with self.assertRaises(subprocess.CalledProcessError) as cm:
            Service.restart("jobfail.service")
        self.assertEqual(cm.exception.returncode, 1)
        self.assertIn("Job for jobfail.service failed", cm.exception.stderr)
        self.assertIn("last journal lines", cm.exception.stderr)

    def test_unknown_and_masked_units(self):
        with self.assertRaisesRegex(FileNotFoundError, "unit not found"):
            Service.start("nope.service")
        with self.assertRaisesRegex(RuntimeError, "masked: unmask it first"):
            Service.start("masked.service")
        with self.assertRaisesRegex(FileNotFoundError, "unit not found"):
            Service.enable("nope.service")
        self.assertFalse(Service.disable("nope.service"))

    def test_restart_and_reload(self):
        r = Service.restart("web.service")
        self.assertEqual((r.changed, r.status.active_state), (True, "active"))
        r = Service.reload("web.service")
        self.assertTrue(r.changed)
        self.assertEqual(self.load()["units"]["web.service"]["reloaded"], 1)
        Service.stop("web.service")
        r = Service.reload("web.service")  # not running: started instead
        self.assertEqual(r.status.active_state, "active")
        self.assertEqual(self.verbs(), ["restart", "reload", "stop", "start"])

    def test_enable_disable(self):
        self.assertTrue(Service.enable("web.service"))
        self.assertFalse(Service.enable("web.service"))
        self.assertFalse(Service.enable("static.service"))
        self.assertTrue(Service.disable("web.service"))
        self.assertFalse(Service.disable("web.service"))
        self.assertTrue(Service.enable("web.service", now=True))
        self.assertEqual(Service.status("web.service").active_state, "active")
        self.assertTrue(Service.disable("web.service", now=True))
        self.assertEqual(Service.status("web.service").active_state, "inactive")

    def test_converge(self):
        r = Service.converge("web.service", started=True, enabled=True)
        self.assertTrue(r.changed)
        self.assertEqual((r.status.active_state, r.status.enabled), ("active", "enabled"))
        self.assertFalse(Service.converge("web.service", started=True, enabled=True).changed)
        self.assertFalse(Service.converge("web.service").changed)
        r = Service.converge("web.service", started=False, enabled=False)
        self.assertEqual((r.changed, r.status.active_state, r.status.enabled), (True, "inactive", "disabled"))

    def test_reload_of_a_unit_that_cannot_reload_is_refused_before_anything_is_sent(self):
        with self.assertRaisesRegex(NotImplementedError, "noreload.service cannot reload its configuration .*CanReload=no"):
            Service.reload("noreload.service")
        self.assertEqual(self.verbs(), [])

    def test_wait_follows_a_unit_started_without_waiting(self):
        self.assertEqual(Service.start("slow.service", wait=False).status.active_state, "activating")
        self.assertEqual(Service.wait("slow.service").active_state, "active")
        Service.stop("slow.service")
        self.assertEqual(Service.wait("slow.service", active=False).active_state, "inactive")
        Service.start("broken.service", wait=False)
        with self.assertRaises(subprocess.CalledProcessError) as cm:
            Service.wait("broken.service")
        self.assertIn("unit broken.service failed to wait", cm.exception.stderr)
        with self.assertRaisesRegex(FileNotFoundError, "unit not found"):
            Service.wait("nope.service")

    def test_sudo_runs_only_the_changing_commands_through_sudo(self):
        if os.geteuid() != 0 or not any(os.access(os.path.join(d, "sudo"), os.X_OK) for d in ("/usr/bin", "/bin")):
            self.fail("needs root and sudo (run build/install-deps.sh)")
        self.assertTrue(Service.restart("web.service", sudo=True).changed)
        st = self.load()
        via_sudo = sorted(set((c[0], sudo) for c, sudo in zip(st["calls"], st["via_sudo"])))
        self.assertEqual(via_sudo, [("is-enabled", False), ("restart", True), ("show", False)])

    def test_daemon_reload(self):
        self.assertIsNone(Service.daemon_reload())
        self.assertEqual(self.load()["daemon_reloads"], 1)


def _gone(pid, timeout=60.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with open("/proc/%d/stat" % pid) as f:
                if f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X"):
                    return True
        except FileNotFoundError:
            return True
        time.sleep(0.05)
    return False


# docker-systemctl-replacement's systemctl (Debian package "systemctl"), unpacked by the test rig (build/test.sh)
DSR = os.environ.get("RMOTE_TEST_SYSTEMCTL_REPLACEMENT",
                     "/var/cache/rmote-test/systemctl-replacement/usr/bin/systemctl")


class TestWithDaemonlessSystemctl(unittest.TestCase):
    """End to end against docker-systemctl-replacement in a private --root: real processes."""

    def setUp(self):
        self.assertTrue(os.path.exists(DSR), "no daemonless systemctl at %s: run build/test.sh (it unpacks it) or set "
                                             "RMOTE_TEST_SYSTEMCTL_REPLACEMENT" % DSR)
        self._tmp = tempfile.TemporaryDirectory()
        root = self._tmp.name
        units = os.path.join(root, "etc", "systemd", "system")
        os.makedirs(units)
        with open(os.path.join(units, "rmote-demo.service"), "w") as f:
            f.write("[Unit]\nDescription=demo\n[Service]\nExecStart=/bin/sleep 300\n"
                    "[Install]\nWantedBy=multi-user.target\n")
        self.saved_env = os.environ.get("RMOTE_SYSTEMCTL")
        os.environ["RMOTE_SYSTEMCTL"] = "%s %s --root=%s" % (sys.executable, DSR, root)

    def tearDown(self):
        try:
            Service.stop("rmote-demo.service", timeout=180)
        finally:
            if self.saved_env is None:
                os.environ.pop("RMOTE_SYSTEMCTL", None)
            else:
                os.environ["RMOTE_SYSTEMCTL"] = self.saved_env
            self._tmp.cleanup()

    def test_lifecycle(self):
        # Generous limits: each step runs docker-systemctl-replacement (a large python3 script, seconds to start on
        # a loaded 2-core CI box, which once exceeded the 30 s default here); the states are what is checked.
        limit = 180
        s = Service.status("rmote-demo.service")
        self.assertEqual((s.load_state, s.active_state, s.enabled), ("loaded", "inactive", "disabled"))
        r = Service.converge("rmote-demo.service", started=True, enabled=True, timeout=limit)
        self.assertTrue(r.changed)
        self.assertEqual((r.status.active_state, r.status.enabled), ("active", "enabled"))
        self.assertGreater(r.status.main_pid, 0)
        pid = r.status.main_pid
        self.assertFalse(Service.converge("rmote-demo.service", started=True, enabled=True, timeout=limit).changed)
        r = Service.stop("rmote-demo.service", timeout=limit)
        self.assertEqual((r.changed, r.status.active_state), (True, "inactive"))
        self.assertTrue(_gone(pid), "the service's process survived stop")


if __name__ == "__main__":
    unittest.main()
