"""Issue 16 case 1: a local user swaps a folder inside the destination with a symlink to an outside folder
(renameat2 RENAME_EXCHANGE in a tight loop) while the deploy walks delete, clean temps and prune. Nothing
outside the destination may change.

Measured on the code before the fd-based walks (1f25ff0, 2 shared cores under a load of ~30): the delete/plan/
temp-cleanup scenario lost outside files in 8 of 8 runs within 10-90 rounds (0.02-0.18 s; up to 203 of 205 files
gone); with the write calls added, in 5 of 5 runs within 10-40 rounds (0.24-1.27 s); the prune scenario in 10 of
10 runs within 1-28 rounds (0.02-0.72 s). Each scenario here runs ROUNDS rounds and at least MIN_SECONDS, well past
that; a round that meets the swapped link may fail (refused), but nothing outside may change.
"""

import ctypes
import ctypes.util
import hashlib
import os
import shutil
import tempfile
import threading
import time
import unittest

from tests.test_tool_deploy import D

ROUNDS = 200
MIN_SECONDS = 2.0
AT_FDCWD = -100
RENAME_EXCHANGE = 2

_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
_renameat2 = getattr(_libc, "renameat2", None)


def exchange(a, b):
    """Atomically swap two paths (what the attacker does); True when it happened."""
    if _renameat2 is not None:
        rc = _renameat2(AT_FDCWD, a.encode(), AT_FDCWD, b.encode(), RENAME_EXCHANGE)
    else:  # glibc < 2.28: the raw syscall (x86_64: 316, aarch64: 276)
        import platform
        nr = {"x86_64": 316, "aarch64": 276}[platform.machine()]
        rc = _libc.syscall(nr, AT_FDCWD, a.encode(), AT_FDCWD, b.encode(), RENAME_EXCHANGE)
    return rc == 0


def tree_hash(top):
    """Every path and its bytes under top: what the victim's owner checks."""
    h = hashlib.sha256()
    count = 0
    for dp, dn, fn in os.walk(top):
        dn.sort()
        for n in sorted(fn):
            p = os.path.join(dp, n)
            with open(p, "rb") as f:
                h.update(os.path.relpath(p, top).encode() + b"\0" + f.read() + b"\0")
            count += 1
    return h.hexdigest(), count


class Swapper:
    """The attacker: swaps ``inside`` (a folder in the destination) with ``link`` (its own symlink to the
    outside folder) as fast as it can; puts its symlink back when the deploy replaced it."""

    def __init__(self, inside, link, outside):
        self.inside, self.link, self.outside = inside, link, outside
        self.stop = threading.Event()
        self.swaps = 0
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        while not self.stop.is_set():
            if exchange(self.inside, self.link):
                self.swaps += 1
                if self.swaps % 64 or os.path.islink(self.link) or os.path.islink(self.inside):
                    continue
            # the deploy deleted or replaced the folder or the link: rebuild the attacker's side
            try:
                if not os.path.islink(self.link) and not os.path.islink(self.inside):
                    if os.path.isdir(self.link):
                        shutil.rmtree(self.link, ignore_errors=True)
                    os.symlink(self.outside, self.link)
                if not os.path.lexists(self.inside):
                    os.mkdir(self.inside)
            except OSError:
                pass

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()


