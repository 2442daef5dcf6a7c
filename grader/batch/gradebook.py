"""The instructor's outputs, from stored results: grades.csv (and the Canvas
and Moodle import files), feedback files (Markdown and HTML), Gradescope
results.json, summary.md, summary.html and summary.png.

Student text (ids, names, file names, whatever their code printed) never
changes the structure of what it lands in: CSV cells that a spreadsheet
would take for a formula are neutralised (:func:`csv_text`), Markdown gets
backslash-escaped text and fences longer than any backtick run inside
(:func:`md_text`), HTML is escaped (:mod:`grader.batch.html`).

Everything is a pure function of the rows, the roster and the problems, in
a fixed order and with no timestamps, so an interrupted run that is resumed
writes byte-for-byte the same files as an uninterrupted one. Every file is
written atomically (temporary file in the same folder, then rename).
"""

from __future__ import annotations

import collections
import csv
import dataclasses
import hashlib
import io
import json
import os
import re
import statistics
import tempfile
from pathlib import Path

from grader.batch.archive import Problem
from grader.engine.notebook import skipped_notebooks, skipped_once
from grader.batch.roster import Student, read_roster  # noqa: F401 - Student is part of this module's API
from grader import korean
from grader.korean import kformat

CRASH_CODES = {"timeout": "timed out", "died": "crashed", "memory": "memory limit"}
#: A student's status in grades.csv.
STATUSES = {
    "graded": "graded",
    "empty": "handed in, but no exercise file to grade",
    "unreadable": "the submission could not be read (see the summary)",
    "absent": "on the roster, nothing handed in",
    "not_on_roster": "graded, but not on the roster",
    "error": "the grader failed on every exercise (run again with --resume)",
}
NOT_GRADED = ("unreadable", "error")     # exit code 1, listed by the command
LMS_FORMATS = ("canvas", "moodle")
POINTS_POSSIBLE = "Points Possible"

