import os
import shutil
import stat
import subprocess
import tempfile
import unittest

import tool_support

mod = tool_support.load("pacman_repository")
PR = tool_support.tool_class(mod)

# Arch Linux's stock /etc/pacman.conf (pacman 6.1), trimmed of some option comments.
PACMAN_CONF = """\
#
# /etc/pacman.conf
#
# See the pacman.conf(5) manpage for option and repository directives

#
# GENERAL OPTIONS
#
[options]
# The following paths are commented out with their default values listed.
# If you wish to use different paths, uncomment and update the paths.
#RootDir     = /
#DBPath      = /var/lib/pacman/
HoldPkg     = pacman glibc
Architecture = auto

# Misc options
#UseSyslog
#Color
CheckSpace
#VerbosePkgLists
ParallelDownloads = 5

# By default, pacman accepts packages signed by keys that its local keyring
# trusts (see pacman-key and its man page), as well as unsigned packages.
SigLevel    = Required DatabaseOptional
LocalFileSigLevel = Optional
#RemoteFileSigLevel = Required

#
# REPOSITORIES
#   - can be defined here or included from another file
#   - pacman will search repositories in the order defined here
#

#[core-testing]
#Include = /etc/pacman.d/mirrorlist

[core]
Include = /etc/pacman.d/mirrorlist

#[extra-testing]
#Include = /etc/pacman.d/mirrorlist

[extra]
Include = /etc/pacman.d/mirrorlist

# If you want to run 32 bit applications on your x86_64 system,
# enable the multilib repositories as required here.

#[multilib-testing]
#Include = /etc/pacman.d/mirrorlist

#[multilib]
#Include = /etc/pacman.d/mirrorlist

# An example of a custom package repository.  See the pacman manpage for
# tips on creating your own repositories.
#[custom]
#SigLevel = Optional TrustAll
#Server = file:///home/custompkgs
"""

# `gpg --with-colons --import-options show-only --import` on a key with one subkey.
GPG_COLONS = """\
pub:-:255:22:AABBCCDDEEFF0011:1700000000:::-:::scESC::::::23::0:
fpr:::::::::0123456789ABCDEF0123456789ABCDEF01234567:
uid:-::::1700000000::0000000000000000000000000000000000000000::Repo Signing <repo@example.com>::::::::::0:
sub:-:255:18:1122334455667788:1700000000::::::e::::::23:
fpr:::::::::FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:
"""


