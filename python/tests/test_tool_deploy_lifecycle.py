"""Release lifecycle on the host (python/tools/deploy.py): shared paths, the release manifest, keep paths."""

import json
import os
import unittest

from tests.test_tool_deploy import Base, D


class SharedPathTests(Base):
    def setUp(self):
        super().setUp()
        self.base = os.path.join(self.tmp, "app")

    def stage(self, rid, files, shared):
        r = D.release_prepare(self.base, rid)
        entries = [{"path": k, "type": "file", "size": len(v), "mtime_ns": 10**18, "mode": 0o644} for k, v in files.items()]
        plan = D.sync_plan(r["path"], entries, delete=True, keep=[p.rstrip("/") for p in shared])
        for rel in plan["send"]:
            D.put_small(r["path"], rel, files[rel], mode=0o644, mtime_ns=10**18)
        linked = D.release_link_shared(self.base, rid, shared)
        D.release_complete(self.base, rid, {"commit": "abc", "files": len(files)})
        D.release_switch(self.base, rid)
        return plan, linked

    def test_shared_paths_are_created_once_linked_into_each_release_and_never_deleted(self):
        _, first = self.stage("r1", {"app.dll": b"1"}, ["appsettings.json", "storage/", "conf/db.json"])
        self.assertEqual(first["created"], ["appsettings.json", "storage/", "conf/db.json"])
        with open(os.path.join(self.base, "shared/appsettings.json"), "w") as f:
            f.write("{}")
        with open(os.path.join(self.base, "shared/storage/upload.bin"), "w") as f:
            f.write("data")
        plan, second = self.stage("r2", {"app.dll": b"2"}, ["appsettings.json", "storage/", "conf/db.json"])
        self.assertEqual(plan["deleted"], [])  # the seeded links are kept, never entered
        self.assertEqual(second["created"], [])
        self.assertEqual(second["linked"], [])  # the seed already holds the right links
        rel2 = os.path.join(self.base, "releases/r2")
        self.assertEqual(os.readlink(os.path.join(rel2, "appsettings.json")), "../../shared/appsettings.json")
        self.assertEqual(os.readlink(os.path.join(rel2, "conf/db.json")), "../../../shared/conf/db.json")
        with open(os.path.join(self.base, "current/storage/upload.bin")) as f:
            self.assertEqual(f.read(), "data")
        with open(os.path.join(self.base, "current/appsettings.json")) as f:
            self.assertEqual(f.read(), "{}")

    def test_a_shared_path_escaping_the_base_or_overlapping_is_refused(self):
        D.release_prepare(self.base, "r1")
        for bad in (["../etc/passwd"], ["/etc/passwd"], ["a/../../x"], ["logs/", "logs/app.log"]):
            with self.assertRaises(ValueError) as e:
                D.release_link_shared(self.base, "r1", bad)
            self.assertIn("shared path", str(e.exception))
        self.assertFalse(os.path.exists(os.path.join(self.base, "shared")))

    def test_a_symlinked_shared_folder_is_refused_never_followed(self):
        outside = os.path.join(self.tmp, "outside")
        os.makedirs(outside)
        D.release_prepare(self.base, "r1")
        os.symlink(outside, os.path.join(self.base, "shared"))
        with self.assertRaises(ValueError) as e:
            D.release_link_shared(self.base, "r1", ["storage/"])
        self.assertIn("is a symlink", str(e.exception))
        os.unlink(os.path.join(self.base, "shared"))
        os.makedirs(os.path.join(self.base, "shared"))
        os.symlink(outside, os.path.join(self.base, "shared/storage"))
        with self.assertRaises(ValueError):
            D.release_link_shared(self.base, "r1", ["storage/"])
        self.assertEqual(os.listdir(outside), [])

    def test_the_manifest_is_written_listed_and_not_seeded(self):
        self.stage("r1", {"a": b"1"}, [])
        r = D.release_prepare(self.base, "r2")
        self.assertFalse(os.path.exists(os.path.join(r["path"], ".rmote-release.json")))
        lst = D.release_list(self.base)
        self.assertEqual(lst["manifests"], {"r1": {"id": "r1", "commit": "abc", "build": "", "user": "", "controller": "",
                                                 "time": "", "files": 1, "shared_paths": []}})
        with open(os.path.join(self.base, "releases/r1/.rmote-release.json")) as f:
            self.assertEqual(json.load(f)["id"], "r1")


if __name__ == "__main__":
    unittest.main()
