import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest

import tool_support

mod = tool_support.load("apt")
Apt = tool_support.tool_class(mod)

# Captured on Debian 12 (LC_ALL=C).
DPKG_QUERY = (
    "dpkg\tamd64\tinstall ok installed\t1.21.22\n"
    "libc6\tamd64\tinstall ok installed\t2.36-9+deb12u14\n"
    "libc6\ti386\tdeinstall ok config-files\t2.36-9+deb12u13\n"
    "nginx\tamd64\tunknown ok not-installed\t\n"
    "zstd\tamd64\tinstall ok half-configured\t1.5.4+dfsg2-5\n"
)
SIMULATE_UPGRADE = """\
Reading package lists...
Building dependency tree...
Reading state information...
The following packages will be upgraded:
  dpkg dpkg-dev libdpkg-perl
3 upgraded, 0 newly installed, 0 to remove and 133 not upgraded.
Inst dpkg [1.21.22] (1.21.23 Debian:12.15/oldstable [amd64])
Conf dpkg (1.21.23 Debian:12.15/oldstable [amd64])
Inst dpkg-dev [1.21.22] (1.21.23 Debian:12.15/oldstable [all]) []
Inst libdpkg-perl [1.21.22] (1.21.23 Debian:12.15/oldstable [all])
Conf dpkg-dev (1.21.23 Debian:12.15/oldstable [all])
"""
SIMULATE_NOTHING = """\
Reading package lists...
Building dependency tree...
Reading state information...
libc6 is already the newest version (2.36-9+deb12u14).
0 upgraded, 0 newly installed, 0 to remove and 136 not upgraded.
"""
SIMULATE_REMOVE = "The following packages will be REMOVED:\n  zstd\nRemv zstd [1.5.4+dfsg2-5]\n"

# Stand-ins for dpkg-query and apt-get sharing one JSON state file.
FAKE = textwrap.dedent("""\
    import json, sys
    tool, state_path, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    with open(state_path) as f:
        st = json.load(f)
    st["calls"].append([tool] + args)
    inst, repo = st["installed"], st["repo"]
    words = [a for a in args if not a.startswith("-") and "::" not in a and "=" not in a.split(":")[0][:1]]
    opts = [a for a in args if a.startswith("-")]
    rc = 0
    def base(spec):
        return spec.split("=")[0].split(":")[0]
    if tool == "dpkg-query":
        for n in [a for a in args if not a.startswith("-")]:
            if n in inst:
                print("%s\\tamd64\\tinstall ok installed\\t%s" % (n, inst[n]))
            else:
                print("dpkg-query: no packages found matching " + n, file=sys.stderr); rc = 1
    else:
        pkgs = [a for a in args[args.index(words[0]) + 1:] if not a.startswith("-") and a != "-o"] if words else []
        pkgs = [p for p in pkgs if "::" not in p]
        cmd = words[0] if words else ""
        if cmd == "update":
            st["updated"] += 1
        elif cmd == "install":
            for p in pkgs:
                if base(p) not in repo:
                    print("E: Unable to locate package " + base(p), file=sys.stderr); rc = 100
            if rc == 0:
                for p in pkgs:
                    want = p.split("=")[1] if "=" in p else repo[base(p)]
                    if "-s" in opts:
                        if inst.get(base(p)) != want:
                            print("Inst %s [%s] (%s Debian:12/stable [amd64])" % (base(p), inst.get(base(p), ""), want))
                    else:
                        inst[base(p)] = want
        elif cmd in ("remove", "purge"):
            for p in pkgs:
                inst.pop(base(p), None)
    with open(state_path, "w") as f:
        json.dump(st, f)
    sys.exit(rc)
""")


