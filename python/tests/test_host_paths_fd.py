"""Issue 16: host-side calls given a path (toolkit writes, FileSystem, User.authorized_key, Deploy roots) never act
outside it through a symlink that another user controls. The attacker is uid 65534: it owns a folder on the path
(an app's home) and puts its own symlinks there, to a root-owned folder elsewhere; that folder's files and modes are
hashed before and after every test. The race cases swap a real folder with the attacker's link
(renameat2 RENAME_EXCHANGE, test_tool_deploy_race.Swapper) while the call runs, for ROUNDS rounds and MIN_SECONDS.

Measured on main at 0cf0f6e (the path-based helpers), 2 shared cores: every deterministic case below changed the
outside folder (a write through the link, its mode, or, for a Deploy root reached through the link, every file in
it deleted); the authorized_key race chmodded the outside folder 0700 in 6 of 6 runs within 20-140 rounds; the
recursive chmod race changed outside modes in 8 of 8 runs. Each race here runs 2 * ROUNDS rounds and at least
2 * MIN_SECONDS.
"""

import os
import shutil
import stat
import sys
import tempfile
import time
import types
import unittest

from tests.test_tool_deploy import D
from tests.test_tool_deploy_race import MIN_SECONDS, ROUNDS, Swapper, exchange, tree_hash

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
try:
    import tool_support
finally:
    sys.path.remove(HERE)

FS = tool_support.tool_class(tool_support.load("filesystem"))
USER_MOD = tool_support.load("user")
User = tool_support.tool_class(USER_MOD)
import rmote_toolkit as tk  # noqa: E402  (registered by tool_support, as the runtime's SYNC does)

ATTACKER = 65534
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHN0ZXN0a2V5MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODk= t@h"
KEY2 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHN0ZXN0a2V5OTg3NjU0MzIxMGFiY2RlZjAxMjM0NTY3ODk= t@h"


def snapshot(top):
    """Every path under top (top too) with its mode and owner, and the bytes of every file."""
    meta = []
    for dp, dn, fn in os.walk(top):
        dn.sort()
        for n in [""] + sorted(dn + fn):
            st = os.lstat(os.path.join(dp, n))
            meta.append((os.path.relpath(os.path.join(dp, n), top), st.st_mode, st.st_uid, st.st_gid))
    return tree_hash(top), meta


class PacedSwapper(Swapper):
    """Swaps about every 0.2 ms: each state lasts long enough to pass one check of the call and change before its
    next step (a swap at full speed mostly meets the check itself)."""

    def run(self):
        while not self.stop.is_set():
            if exchange(self.inside, self.link):
                self.swaps += 1
            time.sleep(0.0002)


@unittest.skipUnless(os.geteuid() == 0, "needs root: the attacker is another user")
class HostileLinkBase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="rmote-fd-paths-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.outside = self.path("victim")  # root-owned data elsewhere on the host
        os.makedirs(os.path.join(self.outside, "sub"))
        for name in ("precious", "sub/deep", "authorized_keys"):
            with open(os.path.join(self.outside, name), "w") as f:
                f.write("precious %s\n" % name)
        self.home = self.path("home")  # the attacker's own folder, on the path root is given
        os.mkdir(self.home, 0o755)
        os.chown(self.home, ATTACKER, ATTACKER)
        self.before = snapshot(self.outside)

    def tearDown(self):
        self.assertEqual(snapshot(self.outside), self.before, "something outside the given path changed")

    def path(self, *parts):
        return os.path.join(self.tmp, *parts)

    def attacker_link(self, name, target=None, owner=ATTACKER):
        link = os.path.join(self.home, name)
        os.symlink(target or self.outside, link)
        os.lchown(link, owner, owner)
        return link


