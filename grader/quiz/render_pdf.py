"""PDF sheets and keys through Typst (the optional ``pdf`` extra).

The layout is ``templates/sheet.typ``; the sheet data goes in as JSON through
``sys.inputs``, so no text is ever parsed as Typst markup. Hangul needs a
Korean font: Debian's ``fonts-nanum`` (``NanumGothic``), found in the usual
folder or in ``$EURON_QUIZ_FONT_DIR``. System fonts are ignored and the
creation date is fixed, so the same sheets give the same bytes anywhere the
same fonts are installed.
"""
from __future__ import annotations

import json
import os
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Sequence

from .errors import QuizError
from .keyrows import answer_letter, wrong_rows
from .labels import LABELS, label, question_number
from .model import Grid, Sheet, format_number, format_value

FIXED_TIMESTAMP = 1704067200
"""2024-01-01T00:00:00Z: the creation date written into every PDF."""

FONT_ENV = "EURON_QUIZ_FONT_DIR"
FONT_DIRS = ("/usr/share/fonts/truetype/nanum", "/usr/share/fonts/nanum", "/usr/local/share/fonts/nanum")
KOREAN_FONT = "NanumGothic"


def find_font_dir() -> Path | None:
    """The folder holding NanumGothic.ttf: $EURON_QUIZ_FONT_DIR, the Debian folder, or None."""
    candidates = [os.environ[FONT_ENV]] if os.environ.get(FONT_ENV) else []
    candidates += list(FONT_DIRS)
    for c in candidates:
        if (Path(c) / f"{KOREAN_FONT}.ttf").is_file():
            return Path(c)
    for root in ("/usr/share/fonts", "/usr/local/share/fonts"):
        hits = sorted(Path(root).rglob(f"{KOREAN_FONT}.ttf")) if Path(root).is_dir() else []
        if hits:
            return hits[0].parent
    return None


def _typst():
    try:
        import typst
    except ImportError:
        raise QuizError("PDF output needs Typst: pip install 'euron-grade[pdf]'") from None
    return typst


@lru_cache(maxsize=1)
def _template() -> bytes:
    return resources.files("grader.quiz").joinpath("templates/sheet.typ").read_bytes()


def _font_setup(lang: str) -> tuple[list[str], list[str]]:
    """(font folders, font family list); a Korean sheet without a Korean font is an error."""
    folder = find_font_dir()
    if folder is None:
        if lang == "ko":
            raise QuizError(f"no Korean font for the PDF: install Debian's fonts-nanum "
                            f"(apt-get install fonts-nanum) or set {FONT_ENV} to a folder with {KOREAN_FONT}.ttf")
        return [], ["Libertinus Serif"]
    return [str(folder)], [KOREAN_FONT]


def _cells(grid: Grid) -> list[list[str]]:
    """A grid's cells as printed text (negative numbers with U+2212)."""
    return [[format_number(v) for v in row] for row in grid]


def _sheet_data(sheet: Sheet, key: bool) -> dict[str, Any]:
    qs = []
    for q in sheet.questions:
        wrong = [{"letter": f"{r.letter}." if r.letter else "•", "value": r.text, "label": r.label, "tag": r.tag}
                 for r in wrong_rows(q, sheet)] if key else []
        qs.append({
            "number": question_number(q.number), "text": q.text, "is_grid": q.is_grid,
            "figures": [{"caption": f.caption, "grid": _cells(f.grid)} for f in q.figures],
            "choices": [{"letter": c.letter, "text": format_value(c.value),
                         "value": _cells(c.value) if q.is_grid else format_value(c.value)} for c in q.choices],
            "answer_grid": _cells(q.answer) if q.is_grid else None,
            "answer_text": format_value(q.answer),
            "letter": answer_letter(q, sheet),
            "solution": q.solution, "wrong": wrong,
        })
    heading = sheet.title + (f" — {label(sheet.lang, 'key')}" if key else "")
    return {"heading": heading, "convention": sheet.convention, "style": sheet.style, "code": sheet.code,
            "student_id": sheet.student_id, "student_name": sheet.student_name, "questions": qs}


def typst_inputs(sheets: Sequence[Sheet], *, key: bool = False) -> dict[str, str]:
    """The sys.inputs for the template: one JSON string with every sheet."""
    lang = sheets[0].lang if sheets else "ko"
    _folders, fonts = _font_setup(lang)
    doc = {
        "lang": lang, "key": key, "labels": LABELS[lang], "fonts": fonts,
        "doc_title": sheets[0].title if sheets else "",
        "footer": "EURON · euron-grade quiz",
        "sheets": [_sheet_data(s, key) for s in sheets],
    }
    return {"data": json.dumps(doc, ensure_ascii=False, sort_keys=True)}


class PdfRenderer:
    """One Typst compiler (fonts loaded once) for any number of documents."""

    def __init__(self, lang: str = "ko"):
        typst = _typst()
        folders, _fonts = _font_setup(lang)
        self._typst = typst
        self._compiler = typst.Compiler(font_paths=folders, ignore_system_fonts=True)

    def compile(self, sheets: Sequence[Sheet], *, key: bool = False) -> bytes:
        """One PDF holding the sheets (each starting on a new page)."""
        try:
            return self._compiler.compile(input=_template(), format="pdf",
                                          sys_inputs=typst_inputs(sheets, key=key), timestamp=FIXED_TIMESTAMP)
        except self._typst.TypstError as e:
            raise QuizError(f"Typst could not render the PDF: {e.message}") from None


def render_pdf(sheets: Sequence[Sheet], *, key: bool = False) -> bytes:
    """Sheets (or their key) as one PDF; each sheet starts on a new page."""
    return PdfRenderer(sheets[0].lang if sheets else "ko").compile(sheets, key=key)


PARALLEL_FROM = 60
"""Rosters at least this large are rendered by worker processes (one per core)."""

_worker: PdfRenderer | None = None


def _init_worker(lang: str) -> None:
    global _worker
    _worker = PdfRenderer(lang)


def _compile_chunk(chunk: Sequence[Sheet]) -> list[bytes]:
    assert _worker is not None
    return [_worker.compile([s]) for s in chunk]


def render_pdf_each(sheets: Sequence[Sheet], *, jobs: int | None = None) -> list[bytes]:
    """One PDF per sheet (the roster case), in sheet order.

    Each process keeps one compiler (fonts loaded once). With ``jobs`` > 1 (by
    default one per core for rosters of ``PARALLEL_FROM`` or more) the sheets
    are split into contiguous chunks over *spawned* workers: Typst's threads
    do not survive ``fork``. The bytes do not depend on ``jobs``.
    """
    if not sheets:
        return []
    lang = sheets[0].lang
    if jobs is None:
        jobs = min(os.cpu_count() or 1, 8) if len(sheets) >= PARALLEL_FROM else 1
    jobs = max(1, min(jobs, len(sheets)))
    if jobs == 1:
        r = PdfRenderer(lang)
        return [r.compile([s]) for s in sheets]
    _font_setup(lang)  # fail here, in one line, rather than inside every worker
    import multiprocessing

    size = -(-len(sheets) // jobs)
    chunks = [list(sheets[i:i + size]) for i in range(0, len(sheets), size)]
    with multiprocessing.get_context("spawn").Pool(jobs, initializer=_init_worker, initargs=(lang,)) as pool:
        parts = pool.map(_compile_chunk, chunks)
    return [pdf for part in parts for pdf in part]
