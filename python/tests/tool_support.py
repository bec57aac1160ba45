"""Test helper: load a built-in tool file the way the runtime does.

The runtime execs each tool's source in a fresh module whose namespace already holds ``Tool`` (plus
``request_exit``, ``on_shutdown``, ``zero_copy``, ``placeholder``...), with the shipped modules tools import
(``rmote_toolkit``) registered first. This helper loads the real ``python/rmote/runtime.py`` for that and
fails loudly when it cannot: a broken runtime must fail the tool tests, never pass them with a stand-in.
"""

import ast
import importlib.util
import os
import sys
import types

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOLS_DIR = os.path.join(PYTHON_DIR, "tools")
# RMOTE_TEST_RUNTIME points at another runtime.py (e.g. a sibling worktree's); its toolkit.py sits beside it.
RUNTIME_PATH = os.environ.get("RMOTE_TEST_RUNTIME") or os.path.join(PYTHON_DIR, "rmote", "runtime.py")
# The modules tools import, synced by the controller in front of them (C# PythonTool.ShippedModules), in order.
SHIPPED_MODULES = {"rmote_toolkit": "toolkit.py", "rmote_deploy_tree": "deploy_tree.py",
                   "rmote_template": "template_engine.py"}

_runtime_module = None


def runtime():
    """The real runtime module, loaded once, with the shipped modules registered through its load_tool."""
    global _runtime_module
    if _runtime_module is None:
        spec = importlib.util.spec_from_file_location("rmote_runtime_for_tool_tests", RUNTIME_PATH)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)  # any error here fails the test that loads a tool
        for name, file_name in SHIPPED_MODULES.items():
            with open(os.path.join(os.path.dirname(RUNTIME_PATH), file_name), encoding="utf-8") as f:
                mod.load_tool(name + ":test", name, f.read(), module=True)
        _runtime_module = mod
    return _runtime_module


def set_cancelled(value):
    """Flip ``Tool.cancelled()`` for the calling thread: the runtime's current-call record (which is what its
    dispatcher sets when a CANCEL arrives)."""
    runtime()._current.set(types.SimpleNamespace(id=0, cancelled=True) if value else None)


def source(file_name):
    with open(os.path.join(TOOLS_DIR, file_name + ".py"), encoding="utf-8") as f:
        return f.read()


def load(file_name, **namespace):
    """Exec ``python/tools/<file_name>.py`` into a fresh module and return it.

    Extra keyword arguments are injected into the module namespace (like the
    runtime's ``set_log_level`` / ``request_exit``).
    """
    path = os.path.join(TOOLS_DIR, file_name + ".py")
    src = source(file_name)
    # The remote side may be as old as Python 3.8.
    ast.parse(src, filename=path, feature_version=(3, 8))
    name = "rmote_tool_test_%s_%d" % (file_name, id(namespace))
    mod = types.ModuleType(name)
    mod.__dict__.update(runtime().TOOL_NAMESPACE)
    mod.__dict__.update(namespace)
    sys.modules[name] = mod  # dataclasses look their module up here
    exec(compile(src, path, "exec"), mod.__dict__)
    if "_MARKS" in mod.__dict__:  # deploy's stale-temp marks: a folder of the test run, not the user's ~/.cache
        import tempfile
        mod._MARKS.folder = tempfile.mkdtemp(prefix="rmote-test-marks-")
    return mod


def tool_class(mod):
    """The single public ``Tool`` subclass defined by a loaded tool module."""
    base = mod.__dict__["Tool"]
    found = [
        v for k, v in vars(mod).items()
        if isinstance(v, type) and issubclass(v, base) and v is not base and not k.startswith("_")
    ]
    if len(found) != 1:
        raise AssertionError("expected exactly one Tool subclass, found %r" % (found,))
    return found[0]
