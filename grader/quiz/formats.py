"""The output formats: name -> renderer, file extension, and whether it can hold a key.

Renderers are imported lazily so that, e.g., Typst is only needed for PDF.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from .errors import QuizError
from .model import Sheet


@dataclass(frozen=True)
class Format:
    """One output format."""

    name: str
    ext: str
    module: str
    function: str
    key: bool
    """True when it can render an answer key (``--answers`` file)."""
    title: str = ""
    """The format's own name, as messages print it (``PDF``, ``Moodle XML``)."""

    def renderer(self) -> Callable[..., bytes]:
        mod = importlib.import_module(f"grader.quiz.{self.module}")
        return getattr(mod, self.function)

    def render(self, sheets: Sequence[Sheet], *, key: bool = False) -> bytes:
        """Render sheets (or their key) to bytes."""
        if key:
            return self.renderer()(sheets, key=True)
        return self.renderer()(sheets)


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("md", ".md", "render_md", "render_markdown", True, "Markdown"),
        Format("html", ".html", "render_html", "render_html", True, "HTML"),
        Format("pdf", ".pdf", "render_pdf", "render_pdf", True, "PDF"),
        Format("moodle", ".xml", "render_moodle", "render_moodle", False, "Moodle XML"),
        Format("gift", ".gift", "render_gift", "render_gift", False, "GIFT"),
        Format("qti", ".zip", "render_qti", "render_qti", False, "Canvas QTI"),
        Format("json", ".json", "render_json", "render_json", True, "JSON"),
    )
}

_SUFFIXES = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".pdf": "pdf",
             ".xml": "moodle", ".gift": "gift", ".zip": "qti", ".json": "json"}


def format_for_path(path: str | Path, *, key: bool = False) -> Format:
    """The format a file name asks for by its suffix (for ``-o`` and ``--answers``)."""
    name = _SUFFIXES.get(Path(path).suffix.lower())
    if name is None or (key and not FORMATS[name].key):
        allowed = ".md, .html, .pdf, .json" if key else ", ".join(sorted(_SUFFIXES))
        what = "answer key" if key else "output"
        raise QuizError(f"cannot tell the {what} format from {str(path)!r}: use a name ending in {allowed}")
    return FORMATS[name]
