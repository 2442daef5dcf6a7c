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
    """(student id, name) pairs in file order; a header with a student_id column is required."""
    rows = read_csv(path)
    if not rows:
        raise ResponsesError(f"roster {path} is empty")
    header = rows[0]
    id_col = find_column(header, ID_COLUMNS)
    if id_col is None:
        raise ResponsesError(f"roster {path} needs a header with a student_id column (got {', '.join(header)})")
    name_col = find_column(header, NAME_COLUMNS)
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for line, row in enumerate(rows[1:], start=2):
        sid = row[id_col].strip() if id_col < len(row) else ""
        if not sid:
            raise ResponsesError(f"roster {path} line {line}: empty student id")
        if sid in seen:
            raise ResponsesError(f"roster {path} line {line}: student id {sid!r} appears twice")
        seen.add(sid)
        name = row[name_col].strip() if name_col is not None and name_col < len(row) else ""
        out.append((sid, name))
    if not out:
        raise ResponsesError(f"roster {path} lists no students")
    return out
