"""Errors of the quiz tools: one line for the user, exit code 2, no traceback."""
from __future__ import annotations

import click


class QuizError(click.ClickException):
    """A usage or configuration error of the quiz commands (exit code 2)."""

    exit_code = 2


class BankError(QuizError):
    """The question bank YAML is missing, malformed or inconsistent."""


class ImpossibleQuizError(QuizError):
    """The request asks for more distinct questions than the bank allows."""


class ResponsesError(QuizError):
    """A responses CSV, roster or quiz manifest cannot be read."""
