import base64
import os
import pwd
import shutil
import stat
import struct
import tempfile
import types
import unittest

import tool_support

mod = tool_support.load("user")
User = tool_support.tool_class(mod)


def ssh_key(seed, kind="ssh-ed25519", comment="user@host"):
    name = kind.encode()
    blob = struct.pack(">I", len(name)) + name + struct.pack(">I", 32) + bytes([seed]) * 32
    return "%s %s %s" % (kind, base64.b64encode(blob).decode(), comment)


K1, K2, K3 = ssh_key(1), ssh_key(2, comment="second"), ssh_key(3, "ecdsa-sha2-nistp256", "ecdsa")
ME = pwd.getpwuid(os.geteuid()).pw_name


class TestNames(unittest.TestCase):
    def test_valid(self):
        for name in ("deploy", "_apt", "www-data", "a1_b-c", "machine$", "x" * 32):
            self.assertEqual(mod.validate_name(name), name)

    def test_invalid(self):
        for name in ("", "Root", "1abc", "-rf", "a b", "a;rm -rf /", "$(id)", "x" * 33, "a$b", "ümlaut",
                     "a\nb", None, 5):
            with self.subTest(name=name), self.assertRaisesRegex(ValueError, "invalid user name"):
                mod.validate_name(name)

    def test_methods_validate_before_running_anything(self):
        with self.assertRaises(ValueError):
            User.user("bad;name")
        with self.assertRaisesRegex(ValueError, "invalid group name"):
            User.group("Bad")
        with self.assertRaisesRegex(ValueError, "state must be"):
            User.user("deploy", state="gone")
        with self.assertRaisesRegex(ValueError, "invalid group name"):
            User.user("rmote-test-nobody", groups=["ok", "NOT OK"])
        with self.assertRaisesRegex(ValueError, "groups do not exist: rmote-no-such-group"):
            User.user("rmote-test-nobody", groups=["rmote-no-such-group"])
        with self.assertRaisesRegex(ValueError, "group 'rmote-no-such-group' does not exist"):
            User.user("rmote-test-nobody", group="rmote-no-such-group")
        with self.assertRaisesRegex(ValueError, "invalid shell"):
            User.user("rmote-test-nobody", shell="/bin/sh:x")

    def test_absent_missing_user_is_noop(self):
        r = User.user("rmote-no-such-user", state="absent")
        self.assertEqual((r.changed, r.exists, r.uid), (False, False, None))
        self.assertFalse(User.group("rmote-no-such-group", state="absent"))

    def test_existing_user_unchanged(self):
        pw = pwd.getpwnam(ME)
        r = User.user(ME, uid=pw.pw_uid, shell=pw.pw_shell, home=pw.pw_dir)
        self.assertEqual((r.changed, r.exists, r.uid, r.home), (False, True, pw.pw_uid, pw.pw_dir))
        self.assertIsInstance(r.groups, list)


class TestParseKey(unittest.TestCase):
    def test_identity_ignores_options_and_comment(self):
        t, b = mod.parse_key(K1)
        self.assertEqual(t, "ssh-ed25519")
        self.assertEqual(mod.parse_key('command="echo hi there",no-pty ' + K1.replace("user@host", "other")), (t, b))
        self.assertEqual(mod.parse_key(K3)[0], "ecdsa-sha2-nistp256")
        for line in ("", "   ", "# ssh-ed25519 AAAA", "ssh-ed25519", "ssh-ed25519 not*base64", "garbage line"):
            self.assertIsNone(mod.parse_key(line))


