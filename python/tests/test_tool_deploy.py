"""Unit tests for python/tools/deploy.py on real temp folders (stdlib unittest only)."""

import ast
import hashlib
import os
import shutil
import stat
import sys
import tempfile
import threading
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_PATH = os.path.join(HERE, "..", "tools", "deploy.py")


def load_tool():
    """Exec the tool's source the way the runtime does (tool_support: the real runtime, or a loud failure)."""
    sys.path.insert(0, HERE)
    try:
        import tool_support
    finally:
        sys.path.remove(HERE)
    return tool_support.load("deploy").Deploy()


D = load_tool()
MOD = sys.modules[type(D).__module__]


def sha(data):
    return hashlib.sha256(data).hexdigest()


class Base(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="rmote-deploy-test-")
        self.root = os.path.join(self.tmp, "dst")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def write(self, rel, data=b"x", base=None, mtime_ns=None, mode=None):
        p = os.path.join(base or self.root, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data)
        if mode is not None:
            os.chmod(p, mode)
        if mtime_ns is not None:
            os.utime(p, ns=(mtime_ns, mtime_ns))
        return p

    def read(self, rel, base=None):
        with open(os.path.join(base or self.root, rel), "rb") as f:
            return f.read()

    def temps(self, base=None):
        out = []
        for dp, dn, fn in os.walk(base or self.tmp):
            out += [os.path.join(dp, n) for n in fn + dn if MOD.TEMP_MARK in n]
        return out


class SyntaxTests(unittest.TestCase):
    def test_parses_as_python_38(self):
        with open(SOURCE_PATH, encoding="utf-8") as f:
            ast.parse(f.read(), feature_version=(3, 8))

    def test_defines_deploy_tool(self):
        self.assertEqual(type(D).__name__, "Deploy")


class PathSafetyTests(Base):
    BAD = ["/etc/passwd", "../x", "a/../../x", "a/..", "", "a//b", "./a", "a/./b", "a\x00b", "a/"]

    def test_bad_relative_paths_refused_everywhere(self):
        os.makedirs(self.root)
        for bad in self.BAD:
            with self.subTest(path=bad):
                with self.assertRaises(ValueError) as cm:
                    D.put_small(self.root, bad, b"x")
                if bad:
                    self.assertIn(repr(bad), str(cm.exception))
                with self.assertRaises(ValueError):
                    D.open_file(self.root, bad, 1)
                with self.assertRaises(ValueError):
                    D.sync_plan(self.root, [{"path": bad, "type": "file", "size": 1, "mtime_ns": 0}])
                with self.assertRaises(ValueError):
                    D.put_many(self.root, [{"path": bad, "offset": 0, "size": 1}], b"x")
                with self.assertRaises(ValueError):
                    D.mkdirs(self.root, [bad])
                with self.assertRaises(ValueError):
                    D.delete_extraneous(self.root, [bad])
        self.assertEqual(os.listdir(self.tmp), ["dst"])

    def test_relative_root_refused(self):
        with self.assertRaises(ValueError):
            D.scan("relative/root")

    def test_symlink_pointing_outside_is_refused(self):
        outside = os.path.join(self.tmp, "outside")
        os.makedirs(outside)
        os.makedirs(self.root)
        os.symlink(outside, os.path.join(self.root, "evil"))
        with self.assertRaises(ValueError) as cm:
            D.put_small(self.root, "evil/passwd", b"owned")
        self.assertIn("evil/passwd", str(cm.exception))
        with self.assertRaises(ValueError):
            D.open_file(self.root, "evil/x", 1)
        with self.assertRaises(ValueError):
            D.put_many(self.root, [{"path": "ok", "offset": 0, "size": 1}, {"path": "evil/x", "offset": 0, "size": 1}], b"x")
        self.assertEqual(os.listdir(outside), [])
        self.assertFalse(os.path.exists(os.path.join(self.root, "ok")))  # all paths checked before any write
        # relative symlink escaping via ..
        os.symlink("../outside", os.path.join(self.root, "evil2"))
        with self.assertRaises(ValueError):
            D.put_small(self.root, "evil2/x", b"x")
        self.assertEqual(os.listdir(outside), [])

    def test_plan_refuses_implied_parent_symlink_outside_but_replaces_explicit_dir(self):
        outside = os.path.join(self.tmp, "outside")
        os.makedirs(outside)
        os.makedirs(self.root)
        os.symlink(outside, os.path.join(self.root, "etc"))
        with self.assertRaises(ValueError) as cm:
            D.sync_plan(self.root, [{"path": "etc/passwd", "type": "file", "size": 1, "mtime_ns": 0}])
        self.assertIn("etc", str(cm.exception))
        self.assertTrue(os.path.islink(os.path.join(self.root, "etc")))
        plan = D.sync_plan(self.root, [{"path": "etc", "type": "dir", "mode": 0o755},
                                       {"path": "etc/passwd", "type": "file", "size": 1, "mtime_ns": 0}])
        self.assertEqual(plan["send"], ["etc/passwd"])
        self.assertFalse(os.path.islink(os.path.join(self.root, "etc")))
        self.assertEqual(os.listdir(outside), [])

    def test_symlink_inside_root_is_refused_not_followed(self):
        # issue 16 case 1: this used to be followed (it pointed inside); a swap makes any followed link point
        # anywhere, so nothing below the root is followed any more, and the link is named in the error
        os.makedirs(os.path.join(self.root, "real"))
        os.symlink("real", os.path.join(self.root, "alias"))
        with self.assertRaisesRegex(ValueError, "alias is a symlink; refusing to follow it"):
            D.put_small(self.root, "alias/f", b"ok")
        self.assertEqual(os.listdir(os.path.join(self.root, "real")), [])
        self.assertTrue(os.path.islink(os.path.join(self.root, "alias")))

    def test_final_component_symlink_is_replaced_not_followed(self):
        outside = os.path.join(self.tmp, "victim")
        with open(outside, "wb") as f:
            f.write(b"precious")
        os.makedirs(self.root)
        os.symlink(outside, os.path.join(self.root, "f"))
        D.put_small(self.root, "f", b"new")
        self.assertFalse(os.path.islink(os.path.join(self.root, "f")))
        self.assertEqual(self.read("f"), b"new")
        with open(outside, "rb") as f:
            self.assertEqual(f.read(), b"precious")

    def test_delete_extraneous_never_follows_symlinks(self):
        outside = os.path.join(self.tmp, "outside")
        self.write("keep", base=outside)
        os.makedirs(self.root)
        os.symlink(outside, os.path.join(self.root, "link"))
        deleted = D.delete_extraneous(self.root, [])
        self.assertEqual(deleted, ["link"])
        self.assertTrue(os.path.exists(os.path.join(outside, "keep")))