#: Every sentence and heading of the feedback files, summary.md, summary.html and
#: Gradescope's texts, per language; rendered with grader.korean.kformat
#: (``{field:@이/가}`` chooses the particle from the value). CSV headers and
#: status codes stay English: they are data that LMSs and scripts read.
TEXT = {
    "en": {
        "feedback_title": "Feedback for {who}", "total": "Total", "could_not_grade": "Could not be graded: {file}: {why}",
        "nothing_submitted": "{ex}: nothing submitted ({ex}.py not found), 0 points.",
        "gs_not_submitted": "{ex}.py was not submitted.", "gs_passed": "All checks passed.",
        "gs_graded": "Graded by euron-grade.",
        "crash_timeout": "timed out", "crash_died": "crashed", "crash_memory": "memory limit",
        "not_graded_why": "not graded: {why}", "import_why": "could not be imported: {why}",
        "kind_grader_error": "the grader failed", "kind_load_error": "the module would not import",
        "kind_depends": "uses {dep}, which fails",
        "summary": "Class summary",
        "students_line": "Students: {n} ({submitted} submitted{absent})",
        "absent_clause": ", {n} on the roster submitted nothing",
        "functions_line": "Graded functions: {n}, {points} points in all",
        "notebooks_line": "Notebooks with skipped cells: {n}", "png_alt": "totals and pass rates",
        "distribution": "Distribution of totals",
        "graded_line": "{n} students graded; mean {mean}, median {median} of {max}.", "nobody": "Nobody graded.",
        "per_exercise": "Scores per exercise",
        "exercise_head": "| exercise | graded | mean | median | max points | full marks |",
        "functions": "Functions", "function_head": "| function | passed | failed | pass rate |",
        "failures": "Failures by kind",
        "failures_note": "Each failed function once: the misconception recognised, else the kind of the first failure.",
        "failure_head": "| count | function | kind | |",
        "crashes": "Crashes, timeouts and modules that would not import", "not_graded": "Not graded",
        "empty": "Empty submissions", "absent": "No submission", "cells": "Notebook cells not run",
        "similar": "Near-identical submissions",
        "similar_note": "Pairs whose normalised code (names, comments, order of functions aside) is near-identical.",
        "similar_head": "| similarity | student | total | student | total |",
        "unreadable": "Submissions that could not be read", "ta_notes": "Notes for the TA", "none": "None.",
        "no_student": "(no student)",
        # summary.html
        "html_counts": "{students} students, {graded} graded; {functions} functions, {points} points in all.",
        "html_pass_rate": "Pass rate per function", "html_crashes": "Crashes and timeouts",
        "html_failure_head": ("count", "function", "kind"), "html_pair": "{pct} %: {a} ({ta}) and {b} ({tb})",
        "html_students": "Students", "html_sort": "Click a heading to sort.",
        "html_student_head": ("student", "name", "status"), "html_total": "total",
        # summary.png
        "png_totals": "totals (n={n}, of {max})", "png_students": "students", "png_rate": "pass rate (%)",
        "png_functions": "functions",
        **{f"status_{k}": k for k in ("graded", "empty", "unreadable", "absent", "not_on_roster", "error")},
    },
    "ko": {
        "feedback_title": "피드백: {who}", "total": "총점", "could_not_grade": "채점하지 못함: {file}: {why}",
        "nothing_submitted": "{ex}: 제출하지 않음({ex}.py 없음), 0점.",
        "gs_not_submitted": "{ex}.py를 제출하지 않았습니다.", "gs_passed": "모든 검사를 통과했습니다.",
        "gs_graded": "euron-grade로 채점했습니다.",
        "crash_timeout": "시간 초과", "crash_died": "비정상 종료", "crash_memory": "메모리 제한 초과",
        "not_graded_why": "채점하지 못함: {why}", "import_why": "불러올 수 없음: {why}",
        "kind_grader_error": "채점기 오류", "kind_load_error": "모듈을 불러올 수 없음",
        "kind_depends": "실패하는 {dep:@을/를} 사용함",
        "summary": "반 전체 요약",
        "students_line": "학생: {n}명(제출 {submitted}명{absent})",
        "absent_clause": ", 명단에 있지만 제출하지 않음 {n}명",
        "functions_line": "채점한 함수: {n}개, 모두 {points}점",
        "notebooks_line": "건너뛴 셀이 있는 노트북: {n}개", "png_alt": "총점 분포와 함수별 통과율",
        "distribution": "총점 분포",
        "graded_line": "채점한 학생 {n}명, {max}점 만점에 평균 {mean}점, 중앙값 {median}점.",
        "nobody": "채점한 학생이 없습니다.",
        "per_exercise": "실습별 점수",
        "exercise_head": "| 실습 | 채점 | 평균 | 중앙값 | 배점 | 만점자 |",
        "functions": "함수별 결과", "function_head": "| 함수 | 통과 | 실패 | 통과율 |",
        "failures": "실패 유형별",
        "failures_note": "실패한 함수마다 한 번씩 셉니다. 오개념을 알아낸 경우 그 오개념, 아니면 첫 실패의 종류입니다.",
        "failure_head": "| 수 | 함수 | 유형 | |",
        "crashes": "비정상 종료, 시간 초과, 불러올 수 없는 모듈", "not_graded": "채점하지 못한 학생",
        "empty": "빈 제출물", "absent": "제출하지 않은 학생", "cells": "실행하지 않은 노트북 셀",
        "similar": "거의 같은 제출물",
        "similar_note": "이름, 주석, 함수 순서를 무시하고 정규화한 코드가 거의 같은 쌍입니다.",
        "similar_head": "| 유사도 | 학생 | 총점 | 학생 | 총점 |",
        "unreadable": "읽을 수 없는 제출물", "ta_notes": "조교 참고 사항", "none": "없음.",
        "no_student": "(학생 없음)",
        "html_counts": "학생 {students}명, 채점 {graded}명; 함수 {functions}개, 모두 {points}점.",
        "html_pass_rate": "함수별 통과율", "html_crashes": "비정상 종료와 시간 초과",
        "html_failure_head": ("수", "함수", "유형"), "html_pair": "{pct} %: {a}({ta}), {b}({tb})",
        "html_students": "학생", "html_sort": "열 제목을 누르면 정렬됩니다.",
        "html_student_head": ("학번", "이름", "상태"), "html_total": "총점",
        "png_totals": "총점 (n={n}, {max}점 만점)", "png_students": "학생 수", "png_rate": "통과율 (%)",
        "png_functions": "함수",
        "status_graded": "채점함", "status_empty": "빈 제출물", "status_unreadable": "읽을 수 없음",
        "status_absent": "제출하지 않음", "status_not_on_roster": "명단에 없음", "status_error": "채점기 오류",
    },
}