class TestParsers(unittest.TestCase):
    def test_parse_dpkg_query(self):
        parsed = mod.parse_dpkg_query(DPKG_QUERY)
        self.assertEqual(parsed["dpkg"], ("installed", "1.21.22"))
        self.assertEqual(parsed["libc6"], ("installed", "2.36-9+deb12u14"))  # installed arch wins
        self.assertEqual(parsed["libc6:i386"], ("config-files", "2.36-9+deb12u13"))
        self.assertEqual(parsed["nginx"], ("not-installed", ""))
        self.assertEqual(parsed["zstd"][0], "half-configured")

    def test_parse_simulation(self):
        self.assertEqual(mod.parse_simulation(SIMULATE_UPGRADE),
                         [("Inst", "dpkg"), ("Inst", "dpkg-dev"), ("Inst", "libdpkg-perl")])
        self.assertEqual(mod.parse_simulation(SIMULATE_NOTHING), [])
        self.assertEqual(mod.parse_simulation(SIMULATE_REMOVE), [("Remv", "zstd")])

    def test_specs(self):
        self.assertEqual(mod._specs("nginx libc6:i386 curl=7.88.1-10+deb12u5"), [
            ("nginx", "nginx", None), ("libc6:i386", "libc6:i386", None),
            ("curl=7.88.1-10+deb12u5", "curl", "7.88.1-10+deb12u5")])
        for bad in ("Nginx", "-y", "a", "x;rm", "x y=", "pkg=ver sion", "--purge"):
            with self.subTest(bad=bad), self.assertRaises(ValueError):
                mod._specs([bad])


class FakeAptCase(unittest.TestCase):
    """apt-get and dpkg-query replaced by a scripted fake, to check the exact command lines.

    The real path (real dpkg and apt-get in a Debian root) is the C# suite's
    AptToolTests.Package_installs_and_removes_a_real_package_idempotently: install, already-installed, latest with
    nothing newer, converge with purge, an unknown package. Only against this fake (see docs/RELIABILITY.md):
    a pinned version, latest when an upgrade exists, and the cache update (cache_valid_time), because the Debian
    root's mirror offers one version of each package and a full `apt-get update` of bookworm costs minutes.
    """

    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.state = os.path.join(self._tmp.name, "state.json")
        script = os.path.join(self._tmp.name, "fake.py")
        with open(script, "w") as f:
            f.write(FAKE)
        for tool in ("dpkg-query", "apt-get"):
            wrapper = os.path.join(self._tmp.name, tool)
            with open(wrapper, "w") as f:
                f.write('#!/bin/sh\nexec %s -S %s %s %s "$@"\n' % (sys.executable, script, tool, self.state))
            os.chmod(wrapper, 0o755)
        mod._DPKG_QUERY = os.path.join(self._tmp.name, "dpkg-query")
        mod._APT_GET = os.path.join(self._tmp.name, "apt-get")
        self.stamp = os.path.join(self._tmp.name, "update-success-stamp")
        mod._STAMPS = [self.stamp]
        with open(self.state, "w") as f:
            json.dump({"installed": {"openssh-server": "9.2p1-2", "curl": "7.88.1-1"},
                       "repo": {"openssh-server": "9.2p1-2", "curl": "7.88.1-2", "nginx": "1.22.1-9"},
                       "calls": [], "updated": 0}, f)

    def tearDown(self):
        mod._DPKG_QUERY, mod._APT_GET = "dpkg-query", "apt-get"
        mod._STAMPS = ["/var/lib/apt/periodic/update-success-stamp", "/var/lib/apt/lists"]
        self._tmp.cleanup()

    def st(self):
        with open(self.state) as f:
            return json.load(f)

    def apt_calls(self):
        return [c[1:] for c in self.st()["calls"] if c[0] == "apt-get"]