class WriteTests(Base):
    def test_put_small_sets_mode_mtime_and_creates_parents(self):
        n = D.put_small(self.root, "a/b/c.txt", b"hello", mode=0o640, mtime_ns=1_600_000_000_123_456_789)
        self.assertEqual(n, 5)
        p = os.path.join(self.root, "a/b/c.txt")
        st = os.stat(p)
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o640)
        self.assertEqual(st.st_mtime_ns, 1_600_000_000_123_456_789)
        self.assertEqual(self.read("a/b/c.txt"), b"hello")
        self.assertEqual(self.temps(), [])

    def test_put_small_hash_mismatch_keeps_old(self):
        self.write("f", b"old")
        with self.assertRaises(OSError):
            D.put_small(self.root, "f", b"new", sha256=sha(b"other"))
        self.assertEqual(self.read("f"), b"old")
        self.assertEqual(self.temps(), [])

    def test_put_many(self):
        blobs = [(f"d{i % 3}/f{i}", bytes([i]) * i) for i in range(20)]
        data = b"".join(b for _, b in blobs)
        files, off = [], 0
        for path, b in blobs:
            files.append({"path": path, "offset": off, "size": len(b), "mode": 0o600, "mtime_ns": 10**18 + len(b)})
            off += len(b)
        res = D.put_many(self.root, files, data)
        self.assertEqual(res["bytes"], len(data))
        for path, b in blobs:
            self.assertEqual(self.read(path), b)
            self.assertEqual(os.stat(os.path.join(self.root, path)).st_mtime_ns, 10**18 + len(b))
        self.assertEqual(self.temps(), [])

    def test_put_many_batch_sync(self):
        # a durable batch of several files on a block-device filesystem: one syncfs before the renames, one after,
        # no fsync per file; a syncfs failure (a writeback error) leaves nothing renamed and no temp file
        files = [{"path": "s/f%d" % i, "offset": i, "size": 1} for i in range(6)]
        calls, fsyncs = [], []
        os.makedirs(self.root)
        MOD._MARKS.note(os.path.realpath(self.root))  # the stale-temp mark's fsyncs: once per root, not per batch
        real_syncfs, real_fsync, real_ok = MOD._syncfs, MOD.os.fsync, MOD._batch_sync_ok
        MOD._batch_sync_ok = lambda fd, count: count >= MOD._SYNCFS_MIN_FILES
        MOD._syncfs = lambda fd: calls.append(sorted(n for n in os.listdir(os.path.join(self.root, "s")) if not n.startswith(".")))
        MOD.os.fsync = lambda fd: fsyncs.append(fd)
        try:
            D.put_many(self.root, files, b"abcdef")
            self.assertEqual(calls, [[], ["f%d" % i for i in range(6)]])  # nothing in place at the first one
            self.assertEqual(fsyncs, [])

            def fail(fd):
                raise OSError(5, "syncfs: Input/output error")
            MOD._syncfs = fail
            with self.assertRaises(OSError):
                D.put_many(self.root, [{"path": "t/g%d" % i, "offset": 0, "size": 1} for i in range(6)], b"x")
            self.assertEqual(os.listdir(os.path.join(self.root, "t")), [])
        finally:
            MOD._syncfs, MOD.os.fsync, MOD._batch_sync_ok = real_syncfs, real_fsync, real_ok
        self.assertEqual([self.read("s/f%d" % i) for i in range(6)], [bytes([c]) for c in b"abcdef"])
        self.assertEqual(self.temps(), [])

    def test_batch_sync_only_for_batches_on_block_devices(self):
        fd = os.open(os.path.dirname(self.root), os.O_RDONLY)
        try:
            self.assertFalse(MOD._batch_sync_ok(fd, MOD._SYNCFS_MIN_FILES - 1))
            block = os.major(os.fstat(fd).st_dev) != 0 and MOD._syncfs_fn() is not None
            self.assertEqual(MOD._batch_sync_ok(fd, MOD._SYNCFS_MIN_FILES), block)
        finally:
            os.close(fd)
        if os.path.isdir("/proc/self") and os.major(os.stat("/proc/self").st_dev) == 0:
            fd = os.open("/proc", os.O_RDONLY)  # no block device: the fsyncs stay
            try:
                self.assertFalse(MOD._batch_sync_ok(fd, 100))
            finally:
                os.close(fd)

    def test_compressed_pieces(self):
        import zlib
        a, b = b"a" * 5000, b"raw"
        za = zlib.compress(a, 1)
        D.put_many(self.root, [{"path": "a", "offset": 0, "size": len(a), "compressed": True, "wire_size": len(za)},
                               {"path": "b", "offset": len(za), "size": 3}], za + b)
        self.assertEqual((self.read("a"), self.read("b")), (a, b))
        with self.assertRaises(ValueError):  # claims fewer bytes than it expands to
            D.put_many(self.root, [{"path": "c", "offset": 0, "size": 10, "compressed": True, "wire_size": len(za)}], za)
        self.assertFalse(os.path.exists(os.path.join(self.root, "c")))
        h = D.open_file(self.root, "big", 10000)
        D.write_chunk(h, 0, za, 5000)
        D.write_chunk(h, 5000, a)
        with self.assertRaises(ValueError):
            D.write_chunk(h, 5000, za, 6000)
        D.commit(h)
        self.assertEqual(self.read("big"), a + a)
        self.assertEqual(self.temps(), [])

    def test_put_many_bad_range_writes_nothing(self):
        with self.assertRaises(ValueError):
            D.put_many(self.root, [{"path": "a", "offset": 0, "size": 1}, {"path": "b", "offset": 1, "size": 5}], b"xy")
        self.assertFalse(os.path.exists(os.path.join(self.root, "a")))

    def test_put_many_status_bytes(self):
        self.write("a", b"old")
        files = [{"path": "a", "offset": 0, "size": 3}, {"path": "b", "offset": 3, "size": 2}]
        D.put_many(self.root, files, b"newxy\x00\x00", checks=2)  # both files arrived whole
        self.assertEqual((self.read("a"), self.read("b")), (b"new", b"xy"))
        # the controller's writer padded the second file: nothing of the batch may land, not even the first
        with self.assertRaises(OSError) as e:
            D.put_many(self.root, [dict(files[0], path="c"), dict(files[1], path="a")], b"abc\x00\x00\x00\x01", checks=2)
        self.assertIn("changed size", str(e.exception))
        self.assertFalse(os.path.exists(os.path.join(self.root, "c")))
        self.assertEqual(self.read("a"), b"new")
        self.assertEqual(self.temps(), [])
        with self.assertRaises(ValueError):  # the status bytes are not file data
            D.put_many(self.root, [{"path": "d", "offset": 0, "size": 4}], b"abc\x00", checks=1)
        for bad in (-1, 9, "1", True):
            with self.assertRaises(ValueError):
                D.put_many(self.root, [{"path": "d", "offset": 0, "size": 1}], b"abc\x00", checks=bad)
        self.assertFalse(os.path.exists(os.path.join(self.root, "d")))

    def test_chunked_write_out_of_order_and_threads(self):
        data = os.urandom(1 << 20) + b"tail"
        h = D.open_file(self.root, "big.bin", len(data), mode=0o755, mtime_ns=1234567890 * 10**9)
        chunk = 64 * 1024
        offsets = list(range(0, len(data), chunk))[::-1]
        threads = [threading.Thread(target=D.write_chunk, args=(h, o, data[o:o + chunk])) for o in offsets]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertFalse(os.path.exists(os.path.join(self.root, "big.bin")))
        self.assertEqual(D.commit(h, sha256=sha(data)), len(data))
        self.assertEqual(self.read("big.bin"), data)
        st = os.stat(os.path.join(self.root, "big.bin"))
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o755)
        self.assertEqual(st.st_mtime_ns, 1234567890 * 10**9)
        self.assertEqual(self.temps(), [])
        with self.assertRaises(KeyError):
            D.commit(h)

    def test_first_chunks_of_a_fresh_runtime_race_safely(self):
        fresh = load_tool()  # its own module: the writeback thread is started by these very chunks
        data = os.urandom(32 * 4096)
        h = fresh.open_file(self.root, "race.bin", len(data))
        start, errors = threading.Barrier(32), []

        def write(o):
            start.wait()
            try:
                fresh.write_chunk(h, o, data[o:o + 4096])
            except Exception as e:  # the failure under test surfaces here
                errors.append(e)
        threads = [threading.Thread(target=write, args=(o,)) for o in range(0, len(data), 4096)]
        interval = sys.getswitchinterval()
        sys.setswitchinterval(1e-6)  # switch threads often: a race shows up as it would under load
        try:
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        finally:
            sys.setswitchinterval(interval)
        self.assertEqual(errors, [])
        self.assertEqual(fresh.commit(h), len(data))
        self.assertEqual(self.read("race.bin"), data)

    def test_chunk_outside_size_refused(self):
        h = D.open_file(self.root, "f", 4)
        with self.assertRaises(ValueError):
            D.write_chunk(h, 2, b"xyz")
        self.assertTrue(D.abort(h))
        self.assertEqual(self.temps(), [])

    def test_incomplete_commit_refused_and_old_kept(self):
        self.write("f", b"old")
        h = D.open_file(self.root, "f", 10)
        D.write_chunk(h, 0, b"12345")
        with self.assertRaises(OSError):
            D.commit(h)
        self.assertEqual(self.read("f"), b"old")
        self.assertEqual(self.temps(), [])

    def test_interrupted_write_keeps_old_and_cleanup_removes_temp(self):
        self.write("dir/f", b"old version")
        h = D.open_file(self.root, "dir/f", 1000)
        D.write_chunk(h, 0, b"n" * 500)
        # the connection dies here: no commit, no abort; the runtime process goes away
        with MOD._HANDLES_LOCK:
            fd = MOD._HANDLES.pop(h).fd
        os.close(fd)
        self.assertEqual(self.read("dir/f"), b"old version")
        self.assertEqual(len(self.temps()), 1)
        self.assertEqual([e["path"] for e in D.scan(self.root)], ["dir", "dir/f"])  # temps hidden
        removed = D.cleanup_temps(self.root)
        self.assertEqual(len(removed), 1)
        self.assertTrue(removed[0].startswith("dir/.f.rmote-tmp-"))
        self.assertEqual(self.temps(), [])
        self.assertEqual(self.read("dir/f"), b"old version")

    def test_cleanup_keeps_temps_of_open_handles(self):
        h = D.open_file(self.root, "f", 1)
        self.assertEqual(D.cleanup_temps(self.root), [])
        D.write_chunk(h, 0, b"z")
        D.commit(h)
        self.assertEqual(self.read("f"), b"z")

    def test_hardlinked_file_replaced_not_written_in_place(self):
        other = self.write("old", b"shared")
        os.makedirs(self.root, exist_ok=True)
        os.link(other, os.path.join(self.root, "f"))
        D.put_small(self.root, "f", b"changed")
        with open(other, "rb") as f:
            self.assertEqual(f.read(), b"shared")
        self.assertEqual(self.read("f"), b"changed")

    def test_empty_dir_in_the_way_is_replaced_nonempty_refused(self):
        os.makedirs(os.path.join(self.root, "e"))
        D.put_small(self.root, "e", b"file now")
        self.assertEqual(self.read("e"), b"file now")
        self.write("full/x")
        with self.assertRaises(IsADirectoryError):
            D.put_small(self.root, "full", b"no")
        self.assertEqual(self.temps(), [])


