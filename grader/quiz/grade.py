"""Grading quiz responses against each student's regenerated variant.

Responses come as CSV rows ``student_id, question, answer`` (a scanned paper
sheet's export or an online form). The answer may be the option letter
(``C``), the value (``26``, ``−3`` or ``-3``), or for a grid question the
cells row by row (``6 11 / 7 4``, or ``6 11 7 4``). A wrong answer equal to a
misconception's value is reported with that misconception.

A row that cannot be read (no student id, a question that is not a number)
or a question answered twice with different answers is reported for that
row; everything else is graded.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from ..korean import kformat
from .bank import Bank
from .errors import ResponsesError
from .generate import QuizRequest, generate_roster, generate_sheet
from .labels import question_number
from .model import Question, Sheet, Value, format_value
from .roster import ID_COLUMNS, find_column, read_csv
from .secret import Secret

QUESTION_COLUMNS = ("question", "q", "number", "문제")
ANSWER_COLUMNS = ("answer", "response", "답")


@dataclass(frozen=True)
class Problem:
    """Something in the responses that was not graded as it stands: a kind and its values.

    Kinds: ``no_student_id``, ``bad_question``, ``conflict`` (two different
    answers to one question), ``not_on_sheet``, ``not_in_roster``. The text is
    made in the reader's language by :func:`problem_text`.
    """

    kind: str
    line: int | None = None
    student_id: str | None = None
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Mark:
    """The grading of one answer."""

    number: int
    given: str
    status: str
    """``correct``, ``wrong``, ``blank``, ``unreadable`` or ``conflict``."""
    expected: str
    """The answer as the student saw it: ``B (54)`` in choice style, ``54`` in open style."""
    given_as: str = ""
    """The given answer the same way (``C (49)``), when it could be read."""
    tag: str | None = None
    misconception: str | None = None

    @property
    def correct(self) -> bool:
        return self.status == "correct"


@dataclass(frozen=True)
class StudentResult:
    """One student's marks (none when the student could not be graded) and what was reported."""

    student_id: str
    name: str
    marks: tuple[Mark, ...]
    problems: tuple[Problem, ...] = ()

    @property
    def score(self) -> int:
        return sum(m.correct for m in self.marks)

    @property
    def graded(self) -> bool:
        return bool(self.marks)


@dataclass(frozen=True)
class Responses:
    """What a responses file holds: answers by student and question, and the rows that were not usable."""

    answers: dict[str, dict[int, str]]
    problems: tuple[Problem, ...] = ()
    conflicts: dict[str, dict[int, tuple[str, ...]]] = field(default_factory=dict)

    def for_student(self, student_id: str) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.student_id == student_id)

    @property
    def unattributed(self) -> tuple[Problem, ...]:
        """Rows that belong to nobody (no student id)."""
        return tuple(p for p in self.problems if p.student_id is None)


def read_responses(path: str | Path) -> Responses:
    """Every readable answer of a CSV with a header; unreadable rows are reported, not fatal."""
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
    problems: list[Problem] = []
    conflicts: dict[str, dict[int, list[str]]] = {}
    for line, row in enumerate(rows[1:], start=2):
        row = row + [""] * (max(cols) + 1 - len(row))
        sid, raw_q = row[sid_c].strip(), row[q_c].strip()
        qtext = unicodedata.normalize("NFKC", raw_q).lstrip("Qq").rstrip(".")
        if not sid:
            problems.append(Problem("no_student_id", line))
            continue
        answers = out.setdefault(sid, {})
        if not qtext.isdigit():
            problems.append(Problem("bad_question", line, sid, {"question": raw_q}))
            continue
        number, answer = int(qtext), row[a_c].strip()
        if number in answers and answers[number] != answer:
            seen = conflicts.setdefault(sid, {}).setdefault(number, [answers[number]])
            if answer not in seen:
                seen.append(answer)
            problems.append(Problem("conflict", line, sid, {"question": number}))
            continue
        answers[number] = answer
    frozen = {s: {n: tuple(a) for n, a in qs.items()} for s, qs in conflicts.items()}
    return Responses(out, tuple(problems), frozen)


_INT = re.compile(r"^[+-]?\d+$")
_MINUSES = str.maketrans({"\u2212": "-", "\u2013": "-", "\u2012": "-", "\ufe63": "-"})


