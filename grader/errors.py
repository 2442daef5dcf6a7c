"""Errors a person can fix: printed as one line, exit code 2 (usage or configuration)."""
import click


class GraderError(click.ClickException):
    """Bad input to the grader itself (not a failing submission)."""

    exit_code = 2


class SpecError(GraderError):
    """An exercise spec YAML file is missing, malformed or holds a wrong key or type."""


class UsageError(GraderError):
    """A command-line argument names something that does not exist."""
