"""Issue 16, host side of cases 1-5: fd-based tree operations, managed release paths, the deploy lock, release
states and rollback, dangerous roots. Real folders, real processes (the lock test holds it from a second
interpreter); the race itself is in test_tool_deploy_race."""

import json
import os
import signal
import subprocess
import sys
import time

from tests.test_tool_deploy import Base, D, MOD
from tests.test_tool_deploy_race import tree_hash

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def open_fds():
    return len(os.listdir("/proc/self/fd"))


class FdTreeTests(Base):
    def setUp(self):
        super().setUp()
        self.outside = os.path.join(self.tmp, "outside")
        self.write("precious", b"p", base=self.outside)
        self.write(".x.rmote-tmp-0123456789ab", b"temp-named but not ours", base=self.outside)
        os.makedirs(os.path.join(self.outside, "sub"))
        self.before = tree_hash(self.outside)

    def tearDown(self):
        self.assertEqual(tree_hash(self.outside), self.before, "something outside the destination changed")
        super().tearDown()

    def test_an_implied_parent_that_is_a_symlink_is_refused_naming_it_and_kept(self):
        os.makedirs(self.root)
        os.symlink(self.outside, os.path.join(self.root, "data"))
        entries = [{"path": "data/f", "type": "file", "size": 1, "mtime_ns": 0}]
        for call in (lambda: D.sync_plan(self.root, entries), lambda: D.compare(self.root, entries),
                     lambda: D.put_small(self.root, "data/f", b"x"), lambda: D.open_file(self.root, "data/f", 1),
                     lambda: D.mkdirs(self.root, ["data/sub2"]),
                     lambda: D.symlinks(self.root, [{"path": "data/l", "link": "x"}]),
                     lambda: D.sha256(self.root, ["data/precious"])):
            with self.assertRaisesRegex(ValueError, "dst/data is a symlink; refusing to follow it to reach 'data/"):
                call()
        self.assertEqual(os.readlink(os.path.join(self.root, "data")), self.outside)

    def test_a_folder_entry_replaces_a_symlink_and_compare_reports_everything_below_it(self):
        os.makedirs(self.root)
        os.symlink(self.outside, os.path.join(self.root, "data"))
        entries = [{"path": "data", "type": "dir", "mode": 0o755},
                   {"path": "data/precious", "type": "file", "size": 1, "mtime_ns": 0}]
        self.assertEqual(D.compare(self.root, entries)["send"], ["data/precious"])
        self.assertTrue(os.path.islink(os.path.join(self.root, "data")))
        plan = D.sync_plan(self.root, entries, delete=True)
        self.assertEqual(plan["send"], ["data/precious"])
        self.assertFalse(os.path.islink(os.path.join(self.root, "data")))

    def test_delete_and_temp_cleanup_remove_a_symlinked_folder_as_an_entry(self):
        self.write("keep/k")
        os.symlink(self.outside, os.path.join(self.root, "keep", "cache"))
        os.symlink(self.outside, os.path.join(self.root, ".cache.rmote-tmp-abcdef012345"))
        self.assertEqual(D.cleanup_temps(self.root), [".cache.rmote-tmp-abcdef012345"])
        self.assertEqual(D.delete_extraneous(self.root, ["keep/k"]), ["keep/cache"])
        self.assertEqual(D.scan(self.root), [e for e in D.scan(self.root) if e["path"] in ("keep", "keep/k")])

    def test_a_kept_name_that_is_a_symlink_is_not_entered(self):
        os.makedirs(self.root)
        os.symlink(self.outside, os.path.join(self.root, "cache"))
        self.assertEqual(D.delete_extraneous(self.root, ["cache/precious", "cache/keep"]), [])
        self.assertEqual(D.sync_plan(self.root, [], delete=True, apply=False)["deleted"], ["cache"])

    def test_scan_lists_a_symlinked_folder_as_a_link(self):
        os.makedirs(self.root)
        os.symlink(self.outside, os.path.join(self.root, "l"))
        self.assertEqual([(e["path"], e["type"]) for e in D.scan(self.root, with_hash=True)], [("l", "symlink")])

    def test_a_chunked_write_commits_into_the_folder_it_opened_whatever_the_path_became(self):
        self.write("d/old", b"o")
        h = D.open_file(self.root, "d/new", 3)
        D.write_chunk(h, 0, b"abc")
        os.rename(os.path.join(self.root, "d"), os.path.join(self.root, "moved"))
        os.symlink(self.outside, os.path.join(self.root, "d"))
        D.commit(h)
        self.assertEqual(self.read("moved/new"), b"abc")
        h = D.open_file(os.path.join(self.root, "moved"), "x", 1)
        os.rename(os.path.join(self.root, "moved"), os.path.join(self.root, "moved2"))
        self.assertTrue(D.abort(h))
        self.assertEqual(self.temps(self.root), [])

    def test_more_folders_than_the_fd_cache_plan_write_and_leak_no_fd(self):
        n = sys.modules["rmote_deploy_tree"]._TREE_FDS * 2 + 10  # the Deploy tool's tree module
        entries = []
        for i in range(n):
            entries += [{"path": "d%04d" % i, "type": "dir", "mode": 0o750},
                        {"path": "d%04d/f" % i, "type": "file", "size": 1, "mtime_ns": 10**18, "mode": 0o600}]
        MOD._MARKS.end()  # marks of earlier tests' roots hold fds too
        fds = open_fds()
        plan = D.sync_plan(self.root, entries)
        self.assertEqual(len(plan["send"]), n)
        files = [{"path": p, "offset": 0, "size": 1, "mode": 0o600, "mtime_ns": 10**18} for p in plan["send"]]
        D.put_many(self.root, files, b"z", durable=False)
        plan = D.sync_plan(self.root, entries, delete=True)
        self.assertEqual((plan["send"], plan["deleted"], plan["skipped"]), ([], [], n))
        MOD._MARKS.end()  # the connection's end: the stale-temp mark's flocked fd is the one kept meanwhile
        self.assertEqual(open_fds(), fds)
        self.assertEqual(self.read("d%04d/f" % (n - 1)), b"z")

    def test_metadata_fixes_go_through_the_file_never_a_link(self):
        self.write("a", b"x", mode=0o644, mtime_ns=10**18)
        os.link(os.path.join(self.root, "a"), os.path.join(self.tmp, "other"))
        entries = [{"path": "a", "type": "file", "size": 1, "mtime_ns": 10**18, "mode": 0o600}]
        self.assertEqual(D.sync_plan(self.root, entries)["meta_fixed"], 1)
        self.assertEqual(os.stat(os.path.join(self.root, "a")).st_mode & 0o777, 0o600)
        self.assertEqual(os.stat(os.path.join(self.tmp, "other")).st_mode & 0o777, 0o644)  # hard link kept
        os.unlink(os.path.join(self.tmp, "other"))
        entries[0]["mode"] = 0o640
        D.sync_plan(self.root, entries)
        self.assertEqual(os.stat(os.path.join(self.root, "a")).st_mode & 0o777, 0o640)


