"""Seeded sheet assembly: the same seed gives the same sheet, byte for byte.

Randomness comes only from explicit ``random.Random`` objects seeded with
integers derived by SHA-256 (never Python's ``hash()``), so sheets are the
same on every machine and Python version.

- Which kinds a sheet asks, in which order, depends on the *course* seed only:
  every student answers the same kinds in the same order (equally hard).
- The parameters of each question depend on the *sheet* seed: the course seed
  itself, or with a roster the student's seed ``sha256(f"{seed}:{student_id}")``.
"""
from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from typing import Any, Sequence

from .bank import Bank, KindSpec
from .errors import ImpossibleQuizError, QuizError
from .kinds import KINDS, Kind
from .model import Choice, Figure, Question, Sheet, Value, question_key

MAX_ATTEMPTS = 2000
"""Draws tried for one question before the request is declared impossible."""

MAX_ROSTER_RETRIES = 50
"""New seeds tried for a student whose sheet equals an earlier student's."""

STYLES = ("choice", "open")
LETTERS = "ABCDEF"


def derive_seed(*parts: Any) -> int:
    """A 63-bit seed from the SHA-256 of ``":".join(parts)``."""
    text = ":".join(str(p) for p in parts)
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big") >> 1


def student_seed(course_seed: int, student_id: str, attempt: int = 0) -> int:
    """A student's sheet seed, from the course seed and the student id."""
    if attempt == 0:
        return derive_seed(course_seed, student_id)
    return derive_seed(course_seed, student_id, attempt)


@dataclass(frozen=True)
class QuizRequest:
    """What to generate: everything needed to regenerate the same sheets."""

    seed: int
    count: int
    kinds: tuple[str, ...] = ()
    lang: str = "ko"
    style: str = "choice"


def select_kinds(bank: Bank, kinds: Sequence[str] | None) -> list[str]:
    """The requested kinds in bank order (all of the bank's when none given)."""
    if not kinds:
        return list(bank.kinds)
    unknown = [k for k in kinds if k not in bank.kinds]
    if unknown:
        raise QuizError(f"unknown question kind {unknown[0]!r} (see `euron-grade quiz kinds`)")
    return [k for k in bank.kinds if k in set(kinds)]


def plan_kinds(bank: Bank, request: QuizRequest) -> list[str]:
    """The kind of each question number, the same for every student.

    With fewer questions than kinds, the course seed picks which kinds;
    otherwise kinds repeat round-robin. Questions stay in lecture (bank) order.
    """
    if request.count < 1:
        raise QuizError(f"--count must be at least 1, not {request.count}")
    kinds = select_kinds(bank, request.kinds)
    if request.count < len(kinds):
        rng = random.Random(derive_seed("plan", request.seed))
        chosen = set(rng.sample(kinds, request.count))
        plan = [k for k in kinds if k in chosen]
    else:
        plan = [kinds[i % len(kinds)] for i in range(request.count)]
        order = {k: i for i, k in enumerate(kinds)}
        plan.sort(key=order.__getitem__)
    for name in set(plan):
        spec, kind = bank.kinds[name], KINDS[name]
        wanted, space = plan.count(name), kind.space_size(spec.params)
        if wanted > space:
            raise ImpossibleQuizError(
                f"asked for {wanted} distinct {name!r} questions but the bank allows at most {space}; "
                f"ask for fewer or widen its parameter ranges")
    return plan


