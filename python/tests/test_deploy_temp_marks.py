"""Deploy's stale-temp marks: sync_plan skips its temp walk after clean runs, and still cleans up after a killed one."""

import os
import signal
import subprocess
import sys

from tests.test_tool_deploy import Base, D, MOD

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# A second host interpreter: marks the root, leaves a chunked write's temp file open, waits to be killed.
WRITER = """
import sys
sys.path.insert(0, %r)
from tests.test_tool_deploy import D, MOD
MOD._MARKS.folder = sys.argv[2]
h = D.open_file(sys.argv[1], "sub/big.bin", 10)
D.write_chunk(h, 0, b"abc")
if sys.argv[3] == "clean":
    MOD._end_connection()  # what the runtime's on_shutdown runs when the connection ends
print("ready", flush=True)
sys.stdin.read()
"""


class TempMarkTests(Base):
    ENTRIES = [{"path": "a.txt", "type": "file", "size": 1, "mtime_ns": 10**18, "mode": 0o644}]

    def setUp(self):
        super().setUp()
        MOD._MARKS.end()
        self.marks = os.path.join(self.tmp, "marks")
        MOD._MARKS.folder = self.marks
        MOD._MARKS.failed = False
        self.addCleanup(MOD._MARKS.end)

    def plan(self):
        return D.sync_plan(self.root, self.ENTRIES)

    def writer(self, how):
        """Run WRITER in another interpreter; return it once its temp file exists (``how``: "kill" or "clean")."""
        p = subprocess.Popen([sys.executable, "-c", WRITER % PYTHON_DIR, self.root, self.marks, how],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=PYTHON_DIR)
        self.addCleanup(p.stdout.close)
        self.addCleanup(p.stdin.close)
        self.addCleanup(p.wait)
        self.addCleanup(p.kill)
        self.assertEqual(p.stdout.readline().strip(), b"ready")
        return p

    def marks_left(self):
        return sorted(n for n in os.listdir(self.marks) if n.startswith("mark-"))

    def test_a_clean_run_lets_the_next_plan_skip_the_walk(self):
        self.plan()
        MOD._MARKS.end()
        self.assertEqual(self.marks_left(), [])
        # a temp nobody marked (made behind the tool's back): the walk is skipped, so it stays
        self.write("deep/.x.rmote-tmp-0123456789ab")
        self.assertEqual(self.plan()["temps_removed"], 0)
        self.assertEqual(len(self.temps(self.root)), 1)
        # the explicit call still walks
        self.assertEqual(D.cleanup_temps(self.root), ["deep/.x.rmote-tmp-0123456789ab"])

    def test_the_first_plan_of_a_root_walks(self):
        # temps older than marks (an earlier version's interrupted copy): a root is walked once before it is skipped
        self.write("deep/.x.rmote-tmp-0123456789ab")
        self.assertEqual(self.plan()["temps_removed"], 1)
        self.assertEqual(self.temps(self.root), [])

    def test_a_killed_writer_leaves_a_mark_and_the_next_plan_removes_its_temps(self):
        self.plan()  # swept: from now on only a mark makes the plan walk
        MOD._MARKS.end()
        p = self.writer("kill")
        self.assertEqual(len(self.temps(self.root)), 1)
        # while it lives its temp file is not stale: no walk
        self.assertEqual(self.plan()["temps_removed"], 0)
        MOD._MARKS.end()
        p.send_signal(signal.SIGKILL)
        p.wait()
        self.assertEqual(len(self.marks_left()), 1)
        self.assertEqual(self.plan()["temps_removed"], 1)
        self.assertEqual(self.temps(self.root), [])
        MOD._MARKS.end()
        self.assertEqual(self.marks_left(), [])  # its mark went with the walk that covered its root

    def test_a_writer_into_a_parent_root_makes_a_plan_of_a_subfolder_walk(self):
        os.makedirs(os.path.join(self.root, "sub"))
        sub = os.path.join(self.root, "sub")
        D.sync_plan(sub, self.ENTRIES)
        MOD._MARKS.end()
        p = self.writer("kill")  # writes sub/big.bin through the parent root
        p.send_signal(signal.SIGKILL)
        p.wait()
        self.assertEqual(D.sync_plan(sub, self.ENTRIES)["temps_removed"], 1)
        MOD._MARKS.end()
        self.assertEqual(len(self.marks_left()), 1)  # not inside the walked folder: kept until its root is walked
        self.assertEqual(self.plan()["temps_removed"], 0)
        MOD._MARKS.end()
        self.assertEqual(self.marks_left(), [])

    def test_a_connection_that_ends_cleanly_removes_its_temps_and_marks(self):
        self.plan()
        MOD._MARKS.end()
        p = self.writer("clean")
        self.assertEqual(self.temps(self.root), [])
        self.assertEqual(self.marks_left(), [])
        p.send_signal(signal.SIGKILL)
        p.wait()

    def test_a_running_writing_call_keeps_the_marks_at_the_end(self):
        self.plan()
        MOD._MARKS.writers += 1  # a call still inside put_many when the connection ends
        try:
            MOD._MARKS.end()
            self.assertEqual(len(self.marks_left()), 1)
        finally:
            MOD._MARKS.writers -= 1

    def test_every_deploy_call_counts_as_writing_while_it_runs(self):
        # a call left out could still make a temp file after the connection's end dropped the marks: the next plan
        # would skip the walk and that temp would stay
        calls = [n for n, f in vars(MOD.Deploy).items() if not n.startswith("_") and isinstance(f, staticmethod)]
        self.assertIn("put_many", calls)
        self.assertEqual([n for n in calls if not getattr(vars(MOD.Deploy)[n].__func__, "rmote_counts_writing", False)], [])
        # and a call that marks its root is inside the count when it does
        seen = []
        real = MOD._MARKS.note
        MOD._MARKS.note = lambda root: (seen.append(MOD._MARKS.writers), real(root))
        try:
            self.plan()
        finally:
            del MOD._MARKS.note
        self.assertTrue(seen and min(seen) >= 1, seen)

    def test_a_marks_folder_others_can_enter_is_not_trusted(self):
        self.plan()
        MOD._MARKS.end()
        os.chmod(self.marks, 0o755)
        MOD._MARKS.failed = False
        self.write("deep/.x.rmote-tmp-0123456789ab")
        self.assertEqual(self.plan()["temps_removed"], 1)

    def test_a_dead_mark_of_another_folder_at_the_same_path_walks_and_is_kept(self):
        # a container sharing this home with its own /srv: its killed copy's mark names the same path
        self.plan()
        MOD._MARKS.end()
        other = "mark-%s-1-other" % os.uname()[1]
        with open(os.path.join(self.marks, other), "w") as f:
            f.write("1:2:%s" % os.path.realpath(self.root))
        self.write("deep/.x.rmote-tmp-0123456789ab")
        self.assertEqual(self.plan()["temps_removed"], 1)
        MOD._MARKS.end()
        self.assertEqual(self.marks_left(), [other])

    def test_a_mark_this_code_did_not_write_makes_the_plan_walk_and_goes(self):
        self.plan()
        MOD._MARKS.end()
        garbage = "mark-%s-1-garbage" % os.uname()[1]
        with open(os.path.join(self.marks, garbage), "w") as f:
            f.write("not a mark")
        self.write("deep/.x.rmote-tmp-0123456789ab")
        self.assertEqual(self.plan()["temps_removed"], 1)
        MOD._MARKS.end()
        self.assertEqual(self.marks_left(), [])
