"""What every answer key lists, whatever its format (Markdown, HTML, PDF).

- The answer, with its letter in ``choice`` style (an ``open`` paper sheet
  has no letters: numbers are written, grids filled in).
- The wrong answers with their misconceptions: in ``choice`` style the wrong
  options, in letter order; in ``open`` style every misconception the
  grader recognises, in bank order.
"""
from __future__ import annotations

from dataclasses import dataclass

from .model import Question, Sheet, Value, format_value


@dataclass(frozen=True)
class WrongRow:
    """One wrong answer of a key: its letter (choice style), value, misconception label and tag."""

    letter: str | None
    value: Value
    label: str
    tag: str

    @property
    def text(self) -> str:
        return format_value(self.value)


def answer_letter(q: Question, sheet: Sheet) -> str | None:
    """The correct option's letter, shown in choice style only."""
    return q.correct_letter if sheet.style == "choice" else None


def wrong_rows(q: Question, sheet: Sheet) -> list[WrongRow]:
    """The wrong answers a key lists for ``q`` (see the module docstring)."""
    if sheet.style == "choice":
        return [WrongRow(c.letter, c.value, q.labels[c.tag], c.tag) for c in q.choices if not c.correct]
    return [WrongRow(None, v, q.labels[t], t) for t, v in q.misconceptions.items()]