def build_question(spec: KindSpec, kind: Kind, rng: random.Random, *, number: int, lang: str,
                   figures: dict[str, dict[str, str]]) -> Question | None:
    """One attempt at a question; None when the draw is not a valid question."""
    p = kind.sample(rng, {k: list(v) for k, v in spec.params.items()})
    if p is None:
        return None
    answer = kind.solve(p)
    if not _valid_answer(answer):
        return None
    expected = kind.formula(p)
    if expected != answer:
        raise RuntimeError(f"{kind.name}: layers give {answer!r}, formula gives {expected!r} for {p}")
    wrong_all = kind.wrong(p)
    recognised: dict[str, Value] = {}
    for tag in spec.misconceptions:  # bank order decides which tag names a shared value
        value = wrong_all.get(tag)
        if _valid_answer(value) and value != answer and value not in recognised.values():
            recognised[tag] = value
    if len(recognised) < spec.choices - 1:
        return None
    offered = rng.sample(sorted(recognised), spec.choices - 1)
    options: list[tuple[Value, str | None]] = [(answer, None)] + [(recognised[t], t) for t in offered]
    rng.shuffle(options)
    choices = tuple(Choice(LETTERS[i], v, tag is None, tag) for i, (v, tag) in enumerate(options))

    fields = {k: v for k, v in p.items() if not isinstance(v, (list, tuple))}
    fields.update(kind.fields(p))
    for field, words in spec.words.items():
        fields[field] = words.texts[lang][int(p[words.param])]
    fields["answer"] = format_value(answer)
    figs = tuple(Figure(figures[key][lang], grid) for key, grid in kind.figures(p))
    return Question(
        number=number, kind=kind.name, params=p,
        text=spec.text[lang].format(**fields),
        answer=answer, choices=choices,
        solution=spec.solution[lang].format(**fields),
        misconceptions=recognised,
        labels={t: spec.misconceptions[t][lang] for t in recognised},
        figures=figs,
    )


def _valid_answer(value: Any) -> bool:
    """An integer >= 0 (not a bool), or a non-empty grid of integers."""
    if isinstance(value, tuple):
        return bool(value) and all(
            isinstance(row, tuple) and row and all(isinstance(x, int) and not isinstance(x, bool) for x in row)
            for row in value)
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def format_value(value: Value) -> str:
    """An answer as plain text: ``26``, or a grid as rows ``6 11 / 7 4``."""
    if isinstance(value, tuple):
        return " / ".join(" ".join(str(x) for x in row) for row in value)
    return str(value)


def generate_sheet(bank: Bank, request: QuizRequest, *, sheet_seed: int | None = None,
                   student_id: str | None = None, student_name: str | None = None,
                   plan: list[str] | None = None) -> Sheet:
    """One sheet: the planned kinds, each drawn with the sheet's RNG, no duplicates."""
    if request.lang not in bank.title:
        raise QuizError(f"unknown language {request.lang!r} (use ko or en)")
    if request.style not in STYLES:
        raise QuizError(f"unknown style {request.style!r} (use {' or '.join(STYLES)})")
    plan = plan if plan is not None else plan_kinds(bank, request)
    seed = request.seed if sheet_seed is None else sheet_seed
    rng = random.Random(seed)
    seen: set[tuple] = set()
    questions = []
    for number, name in enumerate(plan, start=1):
        spec, kind = bank.kinds[name], KINDS[name]
        for _ in range(MAX_ATTEMPTS):
            q = build_question(spec, kind, rng, number=number, lang=request.lang, figures=bank.figures)
            if q is not None:
                key = question_key(q.kind, q.params)
                if key not in seen:
                    break
        else:
            made = sum(1 for k in plan[: number - 1] if k == name)
            raise ImpossibleQuizError(
                f"could not make question {number}: only {made} distinct {name!r} questions "
                f"found in the bank's parameter ranges; ask for fewer or widen the ranges")
        seen.add(key)
        questions.append(q)
    return Sheet(
        title=bank.title[request.lang], convention=bank.convention[request.lang],
        lang=request.lang, seed=seed, style=request.style, questions=tuple(questions),
        student_id=student_id, student_name=student_name,
    )


def generate_roster(bank: Bank, request: QuizRequest, roster: Sequence[tuple[str, str]]) -> list[Sheet]:
    """One sheet per (student id, name), each reproducible from the course seed and the id.

    A student whose sheet equals an earlier student's gets the next derived
    seed (attempt 1, 2, ...), so no two students share a sheet when the bank
    allows it. This depends on the roster order only in that rare case.
    """
    plan = plan_kinds(bank, request)
    sheets: list[Sheet] = []
    seen: set[tuple] = set()
    for student_id, name in roster:
        for attempt in range(MAX_ROSTER_RETRIES + 1):
            sheet = generate_sheet(bank, request, sheet_seed=student_seed(request.seed, student_id, attempt),
                                   student_id=student_id, student_name=name, plan=plan)
            signature = sheet.signature
            if signature not in seen:
                break
        seen.add(signature)
        sheets.append(sheet)
    return sheets
