"""Grading quiz responses against each student's regenerated variant.

Responses come as CSV rows ``student_id, question, answer`` (a scanned paper
sheet's export or an online form). The answer may be the option letter
(``C``), the value (``26``), or for a grid question the cells row by row
(``6 11 / 7 4``, or ``6 11 7 4``). A wrong answer equal to a misconception's
value is reported with that misconception.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from .bank import Bank
from .errors import ResponsesError
from .generate import QuizRequest, format_value, generate_roster, generate_sheet
from .labels import label
from .model import Question, Sheet, Value
from .roster import ID_COLUMNS, find_column, read_csv

QUESTION_COLUMNS = ("question", "q", "number", "문제")
ANSWER_COLUMNS = ("answer", "response", "답")


@dataclass(frozen=True)
class Mark:
    """The grading of one answer."""

    number: int
    given: str
    status: str
    """``correct``, ``wrong``, ``blank`` or ``unreadable``."""
    expected: str
    tag: str | None = None
    misconception: str | None = None

    @property
    def correct(self) -> bool:
        return self.status == "correct"


@dataclass(frozen=True)
class StudentResult:
    """One student's marks, or the reason they could not be graded."""

    student_id: str
    name: str
    marks: tuple[Mark, ...]
    error: str | None = None

    @property
    def score(self) -> int:
        return sum(m.correct for m in self.marks)


def read_responses(path: str | Path) -> dict[str, dict[int, str]]:
    """student id -> question number -> raw answer text, from a CSV with a header."""
    rows = read_csv(path)
    if not rows:
        raise ResponsesError(f"responses {path} are empty")
    header = rows[0]
    cols = [find_column(header, names) for names in (ID_COLUMNS, QUESTION_COLUMNS, ANSWER_COLUMNS)]
    if None in cols:
        raise ResponsesError(
            f"responses {path} need a header with student_id, question and answer columns (got {', '.join(header)})")
    sid_c, q_c, a_c = cols
    out: dict[str, dict[int, str]] = {}
    for line, row in enumerate(rows[1:], start=2):
        row = row + [""] * (max(cols) + 1 - len(row))
        sid, qtext = row[sid_c].strip(), row[q_c].strip().lstrip("Qq")
        if not sid:
            raise ResponsesError(f"responses {path} line {line}: empty student id")
        if not qtext.isdigit():
            raise ResponsesError(f"responses {path} line {line}: question {row[q_c]!r} is not a number")
        answers = out.setdefault(sid, {})
        number = int(qtext)
        if number in answers:
            raise ResponsesError(f"responses {path} line {line}: student {sid} answered question {number} twice")
        answers[number] = row[a_c].strip()
    return out


_INT = re.compile(r"^[+-]?\d+$")


def parse_answer(text: str, q: Question, style: str) -> Value | None:
    """The value an answer stands for, or None when it cannot be read."""
    t = text.strip()
    letters = {c.letter: c.value for c in q.choices}
    if t.upper().rstrip(".)") in letters and (style == "choice" or q.is_grid):
        return letters[t.upper().rstrip(".)")]
    if not q.is_grid:
        t = t.replace(",", "").replace(" ", "")
        return int(t) if _INT.match(t) else None
    if re.search(r"[^\d\s,;/|\n+-]", t):
        return None
    rows = [r for r in re.split(r"[;/|\n]", t) if r.strip()]
    if len(rows) > 1:
        grid = tuple(tuple(int(x) for x in re.findall(r"[+-]?\d+", r)) for r in rows)
        return grid if len({len(r) for r in grid}) == 1 else None
    flat = [int(x) for x in re.findall(r"[+-]?\d+", t)]
    for shape_of in [q.answer, *q.misconceptions.values()]:
        h, w = len(shape_of), len(shape_of[0])
        if h * w == len(flat):
            return tuple(tuple(flat[i * w:(i + 1) * w]) for i in range(h))
    return None


def mark(q: Question, given: str | None, style: str) -> Mark:
    """Grade one answer to one question."""
    expected = format_value(q.answer)
    if given is None or not given.strip():
        return Mark(q.number, "", "blank", expected)
    value = parse_answer(given, q, style)
    if value is None:
        return Mark(q.number, given, "unreadable", expected)
    if value == q.answer:
        return Mark(q.number, given, "correct", expected)
    tag = next((t for t, v in q.misconceptions.items() if v == value), None)
    return Mark(q.number, given, "wrong", expected, tag, q.labels.get(tag) if tag else None)