_KO_NOTES = [
    (re.compile(r"^(.+?) (?:was|were) taken from the notebook (.+)$"),
     lambda m: kformat("{files:@은/는} 노트북 {nb}에서 가져왔습니다", files=m.group(1).replace(" and ", ", "),
                       nb=m.group(2))),
    (re.compile(r"^(.+?): (.+), not from this notebook$"),
     lambda m: kformat("{nb}: {what}. 이 노트북에서 가져오지 않았습니다", nb=m.group(1),
                       what=re.sub(r"(\S+) is graded from the (?:file|notebook) (\S+)",
                                   lambda g: kformat("{t:@은/는} {src}에서 채점함", t=g.group(1), src=g.group(2)),
                                   m.group(2)))),
    (re.compile(r"^(.+?) defines none of the graded functions; it was not graded$"),
     lambda m: kformat("{nb}에는 채점하는 함수가 하나도 없어 채점하지 않았습니다", nb=m.group(1))),
    (re.compile(r"^is (\d+) bytes, over the limit; not graded$"),
     lambda m: f"{m.group(1)}바이트로 크기 제한을 넘어 채점하지 않았습니다"),
    (re.compile(r"^is a symbolic link; links are not followed, not graded$"),
     lambda m: "심볼릭 링크라서 따라가지 않고 채점하지 않았습니다"),
    (re.compile(r"^ignored: not a folder, a \.zip or a notebook$"), lambda m: "무시함: 폴더, .zip, 노트북이 아님"),
    (re.compile(r"^ignored: not in a student's folder$"), lambda m: "무시함: 학생 폴더 밖에 있음"),
    (re.compile(r"^not a valid zip file \(corrupt or truncated\)$"), lambda m: "올바른 zip 파일이 아님(손상되었거나 잘림)"),
    (re.compile(r"^not on the roster \(graded anyway\)$"), lambda m: "명단에 없음(그래도 채점함)"),
    (re.compile(r"^the submission could not be read \(see the summary\)$"), lambda m: "제출물을 읽을 수 없음(요약 참고)"),
    (re.compile(r"^the grader failed on every exercise \(run again with --resume\)$"),
     lambda m: "모든 실습에서 채점기가 실패함(--resume으로 다시 실행하세요)"),
    (re.compile(r"^more than (\d+) files; the rest were ignored$"), lambda m: f"파일이 {m.group(1)}개를 넘어 나머지는 무시함"),
]


def say(lang: str, key: str, **values) -> str:
    """One text of :data:`TEXT` in ``lang`` (English for an unknown language)."""
    return korean.say(TEXT, lang, key, **values)


def note_text(note, lang: str) -> str:
    """A note or problem message of the archive reader (English data) in ``lang``:
    the known ones in Korean words, the rest as they are."""
    note = str(note)
    if lang != "ko":
        return note
    for pattern, render in _KO_NOTES:
        m = pattern.match(note)
        if m:
            return render(m)
    return note


def problem_text(problem: Problem, lang: str) -> str:
    return f"{problem.path}: {note_text(problem.message, lang)}"


@dataclasses.dataclass(frozen=True)
class Column:
    """One graded function: ``exercise.function`` and its points."""

    exercise: str
    function: str
    points: float

    @property
    def title(self) -> str:
        return f"{self.exercise}.{self.function}"


@dataclasses.dataclass
class ClassResults:
    """What the gradebook is made of.

    results: (student, exercise) -> stored result dict (``report.document``).
    reports: (student, exercise) -> the student's Markdown report.
    notes: student -> notes about reading their submission (notebooks ...).
    """

    columns: list[Column]
    students: list[Student]
    results: dict[tuple[str, str], dict]
    reports: dict[tuple[str, str], str]
    problems: list[Problem]
    notes: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    ta_notes: list[Problem] = dataclasses.field(default_factory=list)     # the summary's only
    why: dict[str, str] = dataclasses.field(default_factory=dict)          # student -> why not graded
    sources: dict[str, dict[str, bytes]] = dataclasses.field(default_factory=dict)  # for similarity
    specs: dict = dataclasses.field(default_factory=dict, repr=False)    # exercise -> Spec or None (cache)
    lang: str = "en"                                                       # of every text written

    @property
    def exercises(self) -> list[str]:
        return list(dict.fromkeys(c.exercise for c in self.columns))


# -- helpers -----------------------------------------------------------------------

def write_atomic(path: str | os.PathLike, data: bytes | str, fsync: bool = True) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename (nothing
    is written when the file already holds exactly ``data``, as after --resume).
    ``fsync=False`` for files that ``--resume`` rewrites from the store anyway."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        if path.stat().st_size == len(raw) and path.read_bytes() == raw and not path.is_symlink():
            return
    except OSError:
        pass
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
            f.flush()
            if fsync:
                os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def safe_filename(student: str) -> str:
    """A file name for a student id: letters (any script), digits, ``.-_``;
    a short hash is added when anything had to be replaced."""
    clean = re.sub(r"[^\w.\-]", "_", student, flags=re.UNICODE).strip("._") or "student"
    if clean != student:
        clean += "-" + hashlib.sha256(student.encode()).hexdigest()[:8]
    return clean[:120]


def points(value: float) -> str:
    """2 -> '2', 2.5 -> '2.5', 1/3 -> '0.3333'."""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def function_results(results: ClassResults, student: str) -> dict[str, dict]:
    """``exercise.function`` -> that function's result dict for one student."""
    found = {}
    for exercise in results.exercises:
        result = results.results.get((student, exercise))
        for fr in (result or {}).get("functions", []):
            found[f"{exercise}.{fr['name']}"] = fr
    return found


def _exercise_scores(results: ClassResults, exercise: str) -> tuple[list[float], float]:
    """(every graded student's score, in student order; the exercise's points)."""
    scores = [r["score"] for (_, e), r in sorted(results.results.items()) if e == exercise]
    return scores, sum(c.points for c in results.columns if c.exercise == exercise)


