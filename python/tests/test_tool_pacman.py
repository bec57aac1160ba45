import json
import os
import sys
import tempfile
import textwrap
import unittest
import subprocess

import tool_support

mod = tool_support.load("pacman")
Pacman = tool_support.tool_class(mod)

# Captured on an Arch Linux host (LC_ALL=C).
PACMAN_Q = """\
linux 6.9.7.arch1-1
openssh 9.7p1-2
python 3.12.4-1
lib32-glibc 2.39+r52+gf8e4623421-1
"""
PACMAN_Q_MISSING_STDERR = "error: package 'nope' was not found\n"
PACMAN_QU = """\
linux 6.9.7.arch1-1 -> 6.9.8.arch1-1
openssl 3.3.1-1 -> 3.3.1-2
pacman 6.1.0-3 -> 6.1.0-4 [ignored]
"""
PACMAN_SY_FRESH = """\
:: Synchronizing package databases...
 core is up to date
 extra is up to date
"""
PACMAN_SY_DOWNLOADED = """\
:: Synchronizing package databases...
 core downloading...
 extra is up to date
"""

# A stand-in pacman backed by a JSON state file: enough of -Q/-Qu/-S/-R/-Sy/-Su.
FAKE_PACMAN = textwrap.dedent("""\
    import json, sys
    state_path, args = sys.argv[1], sys.argv[2:]
    with open(state_path) as f:
        st = json.load(f)
    st["calls"].append(args)
    op, rest = args[0], [a for a in args[1:] if not a.startswith("-")]
    inst, repo = st["installed"], st["repo"]
    rc = 0
    if op == "-Q":
        for n in rest or sorted(inst):
            if n in inst:
                print(n, inst[n])
            else:
                print("error: package '%s' was not found" % n, file=sys.stderr); rc = 1
    elif op == "-Qu":
        names = [n for n in (rest or sorted(inst)) if n in inst and repo.get(n, inst[n]) != inst[n]]
        for n in names:
            print(n, inst[n], "->", repo[n])
        rc = 0 if names else 1
    elif op == "-S":
        for n in rest:
            if n not in repo:
                print("error: target not found: " + n, file=sys.stderr); rc = 1
        if rc == 0:
            for n in rest:
                inst[n] = repo[n]
    elif op in ("-R", "-Rs"):
        for n in rest:
            inst.pop(n)
    elif op == "-Sy":
        print(":: Synchronizing package databases...")
        print(" core downloading..." if st.get("stale") else " core is up to date")
        st["stale"] = False
    elif op == "-Su":
        for n in inst:
            inst[n] = repo.get(n, inst[n])
    with open(state_path, "w") as f:
        json.dump(st, f)
    sys.exit(rc)
""")


class TestParsers(unittest.TestCase):
    def test_parse_query(self):
        self.assertEqual(mod.parse_query(PACMAN_Q), {
            "linux": "6.9.7.arch1-1", "openssh": "9.7p1-2", "python": "3.12.4-1",
            "lib32-glibc": "2.39+r52+gf8e4623421-1"})
        self.assertEqual(mod.parse_query(PACMAN_Q_MISSING_STDERR), {})

    def test_parse_upgrades(self):
        self.assertEqual(mod.parse_upgrades(PACMAN_QU), {"linux": "6.9.8.arch1-1", "openssl": "3.3.1-2"})
        self.assertEqual(mod.parse_upgrades(""), {})

    def test_parse_sync(self):
        self.assertFalse(mod.parse_sync(PACMAN_SY_FRESH))
        self.assertTrue(mod.parse_sync(PACMAN_SY_DOWNLOADED))