class ReleaseBase(Base):
    def setUp(self):
        super().setUp()
        self.base = os.path.join(self.tmp, "app")

    def ship(self, rid, files=None, complete=True, switch=True):
        root = D.release_prepare(self.base, rid)["path"]
        for rel, data in (files or {"f": rid.encode()}).items():
            D.put_small(root, rel, data)
        if complete:
            D.release_complete(self.base, rid)
        if switch:
            D.release_switch(self.base, rid)
        return root


class ManagedPathTests(ReleaseBase):
    def setUp(self):
        super().setUp()
        self.outside = os.path.join(self.tmp, "outside")
        for rid in ("r1", "r2", "r3"):
            self.write("data", b"precious", base=os.path.join(self.outside, rid))
        self.before = tree_hash(self.outside)

    def tearDown(self):
        self.assertEqual(tree_hash(self.outside), self.before, "something outside the base changed")
        super().tearDown()

    def test_releases_as_a_symlink_is_refused_by_every_release_call(self):
        os.makedirs(self.base)
        os.symlink(self.outside, os.path.join(self.base, "releases"))
        msg = "app/releases is a symlink; refusing to manage releases through it"
        for call in (lambda: D.release_prepare(self.base, "r4"), lambda: D.release_switch(self.base, "r1"),
                     lambda: D.release_prune(self.base, 1), lambda: D.release_list(self.base),
                     lambda: D.release_complete(self.base, "r1"), lambda: D.rollback(self.base, to="r1")):
            with self.assertRaisesRegex(ValueError, msg):
                call()

    def test_a_release_that_is_a_symlink_is_never_written_switched_seeded_or_pruned(self):
        self.ship("r0")
        os.symlink(os.path.join(self.outside, "r1"), os.path.join(self.base, "releases", "r1"))
        msg = "app/releases/r1 is a symlink; refusing to manage releases through it"
        with self.assertRaisesRegex(ValueError, msg):
            D.release_prepare(self.base, "r1")
        with self.assertRaisesRegex(ValueError, msg):
            D.release_switch(self.base, "r1")
        self.assertEqual(D.release_list(self.base)["releases"], ["r0"])
        self.assertEqual(D.release_prune(self.base, 1), [])
        # current pointed (by hand) at the symlinked release: seeding from it is refused, not followed
        os.unlink(os.path.join(self.base, "current"))
        os.symlink("releases/r1", os.path.join(self.base, "current"))
        with self.assertRaisesRegex(ValueError, msg):
            D.release_prepare(self.base, "r5")


    def test_seeding_copies_a_symlinked_folder_as_a_link_never_its_content(self):
        r0 = self.ship("r0")
        os.symlink(self.outside, os.path.join(r0, "cache"))
        r1 = D.release_prepare(self.base, "r1")
        self.assertEqual((r1["seeded_from"], r1["linked"]), ("r0", 1))
        self.assertEqual(os.readlink(os.path.join(r1["path"], "cache")), self.outside)
        self.assertEqual(D.release_prune(self.base, 1), ["r1"])  # incomplete; its link removed as an entry


