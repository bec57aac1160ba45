import os
import stat
import tempfile
import unittest

import tool_support

mod = tool_support.load("apt_repository")
AR = tool_support.tool_class(mod)

ARMORED = (b"-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmDMEZQAAABYJKwYBBAHaRw8BAQdA\n=abcd\n"
           b"-----END PGP PUBLIC KEY BLOCK-----\n")
BINARY = b"\x99\x01\x0d\x04" + bytes(range(64))


class TestAptRepository(unittest.TestCase):
    """Real files in a temporary directory; no apt here. That apt accepts what is written (DEB822 source, Signed-By
    key) is the C# suite's AptToolTests.Source_writes_a_DEB822_file_and_key_that_apt_accepts in a Debian root."""

    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.sources = os.path.join(self._tmp.name, "sources.list.d")
        self.keyrings = os.path.join(self._tmp.name, "keyrings")
        os.mkdir(self.sources)

    def tearDown(self):
        self._tmp.cleanup()

    def source(self, name="docker", **kw):
        kw.setdefault("directory", self.sources)
        kw.setdefault("keyring_directory", self.keyrings)
        return AR.source(name, **kw)

    def read(self, path):
        with open(path) as f:
            return f.read()

    def test_present_with_armored_key_then_idempotent(self):
        r = self.source(uris="https://download.docker.com/linux/debian", suites=["bookworm"],
                        components="stable", key=ARMORED.decode(), architectures=["amd64", "arm64"])
        self.assertTrue(r.changed)
        self.assertEqual(r.path, os.path.join(self.sources, "docker.sources"))
        self.assertEqual(r.key_path, os.path.join(self.keyrings, "docker.asc"))
        self.assertEqual(self.read(r.path),
                         "Types: deb\nURIs: https://download.docker.com/linux/debian\nSuites: bookworm\n"
                         "Components: stable\nArchitectures: amd64 arm64\n"
                         "Signed-By: %s\n" % r.key_path)
        self.assertEqual(self.read(r.key_path).encode(), ARMORED)
        self.assertEqual(stat.S_IMODE(os.stat(r.path).st_mode), 0o644)
        self.assertEqual(stat.S_IMODE(os.stat(r.key_path).st_mode), 0o644)
        again = self.source(uris=["https://download.docker.com/linux/debian"], suites="bookworm",
                            components=["stable"], key=ARMORED, architectures="amd64 arm64")
        self.assertFalse(again.changed)
        self.assertEqual(sorted(os.listdir(self.sources)), ["docker.sources"])

    def test_change_and_key_format_switch(self):
        self.source(uris="http://a", suites="s", components="main", key=ARMORED)
        r = self.source(uris="http://a", suites="s", components="main contrib", key=BINARY,
                        types=["deb", "deb-src"])
        self.assertTrue(r.changed)
        self.assertEqual(r.key_path, os.path.join(self.keyrings, "docker.gpg"))
        self.assertEqual(os.listdir(self.keyrings), ["docker.gpg"])
        text = self.read(r.path)
        self.assertIn("Types: deb deb-src\n", text)
        self.assertIn("Components: main contrib\n", text)

    def test_flat_repo_signed_by_and_disabled(self):
        r = self.source("local", uris="file:///srv/repo", suites="./", signed_by="/usr/share/keyrings/x.gpg",
                        enabled=False)
        self.assertIsNone(r.key_path)
        self.assertEqual(self.read(r.path), "Enabled: no\nTypes: deb\nURIs: file:///srv/repo\nSuites: ./\n"
                                            "Signed-By: /usr/share/keyrings/x.gpg\n")
        self.assertFalse(os.path.exists(self.keyrings))

    def test_absent(self):
        self.source(uris="http://a", suites="s", components="main", key=ARMORED)
        r = self.source(state="absent")
        self.assertTrue(r.changed)
        self.assertEqual(os.listdir(self.sources), [])
        self.assertEqual(os.listdir(self.keyrings), [])
        self.assertFalse(self.source(state="absent").changed)

    def test_validation(self):
        cases = [
            (dict(name="bad name"), "invalid source name"),
            (dict(name="x.list~"), "invalid source name"),
            (dict(state="gone"), "state must be"),
            (dict(uris=None), "uris must not be empty"),
            (dict(suites=[]), "suites must not be empty"),
            (dict(components=None), "components are required"),
            (dict(suites="./", components="main"), "flat repository"),
            (dict(types="rpm"), "types must be"),
            (dict(key=b"not a key"), "neither an ASCII-armored"),
            (dict(key="-----BEGIN PGP PRIVATE KEY BLOCK-----\n"), "not a PGP PUBLIC KEY BLOCK"),
            (dict(key=ARMORED, signed_by="/x"), "not both"),
            (dict(uris=["http://a b"]), "no whitespace"),
        ]
        for override, pattern in cases:
            kw = dict(name="ok", uris="http://a", suites="s", components="main")
            kw.update(override)
            name = kw.pop("name")
            with self.subTest(override=override):
                with self.assertRaisesRegex(ValueError, pattern):
                    self.source(name, **kw)
        self.assertEqual(os.listdir(self.sources), [])

    def test_missing_directory(self):
        with self.assertRaisesRegex(FileNotFoundError, "is apt installed"):
            AR.source("x", uris="http://a", suites="s", components="main",
                      directory=os.path.join(self._tmp.name, "nope"))


if __name__ == "__main__":
    unittest.main()
