"""Errors of the quiz tools: one line for the user, exit code 2, no traceback."""
from __future__ import annotations

from ..errors import GraderError


class QuizError(GraderError):
    """A usage or configuration error of the quiz commands (exit code 2)."""


class BankError(QuizError):
    """The question bank YAML is missing, malformed or inconsistent."""


class ImpossibleQuizError(QuizError):
    """The request asks for more distinct questions than the bank allows."""


class ResponsesError(QuizError):
    """A responses CSV, roster or quiz manifest cannot be read."""
