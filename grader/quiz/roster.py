"""Reading the class roster (student id, optional name) from CSV."""
from __future__ import annotations

import csv
import io
from pathlib import Path

from .errors import ResponsesError

ID_COLUMNS = ("student_id", "id", "학번")
NAME_COLUMNS = ("name", "이름")


def find_column(header: list[str], names: tuple[str, ...]) -> int | None:
    """Index of the first header cell matching one of ``names`` (case-insensitive)."""
    low = [h.strip().lower().lstrip("\ufeff") for h in header]
    for n in names:
        if n in low:
            return low.index(n)
    return None


def read_csv(path: str | Path) -> list[list[str]]:
    """All rows of a UTF-8 (optionally BOM-prefixed) CSV file."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as e:
        raise ResponsesError(f"cannot read {path}: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise ResponsesError(f"{path} is not UTF-8 text") from None
    return [row for row in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in row)]


def read_roster(path: str | Path) -> list[tuple[str, str]]:
    """(student id, name) pairs in file order, read in the batch's roster format
    (``grader/batch/roster.py``: header with ``id``/``student_id``/``학번``, ``name``,
    optional ``email``; or headerless ``id,name[,email]``), so one roster.csv serves
    both. A sheet per student must not silently leave one out: a bad row is an error."""
    from grader.batch.roster import read_roster as read_class_roster
    students, problems = read_class_roster(path)
    if problems:
        raise ResponsesError(f"roster {problems[0]}")
    if not students:
        raise ResponsesError(f"roster {path} lists no students")
    return [(s.id, s.name) for s in students]
