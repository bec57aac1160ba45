"""Template: rmote's Mako-like templates rendered on the remote host.

The engine is the shipped module rmote_template (python/rmote/template_engine.py; syntax in its docstring and
docs/TEMPLATES.md): lines joined with '\n' and no newline after the last one, ``${expr}``, ``\\${``, ``##``,
``%%``, and ``% <python statement>`` lines (for/if/while/with/try/def/class blocks closed by ``% end...`` or a
bare ``%``; assignments, imports...). This tool adds rendering from a file on the host, atomic writes and secret
variables whose values an error message never quotes.
"""

import os
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

import rmote_template
from rmote_toolkit import file_mode, group_id, owner_id, write_file


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
