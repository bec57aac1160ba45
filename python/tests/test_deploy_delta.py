"""The host half of a delta copy (python/tools/deploy.py): sync_plan names the host's version of a changed file,
block_sums streams its sums in pages, open_file with that basis + write_delta build the new file from ranges of the
old one and literal bytes, commit verifies and renames. A basis that changed, or a symlink in its place, is refused
(ESTALE: the controller then sends the file whole), and nothing is written."""

import errno
import hashlib
import os
import shutil
import stat
import struct
import tempfile
import unittest
import zlib

try:
    from . import tool_support
except ImportError:
    import tool_support

MOD = tool_support.load("deploy")
D = tool_support.tool_class(MOD)


def sha(data):
    return hashlib.sha256(data).hexdigest()


def held_deleted(folder):
    """True while this process holds an fd of a deleted file in ``folder`` (Linux: /proc/self/fd)."""
    names = os.listdir("/proc/self/fd")
    links = []
    for n in names:
        try:
            links.append(os.readlink("/proc/self/fd/" + n))
        except OSError:
            pass  # the listing's own fd, gone by now
    return any(link.startswith(folder + "/") and link.endswith("(deleted)") for link in links)


def sums(data, block, strong):
    """The block sums block_sums must send: Adler-32, then the first bytes of CRC-32 (4 strong bytes at most) or of
    SHA-256 (more), all big-endian."""
    def one(b):
        s = struct.pack(">I", zlib.crc32(b)) if strong <= 4 else hashlib.sha256(b).digest()
        return struct.pack(">I", zlib.adler32(b)) + s[:strong]
    return b"".join(one(data[i:i + block]) for i in range(0, len(data), block))


class DeltaTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="rmote-delta-test-")
        self.root = os.path.join(self.tmp, "dst")
        os.makedirs(self.root)

    def tearDown(self):
        self.assertEqual([n for n in os.listdir(self.root) if MOD.TEMP_MARK in n], [])
        shutil.rmtree(self.tmp, ignore_errors=True)

    def write(self, name, data):
        p = os.path.join(self.root, name)
        with open(p, "wb") as f:
            f.write(data)
        os.utime(p, ns=(10**18, 10**18))
        return p

    def read(self, name):
        with open(os.path.join(self.root, name), "rb") as f:
            return f.read()

    def basis(self, name, new_size, low=64 * 1024):
        """The basis sync_plan returns for ``name`` when the controller has a newer version of ``new_size`` bytes."""
        plan = D.sync_plan(self.root, [{"path": name, "type": "file", "size": new_size, "mtime_ns": 2 * 10**18}],
                           delta={"min": low})
        self.assertEqual(plan["send"], [name])
        return plan["basis"].get(name)

    def test_sync_plan_names_the_version_and_block_sums_stream_its_sums_in_pages(self):
        old = os.urandom(300_001)
        self.write("f", old)
        basis = self.basis("f", 300_100)
        st = os.stat(os.path.join(self.root, "f"))
        self.assertEqual(basis, {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "ino": st.st_ino})
        self.assertIsNone(self.basis("f", 1000))  # the new version is below the minimum: sent whole
        saved = MOD._PAGE_BLOCKS
        MOD._PAGE_BLOCKS = 100
        try:
            pages = list(D.block_sums(self.root, "f", basis))
        finally:
            MOD._PAGE_BLOCKS = saved
        block, strong = 700, 2  # 10 + 2 * 18 - 9 = 37 bits: 6 past the weak sum's 32, rounded up to bytes, 2 at least
        count = (len(old) + block - 1) // block
        self.assertEqual({(p["block"], p["count"], p["strong"]) for p in pages}, {(block, count, strong)})
        self.assertEqual([len(p["sums"]) // (4 + strong) for p in pages], [100, 100, 100, 100, 29])
        want = sums(old, block, strong)
        self.assertEqual(b"".join(p["sums"] for p in pages), want)

    def test_a_large_file_is_summed_on_two_threads_with_the_same_sums_in_order(self):
        old = os.urandom(300_001)
        self.write("f", old)
        basis = self.basis("f", 300_100)
        saved = MOD._PAGE_BLOCKS, MOD._SUM_PIECE, MOD._SUM_THREADS_FROM
        MOD._PAGE_BLOCKS, MOD._SUM_PIECE, MOD._SUM_THREADS_FROM = 100, 7000, 0  # 43 pieces of 10 blocks, threaded
        try:
            pages = list(D.block_sums(self.root, "f", basis))
        finally:
            MOD._PAGE_BLOCKS, MOD._SUM_PIECE, MOD._SUM_THREADS_FROM = saved
        block, strong = 700, 2
        # a page per piece, sent as soon as it is summed: the controller's scan starts on the first one
        self.assertEqual([len(p["sums"]) // (4 + strong) for p in pages], [10] * 42 + [9])
        want = sums(old, block, strong)
        self.assertEqual(b"".join(p["sums"] for p in pages), want)

    def test_strong_sums_are_crc32_up_to_4_bytes_and_sha256_above(self):
        data = os.urandom(10_000)
        path = self.write("f", data)
        fd = os.open(path, os.O_RDONLY)
        try:
            for strong in (2, 3, 4, 5, 8):
                self.assertEqual(MOD._sum_piece(fd, 0, len(data), 700, strong), sums(data, 700, strong), strong)
        finally:
            os.close(fd)
        # CRC-32 is kept while rsync's rule asks for 4 bytes or fewer: files below 64 GiB
        self.assertEqual(MOD._strong_bytes((64 << 30) - 1, MOD._block_size((64 << 30) - 1)), 4)
        self.assertEqual(MOD._strong_bytes(64 << 30, MOD._block_size(64 << 30)), 5)

    def test_block_size_and_strong_sum_length_are_rsyncs(self):
        self.assertEqual([MOD._block_size(n) for n in (0, 65536, 490_000, 400 << 20, 1 << 40)],
                         [700, 700, 700, 20480, 128 * 1024])
        self.assertEqual([MOD._strong_bytes(n, MOD._block_size(n)) for n in (65536, 400 << 20, 1 << 40, 1 << 62)],
                         [2, 3, 6, 8])

    def test_write_delta_builds_the_file_from_ranges_of_the_old_one_and_literals(self):
        old = os.urandom(200_000)
        new = old[:50_000] + b"inserted" * 1000 + old[50_000:150_000] + old[160_000:] + b"tail"
        self.write("f", old)
        basis = self.basis("f", len(new))
        h = D.open_file(self.root, "f", len(new), mode=0o640, mtime_ns=2 * 10**18, basis=basis)
        # two runs, written out of order (like chunks)
        second = 50_000 + 8000
        self.assertEqual(D.write_delta(h, second, [[100_000, 50_000], [40_000, 160_000], [4, -1]], b"tail"),
                         len(new) - second)
        self.assertEqual(D.write_delta(h, 0, [[50_000, 0], [8000, -1]], b"inserted" * 1000), second)
        self.assertEqual(D.commit(h, sha(new)), len(new))
        self.assertEqual(self.read("f"), new)
        st = os.stat(os.path.join(self.root, "f"))
        self.assertEqual((stat.S_IMODE(st.st_mode), st.st_mtime_ns), (0o640, 2 * 10**18))

    def test_the_result_is_hashed_as_runs_land_so_commit_does_not_read_it_again(self):
        old = os.urandom(300_000)
        new = old[:100_000] + b"x" * 5000 + old[100_000:]
        self.write("f", old)
        for order in ([0, 1, 2], [2, 0, 1], [1, 2, 0]):
            runs = [(0, [[100_000, 0]], b""), (100_000, [[5000, -1]], b"x" * 5000), (105_000, [[200_000, 100_000]], b"")]
            h = D.open_file(self.root, "f", len(new), basis=self.basis("f", len(new)))
            for i in order:
                D.write_delta(h, *runs[i])
            read_whole = MOD._sha256_fd
            MOD._sha256_fd = lambda fd: self.fail("commit read the whole result again")
            try:
                self.assertEqual(D.commit(h, sha(new)), len(new))
            finally:
                MOD._sha256_fd = read_whole
            self.assertEqual(self.read("f"), new)
            self.write("f", old)

    def test_bytes_written_again_after_they_were_hashed_are_checked_as_the_file_holds_them(self):
        # a run over bytes already hashed (a controller's bug): the check must see the file's bytes, not the first run's
        old = os.urandom(100_000)
        self.write("f", old)
        first = b"a" * 1000 + old[1000:]
        h = D.open_file(self.root, "f", len(old), basis=self.basis("f", len(old)))
        D.write_delta(h, 0, [[1000, -1], [len(old) - 1000, 1000]], b"a" * 1000)
        D.write_delta(h, 0, [[1000, -1]], b"b" * 1000)
        with self.assertRaises(IOError) as e:
            D.commit(h, sha(first))
        self.assertIn("sha256 mismatch", str(e.exception))
        self.assertEqual(self.read("f"), old)

    def test_a_wrong_result_is_not_committed(self):
        old = os.urandom(100_000)
        self.write("f", old)
        h = D.open_file(self.root, "f", len(old), basis=self.basis("f", len(old) + 0))
        D.write_delta(h, 0, [[len(old), 0]], b"")
        with self.assertRaises(OSError):
            D.commit(h, sha(old[::-1]))
        self.assertEqual(self.read("f"), old)

    def test_a_basis_changed_since_the_plan_is_refused_with_estale(self):
        old = os.urandom(100_000)
        self.write("f", old)
        basis = self.basis("f", len(old))
        self.write("g", old[::-1])
        os.rename(os.path.join(self.root, "g"), os.path.join(self.root, "f"))  # replaced: a new inode, same size and mtime
        for call in (lambda: list(D.block_sums(self.root, "f", basis)),
                     lambda: D.open_file(self.root, "f", len(old), basis=basis)):
            with self.assertRaises(OSError) as e:
                call()
            self.assertEqual(e.exception.errno, errno.ESTALE)
        os.unlink(os.path.join(self.root, "f"))
        with self.assertRaises(OSError) as e:
            D.open_file(self.root, "f", len(old), basis=basis)
        self.assertEqual(e.exception.errno, errno.ESTALE)

    def test_a_basis_changed_in_place_after_open_fails_the_commit_and_keeps_it(self):
        old = os.urandom(100_000)
        p = self.write("f", old)
        h = D.open_file(self.root, "f", len(old), basis=self.basis("f", len(old)))
        D.write_delta(h, 0, [[len(old), 0]], b"")
        with open(p, "r+b") as f:  # same inode, written in place: a new mtime
            f.write(b"X")
        with self.assertRaises(OSError) as e:
            D.commit(h, sha(old))
        self.assertEqual(e.exception.errno, errno.ESTALE)
        self.assertEqual(self.read("f"), b"X" + old[1:])

    def test_a_symlink_in_place_of_the_file_is_refused_and_never_read(self):
        self.write("f", os.urandom(100_000))
        basis = self.basis("f", 100_000)
        # the very file the plan saw (same inode, size, mtime), moved out of the destination, a symlink to it in its place
        outside = os.path.join(self.tmp, "outside")
        os.rename(os.path.join(self.root, "f"), outside)
        os.symlink(outside, os.path.join(self.root, "f"))
        for call in (lambda: list(D.block_sums(self.root, "f", basis)),
                     lambda: D.open_file(self.root, "f", 100_000, basis=basis)):
            with self.assertRaises(OSError) as e:
                call()
            self.assertEqual(e.exception.errno, errno.ESTALE)
        self.assertTrue(os.path.islink(os.path.join(self.root, "f")))

    def test_pieces_outside_the_file_the_basis_or_the_data_are_refused(self):
        old = os.urandom(100_000)
        self.write("f", old)
        h = D.open_file(self.root, "f", 1000, basis=self.basis("f", 100_000))
        try:
            for offset, pieces, data in ((0, [[1001, 0]], b""), (0, [[10, 99_995]], b""), (0, [[10, -1]], b"x" * 9),
                                         (-1, [[1, 0]], b""), (0, [[5, -2]], b""), (999, [[2, 0]], b"")):
                with self.assertRaises(ValueError):
                    D.write_delta(h, offset, pieces, data)
        finally:
            D.abort(h)
        plain = D.open_file(self.root, "g", 10)
        try:
            with self.assertRaises(ValueError):
                D.write_delta(plain, 0, [[10, 0]], b"")
        finally:
            D.abort(plain)
        self.assertEqual(self.read("f"), old)

    def test_the_version_a_commit_replaces_is_freed_after_the_rename_not_by_it(self):
        # the rename must not drop the old version's last reference (freeing 400 MiB took ~0.15 s inside commit):
        # commit holds it across the rename and hands it to _free_later, which is here made to keep it for a look
        old = os.urandom(100_000)
        new = old[:50_000] + b"y" * 10 + old[50_010:]
        self.write("f", old)
        old_ino = os.stat(os.path.join(self.root, "f")).st_ino
        freed = []
        saved = MOD._FREE_LATER_FROM, MOD._free_later
        MOD._FREE_LATER_FROM, MOD._free_later = 64 * 1024, freed.append
        try:
            h = D.open_file(self.root, "f", len(new), basis=self.basis("f", len(new)))
            D.write_delta(h, 0, [[50_000, 0], [10, -1], [len(old) - 50_010, 50_010]], b"y" * 10)
            self.assertEqual(D.commit(h, sha(new)), len(new))
        finally:
            MOD._FREE_LATER_FROM, MOD._free_later = saved
        self.assertEqual(self.read("f"), new)
        self.assertEqual(len(freed), 1)
        self.assertIsNotNone(freed[0], "commit held no reference to the version it replaced")
        try:
            st = os.fstat(freed[0])
            self.assertEqual((st.st_ino, st.st_nlink), (old_ino, 0))  # the replaced version, unlinked while held
        finally:
            MOD._free_later(freed[0])
        for _ in range(1000):  # the freeing thread closes it: no reference is left behind
            if not held_deleted(self.root):
                break
            import time
            time.sleep(0.01)
        else:
            self.fail("the replaced version is still held open")

    def test_a_commit_with_no_thread_to_spare_frees_the_replaced_version_itself(self):
        import threading
        from unittest import mock
        old = os.urandom(100_000)
        self.write("f", old)
        saved = MOD._FREE_LATER_FROM
        MOD._FREE_LATER_FROM = 64 * 1024
        try:
            h = D.open_file(self.root, "f", len(old), basis=self.basis("f", len(old) + 1))
            D.write_delta(h, 0, [[len(old), 0]], b"")
            with mock.patch.object(threading.Thread, "start", side_effect=RuntimeError("can't start new thread")):
                self.assertEqual(D.commit(h, sha(old)), len(old))  # the file is in place: no error for the freeing
        finally:
            MOD._FREE_LATER_FROM = saved
        self.assertEqual(self.read("f"), old)
        self.assertFalse(held_deleted(self.root))

    def test_an_open_file_cancelled_while_it_ran_removes_its_temp_file_and_handle(self):
        # the connection's end cancels every call and then aborts the open writes it finds: an open_file that
        # registered its handle after that look must not leave its temp file behind
        self.write("f", b"old")
        tool_support.set_cancelled(True)
        try:
            with self.assertRaises(OSError) as e:
                D.open_file(self.root, "f", 10, handle="cut-mid-open")
        finally:
            tool_support.set_cancelled(False)
        self.assertEqual(e.exception.errno, errno.ECANCELED)
        self.assertNotIn("cut-mid-open", MOD._HANDLES)
        self.assertEqual(self.read("f"), b"old")  # and tearDown finds no temp file

    def test_only_a_large_regular_file_is_held_for_freeing_later(self):
        saved = MOD._FREE_LATER_FROM
        MOD._FREE_LATER_FROM = 1000
        dfd = os.open(self.root, os.O_RDONLY)
        try:
            self.write("small", b"x" * 999)
            self.write("big", b"x" * 1000)
            os.symlink("big", os.path.join(self.root, "link"))
            os.mkfifo(os.path.join(self.root, "fifo"))  # an O_PATH reference opens nothing: no wait for a writer
            os.link(os.path.join(self.root, "big"), os.path.join(self.root, "big2"))
            for name in ("small", "link", "fifo", "absent", "big"):
                self.assertIsNone(MOD._hold_replaced(dfd, name), name)  # big has 2 links: a rename frees nothing
            os.unlink(os.path.join(self.root, "big2"))
            fd = MOD._hold_replaced(dfd, "big")
            self.assertIsNotNone(fd)
            os.close(fd)
        finally:
            MOD._FREE_LATER_FROM = saved
            os.close(dfd)


if __name__ == "__main__":
    unittest.main()
