import dataclasses
import hashlib
import os
import stat
import tempfile
import threading
import unittest

import tool_support

mod = tool_support.load("filesystem")
FS = tool_support.tool_class(mod)


class FileSystemTestCase(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.dir = self._tmp.name

    def tearDown(self):
        self._tmp.cleanup()

    def p(self, *parts):
        return os.path.join(self.dir, *parts)

    def put(self, name, text, mode=None):
        with open(self.p(name), "w") as f:
            f.write(text)
        if mode is not None:
            os.chmod(self.p(name), mode)
        return self.p(name)

    def mode(self, path):
        return stat.S_IMODE(os.lstat(path).st_mode)

    def leftovers(self):
        return [n for n in os.listdir(self.dir) if ".rmote-tmp-" in n]


class TestShape(unittest.TestCase):
    def test_class_name_and_dataclasses(self):
        self.assertEqual(FS.__name__, "FileSystem")
        self.assertEqual([f.name for f in dataclasses.fields(mod.WriteResult)], ["path", "changed", "sha256"])
        self.assertEqual([f.name for f in dataclasses.fields(mod.StatResult)], [
            "path", "exists", "type", "size", "mode", "uid", "gid", "owner", "group", "mtime", "link_target"])


class TestReadWrite(FileSystemTestCase):
    def test_read_and_read_str(self):
        path = self.put("a", "héllo\r\n")
        self.assertEqual(FS.read(path), "héllo\r\n".encode())
        self.assertEqual(FS.read_str(path), "héllo\r\n")  # no newline translation
        with self.assertRaises(FileNotFoundError):
            FS.read(self.p("missing"))
        with open(self.p("latin"), "wb") as f:
            f.write("é".encode("latin-1"))
        self.assertEqual(FS.read_str(self.p("latin"), encoding="latin-1"), "é")
        with self.assertRaises(UnicodeDecodeError):
            FS.read_str(self.p("latin"))

    def test_write_new_file_then_idempotent(self):
        path = self.p("new.conf")
        r = FS.write(path, b"data\n", mode="0640")
        self.assertTrue(r.changed)
        self.assertEqual(r.sha256, hashlib.sha256(b"data\n").hexdigest())
        self.assertEqual(self.mode(path), 0o640)
        self.assertFalse(FS.write(path, b"data\n", mode=0o640).changed)
        self.assertFalse(FS.write(path, b"data\n").changed)
        self.assertEqual(self.leftovers(), [])

    def test_write_default_mode_respects_umask_and_preserves_existing(self):
        old = os.umask(0o027)
        try:
            FS.write(self.p("u"), b"x")
        finally:
            os.umask(old)
        self.assertEqual(self.mode(self.p("u")), 0o640)
        path = self.put("keep", "old", mode=0o600)
        self.assertTrue(FS.write(path, b"new").changed)
        self.assertEqual(self.mode(path), 0o600)
        self.assertEqual(FS.read(path), b"new")

    def test_write_mode_only_change(self):
        path = self.put("m", "same", mode=0o644)
        ino = os.stat(path).st_ino
        r = FS.write_str(path, "same", mode="600")
        self.assertTrue(r.changed)
        self.assertEqual(self.mode(path), 0o600)
        self.assertEqual(os.stat(path).st_ino, ino)  # fixed in place, not rewritten

    def test_write_replaces_atomically(self):
        path = self.put("atomic", "old")
        ino = os.stat(path).st_ino
        FS.write(path, b"new content")
        self.assertNotEqual(os.stat(path).st_ino, ino)  # renamed over, never truncated
        self.assertEqual(self.leftovers(), [])

    def test_write_owner_group(self):
        me = os.geteuid()
        r = FS.write(self.p("o"), b"x", owner=me, group=os.getegid())
        self.assertTrue(r.changed)
        self.assertFalse(FS.write(self.p("o"), b"x", owner=str(me), group=os.getegid()).changed)
        with self.assertRaisesRegex(ValueError, "unknown user 'no-such-user-xyz'"):
            FS.write(self.p("o"), b"x", owner="no-such-user-xyz")
        with self.assertRaisesRegex(ValueError, "unknown group"):
            FS.write(self.p("o"), b"x", group="no-such-group-xyz")

    @unittest.skipUnless(os.geteuid() == 0, "needs root to chown")
    def test_write_chown_as_root(self):
        path = self.p("owned")
        FS.write(path, b"x", owner=65534, group=65534, mode="4755")
        st = os.stat(path)
        self.assertEqual((st.st_uid, st.st_gid), (65534, 65534))
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o4755)  # chmod after chown keeps setuid
        self.assertTrue(FS.write(path, b"x", owner=0).changed)
        self.assertEqual(os.stat(path).st_uid, 0)

    def test_write_follows_symlink(self):
        target = self.put("target", "old")
        os.symlink("target", self.p("link"))
        FS.write(self.p("link"), b"new")
        self.assertTrue(os.path.islink(self.p("link")))
        self.assertEqual(FS.read(target), b"new")

    def test_write_errors(self):
        with self.assertRaisesRegex(FileNotFoundError, "parent directory does not exist"):
            FS.write(self.p("nodir", "f"), b"x")
        os.mkdir(self.p("d"))
        with self.assertRaises(IsADirectoryError):
            FS.write(self.p("d"), b"x")
        with self.assertRaises(TypeError):
            FS.write(self.p("t"), "text")
        with self.assertRaisesRegex(ValueError, "invalid mode"):
            FS.write(self.p("t"), b"x", mode="0999")
        self.assertEqual(self.leftovers(), [])

    def test_failed_write_leaves_no_temp_file(self):
        with self.assertRaises(ValueError):
            FS.write(self.p("f"), b"x", owner="no-such-user-xyz")
        self.assertEqual(os.listdir(self.dir), [])

    def test_concurrent_writers_never_expose_partial_content(self):
        path = self.p("race")
        payloads = [bytes([65 + i]) * 200000 for i in range(4)]
        FS.write(path, payloads[0])
        stop = threading.Event()
        bad = []

        def reader():
            while not stop.is_set():
                data = FS.read(path)
                if data not in payloads:
                    bad.append(len(data))

        t = threading.Thread(target=reader)
        t.start()
        for _ in range(10):
            for data in payloads:
                FS.write(path, data)
        stop.set()
        t.join()
        self.assertEqual(bad, [])