class OwnerTests(Base):
    def test_owner_and_group_by_name_or_number_and_an_unknown_name_says_how_to_fix_it(self):
        self.assertEqual((MOD._uid(None), MOD._uid(""), MOD._uid(0), MOD._uid("0"), MOD._uid("root")), (-1, -1, 0, 0, 0))
        self.assertEqual((MOD._gid(None), MOD._gid(""), MOD._gid("0")), (-1, -1, 0))
        with self.assertRaisesRegex(ValueError, "unknown user 'no-such-user-x' on this host: create it first"):
            D.put_small(self.root, "f", b"x", owner="no-such-user-x")
        with self.assertRaisesRegex(ValueError, "unknown group 'no-such-group-x' on this host"):
            D.open_file(self.root, "g", 10, group="no-such-group-x")
        self.assertFalse(os.path.exists(self.root))  # refused before anything was created


class MtimeTests(unittest.TestCase):
    def test_the_timestamp_resolution_is_only_probed_when_truncation_could_explain_a_difference(self):
        asked = []

        def granularity():
            asked.append(1)
            return 1000
        self.assertTrue(MOD._mtime_equal(1500000000123456789, 1500000000123456789, granularity))
        self.assertFalse(MOD._mtime_equal(1500000000123456789, 1600000000123456789, granularity))  # years apart
        self.assertFalse(MOD._mtime_equal(1500000000123457000, 1500000000123456789, granularity))  # above the source
        self.assertEqual(asked, [])  # a no-change redeploy never writes a probe file
        self.assertTrue(MOD._mtime_equal(1500000000123456000, 1500000000123456789, granularity))  # truncated to us
        self.assertFalse(MOD._mtime_equal(1500000000123455000, 1500000000123456789, granularity))
        self.assertEqual(len(asked), 2)

    def test_a_no_change_plan_leaves_the_destination_untouched(self):
        tmp = tempfile.mkdtemp(prefix="rmote-deploy-test-")
        self.addCleanup(shutil.rmtree, tmp, True)
        with open(os.path.join(tmp, "a"), "wb") as f:
            f.write(b"x")
        before = os.stat(tmp).st_mtime_ns
        st = os.stat(os.path.join(tmp, "a"))
        plan = D.sync_plan(tmp, [{"path": "a", "type": "file", "size": 1, "mtime_ns": st.st_mtime_ns, "mode": 0o644}])
        self.assertEqual(plan["send"], [])
        self.assertEqual(os.stat(tmp).st_mtime_ns, before)  # no probe file was created and removed


