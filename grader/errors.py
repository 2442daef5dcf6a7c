"""One error hierarchy: every expected error is a ``GraderError``, printed as one
line ``Error: ...`` with exit code 2 (usage or configuration), never a traceback.

``SpecError``, ``UsageError`` here; ``SandboxError`` (grader.sandbox),
``ArchiveError``, ``StoreError``, ``BatchError``, ``RosterError``
(grader.batch) and ``QuizError`` (grader.quiz) derive from it.
"""
from contextlib import contextmanager

import click


class GraderError(click.ClickException):
    """Bad input to the grader itself (not a failing submission)."""

    exit_code = 2


class SpecError(GraderError):
    """An exercise spec YAML file is missing, malformed or holds a wrong key or type."""


class UsageError(GraderError):
    """A command-line argument names something that does not exist."""


@contextmanager
def one_line_usage():
    """Turn click's usage errors (three lines: usage, hint, error) into one line,
    the same for every command."""
    try:
        yield
    except click.exceptions.NoArgsIsHelpError:
        raise
    except click.UsageError as exc:
        where = f" (see {exc.ctx.command_path} --help)" if exc.ctx is not None else ""
        raise UsageError(exc.format_message().replace("\n", " ") + where) from None