class TestGlob(FileSystemTestCase):
    def test_glob(self):
        for name in ("b.conf", "a.conf", "c.txt", ".hidden.conf"):
            self.put(name, "")
        os.makedirs(self.p("sub", "deep"))
        self.put(os.path.join("sub", "deep", "z.conf"), "")
        # rmote's rules (pathlib): dot files match '*', '**' recurses; sorted (rmote's are not).
        self.assertEqual(FS.glob(self.dir, "*.conf"), [self.p(".hidden.conf"), self.p("a.conf"), self.p("b.conf")])
        self.assertEqual(FS.glob(self.dir, "**/*.conf"),
                         [self.p(".hidden.conf"), self.p("a.conf"), self.p("b.conf"), self.p("sub", "deep", "z.conf")])
        self.assertEqual(FS.glob(self.dir, "nothing*"), [])
        # The shell's rules on request: no dot files, '**' is a single level.
        self.assertEqual(FS.glob(self.dir, "*.conf", recursive=False), [self.p("a.conf"), self.p("b.conf")])
        self.assertEqual(FS.glob(self.dir, "**/*.conf", recursive=False), [])
        with self.assertRaisesRegex(ValueError, "relative to directory"):
            FS.glob(self.dir, "/etc/*.conf")

    def test_glob_escapes_directory(self):
        weird = self.p("[x]")
        os.mkdir(weird)
        with open(os.path.join(weird, "f.conf"), "w"):
            pass
        self.assertEqual(FS.glob(weird, "*.conf"), [os.path.join(weird, "f.conf")])