class LockTests(ReleaseBase):
    HOLDER = """
import sys, json
sys.path.insert(0, %r)
from tests.test_tool_deploy import D
print(json.dumps(D.release_lock(sys.argv[1], 0, {"pid": 4242, "host": "ci-controller", "started": "2026-01-02T03:04:05Z"})), flush=True)
sys.stdin.read()
"""

    def hold_in_another_interpreter(self):
        p = subprocess.Popen([sys.executable, "-c", self.HOLDER % PYTHON_DIR, self.base], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, cwd=PYTHON_DIR)
        self.addCleanup(p.stdout.close)
        self.addCleanup(p.stdin.close)
        self.addCleanup(p.wait)
        self.addCleanup(p.kill)
        line = p.stdout.readline()  # the event: it holds the lock
        self.assertEqual(json.loads(line)["base"], os.path.realpath(self.base))
        return p

    def test_a_second_interpreter_cannot_take_the_lock_and_the_message_names_the_holder(self):
        self.ship("r1")
        self.ship("r2", complete=True, switch=False)
        p = self.hold_in_another_interpreter()
        start = time.monotonic()
        with self.assertRaises(TimeoutError) as cm:
            D.release_lock(self.base, wait=0.5, holder={"pid": 1, "host": "me"})
        waited = time.monotonic() - start
        self.assertGreaterEqual(waited, 0.5)
        self.assertLess(waited, 3)
        self.assertEqual(str(cm.exception),
                         "another deploy holds %s (pid 4242, started at 2026-01-02T03:04:05Z, from ci-controller); "
                         "waited 0.5 s. Wait for it to finish, or raise the lock wait" % os.path.realpath(self.base))
        # every release op of another connection is refused while the deploy holds the base
        for call in (lambda: D.release_prepare(self.base, "r3"), lambda: D.release_switch(self.base, "r2"),
                     lambda: D.release_prune(self.base, 1), lambda: D.rollback(self.base),
                     lambda: D.release_complete(self.base, "r2"), lambda: D.release_withdraw(self.base, "r1")):
            with self.assertRaisesRegex(TimeoutError, "another deploy holds .*app \\(pid 4242"):
                call()
        self.assertEqual(D.release_list(self.base)["current"], "r1")  # reading needs no lock; r1 not withdrawn
        self.assertEqual(sorted(os.listdir(os.path.join(self.base, "releases"))), ["r1", "r2"])
        # the holder's interpreter dies (connection lost): the kernel drops the flock
        p.send_signal(signal.SIGKILL)
        p.wait()
        got = D.release_lock(self.base, wait=5)
        self.assertLess(got["waited_ms"], 1000)
        self.assertTrue(D.release_unlock(self.base))
        self.assertFalse(D.release_unlock(self.base))

    def test_the_lock_waits_for_a_holder_that_finishes(self):
        p = self.hold_in_another_interpreter()
        p.stdin.close()  # it exits: the lock is free soon
        got = D.release_lock(self.base, wait=10)
        self.assertTrue(D.release_unlock(self.base))
        self.assertLess(got["waited_ms"], 10000)

    def test_reentrant_on_one_connection_and_release_ops_run_under_it(self):
        D.release_lock(self.base)
        self.assertEqual(D.release_lock(self.base)["waited_ms"], 0)
        self.ship("r1")  # the ops see the lock is this connection's
        self.assertTrue(D.release_unlock(self.base))

    def test_a_lock_file_that_is_a_symlink_is_refused(self):
        os.makedirs(self.base)
        target = os.path.join(self.tmp, "victim")
        self.write("victim", b"keep", base=self.tmp)
        os.symlink(target, os.path.join(self.base, ".rmote-deploy.lock"))
        with self.assertRaisesRegex(ValueError, "rmote-deploy.lock is a symlink"):
            D.release_lock(self.base)
        self.assertEqual(self.read("victim", base=self.tmp), b"keep")


