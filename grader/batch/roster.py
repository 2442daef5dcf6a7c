"""The class roster: one CSV format for the batch and the quiz.

Accepted:

* a header row naming the columns: ``id`` or ``student_id`` (or ``학번``),
  ``name`` (or ``이름``), optional ``email`` (or ``e-mail``, ``이메일``),
  in any order, other columns ignored;
* no header: ``id,name`` or ``id,name,email`` rows.

UTF-8 with or without a BOM; blank lines are skipped. A file that cannot be
used at all raises :class:`RosterError` (a ``ValueError``) with one line; a
bad row (empty id, a repeated id, an email without ``@``, the wrong number of
fields) is skipped with one :class:`~grader.batch.archive.Problem` line
naming ``roster.csv:LINE``.

``read_roster(path) -> (students, problems)`` is the one entry point, for
``euron-grade batch --roster`` today and for the quiz's grading later.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import os
from pathlib import Path

from grader.batch.archive import Problem
from grader.errors import GraderError

ID_COLUMNS = ("id", "student_id", "학번")
NAME_COLUMNS = ("name", "이름")
EMAIL_COLUMNS = ("email", "e-mail", "이메일")


class RosterError(GraderError, ValueError):
    """The roster cannot be read at all: one line."""


@dataclasses.dataclass(frozen=True)
class Student:
    """A row of the gradebook: id, name and email from the roster if listed."""

    id: str
    name: str = ""
    email: str = ""
    on_roster: bool = False
    submitted: bool = False
    status: str = ""      # set by the batch: see grader.batch.gradebook.STATUSES


def _column(header: list[str], names: tuple[str, ...]) -> int | None:
    low = [h.strip().lower() for h in header]
    for name in names:
        if name in low:
            return low.index(name)
    return None


def read_roster(path: str | os.PathLike) -> tuple[list[Student], list[Problem]]:
    """The students listed in ``path`` (file order) and the problems of its bad rows."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise RosterError(f"{path}: no such roster file") from None
    except IsADirectoryError:
        raise RosterError(f"{path}: is a folder, not a roster file") from None
    except UnicodeDecodeError:
        raise RosterError(f"{path}: the roster is not UTF-8 text (save it as CSV UTF-8)") from None
    except OSError as exc:
        raise RosterError(f"{path}: cannot be read ({exc.strerror})") from None
    rows = [(n, [c.strip() for c in row]) for n, row in enumerate(csv.reader(io.StringIO(text)), start=1)]
    rows = [(n, cells) for n, cells in rows if any(cells)]
    if not rows:
        raise RosterError(f"{path}: the roster is empty")
    first = rows[0][1]
    id_col = _column(first, ID_COLUMNS)
    if id_col is not None:
        name_col, email_col = _column(first, NAME_COLUMNS), _column(first, EMAIL_COLUMNS)
        width, rows = len(first), rows[1:]
        needed = max(c for c in (id_col, name_col) if c is not None) + 1   # the email may be left off
    else:
        id_col, name_col, email_col, width = 0, 1, 2, None
    students: dict[str, Student] = {}
    problems: list[Problem] = []
    for lineno, cells in rows:
        where = f"{path}:{lineno}"
        if width is None and len(cells) not in (2, 3):
            problems.append(Problem(None, where, f"roster row has {len(cells)} fields, expected id,name[,email]; skipped"))
            continue
        if width is not None and not (needed <= len(cells) <= width):
            problems.append(Problem(None, where, f"roster row has {len(cells)} fields, the header {width}; skipped"))
            continue

        def cell(col):
            return cells[col] if col is not None and col < len(cells) else ""

        sid, name, email = cell(id_col), cell(name_col), cell(email_col)
        if not sid:
            problems.append(Problem(None, where, "roster row has an empty id; skipped"))
        elif sid in students:
            problems.append(Problem(sid, where, f"id {sid!r} is listed twice; the first row is used"))
        elif email and "@" not in email:
            problems.append(Problem(sid, where, f"{email!r} is not an email address; skipped"))
        else:
            students[sid] = Student(sid, name, email, on_roster=True)
    if not students:
        raise RosterError(f"{path}: the roster lists no students")
    return list(students.values()), problems