class TestLineInFile(FileSystemTestCase):
    def test_append_when_missing_then_idempotent(self):
        path = self.put("f", "a\nb\n")
        r = FS.line_in_file(path, "c")
        self.assertTrue(r.changed)
        self.assertIn("+c\n", r.diff)
        self.assertEqual(FS.read_str(path), "a\nb\nc\n")
        r = FS.line_in_file(path, "c")
        self.assertEqual((r.changed, r.diff), (False, ""))

    def test_no_trailing_newline(self):
        path = self.put("f", "a\nb")
        FS.line_in_file(path, "c")
        self.assertEqual(FS.read_str(path), "a\nb\nc\n")

    def test_regexp_replaces_all_or_first(self):
        path = self.put("f", "x=1\ny=2\nx=3\n")
        FS.line_in_file(path, "x=9", regexp=r"^x=", first=True)
        self.assertEqual(FS.read_str(path), "x=9\ny=2\nx=3\n")
        r = FS.line_in_file(path, "x=9", regexp=r"^x=", match="all")
        self.assertTrue(r.changed)
        self.assertEqual(FS.read_str(path), "x=9\ny=2\nx=9\n")
        self.assertFalse(FS.line_in_file(path, "x=9", regexp=r"^x=", match=1).changed)
        with self.assertRaisesRegex(ValueError, "match must be"):
            FS.line_in_file(path, "x=9", regexp=r"^x=", match="some")

    def test_regexp_replaces_the_first_match_by_default_as_rmote(self):
        path = self.put("f", "foo\nfoo\nbar\n")
        FS.line_in_file(path, "baz", regexp="foo")
        self.assertEqual(FS.read_str(path), "baz\nfoo\nbar\n")
        FS.line_in_file(path, "baz", regexp="foo", match=0)
        self.assertEqual(FS.read_str(path), "baz\nbaz\nbar\n")

    def test_strip_counts_a_line_equal_but_for_whitespace_as_present(self):
        path = self.put("f", "  PermitRootLogin no\t\n")
        self.assertFalse(FS.line_in_file(path, "PermitRootLogin no").changed)
        self.assertEqual(FS.read_str(path), "  PermitRootLogin no\t\n")
        self.assertTrue(FS.line_in_file(path, "PermitRootLogin no", strip=False).changed)
        self.assertEqual(FS.read_str(path), "  PermitRootLogin no\t\nPermitRootLogin no\n")

    def test_newline_false_keeps_rmotes_unterminated_end(self):
        path = self.put("f", "a\nb")
        FS.line_in_file(path, "c", newline=False)
        self.assertEqual(FS.read_str(path), "a\nb\nc")
        path = self.put("g", "a\n")
        FS.line_in_file(path, "c", newline=False)
        self.assertEqual(FS.read_str(path), "a\nc\n")
        FS.line_in_file(self.p("new"), "x", create=True, newline=False)
        self.assertEqual(FS.read_str(self.p("new")), "x")

    def test_regexp_no_match_inserts(self):
        path = self.put("f", "[main]\nkey=1\n[other]\n")
        FS.line_in_file(path, "new=2", regexp=r"^new=", insert_after=r"^key=")
        self.assertEqual(FS.read_str(path), "[main]\nkey=1\nnew=2\n[other]\n")
        FS.line_in_file(path, "top", insert_before="BOF")
        self.assertTrue(FS.read_str(path).startswith("top\n[main]"))
        FS.line_in_file(path, "before-other", insert_before=r"^\[other\]")
        self.assertIn("new=2\nbefore-other\n[other]\n", FS.read_str(path))

    def test_insert_after_last_or_first_match(self):
        path = self.put("f", "k\nk\nend\n")
        FS.line_in_file(path, "after-last", insert_after="^k$")
        self.assertEqual(FS.read_str(path), "k\nk\nafter-last\nend\n")
        FS.line_in_file(path, "after-first", insert_after="^k$", first=True)
        self.assertEqual(FS.read_str(path), "k\nafter-first\nk\nafter-last\nend\n")
        FS.line_in_file(path, "nomatch", insert_after="^zzz$")
        self.assertTrue(FS.read_str(path).endswith("end\nnomatch\n"))

    def test_absent(self):
        path = self.put("f", "a\n#x\nb\n#y\n")
        r = FS.line_in_file(path, "", regexp="^#", state="absent", first=True)
        self.assertTrue(r.changed)
        self.assertEqual(FS.read_str(path), "a\nb\n#y\n")
        FS.line_in_file(path, "", regexp="^#", state="absent")
        self.assertEqual(FS.read_str(path), "a\nb\n")
        self.assertTrue(FS.line_in_file(path, "b", state="absent").changed)
        self.assertFalse(FS.line_in_file(path, "b", state="absent").changed)
        self.assertEqual(FS.read_str(path), "a\n")
        self.assertFalse(FS.line_in_file(self.p("missing"), "x", state="absent").changed)

    def test_missing_file(self):
        with self.assertRaisesRegex(FileNotFoundError, "create=True"):
            FS.line_in_file(self.p("missing"), "x")
        r = FS.line_in_file(self.p("missing"), "x", create=True, mode="0600")
        self.assertTrue(r.changed)
        self.assertEqual(FS.read_str(self.p("missing")), "x\n")
        self.assertEqual(self.mode(self.p("missing")), 0o600)

    def test_preserves_crlf_non_utf8_and_mode(self):
        path = self.p("f")
        with open(path, "wb") as f:
            f.write(b"a=1\r\n\xff\xfe raw\r\n")
        os.chmod(path, 0o604)
        FS.line_in_file(path, "a=2", regexp="^a=")
        self.assertEqual(FS.read(path), b"a=2\r\n\xff\xfe raw\r\n")
        self.assertEqual(self.mode(path), 0o604)

    def test_mode_only_change(self):
        path = self.put("f", "a\n", mode=0o644)
        r = FS.line_in_file(path, "a", mode=0o600)
        self.assertTrue(r.changed)
        self.assertEqual(self.mode(path), 0o600)

    def test_rejects_bad_arguments(self):
        path = self.put("f", "")
        with self.assertRaises(ValueError):
            FS.line_in_file(path, "a\nb")
        with self.assertRaises(ValueError):
            FS.line_in_file(path, "a", state="gone")


