"""Plain data of a quiz: questions, choices and sheets. No rendering here."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union

Grid = tuple[tuple[int, ...], ...]
"""A small integer grid (activation map, pooled map), row-major."""

Value = Union[int, Grid]
"""An answer: an integer, or a grid for the grid questions."""

MINUS = "\u2212"
"""The minus sign printed before negative numbers (quiz grading reads it back, as well as ``-``)."""


def format_number(x: int) -> str:
    """A number as printed on sheets and keys: ``−3`` with U+2212, not ``-3``."""
    return f"{MINUS}{-x}" if x < 0 else str(x)


def format_value(value: "Value") -> str:
    """An answer as plain text: ``26``, or a grid as rows ``6 11 / 7 −4``."""
    if isinstance(value, tuple):
        return " / ".join(" ".join(format_number(x) for x in row) for row in value)
    return format_number(value)


@dataclass(frozen=True)
class Choice:
    """One option of a multiple-choice question.

    ``tag`` names the misconception that yields this wrong value; it is
    ``None`` for the correct option.
    """

    letter: str
    value: Value
    correct: bool
    tag: str | None = None


@dataclass(frozen=True)
class Figure:
    """A grid shown with a question (input image, filter), with its caption."""

    caption: str
    grid: Grid


@dataclass(frozen=True)
class Question:
    """One generated, verified question in the sheet's language.

    ``misconceptions`` maps every recognised misconception tag to the wrong
    value it yields (all of them, not only those offered as choices), so that
    a typed answer can be traced back to its misconception when grading.
    ``labels`` maps the same tags to their human description.
    """

    number: int
    kind: str
    params: dict[str, Any]
    text: str
    answer: Value
    choices: tuple[Choice, ...]
    solution: str
    misconceptions: dict[str, Value]
    labels: dict[str, str]
    figures: tuple[Figure, ...] = ()

    @property
    def is_grid(self) -> bool:
        """True when the answer is a grid rather than a number."""
        return isinstance(self.answer, tuple)

    @property
    def correct_letter(self) -> str:
        """The letter of the correct option."""
        return next(c.letter for c in self.choices if c.correct)


@dataclass(frozen=True)
class Sheet:
    """One student's (or the whole class's) quiz sheet."""

    title: str
    convention: str
    lang: str
    seed: int
    """The RNG seed the questions were drawn with: derived from the secret, never printed."""
    code: str
    """The variant code printed on the sheet and its key."""
    style: str
    questions: tuple[Question, ...]
    student_id: str | None = None
    student_name: str | None = None

    @property
    def signature(self) -> tuple:
        """What makes two sheets the same quiz: their kinds and parameters."""
        return tuple(question_key(q.kind, q.params) for q in self.questions)


def _freeze(value: Any) -> Any:
    """A hashable copy of nested dicts/lists of parameters."""
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    return value


def question_key(kind: str, params: dict[str, Any]) -> tuple:
    """The identity of a question: two questions with equal keys are duplicates."""
    return (kind, _freeze(params))