class TestEditConf(unittest.TestCase):
    def test_append_new_section_at_end(self):
        out = mod.edit_conf(PACMAN_CONF, "myrepo", ["https://repo.example.com/$arch"], sig_level="Optional TrustAll")
        self.assertTrue(out.startswith(PACMAN_CONF))
        self.assertEqual(out[len(PACMAN_CONF):],
                         "\n[myrepo]\nSigLevel = Optional TrustAll\nServer = https://repo.example.com/$arch\n")
        self.assertEqual(mod.edit_conf(out, "myrepo", ["https://repo.example.com/$arch"],
                                       sig_level="Optional TrustAll"), out)

    def test_insert_before_section(self):
        out = mod.edit_conf(PACMAN_CONF, "first", ["https://a/$repo"], before="core")
        self.assertIn("#Include = /etc/pacman.d/mirrorlist\n\n[first]\nServer = https://a/$repo\n\n[core]\n", out)
        self.assertEqual(mod.edit_conf(out, "first", ["https://a/$repo"], before="core"), out)
        # `before` naming a missing section falls back to the end.
        self.assertTrue(mod.edit_conf(PACMAN_CONF, "x", ["s"], before="nope").endswith("\n\n[x]\nServer = s\n"))

    def test_update_existing_keeps_everything_else(self):
        out = mod.edit_conf(PACMAN_CONF, "extra", ["https://m1/$repo/os/$arch", "https://m2/$repo/os/$arch"],
                            sig_level="Required")
        expected = PACMAN_CONF.replace(
            "[extra]\nInclude = /etc/pacman.d/mirrorlist\n",
            "[extra]\nSigLevel = Required\nServer = https://m1/$repo/os/$arch\nServer = https://m2/$repo/os/$arch\n")
        self.assertEqual(out, expected)

    def test_update_keeps_section_comments(self):
        text = "[options]\nArchitecture = auto\n\n[mine]\n# managed by hand once\nServer = http://old\n\n# next\n[other]\nServer = o\n"
        out = mod.edit_conf(text, "mine", ["http://new"])
        self.assertEqual(out, "[options]\nArchitecture = auto\n\n[mine]\n# managed by hand once\nServer = http://new\n"
                              "\n# next\n[other]\nServer = o\n")
        self.assertEqual(mod.edit_conf(out, "mine", ["http://new"]), out)

    def test_absent(self):
        added = mod.edit_conf(PACMAN_CONF, "myrepo", ["s"])
        self.assertEqual(mod.edit_conf(added, "myrepo", state="absent"), PACMAN_CONF)
        mid = mod.edit_conf(PACMAN_CONF, "first", ["s"], before="core")
        self.assertEqual(mod.edit_conf(mid, "first", state="absent"), PACMAN_CONF)
        self.assertEqual(mod.edit_conf(PACMAN_CONF, "nothere", state="absent"), PACMAN_CONF)
        self.assertNotIn("[extra]", mod.edit_conf(PACMAN_CONF, "extra", state="absent"))
        self.assertIn("# If you want to run 32 bit", mod.edit_conf(PACMAN_CONF, "extra", state="absent"))

    def test_commented_headers_are_not_sections(self):
        out = mod.edit_conf(PACMAN_CONF, "custom", ["file:///srv/pkgs"])
        self.assertIn("#[custom]\n#SigLevel = Optional TrustAll\n", out)
        self.assertTrue(out.endswith("\n\n[custom]\nServer = file:///srv/pkgs\n"))

    def test_file_without_final_newline(self):
        self.assertEqual(mod.edit_conf("[a]\nServer = x", "a", ["x"]), "[a]\nServer = x")
        self.assertEqual(mod.edit_conf("[a]\nServer = x", "b", ["y"]), "[a]\nServer = x\n\n[b]\nServer = y\n")

    def test_include_directive(self):
        out = mod.edit_conf("[options]\n", "r", include="/etc/pacman.d/r-mirrorlist")
        self.assertEqual(out, "[options]\n\n[r]\nInclude = /etc/pacman.d/r-mirrorlist\n")

    def test_key_fingerprints(self):
        self.assertEqual(mod.key_fingerprints(GPG_COLONS), ["0123456789ABCDEF0123456789ABCDEF01234567"])
        self.assertEqual(mod.key_fingerprints(""), [])