class PlanTests(Base):
    def src_entries(self, src):
        return D.scan(src)

    def make_src(self):
        src = os.path.join(self.tmp, "src")
        self.write("a.txt", b"aaa", base=src, mtime_ns=10**18, mode=0o644)
        self.write("bin/run", b"#!/bin/sh\n", base=src, mtime_ns=10**18, mode=0o755)
        self.write("lib/x/y.dat", b"y" * 100, base=src, mtime_ns=10**18)
        os.makedirs(os.path.join(src, "empty"))
        os.symlink("bin/run", os.path.join(src, "link"))
        return src

    def push(self, src, entries, **kw):
        plan = D.sync_plan(self.root, entries, **kw)
        for rel in plan["send"]:
            e = next(x for x in entries if x["path"] == rel)
            with open(os.path.join(src, rel), "rb") as f:
                D.put_small(self.root, rel, f.read(), mode=e["mode"], mtime_ns=e["mtime_ns"])
        return plan

    def test_cold_then_nochange_then_one_changed(self):
        src = self.make_src()
        entries = self.src_entries(src)
        plan = self.push(src, entries)
        self.assertEqual(sorted(plan["send"]), ["a.txt", "bin/run", "lib/x/y.dat"])
        self.assertEqual(plan["links_changed"], 1)
        self.assertTrue(os.path.isdir(os.path.join(self.root, "empty")))
        self.assertEqual(os.readlink(os.path.join(self.root, "link")), "bin/run")
        self.assertEqual(stat.S_IMODE(os.stat(os.path.join(self.root, "bin/run")).st_mode), 0o755)
        def key(e):
            return (e["type"], e["size"], e["mode"], e["link"]) + ((e["mtime_ns"],) if e["type"] == "file" else ())
        self.assertEqual({e["path"]: key(e) for e in D.scan(self.root)}, {e["path"]: key(e) for e in entries})
        # no change
        plan = D.sync_plan(self.root, entries)
        self.assertEqual(plan["send"], [])
        self.assertEqual(plan["skipped"], 4)
        self.assertEqual(plan["links_changed"], 0)
        # one changed (same size, different mtime)
        self.write("a.txt", b"bbb", base=src, mtime_ns=10**18 + 1)
        plan = self.push(src, self.src_entries(src))
        self.assertEqual(plan["send"], ["a.txt"])
        self.assertEqual(self.read("a.txt"), b"bbb")

    def test_compare_changes_nothing(self):
        src = self.make_src()
        res = D.compare(self.root, self.src_entries(src))
        self.assertEqual(sorted(res["send"]), ["a.txt", "bin/run", "lib/x/y.dat"])
        self.assertFalse(os.path.exists(self.root))

    def test_checksum_mode(self):
        src = self.make_src()
        entries = D.scan(src, with_hash=True)
        self.push(src, entries, checksum=True)
        # same size and mtime but different content: only checksum mode notices
        p = os.path.join(self.root, "a.txt")
        st = os.stat(p)
        with open(p, "wb") as f:
            f.write(b"zzz")
        os.utime(p, ns=(st.st_mtime_ns, st.st_mtime_ns))
        self.assertEqual(D.sync_plan(self.root, entries)["send"], [])
        self.assertEqual(D.sync_plan(self.root, entries, checksum=True)["send"], ["a.txt"])
        # same content, other mtime: checksum mode fixes the mtime only
        self.push(src, entries, checksum=True)
        os.utime(p, ns=(5, 5))
        plan = D.sync_plan(self.root, entries, checksum=True)
        self.assertEqual(plan["send"], [])
        self.assertEqual(plan["meta_fixed"], 1)
        self.assertEqual(os.stat(p).st_mtime_ns, 10**18)

    def test_mode_change_without_content(self):
        src = self.make_src()
        self.push(src, self.src_entries(src))
        os.chmod(os.path.join(src, "a.txt"), 0o600)
        plan = D.sync_plan(self.root, self.src_entries(src))
        self.assertEqual(plan["send"], [])
        self.assertEqual(plan["meta_fixed"], 1)
        self.assertEqual(stat.S_IMODE(os.stat(os.path.join(self.root, "a.txt")).st_mode), 0o600)

    def test_mode_fix_on_hardlinked_file_does_not_touch_the_other_link(self):
        src = self.make_src()
        self.push(src, self.src_entries(src))
        other = os.path.join(self.tmp, "other-link")
        os.link(os.path.join(self.root, "a.txt"), other)
        os.chmod(os.path.join(src, "a.txt"), 0o600)
        D.sync_plan(self.root, self.src_entries(src))
        self.assertEqual(stat.S_IMODE(os.stat(os.path.join(self.root, "a.txt")).st_mode), 0o600)
        self.assertEqual(stat.S_IMODE(os.stat(other).st_mode), 0o644)

    def test_delete_extraneous(self):
        src = self.make_src()
        self.write("stale.txt")
        self.write("old/dir/deep.txt")
        self.write("lib/x/extra")
        entries = self.src_entries(src)
        plan = self.push(src, entries, delete=True)
        self.assertEqual(sorted(plan["deleted"]), ["lib/x/extra", "old", "old/dir", "old/dir/deep.txt", "stale.txt"])
        self.assertEqual(sorted(e["path"] for e in D.scan(self.root)), sorted(e["path"] for e in entries))

    def test_plan_in_pieces_deletes_only_after_the_last(self):
        # piece 1 names a.txt, piece 2 bin/ and lib/: no piece deletes what another named
        src = self.make_src()
        self.write("stale.txt")
        entries = sorted(self.src_entries(src), key=lambda e: e["path"])
        first = [e for e in entries if e["path"] == "a.txt"]
        rest = [e for e in entries if e["path"] != "a.txt"]
        r1 = D.sync_plan_piece("p1", False, self.root, first, delete=True)
        self.assertEqual((r1["send"], r1["deleted"]), (["a.txt"], []))
        self.assertTrue(os.path.exists(os.path.join(self.root, "stale.txt")))
        self.assertIn("p1", MOD._PLANS)
        r2 = D.sync_plan_piece("p1", True, self.root, rest, delete=True, cleanup=False)
        self.assertEqual(r2["deleted"], ["stale.txt"])
        self.assertNotIn("p1", MOD._PLANS)  # the session ends with its last piece
        self.assertFalse(os.path.exists(os.path.join(self.root, "stale.txt")))

    def test_failed_piece_ends_its_plan(self):
        with self.assertRaises(ValueError):
            D.sync_plan_piece("p2", False, self.root, [{"path": "../x", "type": "file"}], delete=True)
        self.assertNotIn("p2", MOD._PLANS)

    def test_no_delete_by_default(self):
        self.write("stale.txt")
        src = self.make_src()
        plan = self.push(src, self.src_entries(src))
        self.assertEqual(plan["deleted"], [])
        self.assertTrue(os.path.exists(os.path.join(self.root, "stale.txt")))

    def test_type_changes(self):
        # dest has a file where a folder is wanted, a folder where a symlink is wanted
        self.write("empty", b"i am a file")
        self.write("link/inner")
        src = self.make_src()
        self.push(src, self.src_entries(src), delete=True)
        self.assertTrue(os.path.isdir(os.path.join(self.root, "empty")))
        self.assertTrue(os.path.islink(os.path.join(self.root, "link")))

    def test_plan_starts_with_temp_cleanup(self):
        self.write(".a.txt.rmote-tmp-deadbeef", b"partial")
        src = self.make_src()
        plan = self.push(src, self.src_entries(src))
        self.assertEqual(plan["temps_removed"], 1)
        self.assertEqual(self.temps(self.root), [])

    def test_missing_root_scans_empty(self):
        self.assertEqual(D.scan(os.path.join(self.tmp, "nope")), [])

    def test_mkdirs_and_symlinks_batched(self):
        self.assertEqual(D.mkdirs(self.root, ["a/b", {"path": "c", "mode": 0o700}]), ["c", "a/b"])
        self.assertEqual(stat.S_IMODE(os.stat(os.path.join(self.root, "c")).st_mode), 0o700)
        self.assertEqual(D.symlinks(self.root, [{"path": "a/l", "link": "../c"}]), ["a/l"])
        self.assertEqual(D.symlinks(self.root, [{"path": "a/l", "link": "../c"}]), [])
        self.assertEqual(D.symlinks(self.root, [{"path": "a/l", "link": "b"}]), ["a/l"])
        self.assertEqual(os.readlink(os.path.join(self.root, "a/l")), "b")

    def test_sha256(self):
        self.write("f", b"abc")
        self.assertEqual(D.sha256(self.root, ["f", "missing"]), [sha(b"abc"), None])


