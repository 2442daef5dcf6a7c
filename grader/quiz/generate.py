"""Seeded sheet assembly: the same seed gives the same sheet, byte for byte.

Randomness comes only from explicit ``random.Random`` objects seeded with
integers derived by SHA-256 (never Python's ``hash()``), so sheets are the
same on every machine and Python version.

- Which kinds a sheet asks, in which order, depends on the *course* seed only:
  every student answers the same kinds in the same order (equally hard).
- The parameters of each question depend on the *sheet* seed, an HMAC of the
  instructor's secret, the course seed and (with a roster) the student id
  (:mod:`grader.quiz.secret`). Without a secret (library use, tests) the
  same inputs are hashed with plain SHA-256.
- A sheet prints its variant code, never a seed.
"""
from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass
from typing import Any, Sequence

from ..korean import kformat
from .bank import Bank, KindSpec
from .errors import ImpossibleQuizError, QuizError
from .kinds import KINDS, Kind
from .model import Choice, Figure, Question, Sheet, Value, format_value, question_key
from .secret import Secret, keyed_seed, variant_code

__all__ = ["QuizRequest", "generate_sheet", "generate_roster", "plan_kinds", "format_value", "derive_seed"]

MAX_ATTEMPTS = 2000
"""Draws tried for one question before the request is declared impossible."""

MAX_ROSTER_RETRIES = 50
"""New seeds tried for a student whose sheet equals an earlier student's."""

MAX_BALANCE_DRAWS = 100
"""Extra draws tried, in a roster, for a question that more students than their share already have."""

STYLES = ("choice", "open")
LETTERS = "ABCDEF"


def derive_seed(*parts: Any) -> int:
    """A 63-bit seed from the SHA-256 of ``":".join(parts)``."""
    text = ":".join(str(p) for p in parts)
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big") >> 1


def sheet_seed(secret: Secret | None, course_seed: int, student_id: str | None = None, attempt: int = 0) -> int:
    """A sheet's RNG seed: HMAC of the secret, the course seed, the student id (and a retry count)."""
    parts: tuple[Any, ...] = (course_seed,) if student_id is None else (course_seed, student_id)
    return keyed_seed(secret, *parts, *((attempt,) if attempt else ()))