def total(results: ClassResults, student: str) -> float:
    return sum(r.get("score", 0.0) for ex in results.exercises
               if (r := results.results.get((student, ex))) is not None)


# -- grades.csv ------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_text(value: str) -> str:
    """A text cell a spreadsheet will not run: OWASP's advice against CSV
    injection, a leading ``'`` before ``= + - @``, tab or CR. Numbers are
    written by :func:`points`, never through here."""
    value = str(value)
    return "'" + value if value.startswith(_FORMULA_START) else value


def _csv(rows) -> str:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(rows)
    return out.getvalue()


def subtotal_title(exercise: str) -> str:
    return f"{exercise} total"


def _score_cells(results: ClassResults, student: str) -> list[str]:
    """Per function, then the exercise's subtotal, exercise after exercise."""
    got = function_results(results, student)
    cells = []
    for ex in results.exercises:
        cells += [points(got.get(c.title, {}).get("score", 0.0)) for c in results.columns if c.exercise == ex]
        cells.append(points(results.results.get((student, ex), {}).get("score", 0.0)))
    return cells


def _possible_cells(results: ClassResults) -> list[str]:
    cells = []
    for ex in results.exercises:
        mine = [c for c in results.columns if c.exercise == ex]
        cells += [points(c.points) for c in mine] + [points(sum(c.points for c in mine))]
    return cells


def grades_csv(results: ClassResults) -> str:
    """A header, a points-possible row, then one row per student: student, name,
    email, status, each function's points and each exercise's subtotal, total."""
    titles = []
    for ex in results.exercises:
        titles += [c.title for c in results.columns if c.exercise == ex] + [subtotal_title(ex)]
    max_total = points(sum(c.points for c in results.columns))
    rows = [["student", "name", "email", "status"] + titles + ["total"],
            [POINTS_POSSIBLE, "", "", ""] + _possible_cells(results) + [max_total]]
    for st in results.students:
        rows.append([csv_text(st.id), csv_text(st.name), csv_text(st.email), st.status or "graded"]
                    + _score_cells(results, st.id) + [points(total(results, st.id))])
    return _csv(rows)


def lms_csv(results: ClassResults, lms: str) -> str:
    """A grade-import CSV for ``lms``, one assignment column per exercise.

    canvas: Canvas's gradebook import (Grades > Import): ``Student``, ``ID``,
        ``SIS User ID``, ``SIS Login ID``, ``Section``, then one column per
        assignment; the second row, ``Points Possible``, gives each maximum.
        ``ID`` (Canvas's own user id) is left empty; Canvas matches the student
        by ``SIS User ID`` (the roster id) or ``SIS Login ID`` (the email).
    moodle: Moodle's grade import from a CSV file (Grades > Import > CSV file):
        ``ID number``, ``Full name``, ``Email address``, then one column per
        grade item; "Identify user by" maps ``Email address`` or ``ID number``,
        each grade column is mapped to a grade item.
    Students on the roster who handed nothing in get 0; students not on the
    roster are left out when a roster was given (the LMS would not know them).
    """
    exercises = results.exercises
    maxima = [points(sum(c.points for c in results.columns if c.exercise == ex)) for ex in exercises]
    has_roster = any(st.on_roster for st in results.students)
    chosen = [st for st in results.students if st.on_roster or not has_roster]

    def scores(st):
        return [points(results.results.get((st.id, ex), {}).get("score", 0.0)) for ex in exercises]

    if lms == "canvas":
        rows = [["Student", "ID", "SIS User ID", "SIS Login ID", "Section"] + exercises,
                [POINTS_POSSIBLE, "", "", "", ""] + maxima]
        rows += [[csv_text(st.name or st.id), "", csv_text(st.id), csv_text(st.email), ""] + scores(st)
                 for st in chosen]
    elif lms == "moodle":
        rows = [["ID number", "Full name", "Email address"] + exercises]
        rows += [[csv_text(st.id), csv_text(st.name), csv_text(st.email)] + scores(st) for st in chosen]
    else:
        raise ValueError(f"unknown LMS {lms!r}")
    return _csv(rows)


# -- Markdown safety ----------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*\[\]<>!&~|#+=\-{}])|(?<![^\W_])_|_(?![^\W_])")


def md_text(text) -> str:
    """``text`` as literal Markdown inline text: one line, with every character
    that can start Markdown structure backslash-escaped (CommonMark), so no
    heading, list, emphasis, link, code span, table cell or HTML can come out
    of it, wherever on a line it is put."""
    one_line = " ".join(str(text).split())
    # "_" inside a word (snake_case) cannot open or close emphasis: left as it is
    escaped = _MD_SPECIAL.sub(lambda m: "\\" + m.group(0), one_line)
    return re.sub(r"^(\d+)([.)])", r"\1\\\2", escaped)     # "1." would start an ordered list