class ToolkitTests(HostileLinkBase):
    def test_a_write_through_a_parent_symlink_the_user_controls_is_refused_naming_it(self):
        link = self.attacker_link("conf")
        for call in (lambda: tk.write_file(link + "/precious", b"owned"), lambda: tk.replace_file(link + "/new", b"x", 0o644),
                     lambda: tk.write_temp(link + "/new", b"x", 0o644)):
            with self.assertRaisesRegex(PermissionError, "%s is a symlink that another user controls \\(link owner uid "
                                                         "65534" % link):
                call()

    def test_a_final_symlink_the_user_controls_is_refused_and_kept(self):
        link = self.attacker_link("app.conf", os.path.join(self.outside, "precious"))
        with self.assertRaisesRegex(PermissionError, "app.conf is a symlink that another user controls"):
            tk.write_file(link, b"owned", 0o600)
        self.assertTrue(os.path.islink(link))

    def test_a_root_owned_link_in_the_users_folder_is_refused_too(self):
        link = self.attacker_link("conf", owner=0)  # the user can rename it, or the folder it points through
        with self.assertRaisesRegex(PermissionError, "folder owner uid 65534"):
            tk.write_file(link + "/precious", b"owned")

    def test_a_link_only_root_controls_is_still_followed(self):
        # /var/run -> /run, merged-/usr /lib -> usr/lib: root's own links keep working
        real = self.path("real")
        os.mkdir(real)
        os.symlink("real", self.path("alias"))
        os.symlink("real/f", self.path("file-alias"))
        self.assertEqual(tk.write_file(self.path("alias", "f"), b"one")[0], True)
        self.assertEqual(tk.write_file(self.path("file-alias"), b"two")[0], True)
        with open(os.path.join(real, "f"), "rb") as f:
            self.assertEqual(f.read(), b"two")
        self.assertTrue(os.path.islink(self.path("file-alias")))
        self.assertEqual(tk.real_path(self.path("alias", "x", "..", "y")), os.path.join(real, "y"))

    def test_a_release_base_never_reaches_releases_or_a_release_through_a_symlink(self):
        base = self.path("base")
        os.makedirs(os.path.join(base, "elsewhere", "r1"))
        with open(os.path.join(base, ".rmote-releases.json"), "w") as f:
            f.write("{}")
        os.symlink("elsewhere", os.path.join(base, "releases"))  # root's own link, but a managed path
        with self.assertRaisesRegex(PermissionError, "base/releases is a symlink in a release base"):
            tk.write_file(os.path.join(base, "releases", "r1", "app.conf"), b"x")
        os.unlink(os.path.join(base, "releases"))
        os.mkdir(os.path.join(base, "releases"))
        os.symlink(self.outside, os.path.join(base, "releases", "r2"))
        with self.assertRaisesRegex(PermissionError, "releases/r2 is a symlink in a release base"):
            tk.write_file(os.path.join(base, "releases", "r2", "precious"), b"owned")
        os.mkdir(os.path.join(base, "releases", "r3"))
        self.assertEqual(tk.write_file(os.path.join(base, "releases", "r3", "app.conf"), b"x", 0o600)[0], True)


class FileSystemTests(HostileLinkBase):
    def test_no_call_acts_through_a_parent_symlink_the_user_controls(self):
        link = self.attacker_link("data")
        for call in (lambda: FS.write(link + "/precious", b"owned"), lambda: FS.chmod(link + "/precious", "0777"),
                     lambda: FS.chown(link + "/sub", owner=ATTACKER, recursive=True),
                     lambda: FS.mkdir(link + "/new", mode="0700"), lambda: FS.remove(link + "/sub", recursive=True),
                     lambda: FS.remove(link + "/precious"), lambda: FS.symlink("/etc/passwd", link + "/l"),
                     lambda: FS.line_in_file(link + "/precious", "owned")):
            with self.assertRaisesRegex(PermissionError, "home/data is a symlink that another user controls"):
                call()

    def test_a_final_symlink_the_user_controls_is_not_followed(self):
        link = self.attacker_link("data")
        for call in (lambda: FS.chmod(link, "0777", recursive=True), lambda: FS.chown(link, owner=ATTACKER),
                     lambda: FS.mkdir(link, mode="0700")):
            with self.assertRaisesRegex(PermissionError, "home/data is a symlink that another user controls"):
                call()
        self.assertTrue(FS.remove(link, recursive=True))  # the link itself goes, never what it points at
        self.assertFalse(os.path.lexists(link))

    def test_a_symlink_below_a_recursive_chmod_or_chown_is_never_entered(self):
        tree = os.path.join(self.home, "t")
        os.makedirs(os.path.join(tree, "sub"))
        os.symlink(self.outside, os.path.join(tree, "sub", "cache"))
        self.assertTrue(FS.chmod(tree, "0700", recursive=True))
        self.assertTrue(FS.chown(tree, owner=ATTACKER, group=ATTACKER, recursive=True))
        self.assertEqual(stat.S_IMODE(os.stat(os.path.join(tree, "sub")).st_mode), 0o700)
        self.assertEqual(os.lstat(os.path.join(tree, "sub", "cache")).st_uid, ATTACKER)

    def test_a_recursive_chmod_racing_a_swapped_folder_never_changes_the_outside(self):
        tree = os.path.join(self.home, "t")
        inside = os.path.join(tree, "sub")
        os.makedirs(inside)
        for i in range(50):  # the outside folder holds the same names: a chmod by path that follows the link hits
            for folder in (inside, self.outside):
                with open(os.path.join(folder, "f%02d" % i), "w") as f:
                    f.write("x")
        self.before = snapshot(self.outside)
        link = self.attacker_link("link")
        with Swapper(inside, link, self.outside) as s:
            rounds = self.race(lambda n: FS.chmod(tree, "0700" if n % 2 else "0750", recursive=True))
        self.assertGreater(s.swaps, 100, "the attacker barely ran (%d rounds)" % rounds)

    def race(self, body):
        # the attacker is a thread of this process: switch threads often, as two processes would interleave
        self.addCleanup(sys.setswitchinterval, sys.getswitchinterval())
        sys.setswitchinterval(1e-5)
        start, rounds = time.monotonic(), 0
        while rounds < 2 * ROUNDS or time.monotonic() - start < 2 * MIN_SECONDS:
            try:
                body(rounds)
            except (OSError, ValueError):
                pass  # refused or raced: allowed; only the outside counts
            rounds += 1
            if rounds % 10 == 0 and snapshot(self.outside) != self.before:
                break
        return rounds


