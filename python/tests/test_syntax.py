"""Everything under python/ must parse as Python 3.8 (the oldest remote we support)."""
import ast
import os
import unittest

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Py38SyntaxTest(unittest.TestCase):
    def test_all_files_parse_as_38(self):
        checked = 0
        for root, dirs, files in os.walk(PYTHON_DIR):
            dirs[:] = [d for d in dirs if d != "__pycache__" and not d.startswith(".")]
            for name in files:
                if name.endswith(".py"):
                    path = os.path.join(root, name)
                    with open(path, encoding="utf-8") as f:
                        src = f.read()
                    with self.subTest(path=os.path.relpath(path, PYTHON_DIR)):
                        ast.parse(src, filename=path, feature_version=(3, 8))
                    checked += 1
        self.assertGreater(checked, 0)


if __name__ == "__main__":
    unittest.main()
