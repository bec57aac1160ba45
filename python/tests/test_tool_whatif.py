"""The WhatIf previews of the host tools: deploy's compare-only plan and template's render_diff change nothing."""

import os
import shutil
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import tool_support  # noqa: E402

sys.path.remove(HERE)

D = tool_support.load("deploy").Deploy()
T = tool_support.tool_class(tool_support.load("template"))


def snapshot(root):
    """Every entry under ``root`` with its mode, size, mtime and content: what a preview must leave as it was."""
    out = []
    for top, dirs, files in os.walk(root):
        for n in sorted(dirs + files):
            p = os.path.join(top, n)
            st = os.lstat(p)
            data = b""
            if os.path.isfile(p) and not os.path.islink(p):
                with open(p, "rb") as f:
                    data = f.read()
            out.append((os.path.relpath(p, root), st.st_mode, st.st_size, st.st_mtime_ns, data))
    return sorted(out)


class Base(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="rmote-whatif-test-")
        self.root = os.path.join(self.tmp, "dst")
        os.makedirs(self.root)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def write(self, rel, data):
        p = os.path.join(self.root, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data)
        return p


class TestDeployPreview(Base):
    def test_compare_only_plan_lists_sends_and_deletes_with_sizes_and_changes_nothing(self):
        self.write("keep.txt", b"same")
        self.write("old.txt", b"123456")
        self.write("gone/a.bin", b"12")
        self.write("gone/b/c.bin", b"345")
        st = os.stat(os.path.join(self.root, "keep.txt"))
        entries = [{"path": "keep.txt", "type": "file", "size": 4, "mtime_ns": st.st_mtime_ns},
                   {"path": "new/app.dll", "type": "file", "size": 10, "mtime_ns": 1}]
        before = snapshot(self.root)
        plan = D.sync_plan(self.root, entries, delete=True, apply=False, cleanup=False)
        self.assertEqual(plan["send"], ["new/app.dll"])
        self.assertEqual(sorted(zip(plan["deleted"], plan["deleted_sizes"])), [("gone", 5), ("old.txt", 6)])
        self.assertEqual(before, snapshot(self.root))

    def test_an_applied_plan_reports_no_sizes(self):
        self.write("old.txt", b"123456")
        plan = D.sync_plan(self.root, [], delete=True)
        self.assertEqual(plan["deleted"], ["old.txt"])
        self.assertNotIn("deleted_sizes", plan)


class TestTemplateDiff(Base):
    def test_a_changed_file_gets_a_unified_diff_and_stays_as_it_was(self):
        p = self.write("app.conf", b"port=80\nname=a\n")
        os.chmod(p, 0o644)
        before = snapshot(self.root)
        r = T.render_diff("port=${port}\nname=a\n", {"port": 81}, p, mode="0600", keep_final_newline=True)
        self.assertTrue(r.changed)
        self.assertIn("-port=80\n", r.diff)
        self.assertIn("+port=81\n", r.diff)
        self.assertIn("--- %s (on the host)" % p, r.diff)
        self.assertEqual(["mode 0644 -> 0600"], r.notes)
        self.assertEqual(before, snapshot(self.root))

    def test_an_unchanged_file_has_no_diff(self):
        p = self.write("app.conf", b"port=80\n")
        r = T.render_diff("port=${port}\n", {"port": 80}, p, keep_final_newline=True)
        self.assertFalse(r.changed)
        self.assertIsNone(r.diff)

    def test_a_missing_file_diffs_against_dev_null(self):
        p = os.path.join(self.root, "new.conf")
        r = T.render_diff("a=1\n", {}, p)
        self.assertTrue(r.changed)
        self.assertFalse(r.exists)
        self.assertIn("--- /dev/null", r.diff)
        self.assertFalse(os.path.exists(p))

    def test_binary_huge_and_secret_files_get_one_line(self):
        p = self.write("blob", b"\x00\x01\x02")
        r = T.render_diff("text\n", {}, p)
        self.assertIsNone(r.diff)
        self.assertEqual(["binary file of 3 bytes would be replaced by 4 bytes of text"], r.notes)
        big = self.write("big", b"x" * 50)
        r = T.render_diff("y\n", {}, big, max_bytes=10)
        self.assertIsNone(r.diff)
        self.assertIn("too large to diff", r.notes[0])
        s = self.write("secret.conf", b"token=old-secret\n")
        r = T.render_diff("token=${token}\n", {"token": "new-secret"}, s, secrets=["token"])
        self.assertIsNone(r.diff)
        self.assertIn("no diff shown: the template has secret variables", r.notes[0])
        self.assertNotIn("secret", r.notes[0].replace("secret variables", ""))


if __name__ == "__main__":
    unittest.main()