# -- feedback -----------------------------------------------------------------------------

def feedback_markdown(results: ClassResults, st: Student) -> str:
    """The student's feedback file: each exercise's report, what was missing,
    and what could not be read (in ``results.lang``)."""
    lang = results.lang
    max_total = sum(c.points for c in results.columns)
    who = f"{st.id} ({st.name})" if st.name else st.id
    lines = [f"# {say(lang, 'feedback_title', who=md_text(who))}", "",
             f"**{say(lang, 'total')}: {points(total(results, st.id))} / {points(max_total)}**", ""]
    for problem in (p for p in results.problems if p.student == st.id):
        lines.append("- " + say(lang, "could_not_grade", file=md_text(os.path.basename(problem.path)),
                                why=md_text(note_text(problem.message, lang))))
    for note in results.notes.get(st.id, []):
        lines.append(f"- {md_text(note_text(note, lang))}")
    for line in skipped_once([r for ex in results.exercises if (r := results.results.get((st.id, ex)))], lang):
        indent, _, text = line.partition("- ")
        lines.append(f"{indent}- {md_text(text)}")
    missing = [ex for ex in results.exercises if (st.id, ex) not in results.results]
    for ex in missing:
        lines.append("- " + say(lang, "nothing_submitted", ex=ex))
    if lines[-1] != "":
        lines.append("")
    for ex in results.exercises:
        report = results.reports.get((st.id, ex))
        if report:
            lines += ["---", "", report.rstrip(), ""]
    return "\n".join(lines).rstrip() + "\n"


# -- Gradescope ---------------------------------------------------------------------------

def _spec_of(results: ClassResults, exercise: str):
    """The exercise's spec (visibility of its Gradescope tests), or None when it is no longer known."""
    if exercise not in results.specs:
        from grader.engine.spec import load_spec
        from grader.errors import GraderError
        try:
            results.specs[exercise] = load_spec(exercise)
        except GraderError:
            results.specs[exercise] = None
    return results.specs[exercise]


def visibility(results: ClassResults, exercise: str, group: str | None = None) -> str:
    """A Gradescope test's visibility, from the spec's ``gradescope`` key (default visible)."""
    spec = _spec_of(results, exercise)
    return spec.visibility(group) if spec is not None else "visible"


def _group_tests(results: ClassResults, c: Column, fr: dict, lang: str) -> list[dict]:
    """One Gradescope test per case group of a function scored with partial credit
    (``scoring: cases``), each with its own share, feedback and visibility."""
    from grader.engine import report
    from grader.engine.results import FunctionResult
    known = {f.name for f in dataclasses.fields(FunctionResult)}
    result = FunctionResult(**{k: v for k, v in fr.items() if k in known})
    tests = []
    for g in fr["groups"]:
        passed = g["passed"] == g["cases"]
        what = report.group_feedback(result, c.exercise, g["group"], lang) if not passed else ""
        tests.append({"name": f"{c.title}: {report.group_name(g['group'], lang)}", "score": float(g["score"]),
                      "max_score": float(g["max_score"]), "status": "passed" if passed else "failed",
                      "output": report.group_line(g, lang) + (f"\n{what}" if what else ""),
                      "output_format": "text", "visibility": visibility(results, c.exercise, g["group"])})
    return tests


def gradescope_json(results: ClassResults, st: Student) -> str:
    """Gradescope's autograder results schema: a total score and one test per function
    (per function and case group with partial credit), visibility from the spec."""
    got = function_results(results, st.id)
    tests = []
    for c in results.columns:
        fr = got.get(c.title)
        if fr is None:
            tests.append({"name": c.title, "score": 0.0, "max_score": c.points, "status": "failed",
                          "output": say(results.lang, "gs_not_submitted", ex=c.exercise),
                          "visibility": visibility(results, c.exercise)})
            continue
        if fr.get("groups"):
            lang = (results.results.get((st.id, c.exercise)) or {}).get("lang", results.lang)
            tests += _group_tests(results, c, fr, lang)
            continue
        tests.append({"name": c.title, "score": float(fr.get("score", 0.0)), "max_score": float(c.points),
                      "status": "passed" if fr.get("passed") else "failed",
                      "output": fr.get("feedback") or say(results.lang, "gs_passed"), "output_format": "text",
                      "visibility": visibility(results, c.exercise)})
    problems = [f"{os.path.basename(p.path)}: {note_text(p.message, results.lang)}"
                for p in results.problems if p.student == st.id]
    doc = {"score": float(total(results, st.id)),
           "output": "\n".join(problems) if problems else say(results.lang, "gs_graded"),
           "visibility": "visible", "stdout_visibility": "hidden", "tests": tests}
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


# -- summary ------------------------------------------------------------------------------

