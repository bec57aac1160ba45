"""Template: rmote's Mako-like templates rendered on the remote host.

The engine is the shipped module rmote_template (python/rmote/template_engine.py; syntax in its docstring and
docs/TEMPLATES.md): lines joined with '\n' and no newline after the last one, ``${expr}``, ``\\${``, ``##``,
``%%``, and ``% <python statement>`` lines (for/if/while/with/try/def/class blocks closed by ``% end...`` or a
bare ``%``; assignments, imports...). This tool adds rendering from a file on the host, atomic writes and secret
variables whose values an error message never quotes.
"""

import difflib
import os
import stat
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

import rmote_template
from rmote_toolkit import file_mode, group_id, owner_id, write_file


@dataclass
class RenderDiff:
    """Result of ``render_diff``: what writing the rendered text would change (nothing is written)."""
    path: str
    changed: bool
    exists: bool
    size: int
    old_size: Optional[int]
    diff: Optional[str]
    notes: List[str]


def _text_diff(path, old, new, old_size, max_bytes, secret, notes, created=False):
    """A unified diff of two versions of ``path``, or None with a note saying why there is none."""
    if secret:
        notes.append("content differs (%d -> %d bytes); no diff shown: the template has secret variables"
                     % (old_size, len(new)))
        return None
    if old_size > max_bytes or len(new) > max_bytes:
        notes.append("content differs (%d -> %d bytes); too large to diff (over %d bytes)" % (old_size, len(new), max_bytes))
        return None
    try:
        if b"\0" in old:
            raise UnicodeDecodeError("utf-8", old, 0, 1, "NUL byte")
        before = old.decode("utf-8").splitlines(True)
    except UnicodeDecodeError:
        notes.append("binary file of %d bytes would be replaced by %d bytes of text" % (old_size, len(new)))
        return None
    after = new.decode("utf-8").splitlines(True)
    lines = []
    for line in difflib.unified_diff(before, after, "/dev/null" if created else path + " (on the host)",
                                     path + " (rendered)"):
        lines.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(lines)


@dataclass
class RenderResult:
    """Result of ``render_to_file``."""
    path: str
    changed: bool
    sha256: str


def _ends_with_open_text_line(template):
    # type: (str) -> bool
    """Whether the template's last line is a text line with no line break after it."""
    last = template.splitlines(True)[-1] if template else ""
    if not last or last.splitlines()[0] != last:
        return False
    stripped = last.strip()
    return stripped.startswith("%%") or not stripped.startswith(("%", "##"))


@placeholder("__template__")
def _template_argument(spec):
    """A call argument {"__template__": {"source", "variables"}} (C# TemplateValue): the method gets the text."""
    return rmote_template.render(spec["source"], spec.get("variables"))


class Template(Tool):
    """Render rmote templates on the remote host (syntax: docs/TEMPLATES.md)."""

    @staticmethod
    def render(template, variables=None):
        # type: (str, Optional[Dict[str, Any]]) -> str
        """Render the template source ``template`` with ``variables`` (name -> value)."""
        return rmote_template.render(template, variables)

    @staticmethod
    def render_file(template_path, variables=None):
        # type: (str, Optional[Dict[str, Any]]) -> str
        """Render the template stored at ``template_path`` on the remote host (UTF-8)."""
        with open(template_path, encoding="utf-8") as f:
            source = f.read()
        return rmote_template.render(source, variables, name=template_path)

    @staticmethod
    def render_to_file(template, variables, path, mode=None, owner=None, group=None, secrets=None,
                       keep_final_newline=False):
        # type: (str, Optional[Dict[str, Any]], str, Any, Any, Any, Optional[List[str]], bool) -> RenderResult
        """Render ``template`` and write the result (UTF-8) to ``path`` atomically,
        only if it differs (or mode/owner/group differ). ``secrets`` names variables
        whose values an error message must never quote: such a message is withheld
        (the type and template line stay). ``keep_final_newline`` (the deploy steps
        set it): the file ends with a line break unless the template ends with a
        text line that has none (rmote's rendering never writes one after the last
        line). Returns RenderResult{path, changed, sha256}."""
        text = rmote_template.render(template, variables, secrets=secrets)
        path = os.path.expanduser(path)  # "~/app.conf": the login user's home, as in a shell
        if keep_final_newline and text and not text.endswith("\n") and not _ends_with_open_text_line(template):
            text += "\n"
        changed, digest = write_file(path, text.encode("utf-8"), file_mode(mode), owner_id(owner), group_id(group))
        return RenderResult(path=path, changed=changed, sha256=digest)

    @staticmethod
    def render_diff(template, variables, path, mode=None, owner=None, group=None, secrets=None,
                    keep_final_newline=False, max_bytes=1048576):
        # type: (str, Optional[Dict[str, Any]], str, Any, Any, Any, Optional[List[str]], bool, int) -> RenderDiff
        """What ``render_to_file`` with the same arguments would change, writing nothing (a WhatIf preview):
        the rendered text is compared with the file at ``path`` (a symlink followed, as the write would) and
        the difference is a unified diff. A side that is not UTF-8 text, or over ``max_bytes``, gets a one-line
        ``note`` instead; so does a template with ``secrets`` (the old file may hold old secret values that no
        mask knows). Mode and owner changes are noted too."""
        text = rmote_template.render(template, variables, secrets=secrets)
        if keep_final_newline and text and not text.endswith("\n") and not _ends_with_open_text_line(template):
            text += "\n"
        new = text.encode("utf-8")
        try:
            st = os.stat(path)
        except FileNotFoundError:
            st = None
        notes = []
        old = b""
        if st is not None and not stat.S_ISREG(st.st_mode):
            notes.append("%s is not a regular file: it would be replaced" % path)
        elif st is not None:
            if st.st_size <= max_bytes:
                with open(path, "rb") as f:
                    old = f.read(max_bytes + 1)
            want_mode, uid, gid = file_mode(mode), owner_id(owner), group_id(group)
            if want_mode is not None and stat.S_IMODE(st.st_mode) != want_mode:
                notes.append("mode %04o -> %04o" % (stat.S_IMODE(st.st_mode), want_mode))
            if (uid is not None and st.st_uid != uid) or (gid is not None and st.st_gid != gid):
                notes.append("owner %d:%d -> %s:%s" % (st.st_uid, st.st_gid, owner or st.st_uid, group or st.st_gid))
        content_changed = st is None or not stat.S_ISREG(st.st_mode) or st.st_size != len(new) or old != new
        diff = None
        if content_changed and st is not None and stat.S_ISREG(st.st_mode):
            diff = _text_diff(path, old, new, st.st_size, max_bytes, bool(secrets), notes)
        elif content_changed and st is None:
            diff = _text_diff(path, b"", new, 0, max_bytes, bool(secrets), notes, created=True)
        return RenderDiff(path=path, changed=content_changed or bool(notes), exists=st is not None,
                          size=len(new), old_size=None if st is None else st.st_size, diff=diff, notes=notes)
