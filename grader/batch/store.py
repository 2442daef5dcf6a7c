"""The batch's results store: one SQLite file in the output folder.

Every graded (student, exercise) is committed on its own as soon as it is
known, with the submission's content hash, the grader version and the seed,
so a run killed at any moment loses at most the submissions being graded.
``--resume`` asks :meth:`Store.is_current` which rows are still valid; a row
is replaced, never duplicated (the key is (student, exercise)).
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from grader.errors import GraderError

FILENAME = "results.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    student        TEXT NOT NULL,
    exercise       TEXT NOT NULL,
    content_hash   TEXT NOT NULL,
    grader_version TEXT NOT NULL,
    seed           INTEGER NOT NULL,
    status         TEXT NOT NULL,       -- 'graded' or 'error' (the grader failed, not the student)
    score          REAL NOT NULL,
    max_score      REAL NOT NULL,
    result_json    TEXT NOT NULL,       -- report.document(result, lang)
    report_md      TEXT NOT NULL,       -- the student's readable report
    PRIMARY KEY (student, exercise)
);
"""


@dataclass(frozen=True)
class Row:
    """One stored result."""

    student: str
    exercise: str
    content_hash: str
    grader_version: str
    seed: int
    status: str
    score: float
    max_score: float
    result: dict
    report_md: str


class StoreError(GraderError):
    """The results store cannot be opened (e.g. not an SQLite file)."""


class Store:
    """Results of one output folder; use as a context manager."""

    def __init__(self, out_dir: str | os.PathLike) -> None:
        self.path = Path(out_dir) / FILENAME
        try:
            self.db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")   # a committed row survives a power cut
            self.db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: not a results store ({exc})") from None

    def put(self, student: str, exercise: str, *, content_hash: str, grader_version: str, seed: int,
            result: dict, report_md: str, status: str = "graded") -> None:
        """Insert or replace one result, committed before returning."""
        self.db.execute(
            "INSERT INTO results VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT(student, exercise) DO UPDATE SET "
            "content_hash=excluded.content_hash, grader_version=excluded.grader_version, seed=excluded.seed, "
            "status=excluded.status, score=excluded.score, max_score=excluded.max_score, "
            "result_json=excluded.result_json, report_md=excluded.report_md",
            (student, exercise, content_hash, grader_version, int(seed), status,
             float(result.get("score", 0.0)), float(result.get("max_score", 0.0)),
             json.dumps(result, ensure_ascii=False, sort_keys=True), report_md))

    def is_current(self, student: str, exercise: str, *, content_hash: str, grader_version: str,
                   seed: int) -> bool:
        """True if a graded row exists for exactly this content, grader and seed."""
        row = self.db.execute(
            "SELECT 1 FROM results WHERE student=? AND exercise=? AND content_hash=? AND grader_version=? "
            "AND seed=? AND status='graded'", (student, exercise, content_hash, grader_version, int(seed))
        ).fetchone()
        return row is not None

    def rows(self) -> list[Row]:
        """Every stored row, by student then exercise."""
        cur = self.db.execute("SELECT student, exercise, content_hash, grader_version, seed, status, score, "
                              "max_score, result_json, report_md FROM results ORDER BY student, exercise")
        return [Row(*r[:8], json.loads(r[8]), r[9]) for r in cur]

    def count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM results").fetchone()[0]

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