def _crashes(results: ClassResults) -> list[tuple[str, str, str]]:
    """(student, exercise.function or exercise, why) for crashes, timeouts,
    memory limits and modules that would not import."""
    found, lang = [], results.lang
    for (student, ex), result in sorted(results.results.items()):
        if result.get("grader_error"):
            found.append((student, ex, say(lang, "not_graded_why", why=str(result["grader_error"])[:160])))
            continue
        if result.get("load_error"):
            found.append((student, ex, say(lang, "import_why", why=result["load_error"].splitlines()[0][:120])))
            continue
        for fr in result.get("functions", []):
            code = (fr.get("failure") or {}).get("code")
            if code in CRASH_CODES:
                found.append((student, f"{ex}.{fr['name']}", say(lang, f"crash_{code}")))
    return found


def failure_kind(result: dict, fr: dict, lang: str = "en") -> tuple[str, str]:
    """(kind, words) of a failed function: its misconception key when one was
    recognised, else the failure's code, else why the exercise was not run."""
    if fr.get("misconception"):
        return fr["misconception"], fr.get("misconception_text") or ""
    if result.get("grader_error"):
        return "grader_error", say(lang, "kind_grader_error")
    if result.get("load_error"):
        return "load_error", say(lang, "kind_load_error")
    if fr.get("depends_on_failing"):
        return "depends_on_failing", say(lang, "kind_depends", dep=fr["depends_on_failing"])
    code = (fr.get("failure") or {}).get("code")
    return (code, "") if code else ("failed", "")


@dataclasses.dataclass
class ClassStats:
    """Everything the class report shows, computed once."""

    totals: list[tuple[Student, float]]          # students with something graded
    max_total: float
    pass_rates: list[tuple[Column, int, int]]    # (column, passed, graded)
    failures: list[tuple[int, str, str, str]]    # (count, function, kind, words), most frequent first
    crashes: list[tuple[str, str, str]]
    not_graded: list[tuple[Student, str]]
    empty: list[Student]
    absent: list[Student]
    cells: list[tuple[str, str]]                 # (student, note on notebook cells not run)
    similar: list[tuple[str, str, float]]        # (student, student, similarity)


def class_stats(results: ClassResults) -> ClassStats:
    from grader.batch import similarity
    per_student = {st.id: function_results(results, st.id) for st in results.students}
    graded = [st for st in results.students if any((st.id, ex) in results.results for ex in results.exercises)]
    rates = []
    for c in results.columns:
        frs = [fr for found in per_student.values() if (fr := found.get(c.title))]
        rates.append((c, sum(1 for f in frs if f.get("passed")), len(frs)))
    counter: collections.Counter = collections.Counter()
    for (student, ex), result in results.results.items():
        for fr in result.get("functions", []):
            if not fr.get("passed"):
                kind, text = failure_kind(result, fr, results.lang)
                counter[(f"{ex}.{fr['name']}", kind, text)] += 1
    failures = sorted(((n, fn, kind, text) for (fn, kind, text), n in counter.items()),
                      key=lambda t: (-t[0], t[1], t[2]))
    cells = [(sid, note_text(note, results.lang)) for sid in sorted(results.notes) for note in results.notes[sid]
             if "skipped" in note or "not run" in note]
    totals = {st.id: total(results, st.id) for st in graded}
    sources = {sid: files for sid, files in results.sources.items() if sid in totals}
    return ClassStats(
        totals=[(st, totals[st.id]) for st in graded], max_total=sum(c.points for c in results.columns),
        pass_rates=rates, failures=failures, crashes=_crashes(results),
        not_graded=[(st, note_text(results.why.get(st.id, STATUSES.get(st.status, st.status)), results.lang))
                    for st in results.students if st.status in NOT_GRADED],
        empty=[st for st in results.students if st.status == "empty"],
        absent=[st for st in results.students if st.status == "absent"],
        cells=cells, similar=similarity.similar_pairs(sources) if len(sources) > 1 else [])


def distribution(values: list[float], max_value: float, bins: int = 10) -> list[tuple[float, float, int]]:
    """(low, high, count) for ``bins`` equal bins over [0, max_value]; the last is closed."""
    if max_value <= 0:
        return []
    counts = [0] * bins
    for v in values:
        counts[min(bins - 1, max(0, int(bins * v / max_value)))] += 1
    return [(max_value * i / bins, max_value * (i + 1) / bins, n) for i, n in enumerate(counts)]


def _histogram_text(scores: list[float], max_score: float, bins: int = 5) -> list[str]:
    lines = []
    for i, (lo, hi, n) in enumerate(distribution(scores, max_score, bins)):
        bracket = "]" if i == bins - 1 else ")"
        lines.append(f"    [{points(lo):>5}, {points(hi):>5}{bracket} {'#' * n} {n}")
    return lines


def _pct(n: int, d: int) -> str:
    return f"{100 * n / d:.0f} %" if d else "–"