def _normalise(text: str) -> str:
    """Full-width forms folded (NFKC) and every minus sign read as ``-`` (sheets print U+2212)."""
    return unicodedata.normalize("NFKC", text).translate(_MINUSES).strip()


def parse_answer(text: str, q: Question, style: str) -> Value | None:
    """The value an answer stands for, or None when it cannot be read."""
    t = _normalise(text)
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


def shown(q: Question, value: Value, style: str) -> str:
    """A value as the student saw it: with its option letter (``B (54)``) when it was an option."""
    letter = next((c.letter for c in q.choices if c.value == value), None)
    if letter is not None and (style == "choice" or q.is_grid):
        return f"{letter} ({format_value(value)})"
    return format_value(value)


def mark(q: Question, given: str | None, style: str, conflicting: Sequence[str] = ()) -> Mark:
    """Grade one answer to one question (``conflicting``: the different answers given twice, scored 0)."""
    expected = shown(q, q.answer, style)
    if conflicting:
        return Mark(q.number, " | ".join(conflicting), "conflict", expected)
    if given is None or not given.strip():
        return Mark(q.number, "", "blank", expected)
    value = parse_answer(given, q, style)
    if value is None:
        return Mark(q.number, given, "unreadable", expected)
    given_as = shown(q, value, style)
    if value == q.answer:
        return Mark(q.number, given, "correct", expected, given_as)
    tag = next((t for t, v in q.misconceptions.items() if v == value), None)
    return Mark(q.number, given, "wrong", expected, given_as, tag, q.labels.get(tag) if tag else None)


def regenerate(bank: Bank, request: QuizRequest, roster: Sequence[tuple[str, str]] | None,
               secret: Secret | None = None) -> dict[str | None, Sheet]:
    """Each student's sheet (key ``None``: the one shared sheet when there is no roster)."""
    if roster is None:
        return {None: generate_sheet(bank, request, secret=secret)}
    return {s.student_id: s for s in generate_roster(bank, request, roster, secret=secret)}


def sheet_for(sheets: dict[str | None, Sheet], student_id: str, with_roster: bool) -> Sheet | None:
    """A student's sheet from :func:`regenerate`'s result: None for an id not in the roster;
    without a roster, the one shared sheet."""
    return sheets.get(student_id) if with_roster else sheets[None]


def grade_responses(bank: Bank, request: QuizRequest, roster: Sequence[tuple[str, str]] | None,
                    responses: Responses | dict[str, dict[int, str]],
                    sheets: dict[str | None, Sheet] | None = None,
                    secret: Secret | None = None) -> list[StudentResult]:
    """Grade everybody: roster students in roster order (blank if they sent nothing), then others.

    ``sheets`` is :func:`regenerate`'s result for the same arguments, when the caller already has it.
    Rows reported by :func:`read_responses` stay with their student; the rest of the class is graded.
    """
    if not isinstance(responses, Responses):
        responses = Responses(responses)
    if sheets is None:
        sheets = regenerate(bank, request, roster, secret)
    names = dict(roster) if roster is not None else {}
    order = [s for s, _ in roster] if roster is not None else []
    order += sorted(sid for sid in responses.answers if sid not in names)
    results = []
    for sid in order:
        problems = responses.for_student(sid)
        sheet = sheet_for(sheets, sid, roster is not None)
        if sheet is None:
            results.append(StudentResult(sid, "", (), problems + (Problem("not_in_roster", None, sid),)))
            continue
        answers = responses.answers.get(sid, {})
        conflicts = responses.conflicts.get(sid, {})
        extra = sorted(n for n in answers if not 1 <= n <= len(sheet.questions))
        if extra:
            problems += (Problem("not_on_sheet", None, sid, {"questions": extra}),)
        marks = tuple(mark(q, answers.get(q.number), request.style, conflicts.get(q.number, ()))
                      for q in sheet.questions)
        results.append(StudentResult(sid, names.get(sid, ""), marks, problems))
    return results


