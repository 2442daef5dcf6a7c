"""What the LMS formats (Moodle XML, GIFT, Canvas QTI) share.

In the LMS formats a numeric question is multiple choice in ``choice`` style
and a numerical question (exact answer, tolerance 0) in ``open`` style; a grid
question is always multiple choice (an LMS has no grid input). Every wrong
answer, offered or typed, carries its misconception as feedback.
"""
from __future__ import annotations

from html import escape

from .model import Question, Sheet, Value, format_value
from .render_html import html_grid


def is_numerical(q: Question, sheet: Sheet) -> bool:
    """True when the question is asked as a typed number rather than options."""
    return sheet.style == "open" and not q.is_grid


def question_html(q: Question, sheet: Sheet) -> str:
    """The question text with its figures as bordered HTML tables.

    Every question carries the rounding convention: an LMS shuffles and draws
    questions, so none can rely on a first question's preamble.
    """
    figs = "".join(html_grid(f.grid, f.caption) for f in q.figures)
    conv = f"<p><small>{escape(sheet.convention)}</small></p>"
    return f"{conv}<p>{escape(q.text)}</p>" + (f"<div>{figs}</div>" if figs else "")


def value_html(value: Value) -> str:
    """A choice as HTML: a number, or a bordered grid."""
    return html_grid(value) if isinstance(value, tuple) else format_value(value)


def question_name(q: Question) -> str:
    """A stable name for the LMS question bank: ``Q01 conv_output``."""
    return f"Q{q.number:02d} {q.kind}"


def category_name(sheet: Sheet) -> str:
    """The LMS category the sheet's questions go into: named by the variant code, never a seed."""
    who = f" {sheet.student_id}" if sheet.student_id else ""
    return f"EURON CNN quiz {sheet.code}{who}"


def feedback(q: Question, tag: str | None) -> str:
    """The feedback shown for an option: the misconception it stands for, or empty."""
    return q.labels[tag] if tag else ""


def wrong_values(q: Question, sheet: Sheet) -> list[tuple[Value, str]]:
    """The (value, tag) pairs an LMS should recognise as wrong answers."""
    if is_numerical(q, sheet):
        return [(v, t) for t, v in q.misconceptions.items()]
    return [(c.value, c.tag) for c in q.choices if not c.correct]