def summary_markdown(results: ClassResults, png_name: str | None = "summary.png",
                     stats: ClassStats | None = None) -> str:
    """The class report for the TA: statistics, the distribution of totals, pass
    rates, every kind of failure, who could not be graded and why, empty
    submissions, notebook cells not run, near-identical submissions, notes."""
    stats = stats or class_stats(results)
    lang = results.lang

    def t(key: str, **values) -> str:
        return say(lang, key, **values)

    submitted = [s for s in results.students if s.submitted]
    absent = (t("absent_clause", n=len(stats.absent)) if any(s.on_roster for s in results.students) else "")
    lines = [f"# {t('summary')}", "",
             "- " + t("students_line", n=len(results.students), submitted=len(submitted), absent=absent),
             "- " + t("functions_line", n=len(results.columns), points=points(stats.max_total)),
             "- " + t("notebooks_line", n=len(skipped_notebooks(results.results))),
             ""]
    if png_name:
        lines += [f"![{t('png_alt')}]({png_name})", ""]
    lines += [f"## {t('distribution')}", ""]
    values = [v for _, v in stats.totals]
    if values:
        lines += [t("graded_line", n=len(values), mean=f"{statistics.fmean(values):.2f}",
                    median=f"{statistics.median(values):g}", max=points(stats.max_total)), "", "```",
                  *_histogram_text(values, stats.max_total, 10), "```", ""]
    else:
        lines += [t("nobody"), ""]
    lines += [f"## {t('per_exercise')}", "", t("exercise_head"),
              "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for ex in results.exercises:
        scores, mx = _exercise_scores(results, ex)
        if scores:
            lines.append(f"| {ex} | {len(scores)} | {statistics.fmean(scores):.2f} | {statistics.median(scores):g} "
                         f"| {points(mx)} | {sum(1 for s in scores if s >= mx)} |")
        else:
            lines.append(f"| {ex} | 0 | – | – | {points(mx)} | 0 |")
    lines.append("")
    for ex in results.exercises:
        scores, mx = _exercise_scores(results, ex)
        if scores:
            lines += [f"{ex}:", "", "```", *_histogram_text(scores, mx), "```", ""]
    lines += [f"## {t('functions')}", "", t("function_head"), "| --- | ---: | ---: | ---: |"]
    for c, passed, n in stats.pass_rates:
        lines.append(f"| {c.title} | {passed} | {n - passed} | {_pct(passed, n)} |")
    lines += ["", f"## {t('failures')}", "", t("failures_note"), ""]
    none = t("none")
    if stats.failures:
        lines += [t("failure_head"), "| ---: | --- | --- | --- |"]
        lines += [f"| {n} | {fn} | `{kind}` | {md_text(text)} |" for n, fn, kind, text in stats.failures]
    else:
        lines.append(none)
    lines += ["", f"## {t('crashes')}", ""]
    lines += [f"- {md_text(s)}: {what}: {md_text(why)}" for s, what, why in stats.crashes] or [none]
    lines += ["", f"## {t('not_graded')}", ""]
    lines += [f"- {md_text(st.id)}: {md_text(why)}" for st, why in stats.not_graded] or [none]
    lines += ["", f"## {t('empty')}", ""]
    lines += [f"- {md_text(st.id)}" for st in stats.empty] or [none]
    lines += ["", f"## {t('absent')}", ""]
    lines += [f"- {md_text(s.id)}" + (f" ({md_text(s.name)})" if s.name else "") for s in stats.absent] or [none]
    lines += ["", f"## {t('cells')}", ""]
    lines += [f"- {md_text(sid)}: {md_text(note)}" for sid, note in stats.cells] or [none]
    lines += ["", f"## {t('similar')}", "", t("similar_note"), ""]
    if stats.similar:
        scores = {st.id: v for st, v in stats.totals}
        lines += [t("similar_head"), "| ---: | --- | ---: | --- | ---: |"]
        lines += [f"| {100 * sc:.0f} % | {md_text(a)} | {points(scores.get(a, 0))} | {md_text(b)} | "
                  f"{points(scores.get(b, 0))} |" for a, b, sc in stats.similar]
    else:
        lines.append(none)
    lines += ["", f"## {t('unreadable')}", ""]
    lines += [f"- {md_text(p.student or t('no_student'))}: {md_text(problem_text(p, lang))}"
              for p in results.problems] or [none]
    lines += ["", f"## {t('ta_notes')}", ""]
    lines += [f"- {md_text(problem_text(p, lang))}" for p in results.ta_notes] or [none]
    return "\n".join(lines) + "\n"


def hangul_font() -> str | None:
    """The name of a font matplotlib knows that has Hangul (Nanum, Noto CJK/KR), or None."""
    try:
        from matplotlib import font_manager
    except ImportError:
        return None
    for f in font_manager.fontManager.ttflist:
        if f.name.startswith(("NanumGothic", "NanumBarunGothic", "Noto Sans CJK", "Noto Sans KR", "Malgun")):
            return f.name
    return None


def summary_png(results: ClassResults, stats: ClassStats | None = None) -> bytes | None:
    """The distribution of totals and each function's pass rate, as PNG bytes
    (each bar centred on its value); None without matplotlib."""
    try:
        import matplotlib
        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    stats = stats or class_stats(results)
    font = hangul_font() if results.lang == "ko" else None
    with plt.rc_context({"font.family": [font, "DejaVu Sans"]} if font else {}):
        return _draw_png(plt, results, stats, font)


def _draw_png(plt, results: ClassResults, stats: ClassStats, font: str | None) -> bytes:
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.4), gridspec_kw={"width_ratios": [1, 1.2]})
    bins = distribution([t for _, t in stats.totals], stats.max_total, 10)
    if bins:
        centres = [(lo + hi) / 2 for lo, hi, _ in bins]
        width = bins[0][1] - bins[0][0]
        left.bar(centres, [n for *_, n in bins], width=width * 0.9, align="center", color="#4472c4")
        left.set_xticks(centres, [f"{points(lo)}–{points(hi)}" for lo, hi, _ in bins], rotation=45, ha="right")
    lang = results.lang if results.lang != "ko" or font else "en"     # no Hangul font: English labels
    left.set_title(say(lang, "png_totals", n=len(stats.totals), max=points(stats.max_total)), fontsize=9)
    left.set_ylabel(say(lang, "png_students"), fontsize=8)
    names = [c.title for c, _, _ in stats.pass_rates]
    rates = [100 * p / n if n else 0 for _, p, n in stats.pass_rates]
    right.barh(range(len(names)), rates, align="center", color="#70ad47")
    right.set_yticks(range(len(names)), names)
    right.invert_yaxis()
    right.set_xlim(0, 100)
    right.set_xlabel(say(lang, "png_rate"), fontsize=8)
    right.set_title(say(lang, "png_functions"), fontsize=9)
    for ax in (left, right):
        ax.tick_params(labelsize=7)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