_PROBLEMS = {
    "ko": {
        "no_student_id": "{line}행: 학번이 비어 있어 이 답은 채점하지 않았습니다.",
        "bad_question": "{line}행: 문제 번호 {question!r:@이/가} 숫자가 아니어서 이 답은 채점하지 않았습니다.",
        "conflict": "{line}행: Q{question}에 서로 다른 답을 두 번 냈습니다. 이 문제는 0점으로 두었으니 "
                    "어느 답인지 확인하고 응답 파일을 고친 뒤 다시 채점하세요.",
        "not_on_sheet": "시험지에 없는 문제의 답은 채점하지 않았습니다: {questions}.",
        "not_in_roster": "명단에 없는 학번이라 채점할 시험지가 없습니다.",
    },
    "en": {
        "no_student_id": "line {line}: empty student id; this answer was not graded.",
        "bad_question": "line {line}: question {question!r} is not a number; this answer was not graded.",
        "conflict": "line {line}: two different answers to Q{question}; the question scores 0 until the "
                    "responses file says which one counts.",
        "not_on_sheet": "answers to questions not on the sheet were not graded: {questions}.",
        "not_in_roster": "not in the roster: no sheet to grade against.",
    },
}


def problem_text(p: Problem, lang: str) -> str:
    """One reported problem as a sentence in ``lang``."""
    values = dict(p.values)
    if "questions" in values:
        values["questions"] = ", ".join(f"Q{n}" for n in values["questions"])
    return kformat(_PROBLEMS[lang][p.kind], line=p.line, **values)


def results_csv(results: Sequence[StudentResult], count: int, lang: str = "ko") -> bytes:
    """One row per student: 1/0 per question, ``total`` (points earned, as in the batch's
    grades), ``max``, the misconceptions recognised and the problems reported."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["student_id", "name"] + [f"q{i}" for i in range(1, count + 1)]
               + ["total", "max", "misconceptions", "problems"])
    for r in results:
        cells = [str(int(m.correct)) for m in r.marks] or [""] * count
        tags = "; ".join(f"q{m.number}:{m.tag}" for m in r.marks if m.tag)
        problems = " ".join(problem_text(p, lang) for p in r.problems)
        w.writerow([r.student_id, r.name] + cells + [r.score if r.graded else "", count, tags, problems])
    return buf.getvalue().encode("utf-8")


_FEEDBACK = {
    "ko": {"title": "퀴즈 피드백", "score": "점수", "correct": "맞음: {expected}",
           "blank": "답 없음. 정답 {expected}", "unreadable": "읽을 수 없는 답({given}). 정답 {expected}",
           "conflict": "서로 다른 답을 두 번 냄({given}). 정답 {expected}",
           "wrong": "낸 답 {given_as}, 정답 {expected}", "shows": "추정되는 오개념",
           "unknown": "알려진 오개념과 맞지 않음", "solution": "풀이"},
    "en": {"title": "Quiz feedback", "score": "Score", "correct": "correct: {expected}",
           "blank": "no answer; expected {expected}", "unreadable": "answer could not be read ({given}); expected {expected}",
           "conflict": "two different answers ({given}); expected {expected}",
           "wrong": "your answer {given_as}, expected {expected}", "shows": "the misconception it shows",
           "unknown": "matches no known misconception", "solution": "Solution"},
}


def feedback_markdown(result: StudentResult, sheet: Sheet | None, lang: str) -> str:
    """Per-student feedback: the score, then each question with the misconception behind a wrong answer."""
    f = _FEEDBACK[lang]
    who = f"{result.student_id} {result.name}".strip()
    lines = [f"# {f['title']}: {who}", ""]
    notes = [f"- {problem_text(p, lang)}" for p in result.problems]
    if not result.graded:
        return "\n".join(lines + notes + [""])
    lines += [f"**{f['score']}: {result.score} / {len(result.marks)}**", ""]
    questions = {q.number: q for q in sheet.questions} if sheet else {}
    for m in result.marks:
        head = f"- {question_number(m.number)} "
        text = kformat(f[m.status], expected=m.expected, given=m.given, given_as=m.given_as)
        if m.status == "wrong":
            text += f". {f['shows']}: **{m.misconception}**" if m.tag else f". {f['unknown']}"
        lines.append(head + text)
        q = questions.get(m.number)
        if q is not None and not m.correct:
            lines.append(f"  - {f['solution']}: {q.solution}")
    if notes:
        lines += [""] + notes
    return "\n".join(lines) + "\n"