class ReleaseStateTests(ReleaseBase):
    def test_switch_refuses_a_release_whose_staging_did_not_finish(self):
        self.ship("r1", complete=False, switch=False)
        with self.assertRaises(ValueError) as cm:
            D.release_switch(self.base, "r1")
        self.assertEqual(str(cm.exception), "release r1 under %s is not complete (its staging did not finish); "
                                            "deploy it again" % os.path.realpath(self.base))
        self.assertFalse(os.path.lexists(os.path.join(self.base, "current")))

    def test_rollback_goes_to_the_previous_live_release_never_an_incomplete_one(self):
        self.ship("r1")
        self.ship("r2")
        self.ship("r3", complete=False, switch=False)   # killed mid-copy
        self.ship("r4", complete=True, switch=False)    # staged on every host, not switched (fleet failure)
        self.ship("r5")
        lst = D.release_list(self.base)
        self.assertEqual(lst["complete"], ["r1", "r2", "r4", "r5"])
        self.assertEqual([h["release"] for h in lst["history"]], ["r1", "r2", "r5"])
        self.assertEqual(D.rollback(self.base), {"previous": "r5", "current": "r2"})
        with self.assertRaisesRegex(ValueError, "release r3 under .* is not complete"):
            D.rollback(self.base, to="r3")
        self.assertEqual(D.rollback(self.base, to="r1"), {"previous": "r2", "current": "r1"})
        self.assertEqual(self.read("current/f", base=self.base), b"r1")

    def test_rolling_back_twice_steps_back_twice(self):
        for rid in ("r1", "r2", "r3"):
            self.ship(rid)
        self.assertEqual(D.rollback(self.base), {"previous": "r3", "current": "r2"})
        self.assertEqual(D.rollback(self.base), {"previous": "r2", "current": "r1"})
        with self.assertRaisesRegex(ValueError, "no earlier live release"):
            D.rollback(self.base)

    def test_no_earlier_live_release(self):
        self.ship("r1")
        self.ship("r2", complete=False, switch=False)
        with self.assertRaisesRegex(ValueError, "no earlier live release to roll back to under .*app"):
            D.rollback(self.base)

    def test_preparing_a_complete_release_again_makes_it_incomplete(self):
        self.ship("r1")
        self.ship("r2", switch=False)
        D.release_prepare(self.base, "r2")
        self.assertEqual(D.release_list(self.base)["complete"], ["r1"])

    def test_prune_removes_incomplete_first_never_current_or_staging(self):
        for rid in ("r1", "r2", "r3"):
            self.ship(rid)
        self.ship("r4", complete=False, switch=False)
        self.ship("r5", switch=False)  # complete, never live
        self.ship("r6", complete=False, switch=False)  # being staged by this deploy
        D.release_switch(self.base, "r2")  # current is not the newest
        self.assertEqual(D.release_prune(self.base, 2, staging="r6"), ["r4", "r1", "r3"])
        lst = D.release_list(self.base)
        self.assertEqual((lst["releases"], lst["current"], lst["complete"]), (["r2", "r5", "r6"], "r2", ["r2", "r5"]))
        self.assertEqual(D.release_prune(self.base, 1), ["r6", "r5"])

    def test_a_legacy_base_counts_only_its_current_release_as_complete(self):
        for rid in ("r1", "r2", "r3"):
            self.write("f", rid.encode(), base=os.path.join(self.base, "releases", rid))
        os.symlink("releases/r2", os.path.join(self.base, "current"))
        lst = D.release_list(self.base)
        self.assertEqual((lst["complete"], [h["release"] for h in lst["history"]]), (["r2"], ["r2"]))
        self.assertFalse(os.path.exists(os.path.join(self.base, ".rmote-releases.json")))  # reading writes nothing
        with self.assertRaisesRegex(ValueError, "no earlier live release"):
            D.rollback(self.base)
        # an upgrade's first prune keeps the older releases it cannot vouch for, by age like complete ones
        self.assertEqual(D.release_prune(self.base, 5), [])
        with self.assertRaisesRegex(ValueError, "release r1 under .* is not complete"):
            D.release_switch(self.base, "r1")
        self.ship("r4")
        self.assertEqual(D.rollback(self.base), {"previous": "r4", "current": "r2"})
        self.assertEqual(D.release_prune(self.base, 2), ["r1", "r3"])

    def test_the_state_file_is_valid_json_after_every_step(self):
        self.ship("r1")
        # temps an interrupted state write or switch left in the base go with the next state write
        self.write("..rmote-releases.json.rmote-tmp-0123456789ab", b"{", base=self.base)
        os.symlink("releases/r0", os.path.join(self.base, ".current.rmote-tmp-0123456789ab"))
        self.ship("r2")
        with open(os.path.join(self.base, ".rmote-releases.json")) as f:
            st = json.load(f)
        self.assertEqual(st["releases"]["r1"]["state"], "complete")
        self.assertEqual(self.temps(self.base), [])


