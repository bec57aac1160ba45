"""Test helper: load a built-in tool file the way the runtime does.

The runtime execs each tool's source in a fresh module whose namespace already
holds ``Tool`` (plus helpers such as ``set_log_level``/``request_exit``).  Until
the runtime lands this module provides a minimal stand-in; once
``python/rmote/runtime.py`` exposes ``Tool`` it is used instead.
"""

import ast
import importlib.util
import logging
import os
import sys
import threading
import types

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOLS_DIR = os.path.join(PYTHON_DIR, "tools")
# RMOTE_TEST_RUNTIME points at another runtime.py (e.g. a sibling worktree's).
RUNTIME_PATH = os.environ.get("RMOTE_TEST_RUNTIME") or os.path.join(PYTHON_DIR, "rmote", "runtime.py")

_cancel = threading.Event()


class StandInTool:
    """Minimal stand-in for the runtime's ``Tool`` base class."""

    log = logging.getLogger("rmote.Tool")

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "log" not in cls.__dict__:  # like the runtime: a tool's own log() method stays
            cls.log = logging.getLogger("rmote." + cls.__name__)

    @staticmethod
    def cancelled():
        return _cancel.is_set()


def set_cancelled(value):
    """Flip ``Tool.cancelled()`` for the calling thread: the stand-in's flag, or the real
    runtime's current-call record (which is what its dispatcher sets when a CANCEL arrives)."""
    if value:
        _cancel.set()
    else:
        _cancel.clear()
    current = getattr(_runtime_module, "_current", None)
    if current is not None:
        current.set(types.SimpleNamespace(id=0, cancelled=True) if value else None)


_runtime_tool = None
_runtime_module = None


def _find_runtime_tool():
    global _runtime_tool, _runtime_module
    if _runtime_tool is not None:
        return _runtime_tool
    tool = StandInTool
    if os.path.exists(RUNTIME_PATH):
        try:
            spec = importlib.util.spec_from_file_location("rmote_runtime_for_tool_tests", RUNTIME_PATH)
            mod = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(mod)
            tool = getattr(mod, "Tool", None) or StandInTool
            _runtime_module = mod if tool is not StandInTool else None
        except Exception:  # a broken runtime must not hide tool test results
            tool = StandInTool
    _runtime_tool = tool
    return tool


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
    mod.__dict__["Tool"] = _find_runtime_tool()
    if _runtime_module is not None:  # the runtime's file primitives, as its load_tool provides them
        for helper in ("temp_name", "write_temp", "commit_temp", "replace_file", "write_file", "file_mode",
                       "owner_id", "group_id", "zero_copy", "on_shutdown"):
            mod.__dict__[helper] = getattr(_runtime_module, helper)
    mod.__dict__.setdefault("zero_copy", lambda fn: fn)  # (the stand-in runtime copies bytes anyway)
    mod.__dict__.setdefault("on_shutdown", lambda fn: fn)  # (no runtime: nothing shuts down)
    mod.__dict__.update(namespace)
    sys.modules[name] = mod  # dataclasses look their module up here
    exec(compile(src, path, "exec"), mod.__dict__)
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