def folders_of(entries):
    """The compact ``folders`` form of sync_plan's entries, grouped as the controller groups them (a folder entry
    opens its own group; consecutive files, or links, of one folder share one)."""
    out = []
    for e in entries:
        kind = e.get("type", "file")
        if kind == "dir":
            out.append({"dir": e["path"], "entry": True, "mode": e.get("mode")})
            continue
        head, _, name = e["path"].rpartition("/")
        key = "files" if kind == "file" else "links"
        g = out[-1] if out else None
        if g is None or g["dir"] != head or ("links" if key == "files" else "files") in g:
            g = {"dir": head}
            out.append(g)
        item = [name, e["size"], e["mtime_ns"], e.get("mode")] if kind == "file" else [name, e["link"]]
        g.setdefault(key, []).extend(item)
        if e.get("sha256"):
            g.setdefault("sha256", []).append(e["sha256"])
    return out


class FolderFormTests(Base):
    """sync_plan's compact form (``folders``, what the controller sends) plans exactly as the entries form."""

    make_src = PlanTests.make_src
    src_entries = PlanTests.src_entries

    def test_cold_nochange_one_changed_mode_and_link_in_the_folder_form(self):
        src = self.make_src()
        os.chmod(os.path.join(src, "lib"), 0o750)
        entries = self.src_entries(src)
        folders = folders_of(entries)
        plan = D.sync_plan(self.root, folders=folders)
        self.assertEqual(sorted(plan["send"]), ["a.txt", "bin/run", "lib/x/y.dat"])
        self.assertEqual((plan["links_changed"], plan["dirs_created"]), (1, 4))
        self.assertEqual(stat.S_IMODE(os.stat(os.path.join(self.root, "lib")).st_mode), 0o750)
        self.assertEqual(os.readlink(os.path.join(self.root, "link")), "bin/run")
        for rel in plan["send"]:
            e = next(x for x in entries if x["path"] == rel)
            D.put_small(self.root, rel, self.read(rel, base=src), mode=e["mode"], mtime_ns=e["mtime_ns"])
        plan = D.sync_plan(self.root, folders=folders)
        self.assertEqual((plan["send"], plan["skipped"], plan["meta_fixed"], plan["links_changed"]), ([], 4, 0, 0))
        # a changed mtime is sent; a changed mode only fixed; a file gone on the host is sent again
        self.write("a.txt", b"bbb", base=src, mtime_ns=10**18 + 1)
        os.chmod(os.path.join(src, "bin/run"), 0o700)
        os.unlink(os.path.join(self.root, "lib/x/y.dat"))
        plan = D.sync_plan(self.root, folders=folders_of(self.src_entries(src)))
        self.assertEqual((sorted(plan["send"]), plan["skipped"], plan["meta_fixed"]), (["a.txt", "lib/x/y.dat"], 2, 1))
        self.assertEqual(stat.S_IMODE(os.stat(os.path.join(self.root, "bin/run")).st_mode), 0o700)
        # compare only, into a missing root: every file, nothing made
        other = os.path.join(self.tmp, "none")
        self.assertEqual(sorted(D.compare(other, entries)["send"]), sorted(D.sync_plan(other, folders=folders, apply=False)["send"]))
        self.assertFalse(os.path.exists(other))

    def two_pieces(self):
        """The source's folder form in two pieces (a.txt; the rest), and stale.txt on the host that neither names."""
        src = self.make_src()
        self.write("stale.txt")
        entries = self.src_entries(src)
        return (folders_of([e for e in entries if e["path"] == "a.txt"]),
                folders_of([e for e in entries if e["path"] != "a.txt"]))

    def test_the_folder_form_in_pieces_deletes_only_after_the_last(self):
        first, rest = self.two_pieces()
        self.assertEqual(D.sync_plan_piece("f1", False, self.root, folders=first, delete=True)["deleted"], [])
        self.assertEqual(D.sync_plan_piece("f1", True, self.root, folders=rest, delete=True)["deleted"], ["stale.txt"])

    def test_pieces_sent_ahead_run_in_their_order_and_fail_after_a_failed_one(self):
        first, rest = self.two_pieces()
        out = {}

        def second(plan, key):
            try:
                out[key] = D.sync_plan_piece(plan, True, self.root, folders=rest, delete=True, index=1)
            except Exception as e:  # noqa: BLE001 - the test looks at it
                out[key] = e
        t = threading.Thread(target=second, args=("o1", "ok"))
        t.start()
        t.join(0.5)
        self.assertTrue(t.is_alive())  # waits for piece 0, which has not come
        self.assertFalse(os.path.exists(os.path.join(self.root, "bin")))
        r0 = D.sync_plan_piece("o1", False, self.root, folders=first, delete=True, index=0)
        t.join(10)
        self.assertEqual((r0["send"], r0["deleted"]), (["a.txt"], []))
        self.assertEqual(out["ok"]["deleted"], ["stale.txt"])  # after both pieces: only what neither named
        self.assertNotIn("o1", MOD._PLANS)
        # piece 0 fails: piece 1, waiting for it, fails too and changes nothing
        t = threading.Thread(target=second, args=("o2", "failed"))
        t.start()
        shutil.rmtree(self.root)
        with self.assertRaises(ValueError):
            D.sync_plan_piece("o2", False, self.root, folders=[{"dir": "../x"}], index=0)
        t.join(10)
        self.assertIsInstance(out["failed"], ValueError)
        self.assertIn("earlier piece", str(out["failed"]))
        self.assertFalse(os.path.exists(self.root))

    def test_the_folder_form_is_validated_before_anything_changes(self):
        bad = [
            [{"dir": "../up", "files": ["f", 1, 1, None]}],
            [{"dir": "a", "files": ["b/c", 1, 1, None]}],
            [{"dir": "a", "files": ["..", 1, 1, None]}],
            [{"dir": "a", "files": ["f", 1, 1, None, "f", 2, 2, None]}],
            [{"dir": "a", "files": ["f", 1, 1, None]}, {"dir": "a", "links": ["f", "t"]}],
            [{"dir": "a", "files": ["b", 1, 1, None]}, {"dir": "a/b", "entry": True}],
            [{"dir": "a", "files": ["f", "1", 1, None]}],
            [{"dir": "a", "files": ["f", 1, 1, "644"]}],
            [{"dir": "a", "files": ["f", 1, 1]}],
            [{"dir": "a", "links": ["l", ""]}],
            [{"dir": "", "entry": True}],
            [{"dir": "a", "files": ["f\x00", 1, 1, None]}],
        ]
        for folders in bad:
            with self.subTest(folders=folders):
                with self.assertRaises((ValueError, TypeError)):
                    D.sync_plan(self.root, folders=[{"dir": "made", "entry": True}] + folders)
                self.assertFalse(os.path.exists(self.root))