class WithdrawTests(ReleaseBase):
    """release_withdraw: a fleet's failed first switch is undone on the hosts that switched (no earlier release)."""

    def current(self):
        path = os.path.join(self.base, "current")
        return os.readlink(path) if os.path.lexists(path) else None

    def test_a_first_switch_is_withdrawn_staged_complete_and_never_a_rollback_target(self):
        self.ship("r1")
        got = D.release_withdraw(self.base, "r1")
        self.assertEqual(got["release"], "r1")
        self.assertIsNone(self.current())
        lst = D.release_list(self.base)
        self.assertEqual((lst["current"], lst["complete"], lst["history"]), (None, ["r1"], []))
        with open(os.path.join(self.base, ".rmote-releases.json")) as f:
            hist = json.load(f)["history"]
        self.assertEqual([(h["release"], h["withdrawn"]) for h in hist], [("r1", got["withdrawn_at"])])
        self.assertEqual(self.read("releases/r1/f", base=self.base), b"r1")  # staged, not live
        self.ship("r2")
        with self.assertRaisesRegex(ValueError, "no earlier live release"):
            D.rollback(self.base)  # never back onto the withdrawn r1
        self.assertEqual(D.rollback(self.base, to="r1")["current"], "r1")  # asked for by name: it is complete

    def test_current_pointing_elsewhere_or_missing_or_not_a_symlink_is_refused_naming_it(self):
        self.ship("r1")
        self.ship("r2", switch=False)
        with self.assertRaisesRegex(ValueError, "app/current is a symlink to 'releases/r1', not the switch to r2"):
            D.release_withdraw(self.base, "r2")
        self.assertEqual(self.current(), "releases/r1")
        self.assertEqual([h["release"] for h in D.release_list(self.base)["history"]], ["r1"])
        os.unlink(os.path.join(self.base, "current"))
        with self.assertRaisesRegex(ValueError, "app/current does not exist: no switch to r1 to withdraw"):
            D.release_withdraw(self.base, "r1")
        os.mkdir(os.path.join(self.base, "current"))
        with self.assertRaisesRegex(ValueError, "app/current exists and is not a symlink"):
            D.release_withdraw(self.base, "r1")
        self.assertTrue(os.path.isdir(os.path.join(self.base, "current")))

    def test_a_link_swapped_in_just_before_the_withdraw_is_kept_and_named(self):
        self.ship("r0", switch=False)
        self.ship("r1")
        real = MOD.temp_leaf

        def swap_then_name(name):  # runs after the check of current, before it is renamed aside
            link = os.path.join(self.base, "swap")
            os.symlink("releases/r0", link)
            os.rename(link, os.path.join(self.base, "current"))
            return real(name)

        MOD.temp_leaf = swap_then_name
        try:
            with self.assertRaisesRegex(ValueError, "current is a symlink to 'releases/r0', not the switch to r1"):
                D.release_withdraw(self.base, "r1")
        finally:
            MOD.temp_leaf = real
        self.assertEqual(self.current(), "releases/r0")
        self.assertEqual([n for n in os.listdir(self.base) if "rmote-tmp" in n], [])

    def test_a_current_created_while_the_old_one_is_aside_is_never_replaced(self):
        self.ship("r0", switch=False)
        self.ship("r1")
        self.ship("r2", switch=False)
        real = os.readlink

        def create_then_read(path, *a, **kw):  # another actor makes a new current while ours is renamed aside
            if "rmote-tmp" in str(path) and not os.path.lexists(os.path.join(self.base, "current")):
                os.symlink("releases/r0", os.path.join(self.base, "current"))
            return real(path, *a, **kw)

        os.readlink = create_then_read
        try:
            D.release_withdraw(self.base, "r1")  # ours is removed, theirs stays
            self.assertEqual(self.current(), "releases/r0")
            D.release_switch(self.base, "r1")
            os.unlink(os.path.join(self.base, "current"))
            os.symlink("releases/r2", os.path.join(self.base, "current"))
            with self.assertRaisesRegex(ValueError, "symlink to 'releases/r2', not the switch to r1"):
                D.release_withdraw(self.base, "r1")  # r2 aside, r0 appears: r0 stays, r2 is not forced back
        finally:
            os.readlink = real
        self.assertEqual(self.current(), "releases/r0")
        self.assertEqual([n for n in os.listdir(self.base) if "rmote-tmp" in n], [])


