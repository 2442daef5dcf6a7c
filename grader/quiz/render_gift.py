"""GIFT (Moodle's plain-text question format)."""
from __future__ import annotations

import re
from typing import Sequence

from .lms import category_name, feedback, is_numerical, question_html, question_name, value_html, wrong_values
from .model import Question, Sheet

_SPECIAL = re.compile(r"([~=#{}:\\])")


def gift_escape(text: str) -> str:
    """Backslash-escape GIFT's special characters ~ = # { } : and the backslash."""
    return _SPECIAL.sub(r"\\\1", text.replace("\n", " "))


def _question(q: Question, sheet: Sheet) -> str:
    head = f"::{gift_escape(question_name(q))}::[html]{gift_escape(question_html(q, sheet))}"
    if is_numerical(q, sheet):
        answers = [f"={q.answer}:0"]
        for value, tag in wrong_values(q, sheet):
            answers.append(f"=%0%{value}:0#{gift_escape(feedback(q, tag))}")
        body = "{#\n\t" + "\n\t".join(answers) + "\n\t####" + gift_escape(q.solution) + "\n}"
    else:
        lines = []
        for c in q.choices:
            mark = "=" if c.correct else "~"
            fb = f"#{gift_escape(feedback(q, c.tag))}" if c.tag else ""
            lines.append(f"{mark}{gift_escape(value_html(c.value))}{fb}")
        body = "{\n\t" + "\n\t".join(lines) + "\n\t####" + gift_escape(q.solution) + "\n}"
    return f"{head} {body}\n"


def render_gift(sheets: Sequence[Sheet]) -> bytes:
    """Sheets as one GIFT file, a category per sheet, questions separated by blank lines."""
    parts = []
    for sheet in sheets:
        parts.append(f"$CATEGORY: $course$/{category_name(sheet)}\n")
        parts += [_question(q, sheet) for q in sheet.questions]
    return "\n".join(parts).encode("utf-8")