class TestPackage(FakeAptCase):
    def test_present(self):
        r = Apt.package(["openssh-server", "nginx"])
        self.assertEqual((r.changed, r.installed), (True, {"openssh-server": "9.2p1-2", "nginx": "1.22.1-9"}))
        install = self.apt_calls()[-1]
        self.assertEqual(install[:4], ["-y", "-q", "-o", "DPkg::Lock::Timeout=300"])
        self.assertEqual(install[4], "install")
        self.assertIn("Dpkg::Options::=--force-confold", install)
        self.assertEqual(install[-1], "nginx")
        self.assertFalse(Apt.package("openssh-server nginx").changed)
        self.assertEqual(len(self.apt_calls()), 1)

    def test_present_pinned_version(self):
        r = Apt.package("curl=7.88.1-2")
        self.assertEqual((r.changed, r.installed), (True, {"curl": "7.88.1-2"}))
        self.assertFalse(Apt.package("curl=7.88.1-2").changed)

    def test_latest(self):
        r = Apt.package(["curl", "openssh-server"], state="latest")
        self.assertEqual((r.changed, r.installed["curl"]), (True, "7.88.1-2"))
        calls = self.apt_calls()
        self.assertIn("-s", calls[0])
        self.assertNotIn("-s", calls[1])
        self.assertFalse(Apt.package(["curl", "openssh-server"], state="latest").changed)
        self.assertEqual(len(self.apt_calls()), 3)  # only the dry run

    def test_absent_and_purge(self):
        r = Apt.package(["curl", "nginx"], state="absent")
        self.assertEqual((r.changed, r.installed), (True, {}))
        self.assertEqual(self.apt_calls()[-1][-2:], ["remove", "curl"])
        self.assertFalse(Apt.package("curl", state="absent").changed)
        Apt.package("openssh-server", state="absent", purge=True)
        self.assertEqual(self.apt_calls()[-1][-2:], ["purge", "openssh-server"])

    def test_converge(self):
        r = Apt.converge(present=["nginx"], latest=["curl"], absent=["openssh-server"], install_recommends=False)
        self.assertTrue(r.changed)
        self.assertEqual(r.installed, {"nginx": "1.22.1-9", "curl": "7.88.1-2"})
        installs = [c for c in self.apt_calls() if "install" in c and "-s" not in c]
        self.assertEqual(len(installs), 1)  # one apt-get install for everything
        self.assertIn("--no-install-recommends", installs[0])
        self.assertFalse(Apt.converge(present=["nginx"], latest=["curl"], absent=["openssh-server"]).changed)

    def test_errors(self):
        with self.assertRaises(subprocess.CalledProcessError) as cm:
            Apt.package("no-such-pkg")
        self.assertEqual(cm.exception.returncode, 100)
        self.assertIn("Unable to locate package", cm.exception.stderr)
        with self.assertRaisesRegex(ValueError, "state must be"):
            Apt.package("curl", state="installed")
        with self.assertRaisesRegex(ValueError, "only meaningful"):
            Apt.package("curl=1", state="latest")
        with self.assertRaisesRegex(ValueError, "both wanted and absent"):
            Apt.converge(present=["curl"], absent=["curl"])
        with self.assertRaisesRegex(ValueError, "no package names"):
            Apt.package([])


class TestUpdate(FakeAptCase):
    def test_cache_valid_time(self):
        self.assertTrue(Apt.update())  # no stamp at all
        with open(self.stamp, "w"):
            pass
        self.assertFalse(Apt.update(cache_valid_time=3600))
        self.assertTrue(Apt.update(cache_valid_time=0))
        old = time.time() - 7200
        os.utime(self.stamp, (old, old))
        self.assertTrue(Apt.update(cache_valid_time=3600))
        self.assertEqual(self.st()["updated"], 3)

    def test_update_cache_before_install(self):
        r = Apt.package("nginx", update_cache=True, cache_valid_time=0)
        self.assertTrue(r.changed)
        self.assertEqual(self.apt_calls()[0][-1], "update")


@unittest.skipUnless(shutil.which("dpkg-query"), "not a Debian host")
class TestRealDpkg(unittest.TestCase):
    """Read-only checks against this host's real dpkg database; apt-get is a trap."""

    def setUp(self):
        mod._APT_GET = "/nonexistent/apt-get-must-not-run"

    def tearDown(self):
        mod._APT_GET = "apt-get"

    def test_installed_package_is_unchanged(self):
        version = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "dpkg"], stdout=subprocess.PIPE,
                                 universal_newlines=True).stdout
        r = Apt.package("dpkg")
        self.assertEqual((r.changed, r.installed), (False, {"dpkg": version}))

    def test_absent_unknown_package_is_unchanged(self):
        r = Apt.package("rmote-no-such-package", state="absent")
        self.assertEqual((r.changed, r.installed), (False, {}))


if __name__ == "__main__":
    unittest.main()