class TestMetadata(FileSystemTestCase):
    def test_stat(self):
        path = self.put("f", "12345", mode=0o640)
        s = FS.stat(path)
        self.assertEqual((s.exists, s.type, s.size, s.mode), (True, "file", 5, 0o640))
        self.assertEqual(s.uid, os.getuid())
        self.assertIsInstance(s.mtime, float)
        self.assertIsNotNone(s.owner)
        os.symlink("f", self.p("l"))
        self.assertEqual(FS.stat(self.p("l")).type, "file")
        ls = FS.stat(self.p("l"), follow_symlinks=False)
        self.assertEqual((ls.type, ls.link_target), ("symlink", "f"))
        self.assertEqual(FS.stat(self.dir).type, "dir")
        missing = FS.stat(self.p("nope"))
        self.assertEqual((missing.exists, missing.type, missing.size), (False, None, None))
        self.assertEqual(FS.stat("/dev/null").type, "other")
        self.assertEqual(dataclasses.asdict(missing)["path"], self.p("nope"))

    def test_exists(self):
        self.assertTrue(FS.exists(self.dir))
        self.assertFalse(FS.exists(self.p("x")))

    def test_mkdir(self):
        d = self.p("a", "b", "c")
        self.assertTrue(FS.mkdir(d, mode="0750"))
        self.assertEqual(self.mode(d), 0o750)
        self.assertFalse(FS.mkdir(d, mode="0750"))
        self.assertFalse(FS.mkdir(d))
        self.assertTrue(FS.mkdir(d, mode=0o700))
        with self.assertRaises(FileNotFoundError):
            FS.mkdir(self.p("x", "y"), parents=False)
        self.put("file", "")
        with self.assertRaises(FileExistsError):
            FS.mkdir(self.p("file"))

    def test_chmod(self):
        os.makedirs(self.p("t", "sub"))
        self.put(os.path.join("t", "sub", "f"), "")
        self.assertTrue(FS.chmod(self.p("t"), "0700", recursive=True))
        self.assertEqual(self.mode(self.p("t", "sub", "f")), 0o700)
        self.assertFalse(FS.chmod(self.p("t"), 0o700, recursive=True))
        self.assertTrue(FS.chmod(self.p("t", "sub", "f"), "600"))
        self.assertEqual(self.mode(self.p("t", "sub")), 0o700)

    def test_chown(self):
        path = self.put("f", "")
        self.assertFalse(FS.chown(path, owner=os.getuid(), group=os.getgid()))
        with self.assertRaises(ValueError):
            FS.chown(path)

    @unittest.skipUnless(os.geteuid() == 0, "needs root to chown")
    def test_chown_recursive_as_root(self):
        os.makedirs(self.p("t", "sub"))
        self.put(os.path.join("t", "sub", "f"), "")
        os.symlink("/etc/passwd", self.p("t", "link"))
        self.assertTrue(FS.chown(self.p("t"), owner=65534, group=65534, recursive=True))
        self.assertEqual(os.stat(self.p("t", "sub", "f")).st_uid, 65534)
        self.assertEqual(os.lstat(self.p("t", "link")).st_uid, 65534)
        self.assertEqual(os.stat("/etc/passwd").st_uid, 0)  # link target untouched
        self.assertFalse(FS.chown(self.p("t"), owner="65534", recursive=True))

    def test_remove(self):
        path = self.put("f", "")
        self.assertTrue(FS.remove(path))
        self.assertFalse(FS.remove(path))
        with self.assertRaises(FileNotFoundError):
            FS.remove(path, missing_ok=False)
        os.makedirs(self.p("d", "sub"))
        with self.assertRaisesRegex(OSError, "recursive=True"):
            FS.remove(self.p("d"))
        self.assertTrue(FS.remove(self.p("d"), recursive=True))
        self.assertFalse(os.path.exists(self.p("d")))
        os.mkdir(self.p("target"))
        self.put(os.path.join("target", "keep"), "")
        os.symlink("target", self.p("link"))
        self.assertTrue(FS.remove(self.p("link"), recursive=True))
        self.assertTrue(os.path.exists(self.p("target", "keep")))

    def test_sha256(self):
        path = self.put("f", "abc")
        self.assertEqual(FS.sha256(path), hashlib.sha256(b"abc").hexdigest())

    def test_symlink(self):
        link = self.p("link")
        self.assertTrue(FS.symlink("/etc/hostname", link))
        self.assertEqual(os.readlink(link), "/etc/hostname")
        self.assertFalse(FS.symlink("/etc/hostname", link))
        self.assertTrue(FS.symlink("/etc/passwd", link))
        self.assertEqual(os.readlink(link), "/etc/passwd")
        self.put("file", "")
        with self.assertRaisesRegex(FileExistsError, "force=True"):
            FS.symlink("x", self.p("file"))
        self.assertTrue(FS.symlink("x", self.p("file"), force=True))
        self.assertEqual(os.readlink(self.p("file")), "x")
        os.mkdir(self.p("dir"))
        with self.assertRaises(IsADirectoryError):
            FS.symlink("x", self.p("dir"))
        self.assertEqual(self.leftovers(), [])


if __name__ == "__main__":
    unittest.main()