class RaceTests(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="rmote-deploy-race-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.outside = os.path.join(self.tmp, "victim")  # root-owned data elsewhere on the host
        os.makedirs(self.outside)
        for i in range(150):
            with open(os.path.join(self.outside, "f%03d" % i), "wb") as f:
                f.write(b"precious %d" % i)
        for i in range(50):  # temp-looking names, bait for cleanup_temps
            with open(os.path.join(self.outside, ".f%03d.rmote-tmp-%06d" % (i, i)), "wb") as f:
                f.write(b"precious temp-named %d" % i)
        for i in range(5):  # release-looking folders, bait for prune
            os.makedirs(os.path.join(self.outside, "r%d" % i))
            with open(os.path.join(self.outside, "r%d" % i, "data"), "wb") as f:
                f.write(b"precious release %d" % i)
        self.attacker = os.path.join(self.tmp, "attacker")
        os.makedirs(self.attacker)
        self.before = tree_hash(self.outside)

    def assert_outside_intact(self, rounds, elapsed, swaps):
        after = tree_hash(self.outside)
        self.assertEqual(after, self.before,
                         "files outside the destination changed: %d of %d left after %d rounds (%.2f s, %d swaps)"
                         % (after[1], self.before[1], rounds, elapsed, swaps))
        self.assertGreater(swaps, 100, "the attacker barely ran; the test proves nothing")

    def run_rounds(self, swapper, body):
        start = time.monotonic()
        rounds = 0
        while rounds < ROUNDS or time.monotonic() - start < MIN_SECONDS:
            body()
            rounds += 1
            if rounds % 10 == 0 and tree_hash(self.outside) != self.before:
                break
        return rounds, time.monotonic() - start

    def test_delete_plan_writes_and_temp_cleanup_never_reach_through_a_swapped_folder(self):
        root = os.path.join(self.tmp, "dst")
        cache = os.path.join(root, "storage", "cache")
        os.makedirs(cache)
        with open(os.path.join(cache, "keep.txt"), "wb") as f:
            f.write(b"k")
        link = os.path.join(self.attacker, "link")
        os.symlink(self.outside, link)
        keep = ["storage", "storage/cache", "storage/cache/keep.txt"]
        entries = [{"path": "storage", "type": "dir", "mode": 0o755},
                   {"path": "storage/cache", "type": "dir", "mode": 0o755},
                   {"path": "storage/cache/keep.txt", "type": "file", "size": 1, "mtime_ns": 0, "mode": 0o644}]

        def chunked():
            h = D.open_file(root, "storage/cache/big.bin", 2, durable=False)
            try:
                D.write_chunk(h, 0, b"ab")
            finally:
                D.commit(h)

        def body():
            for call in (lambda: D.delete_extraneous(root, keep),
                         lambda: D.cleanup_temps(root),
                         lambda: D.sync_plan(root, entries, delete=True, durable=False),
                         lambda: D.put_small(root, "storage/cache/new.txt", b"n", durable=False),
                         lambda: D.put_many(root, [{"path": "storage/cache/m.txt", "offset": 0, "size": 1}], b"m", durable=False),
                         lambda: D.mkdirs(root, ["storage/cache/sub"]),
                         chunked):
                try:
                    call()
                except (OSError, ValueError, KeyError):
                    pass  # a refusal is fine; reaching outside is not
        with Swapper(cache, link, self.outside) as s:
            rounds, elapsed = self.run_rounds(s, body)
        self.assert_outside_intact(rounds, elapsed, s.swaps)

    def test_prune_never_reaches_through_a_swapped_releases_folder(self):
        base = os.path.join(self.tmp, "app")
        for rid in ("r0", "r1", "r2", "r3", "r4"):
            D.release_prepare(base, rid, seed_from_current=False)
            with open(os.path.join(base, "releases", rid, "data"), "wb") as f:
                f.write(b"x")
            complete = getattr(D, "release_complete", None)
            if complete is not None:
                complete(base, rid)
        D.release_switch(base, "r4")
        link = os.path.join(self.attacker, "link")
        os.symlink(self.outside, link)
        releases = os.path.join(base, "releases")

        def body():
            try:
                D.release_prune(base, 1)
            except (OSError, ValueError):
                pass
            for rid in ("r0", "r1", "r2", "r3"):  # the next deploy's releases (wherever releases/ points now)
                try:
                    D.release_prepare(base, rid, seed_from_current=False)
                except (OSError, ValueError):
                    pass
        with Swapper(releases, link, self.outside) as s:
            rounds, elapsed = self.run_rounds(s, body)
        self.assert_outside_intact(rounds, elapsed, s.swaps)


if __name__ == "__main__":
    unittest.main()