def regenerate(bank: Bank, request: QuizRequest, roster: Sequence[tuple[str, str]] | None) -> dict[str | None, Sheet]:
    """Each student's sheet (key ``None``: the one shared sheet when there is no roster)."""
    if roster is None:
        return {None: generate_sheet(bank, request)}
    return {s.student_id: s for s in generate_roster(bank, request, roster)}


def sheet_for(sheets: dict[str | None, Sheet], student_id: str, with_roster: bool) -> Sheet | None:
    """A student's sheet from :func:`regenerate`'s result: None for an id not in the roster;
    without a roster, the one shared sheet."""
    return sheets.get(student_id) if with_roster else sheets[None]


def grade_responses(bank: Bank, request: QuizRequest, roster: Sequence[tuple[str, str]] | None,
                    responses: dict[str, dict[int, str]],
                    sheets: dict[str | None, Sheet] | None = None) -> list[StudentResult]:
    """Grade everybody: roster students in roster order (blank if they sent nothing), then others.

    ``sheets`` is :func:`regenerate`'s result for the same arguments, when the caller already has it.
    """
    if sheets is None:
        sheets = regenerate(bank, request, roster)
    names = dict(roster) if roster is not None else {}
    order = [s for s, _ in roster] if roster is not None else []
    order += sorted(sid for sid in responses if sid not in names)
    results = []
    for sid in order:
        sheet = sheet_for(sheets, sid, roster is not None)
        if sheet is None:
            results.append(StudentResult(sid, "", (), error="not in the roster: no sheet to grade against"))
            continue
        answers = responses.get(sid, {})
        extra = sorted(n for n in answers if not 1 <= n <= len(sheet.questions))
        marks = tuple(mark(q, answers.get(q.number), request.style) for q in sheet.questions)
        error = f"answers to questions not on the sheet ignored: {', '.join(map(str, extra))}" if extra else None
        results.append(StudentResult(sid, names.get(sid, ""), marks, error))
    return results


def results_csv(results: Sequence[StudentResult], count: int) -> bytes:
    """One row per student: score, 1/0 per question, the misconceptions recognised, any error."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["student_id", "name", "score", "total"] + [f"q{i}" for i in range(1, count + 1)]
               + ["misconceptions", "error"])
    for r in results:
        cells = [str(int(m.correct)) for m in r.marks] or [""] * count
        tags = "; ".join(f"q{m.number}:{m.tag}" for m in r.marks if m.tag)
        w.writerow([r.student_id, r.name, r.score if r.marks else "", count] + cells + [tags, r.error or ""])
    return buf.getvalue().encode("utf-8")


_FEEDBACK = {
    "ko": {"title": "퀴즈 피드백", "score": "점수", "correct": "정답", "blank": "답 없음",
           "unreadable": "읽을 수 없는 답", "yours": "내 답", "expected": "정답",
           "shows": "이 답은 다음 오개념에서 나온다", "unknown": "알려진 오개념과 맞지 않음"},
    "en": {"title": "Quiz feedback", "score": "Score", "correct": "correct", "blank": "no answer",
           "unreadable": "answer could not be read", "yours": "your answer", "expected": "expected",
           "shows": "this answer comes from the misconception", "unknown": "matches no known misconception"},
}


def feedback_markdown(result: StudentResult, sheet: Sheet | None, lang: str) -> str:
    """Per-student feedback: the score, then each question with the misconception behind a wrong answer."""
    f = _FEEDBACK[lang]
    who = f"{result.student_id} {result.name}".strip()
    lines = [f"# {f['title']}: {who}", ""]
    if result.error and not result.marks:
        return "\n".join(lines + [result.error, ""])
    lines += [f"**{f['score']}: {result.score} / {len(result.marks)}**", ""]
    questions = {q.number: q for q in sheet.questions} if sheet else {}
    for m in result.marks:
        head = f"- {label(lang, 'question')} {m.number}: "
        if m.status == "correct":
            lines.append(head + f"{f['correct']} ({m.expected})")
            continue
        if m.status in ("blank", "unreadable"):
            lines.append(head + f"{f[m.status]}" + (f" ({m.given!r})" if m.given else "")
                         + f"; {f['expected']} {m.expected}")
        else:
            why = f"{f['shows']}: **{m.misconception}**" if m.tag else f['unknown']
            lines.append(head + f"{f['yours']} {m.given}, {f['expected']} {m.expected} — {why}")
        q = questions.get(m.number)
        if q is not None:
            lines.append(f"  - {label(lang, 'solution')}: {q.solution}")
    if result.error:
        lines += ["", result.error]
    return "\n".join(lines) + "\n"