class TestWithFakePacman(unittest.TestCase):
    """pacman replaced by a fake replaying captured output. Package changes with pacman are tested ONLY against
    this fake: the test machines are Debian without pacman (issue 19 adds a real pacman); the C# suite's
    PacmanToolTests covers only the "pacman is missing" error and pacman.conf editing. See docs/RELIABILITY.md."""

    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.state = os.path.join(self._tmp.name, "state.json")
        script = os.path.join(self._tmp.name, "fake_pacman.py")
        with open(script, "w") as f:
            f.write(FAKE_PACMAN)
        wrapper = os.path.join(self._tmp.name, "pacman")
        with open(wrapper, "w") as f:
            f.write('#!/bin/sh\nexec %s -S %s %s "$@"\n' % (sys.executable, script, self.state))
        os.chmod(wrapper, 0o755)
        mod._PACMAN = wrapper
        self.save({"installed": {"openssh": "9.7p1-2", "linux": "6.9.7-1"},
                   "repo": {"openssh": "9.7p1-2", "linux": "6.9.8-1", "vim": "9.1-1", "htop": "3.3-1"},
                   "calls": [], "stale": True})

    def tearDown(self):
        mod._PACMAN = "pacman"
        self._tmp.cleanup()

    def save(self, st):
        with open(self.state, "w") as f:
            json.dump(st, f)

    def load(self):
        with open(self.state) as f:
            return json.load(f)

    def ops(self):
        return [c[0] for c in self.load()["calls"]]

    def test_present(self):
        r = Pacman.package(["openssh", "vim"])
        self.assertEqual((r.changed, r.installed), (True, {"openssh": "9.7p1-2", "vim": "9.1-1"}))
        self.assertIn(["-S", "--needed", "--noconfirm", "--noprogressbar", "vim"], self.load()["calls"])
        r = Pacman.package("openssh vim")
        self.assertFalse(r.changed)
        self.assertEqual(self.ops().count("-S"), 1)

    def test_latest(self):
        r = Pacman.package(["linux", "openssh"], state="latest")
        self.assertEqual((r.changed, r.installed["linux"]), (True, "6.9.8-1"))
        self.assertIn("linux", self.load()["calls"][-2])
        self.assertFalse(Pacman.package(["linux", "openssh"], state="latest").changed)
        self.assertTrue(Pacman.package("htop", state="latest").changed)

    def test_absent(self):
        r = Pacman.package(["linux", "vim"], state="absent", remove_dependencies=True)
        self.assertEqual((r.changed, r.installed), (True, {}))
        self.assertIn(["-Rs", "--noconfirm", "--noprogressbar", "linux"], self.load()["calls"])
        self.assertFalse(Pacman.package(["linux"], state="absent").changed)

    def test_update(self):
        self.assertTrue(Pacman.update())
        self.assertFalse(Pacman.update())
        self.assertTrue(Pacman.update(upgrade=True))
        self.assertEqual(self.load()["installed"]["linux"], "6.9.8-1")
        self.assertFalse(Pacman.update(upgrade=True))

    def test_converge_and_update_cache(self):
        r = Pacman.converge(present=["vim"], absent=["openssh"], latest=["linux"], update_cache=True)
        self.assertTrue(r.changed)
        self.assertEqual(r.installed, {"vim": "9.1-1", "linux": "6.9.8-1"})
        self.assertEqual(self.ops()[0], "-Sy")
        self.assertNotIn("openssh", self.load()["installed"])
        self.assertFalse(Pacman.converge(present=["vim"], absent=["openssh"], latest=["linux"]).changed)

    def test_failures_surface_as_called_process_error(self):
        with self.assertRaises(subprocess.CalledProcessError) as cm:
            Pacman.package("does-not-exist")
        self.assertIn("target not found", cm.exception.stderr)

    def test_validation(self):
        for bad in (["-Rns"], ["a;b"], ["a b"], [""], []):
            with self.subTest(bad=bad), self.assertRaises(ValueError):
                Pacman.package(bad)
        with self.assertRaisesRegex(ValueError, "state must be"):
            Pacman.package("vim", state="installed")
        with self.assertRaisesRegex(ValueError, "both wanted and absent"):
            Pacman.converge(present=["vim"], absent=["vim"])
        self.assertEqual(self.load()["calls"], [])

    def test_missing_pacman(self):
        mod._PACMAN = "/nonexistent/pacman"
        with self.assertRaisesRegex(FileNotFoundError, "Arch Linux"):
            Pacman.package("vim")


if __name__ == "__main__":
    unittest.main()