# -- all of it ---------------------------------------------------------------------------

def file_names(results: ClassResults) -> dict[str, str]:
    """student id -> the stem of their files (unique)."""
    names, taken = {}, set()
    for st in results.students:
        name = safe_filename(st.id)
        if name in taken:  # two ids that clean to the same name
            name = f"{name}-{hashlib.sha256(st.id.encode()).hexdigest()[:8]}"
        taken.add(name)
        names[st.id] = name
    return names


def write_gradebook(out_dir: str | os.PathLike, results: ClassResults, lms=()) -> list[Path]:
    """Write every output file into ``out_dir`` and remove every output file
    of an earlier run that this one does not write (students no longer in
    the class, temporary files of an interrupted write); return the paths."""
    from grader.batch import html
    out = Path(out_dir)
    written = []

    def put(rel: str, data, fsync: bool = True) -> None:
        write_atomic(out / rel, data, fsync)
        written.append(out / rel)

    put("grades.csv", grades_csv(results))
    for kind in lms:
        put(f"grades-{kind}.csv", lms_csv(results, kind))
    names = file_names(results)
    for st in results.students:
        name = names[st.id]
        md = feedback_markdown(results, st)
        # per-student files are not synced one by one: a power cut can at worst leave one
        # torn, and --resume rewrites every file that differs from what the store gives
        put(f"feedback/{name}.md", md, fsync=False)
        put(f"feedback/{name}.html", html.page(say(results.lang, "feedback_title", who=st.id), html.markdown_to_html(md),
                                               lang=results.lang), fsync=False)
        put(f"gradescope/{name}/results.json", gradescope_json(results, st), fsync=False)
    stats = class_stats(results)
    png = summary_png(results, stats)
    put("summary.md", summary_markdown(results, "summary.png" if png else None, stats))
    put("summary.html", html.summary_html(results, stats, names))
    if png:
        put("summary.png", png)
    _prune(out, written)
    return written


def _prune(out: Path, written: list[Path]) -> None:
    """Remove what is ours in ``out`` but was not written now."""
    from grader.batch.owner import OUTPUTS
    keep = {p.resolve() for p in written}
    for folder in ("feedback", "gradescope"):
        root = out / folder
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*"), key=lambda p: -len(p.parts)):
            if path.is_symlink() or path.is_file():
                if path.resolve() not in keep:
                    path.unlink()
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()
    for name in OUTPUTS:
        path = out / name
        if path.is_file() and name.endswith((".csv", ".md", ".html", ".png")) and path.resolve() not in keep:
            path.unlink()
    for entry in out.iterdir():   # a write interrupted between its temporary file and the rename
        if entry.is_file() and any(entry.name.startswith(f".{name}.") for name in OUTPUTS):
            entry.unlink()