class AuthorizedKeyTests(HostileLinkBase):
    def setUp(self):
        super().setUp()
        fake = types.SimpleNamespace(pw_name="app", pw_uid=ATTACKER, pw_gid=ATTACKER, pw_dir=self.home, pw_shell="/bin/sh",
                                     pw_gecos="")
        saved = USER_MOD.pwd
        USER_MOD.pwd = types.SimpleNamespace(getpwnam=lambda n: fake if n == "app" else saved.getpwnam(n))
        self.addCleanup(setattr, USER_MOD, "pwd", saved)

    def test_keys_are_written_into_the_real_ssh_folder_as_the_user(self):
        self.assertTrue(User.authorized_key("app", KEY))
        ak = os.path.join(self.home, ".ssh", "authorized_keys")
        st = os.lstat(ak)
        self.assertEqual((st.st_uid, stat.S_IMODE(st.st_mode)), (ATTACKER, 0o600))
        self.assertEqual(os.stat(os.path.join(self.home, ".ssh")).st_uid, ATTACKER)

    def test_an_ssh_folder_swapped_for_a_symlink_while_root_writes_never_reaches_the_outside(self):
        ssh = os.path.join(self.home, ".ssh")
        os.mkdir(ssh, 0o700)
        os.chown(ssh, ATTACKER, ATTACKER)
        link = self.attacker_link("link")
        with PacedSwapper(ssh, link, self.outside) as s:
            rounds = FileSystemTests.race(self, lambda n: User.authorized_key("app", KEY if n % 2 else KEY2, exclusive=True))
        self.assertGreater(s.swaps, 100, "the attacker barely ran (%d rounds)" % rounds)


class DeployRootTests(HostileLinkBase):
    def test_a_destination_reached_through_a_symlink_the_user_controls_is_refused(self):
        site = self.attacker_link("site")
        for call in (lambda: D.sync_plan(site, [], delete=True), lambda: D.delete_extraneous(site, []),
                     lambda: D.cleanup_temps(site), lambda: D.release_prepare(site + "/app", "r1")):
            with self.assertRaisesRegex(PermissionError, "home/site is a symlink that another user controls"):
                call()

    def test_a_plain_delete_extraneous_in_a_release_base_is_refused(self):
        base = self.path("base")
        os.makedirs(os.path.join(base, "releases", "r1"))
        with open(os.path.join(base, "releases", "r1", "app.dll"), "w") as f:
            f.write("v1")
        os.symlink("releases/r1", os.path.join(base, "current"))
        entries = [{"path": "app.dll", "type": "file", "size": 2, "mtime_ns": 0}]
        for call in (lambda: D.sync_plan(base, entries, delete=True), lambda: D.sync_plan(base, entries, delete=True, apply=False),
                     lambda: D.delete_extraneous(base, ["app.dll"])):
            with self.assertRaisesRegex(ValueError, "refusing to delete extraneous files in .*/base: it is a release base "
                                                    "\\(it holds releases/ and current\\)"):
                call()
        self.assertEqual(os.listdir(os.path.join(base, "releases", "r1")), ["app.dll"])
        self.assertEqual(D.sync_plan(base, entries)["send"], ["app.dll"])  # a plain copy without delete still works


if __name__ == "__main__":
    unittest.main()