class TestEditAuthorizedKeys(unittest.TestCase):
    def test_present_appends_once(self):
        out = mod.edit_authorized_keys("", K1)
        self.assertEqual(out, K1 + "\n")
        self.assertEqual(mod.edit_authorized_keys(out, K1), out)
        out2 = mod.edit_authorized_keys(out, [K2, K3])
        self.assertEqual(out2, "\n".join([K1, K2, K3]) + "\n")

    def test_replaces_same_key_with_new_options(self):
        existing = "# managed keys\n" + K1 + "\n" + K2 + "\n"
        restricted = 'from="10.0.0.0/8" ' + K1
        out = mod.edit_authorized_keys(existing, restricted)
        self.assertEqual(out, "# managed keys\n" + restricted + "\n" + K2 + "\n")

    def test_duplicates_collapse(self):
        self.assertEqual(mod.edit_authorized_keys(K1 + "\n" + K1 + "\n", K1), K1 + "\n")

    def test_exclusive(self):
        existing = "# comment kept\n" + K1 + "\n" + K2 + "\n\n"
        out = mod.edit_authorized_keys(existing, K3, exclusive=True)
        self.assertEqual(out, "# comment kept\n\n" + K3 + "\n")

    def test_absent(self):
        existing = K1 + "\n" + K2 + "\n"
        self.assertEqual(mod.edit_authorized_keys(existing, K1.replace("user@host", "x"), state="absent"), K2 + "\n")
        self.assertEqual(mod.edit_authorized_keys(K1 + "\n", K1, state="absent"), "")

    def test_multiline_key_argument_and_errors(self):
        self.assertEqual(mod.edit_authorized_keys("", K1 + "\n\n# c\n" + K2), K1 + "\n" + K2 + "\n")
        with self.assertRaisesRegex(ValueError, "not an SSH public key"):
            mod.edit_authorized_keys("", "ssh-rsa")
        with self.assertRaisesRegex(ValueError, "no SSH public key"):
            mod.edit_authorized_keys("", "\n# only a comment\n")