class TestRepositoryTool(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.conf = os.path.join(self._tmp.name, "pacman.conf")
        with open(self.conf, "w") as f:
            f.write(PACMAN_CONF)
        os.chmod(self.conf, 0o644)

    def tearDown(self):
        self._tmp.cleanup()
        mod._PACMAN_KEY = "pacman-key"

    def read(self):
        with open(self.conf) as f:
            return f.read()

    def test_present_absent_roundtrip(self):
        r = PR.repository("myrepo", "https://repo.example.com/$arch", sig_level="Optional", conf=self.conf)
        self.assertEqual((r.changed, r.key_changed, r.fingerprint), (True, False, None))
        self.assertIn("[myrepo]\nSigLevel = Optional\nServer = https://repo.example.com/$arch\n", self.read())
        self.assertEqual(stat.S_IMODE(os.stat(self.conf).st_mode), 0o644)
        self.assertFalse(PR.repository("myrepo", ["https://repo.example.com/$arch"], sig_level="Optional",
                                       conf=self.conf).changed)
        self.assertTrue(PR.repository("myrepo", state="absent", conf=self.conf).changed)
        self.assertEqual(self.read(), PACMAN_CONF)
        self.assertFalse(PR.repository("myrepo", state="absent", conf=self.conf).changed)
        self.assertEqual(os.listdir(self._tmp.name), ["pacman.conf"])

    def test_validation(self):
        for kw, pattern in [
            (dict(name="options", servers="s"), "invalid repository name"),
            (dict(name="a b", servers="s"), "invalid repository name"),
            (dict(name="r"), "needs servers"),
            (dict(name="r", servers=["a\nb"]), "invalid server"),
            (dict(name="r", servers="s", state="x"), "state must be"),
            (dict(name="r", servers="s", sig_level="a\nb"), "single-line"),
        ]:
            with self.subTest(kw=kw), self.assertRaisesRegex(ValueError, pattern):
                PR.repository(conf=self.conf, **kw)
        self.assertEqual(self.read(), PACMAN_CONF)
        with self.assertRaisesRegex(FileNotFoundError, "is pacman installed"):
            PR.repository("r", "s", conf=os.path.join(self._tmp.name, "missing.conf"))

    def _fake_pacman_key(self, known):
        # pacman-key is only ever a fake here (no pacman on the Debian test machines until issue 19): the key import
        # is tested against a logging stand-in, not a real pacman keyring. See docs/RELIABILITY.md.
        log = os.path.join(self._tmp.name, "pacman-key.log")
        script = os.path.join(self._tmp.name, "pacman-key")
        with open(script, "w") as f:
            f.write('#!/bin/sh\necho "$@" >> %s\n'
                    'if [ "$1" = --list-keys ]; then [ "$2" = "%s" ] && exit 0; exit 1; fi\nexit 0\n' % (log, known))
        os.chmod(script, 0o755)
        mod._PACMAN_KEY = script
        return log

    def test_key_import_with_key_id(self):
        fpr = "0123456789ABCDEF0123456789ABCDEF01234567"
        log = self._fake_pacman_key(known="none")
        r = PR.repository("r", "s", key="-----BEGIN PGP PUBLIC KEY BLOCK-----\n...", key_id=fpr.lower(), conf=self.conf)
        self.assertEqual((r.changed, r.key_changed, r.fingerprint), (True, True, fpr))
        with open(log) as f:
            calls = [line.split() for line in f]
        self.assertEqual([c[0] for c in calls], ["--list-keys", "--add", "--lsign-key"])
        self.assertEqual(calls[2][1], fpr)
        # Already known: nothing imported, nothing changed.
        self._fake_pacman_key(known=fpr)
        r = PR.repository("r", "s", key=b"...", key_id=fpr, conf=self.conf)
        self.assertEqual((r.changed, r.key_changed), (False, False))
        with self.assertRaisesRegex(ValueError, "40-hex-digit"):
            PR.repository("r", "s", key=b"...", key_id="DEADBEEF", conf=self.conf)

    def test_fingerprint_from_real_key(self):
        self.assertIsNotNone(shutil.which("gpg"), "gpg not installed (Debian package gpg)")
        home = tempfile.mkdtemp(dir=self._tmp.name)
        env = dict(os.environ, GNUPGHOME=home)
        subprocess.run(["gpg", "--batch", "--passphrase", "", "--quick-gen-key", "Test <t@example.com>",
                        "ed25519", "sign", "never"], env=env, check=True, capture_output=True)
        key = subprocess.run(["gpg", "--armor", "--export"], env=env, check=True, capture_output=True).stdout
        listing = subprocess.run(["gpg", "--with-colons", "--list-keys"], env=env, check=True,
                                 capture_output=True, text=True).stdout
        fpr = mod.key_fingerprints(listing)[0]
        self._fake_pacman_key(known="none")
        r = PR.repository("r", "s", key=key, conf=self.conf)
        self.assertEqual(r.fingerprint, fpr)


if __name__ == "__main__":
    unittest.main()