class DangerousRootTests(Base):
    def test_system_home_and_empty_roots_are_refused_naming_the_cause(self):
        home = os.path.expanduser("~")
        for bad in ("/", "//", "/./", "/etc/", "/usr", "/var//", "~", "~/", home, "/bin", "/tmp"):
            for call in (lambda: D.sync_plan(bad, [], delete=True), lambda: D.delete_extraneous(bad, []),
                         lambda: D.cleanup_temps(bad), lambda: D.release_prepare(bad, "r1"),
                         lambda: D.put_small(bad, "x", b"x"), lambda: D.release_lock(bad)):
                with self.subTest(root=bad):
                    with self.assertRaisesRegex(ValueError, "refusing to use .* as a destination .*empty variable"):
                        call()
        for bad in ("", "  "):
            with self.assertRaisesRegex(ValueError, "it is empty, which usually means an empty variable"):
                D.sync_plan(bad, [], delete=True)

    def test_a_subfolder_and_a_link_resolving_to_a_system_folder(self):
        D.put_small(os.path.join(self.tmp, "srv-app"), "x", b"ok")
        os.symlink("/etc", os.path.join(self.tmp, "etc-link"))
        with self.assertRaisesRegex(ValueError, "refusing to use /etc as a destination"):
            D.delete_extraneous(os.path.join(self.tmp, "etc-link"), [])


if __name__ == "__main__":
    import unittest
    unittest.main()
