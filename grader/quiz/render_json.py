"""JSON: every question as data, for other tools."""
from __future__ import annotations

import json
from typing import Any, Sequence

from .model import Sheet, Value, format_value

FORMAT_VERSION = 2
"""2: a sheet has its variant ``code`` instead of a ``seed``."""


def _value(v: Value) -> Any:
    return [list(row) for row in v] if isinstance(v, tuple) else v


def sheet_data(sheet: Sheet) -> dict[str, Any]:
    """A sheet as plain JSON-ready data (answers, choices and misconception tags included)."""
    return {
        "title": sheet.title,
        "convention": sheet.convention,
        "lang": sheet.lang,
        "style": sheet.style,
        "code": sheet.code,
        "student_id": sheet.student_id,
        "student_name": sheet.student_name,
        "questions": [
            {
                "number": q.number,
                "kind": q.kind,
                "params": q.params,
                "text": q.text,
                "figures": [{"caption": f.caption, "grid": _value(f.grid)} for f in q.figures],
                "answer": _value(q.answer),
                "answer_text": format_value(q.answer),
                "solution": q.solution,
                "choices": [
                    {"letter": c.letter, "value": _value(c.value), "correct": c.correct,
                     "misconception": c.tag, "misconception_label": q.labels.get(c.tag) if c.tag else None}
                    for c in q.choices
                ],
                "misconceptions": [
                    {"tag": t, "value": _value(v), "label": q.labels[t]} for t, v in q.misconceptions.items()
                ],
            }
            for q in sheet.questions
        ],
    }


def render_json(sheets: Sequence[Sheet], *, key: bool = False) -> bytes:
    """Sheets as JSON (the key and the sheet carry the same data: answers included)."""
    doc = {"format": "euron-grade-quiz", "version": FORMAT_VERSION,
           "sheets": [sheet_data(s) for s in sheets]}
    return (json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")