def sheet_code(secret: Secret | None, course_seed: int, student_id: str | None = None) -> str:
    """The variant code printed on a sheet (and its key)."""
    return variant_code(secret, course_seed, student_id or "")


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
    # a grid option has the size the question states; other sizes are still recognised when typed
    offerable = [t for t in sorted(recognised) if _shape(recognised[t]) == _shape(answer)]
    if len(offerable) < spec.choices - 1:
        return None
    offered = rng.sample(offerable, spec.choices - 1)
    options: list[tuple[Value, str | None]] = [(answer, None)] + [(recognised[t], t) for t in offered]
    rng.shuffle(options)
    choices = tuple(Choice(LETTERS[i], v, tag is None, tag) for i, (v, tag) in enumerate(options))

    fields = {k: v for k, v in p.items() if not isinstance(v, (list, tuple))}
    fields.update(kind.fields(p))
    fields["answer"] = format_value(answer)
    for field, words in spec.words.items():
        index = p[words.param] if words.param in p else fields[words.param]
        fields[field] = kformat(words.texts[lang][int(index)], **fields)
    figs = tuple(Figure(figures[key][lang], grid) for key, grid in kind.figures(p))
    return Question(
        number=number, kind=kind.name, params=p,
        text=kformat(spec.text[lang], **fields),
        answer=answer, choices=choices,
        solution=kformat(spec.solution[lang], **fields),
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


def _shape(value: Value) -> tuple[int, int] | None:
    return (len(value), len(value[0])) if isinstance(value, tuple) else None


def generate_sheet(bank: Bank, request: QuizRequest, *, secret: Secret | None = None,
                   student_id: str | None = None, student_name: str | None = None,
                   plan: list[str] | None = None, attempt: int = 0,
                   usage: dict[tuple, int] | None = None, share: dict[str, int] | None = None) -> Sheet:
    """One sheet: the planned kinds, each drawn with the sheet's RNG, no duplicates.

    The RNG is seeded with :func:`sheet_seed` (the secret, the course seed,
    the student id). ``usage`` and ``share`` (roster generation) count how
    many earlier students got each question and how many a kind's question
    may be given to: a draw over its share is redrawn (at most
    ``MAX_BALANCE_DRAWS`` times, then the least given draw is taken).
    """
    if request.lang not in bank.title:
        raise QuizError(f"unknown language {request.lang!r} (use ko or en)")
    if request.style not in STYLES:
        raise QuizError(f"unknown style {request.style!r} (use {' or '.join(STYLES)})")
    plan = plan if plan is not None else plan_kinds(bank, request)
    seed = sheet_seed(secret, request.seed, student_id, attempt)
    rng = random.Random(seed)
    seen: set[tuple] = set()
    questions = []
    for number, name in enumerate(plan, start=1):
        spec, kind = bank.kinds[name], KINDS[name]
        best: tuple[int, Question, tuple] | None = None
        over_share = 0
        for _ in range(MAX_ATTEMPTS):
            q = build_question(spec, kind, rng, number=number, lang=request.lang, figures=bank.figures)
            if q is None:
                continue
            key = question_key(q.kind, q.params)
            if key in seen:
                continue
            given = usage.get((number, key), 0) if usage is not None else 0
            if best is None or given < best[0]:
                best = (given, q, key)
            if share is None or given < share[name]:
                break
            over_share += 1
            if over_share >= MAX_BALANCE_DRAWS:
                break
        if best is None:
            made = sum(1 for k in plan[: number - 1] if k == name)
            raise ImpossibleQuizError(
                f"could not make question {number}: only {made} distinct {name!r} questions "
                f"found in the bank's parameter ranges; ask for fewer or widen the ranges")
        _, q, key = best
        seen.add(key)
        questions.append(q)
    return Sheet(
        title=bank.title[request.lang], convention=bank.convention[request.lang],
        lang=request.lang, seed=seed, code=sheet_code(secret, request.seed, student_id),
        style=request.style, questions=tuple(questions),
        student_id=student_id, student_name=student_name,
    )


def generate_roster(bank: Bank, request: QuizRequest, roster: Sequence[tuple[str, str]], *,
                    secret: Secret | None = None) -> list[Sheet]:
    """One sheet per (student id, name), reproducible from the secret, the course seed, the roster.

    Students are drawn in roster order. The i-th student (from 1) gets a
    question of a kind with v variants only if fewer than ceil(i / v) earlier
    students got it, when the draws allow: the few variants of small kinds
    are spread evenly over the class. A student whose whole sheet equals an
    earlier student's gets the next derived seed (attempt 1, 2, ...). So a
    sheet depends on the students before it in the roster (which the quiz
    manifest keeps), never on those after it: adding a late student at the
    end changes no sheet already printed.
    """
    plan = plan_kinds(bank, request)
    sizes = {name: KINDS[name].space_size(bank.kinds[name].params) for name in set(plan)}
    usage: dict[tuple, int] = {}
    sheets: list[Sheet] = []
    seen: set[tuple] = set()
    for index, (student_id, name) in enumerate(roster, start=1):
        share = {kind: math.ceil(index / size) for kind, size in sizes.items()}
        for attempt in range(MAX_ROSTER_RETRIES + 1):
            sheet = generate_sheet(bank, request, secret=secret, student_id=student_id, student_name=name,
                                   plan=plan, attempt=attempt, usage=usage, share=share)
            signature = sheet.signature
            if signature not in seen:
                break
        seen.add(signature)
        for q in sheet.questions:
            key = (q.number, question_key(q.kind, q.params))
            usage[key] = usage.get(key, 0) + 1
        sheets.append(sheet)
    return sheets