class TestAuthorizedKeyFile(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.home = os.path.join(self._tmp.name, "home")
        os.mkdir(self.home)
        real = pwd.getpwnam(ME)
        fake = types.SimpleNamespace(pw_name=ME, pw_uid=real.pw_uid, pw_gid=real.pw_gid, pw_dir=self.home,
                                     pw_shell=real.pw_shell, pw_gecos="")
        self.saved_pwd = mod.pwd
        mod.pwd = types.SimpleNamespace(getpwnam=lambda n: fake if n == ME else self.saved_pwd.getpwnam(n))

    def tearDown(self):
        mod.pwd = self.saved_pwd
        self._tmp.cleanup()

    def mode(self, p):
        return stat.S_IMODE(os.lstat(p).st_mode)

    def test_creates_ssh_dir_and_file_with_strict_modes(self):
        self.assertTrue(User.authorized_key(ME, K1))
        ssh = os.path.join(self.home, ".ssh")
        ak = os.path.join(ssh, "authorized_keys")
        self.assertEqual((self.mode(ssh), self.mode(ak)), (0o700, 0o600))
        with open(ak) as f:
            self.assertEqual(f.read(), K1 + "\n")
        self.assertFalse(User.authorized_key(ME, K1))
        self.assertTrue(User.authorized_key(ME, K2))
        self.assertTrue(User.authorized_key(ME, K2, exclusive=True))
        with open(ak) as f:
            self.assertEqual(f.read(), K2 + "\n")
        self.assertTrue(User.authorized_key(ME, K2, state="absent"))
        self.assertFalse(User.authorized_key(ME, K2, state="absent"))
        self.assertEqual([n for n in os.listdir(ssh) if "rmote-tmp" in n], [])

    def test_fixes_loose_permissions(self):
        ssh = os.path.join(self.home, ".ssh")
        os.mkdir(ssh, 0o755)
        os.chmod(ssh, 0o775)
        ak = os.path.join(ssh, "authorized_keys")
        with open(ak, "w") as f:
            f.write(K1 + "\n")
        os.chmod(ak, 0o664)
        self.assertTrue(User.authorized_key(ME, K1))
        self.assertEqual((self.mode(ssh), self.mode(ak)), (0o700, 0o600))
        self.assertFalse(User.authorized_key(ME, K1))

    def test_absent_without_ssh_dir(self):
        self.assertFalse(User.authorized_key(ME, K1, state="absent"))
        self.assertFalse(os.path.exists(os.path.join(self.home, ".ssh")))

    def test_refuses_symlinks(self):
        target = os.path.join(self._tmp.name, "elsewhere")
        os.mkdir(target)
        os.symlink(target, os.path.join(self.home, ".ssh"))
        with self.assertRaisesRegex(PermissionError, "symlink"):
            User.authorized_key(ME, K1)
        os.unlink(os.path.join(self.home, ".ssh"))
        os.mkdir(os.path.join(self.home, ".ssh"), 0o700)
        victim = os.path.join(self._tmp.name, "victim")
        with open(victim, "w") as f:
            f.write("precious\n")
        os.symlink(victim, os.path.join(self.home, ".ssh", "authorized_keys"))
        with self.assertRaisesRegex(PermissionError, "symlink"):
            User.authorized_key(ME, K1)
        with open(victim) as f:
            self.assertEqual(f.read(), "precious\n")

    def test_explicit_path_and_unknown_user(self):
        path = os.path.join(self._tmp.name, "keys")
        self.assertTrue(User.authorized_key(ME, [K1, K3], path=path))
        self.assertEqual(self.mode(path), 0o600)
        with self.assertRaisesRegex(ValueError, "does not exist: create it first"):
            User.authorized_key("rmote-no-such-user", K1)


FAKE_VISUDO = """#!/bin/sh
# visudo -c -f FILE: reject any file containing BAD
f="$3"
if grep -q BAD "$f"; then echo "$f:1:5: syntax error"; echo "parse error in $f near line 1"; exit 1; fi
exit 0
"""


class TestSudoer(unittest.TestCase):
    """A fake visudo that rejects "BAD", to check the write-validate-install order; test_real_visudo and the C#
    suite's UserToolTests.Sudoer_drop_in_is_validated_by_visudo_before_it_is_installed (real visudo, real
    /etc/sudoers.d in a Debian root) cover the real path."""

    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.dir = os.path.join(self._tmp.name, "sudoers.d")
        os.mkdir(self.dir)
        visudo = os.path.join(self._tmp.name, "visudo")
        with open(visudo, "w") as f:
            f.write(FAKE_VISUDO)
        os.chmod(visudo, 0o755)
        mod._VISUDO = visudo

    def tearDown(self):
        mod._VISUDO = "visudo"
        self._tmp.cleanup()

    def test_present_idempotent_absent(self):
        path = os.path.join(self.dir, "deploy")
        self.assertTrue(User.sudoer("deploy", "deploy ALL=(ALL) NOPASSWD: ALL", directory=self.dir))
        with open(path) as f:
            self.assertEqual(f.read(), "deploy ALL=(ALL) NOPASSWD: ALL\n")
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o440)
        self.assertFalse(User.sudoer("deploy", "deploy ALL=(ALL) NOPASSWD: ALL\n", directory=self.dir))
        self.assertTrue(User.sudoer("deploy", "deploy ALL=(ALL) ALL\n", directory=self.dir))
        self.assertTrue(User.sudoer("deploy", "", state="absent", directory=self.dir))
        self.assertFalse(User.sudoer("deploy", "", state="absent", directory=self.dir))

    def test_invalid_content_changes_nothing(self):
        User.sudoer("deploy", "deploy ALL=(ALL) ALL\n", directory=self.dir)
        with self.assertRaisesRegex(ValueError, "invalid sudoers content for 'deploy': deploy:1:5: syntax error"):
            User.sudoer("deploy", "BAD line\n", directory=self.dir)
        with open(os.path.join(self.dir, "deploy")) as f:
            self.assertEqual(f.read(), "deploy ALL=(ALL) ALL\n")
        self.assertEqual(os.listdir(self.dir), ["deploy"])

    def test_name_validation(self):
        for bad in ("with.dot", "backup~", "a/b", "", "../x"):
            with self.subTest(bad=bad), self.assertRaisesRegex(ValueError, "invalid sudoers file name"):
                User.sudoer(bad, "x\n", directory=self.dir)

    def test_missing_visudo(self):
        mod._VISUDO = "/nonexistent/visudo"
        with self.assertRaisesRegex(FileNotFoundError, "install sudo"):
            User.sudoer("x", "x\n", directory=self.dir)
        self.assertEqual(os.listdir(self.dir), [])

    def test_real_visudo(self):
        visudo = shutil.which("visudo") or shutil.which("visudo", path="/usr/sbin:/sbin")
        self.assertIsNotNone(visudo, "visudo not found: install sudo (build/install-deps.sh does)")
        mod._VISUDO = visudo
        self.assertTrue(User.sudoer("deploy", "deploy ALL=(ALL:ALL) NOPASSWD: /usr/bin/systemctl\n",
                                    directory=self.dir))
        with self.assertRaisesRegex(ValueError, "invalid sudoers content for 'deploy'.*syntax error"):
            User.sudoer("deploy", "deploy ALL=(ALL NOPASSWD ALL\n", directory=self.dir)
        self.assertEqual(os.listdir(self.dir), ["deploy"])


if __name__ == "__main__":
    unittest.main()