class ReleaseTests(Base):
    def setUp(self):
        super().setUp()
        self.base = os.path.join(self.tmp, "app")

    def deploy(self, rid, files):
        r = D.release_prepare(self.base, rid)
        root = r["path"]
        mt = {k: 10**18 + int(hashlib.sha256(v).hexdigest()[:8], 16) for k, v in files.items()}
        entries = [{"path": k, "type": "file", "size": len(v), "mtime_ns": mt[k], "mode": 0o644} for k, v in files.items()]
        plan = D.sync_plan(root, entries, delete=True)
        for rel in plan["send"]:
            D.put_small(root, rel, files[rel], mode=0o644, mtime_ns=mt[rel])
        D.release_complete(self.base, rid)
        D.release_switch(self.base, rid)
        return r, plan

    def current(self, rel):
        with open(os.path.join(self.base, "current", rel), "rb") as f:
            return f.read()

    def test_prepare_seed_switch_rollback_prune(self):
        r1, p1 = self.deploy("20240101000000", {"a": b"1", "b": b"bb"})
        self.assertEqual(sorted(p1["send"]), ["a", "b"])
        self.assertIsNone(r1["seeded_from"])
        r2, p2 = self.deploy("20240102000000", {"a": b"2", "b": b"bb"})
        self.assertEqual(r2["seeded_from"], "20240101000000")
        self.assertEqual(r2["linked"], 2)
        self.assertEqual(p2["send"], ["a"])  # only the changed file crosses the network
        self.assertEqual(self.current("a"), b"2")
        # the old release is untouched by the new release's write (hard link replaced by rename)
        with open(os.path.join(self.base, "releases/20240101000000/a"), "rb") as f:
            self.assertEqual(f.read(), b"1")
        self.assertEqual(os.readlink(os.path.join(self.base, "current")), "releases/20240102000000")
        lst = D.release_list(self.base)
        self.assertEqual(lst["releases"], ["20240101000000", "20240102000000"])
        self.assertEqual(lst["current"], "20240102000000")
        self.assertEqual(lst["complete"], ["20240101000000", "20240102000000"])
        self.assertEqual([h["release"] for h in lst["history"]], ["20240101000000", "20240102000000"])
        rb = D.rollback(self.base)
        self.assertEqual(rb, {"previous": "20240102000000", "current": "20240101000000"})
        self.assertEqual(self.current("a"), b"1")
        # rollback steps back in release order among releases that were live: nothing is older than 01
        with self.assertRaisesRegex(ValueError, "no earlier live release"):
            D.rollback(self.base)
        self.deploy("20240103000000", {"a": b"3"})
        self.assertFalse(os.path.exists(os.path.join(self.base, "current", "b")))
        self.assertEqual(D.release_prune(self.base, 2), ["20240101000000"])
        self.assertEqual(D.release_list(self.base)["releases"], ["20240102000000", "20240103000000"])
        self.assertEqual(self.temps(), [])

    def test_prune_never_removes_current(self):
        for rid in ["1", "2", "3"]:
            D.release_prepare(self.base, rid)
        D.release_complete(self.base, "1")
        D.release_switch(self.base, "1")
        self.assertEqual(D.release_prune(self.base, 1), ["2", "3"])
        self.assertEqual(D.release_list(self.base)["releases"], ["1"])

    def test_natural_order(self):
        for rid in ["v10", "v9", "v2"]:
            D.release_prepare(self.base, rid, seed_from_current=False)
        self.assertEqual(D.release_list(self.base)["releases"], ["v2", "v9", "v10"])

    def test_invalid_ids(self):
        for bad in ["", ".", "..", "a/b", "../x", "a b", "x\x00", ".current.rmote-tmp-1"]:
            with self.subTest(bad=bad):
                with self.assertRaises(ValueError):
                    D.release_prepare(self.base, bad)
                with self.assertRaises(ValueError):
                    D.release_switch(self.base, bad)

    def test_switch_to_missing_release(self):
        with self.assertRaises(FileNotFoundError):
            D.release_switch(self.base, "nope")

    def test_prepare_current_refused(self):
        self.deploy("r1", {"a": b"1"})
        with self.assertRaises(ValueError):
            D.release_prepare(self.base, "r1")

    def test_current_real_dir_refused(self):
        os.makedirs(os.path.join(self.base, "current"))
        with self.assertRaises(ValueError):
            D.release_prepare(self.base, "r1", seed_from_current=False)
        os.makedirs(os.path.join(self.base, "releases", "r1"))
        with self.assertRaises(ValueError):
            D.release_switch(self.base, "r1")
        self.assertTrue(os.path.isdir(os.path.join(self.base, "current")))

    def test_rollback_without_current(self):
        with self.assertRaises(ValueError):
            D.rollback(self.base)

    def test_seed_copies_symlinks_and_dirs(self):
        r1 = D.release_prepare(self.base, "r1")["path"]
        D.mkdirs(r1, ["empty"])
        D.symlinks(r1, [{"path": "l", "link": "empty"}])
        D.put_small(r1, "f", b"x", mode=0o600)
        D.release_complete(self.base, "r1")
        D.release_switch(self.base, "r1")
        r2 = D.release_prepare(self.base, "r2")["path"]
        self.assertTrue(os.path.isdir(os.path.join(r2, "empty")))
        self.assertEqual(os.readlink(os.path.join(r2, "l")), "empty")
        self.assertEqual(os.stat(os.path.join(r2, "f")).st_ino, os.stat(os.path.join(r1, "f")).st_ino)


if __name__ == "__main__":
    unittest.main()
