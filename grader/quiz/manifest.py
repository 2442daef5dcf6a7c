"""The quiz manifest: the few settings that regenerate every sheet of a quiz.

Written next to the sheets (``quiz-manifest.json``) so that
``euron-grade quiz grade`` can rebuild each student's variant without the
instructor repeating the options. It stores the bank's SHA-256 so that a
bank edited after the quiz is noticed instead of grading against other
questions, and the instructor secret's fingerprint (never the secret) so that
grading with another secret file is refused instead of grading other sheets.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ResponsesError
from .generate import QuizRequest

MANIFEST_NAME = "quiz-manifest.json"
FORMAT = "euron-grade-quiz-manifest"
VERSION = 2
"""2: sheets are drawn with the instructor secret, whose fingerprint the manifest keeps."""


@dataclass(frozen=True)
class Manifest:
    """A quiz request, its roster (or None for one shared sheet) and the bank digest."""

    request: QuizRequest
    roster: tuple[tuple[str, str], ...] | None
    bank_digest: str
    secret_fingerprint: str = ""


def manifest_bytes(m: Manifest) -> bytes:
    """The manifest as deterministic JSON."""
    doc: dict[str, Any] = {
        "format": FORMAT, "version": VERSION,
        "seed": m.request.seed, "count": m.request.count, "kinds": list(m.request.kinds),
        "lang": m.request.lang, "style": m.request.style,
        "bank_sha256": m.bank_digest,
        "secret_fingerprint": m.secret_fingerprint,
        "roster": [{"student_id": s, "name": n} for s, n in m.roster] if m.roster is not None else None,
    }
    return (json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


def read_manifest(path: str | Path) -> Manifest:
    """Load a manifest written by :func:`manifest_bytes`."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as e:
        raise ResponsesError(f"cannot read quiz manifest {path}: {e.strerror or e}") from None
    except ValueError as e:
        raise ResponsesError(f"quiz manifest {path} is not valid JSON: {e}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ResponsesError(f"{path} is not a quiz manifest (no \"format\": \"{FORMAT}\")")
    if doc.get("version") != VERSION:
        raise ResponsesError(f"quiz manifest {path} has version {doc.get('version')!r}; this euron-grade reads "
                             f"version {VERSION} (sheets drawn with an instructor secret): grade it with the "
                             f"euron-grade that made it")
    try:
        request = QuizRequest(seed=int(doc["seed"]), count=int(doc["count"]), kinds=tuple(doc["kinds"]),
                              lang=str(doc["lang"]), style=str(doc["style"]))
        roster = doc["roster"]
        roster_t = None if roster is None else tuple((str(r["student_id"]), str(r.get("name", ""))) for r in roster)
        return Manifest(request, roster_t, str(doc["bank_sha256"]), str(doc["secret_fingerprint"]))
    except (KeyError, TypeError, ValueError) as e:
        raise ResponsesError(f"quiz manifest {path} is missing or has a bad field: {e}") from None
