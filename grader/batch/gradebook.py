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
    and what could not be read."""
    max_total = sum(c.points for c in results.columns)
    who = f"{st.id} ({st.name})" if st.name else st.id
    lines = [f"# Feedback for {md_text(who)}", "", f"**Total: {points(total(results, st.id))} / {points(max_total)}**", ""]
    for problem in (p for p in results.problems if p.student == st.id):
        lines.append(f"- Could not be graded: {md_text(os.path.basename(problem.path))}: {md_text(problem.message)}")
    for note in results.notes.get(st.id, []):
        lines.append(f"- {md_text(note)}")
    for line in skipped_once([r for ex in results.exercises if (r := results.results.get((st.id, ex)))]):
        indent, _, text = line.partition("- ")
        lines.append(f"{indent}- {md_text(text)}")
    missing = [ex for ex in results.exercises if (st.id, ex) not in results.results]
    for ex in missing:
        lines.append(f"- {ex}: nothing submitted ({ex}.py not found), 0 points.")
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
                          "output": f"{c.exercise}.py was not submitted.",
                          "visibility": visibility(results, c.exercise)})
            continue
        if fr.get("groups"):
            lang = (results.results.get((st.id, c.exercise)) or {}).get("lang", "en")
            tests += _group_tests(results, c, fr, lang)
            continue
        tests.append({"name": c.title, "score": float(fr.get("score", 0.0)), "max_score": float(c.points),
                      "status": "passed" if fr.get("passed") else "failed",
                      "output": fr.get("feedback") or "All checks passed.", "output_format": "text",
                      "visibility": visibility(results, c.exercise)})
    problems = [f"{os.path.basename(p.path)}: {p.message}" for p in results.problems if p.student == st.id]
    doc = {"score": float(total(results, st.id)),
           "output": "\n".join(problems) if problems else "Graded by euron-grade.",
           "visibility": "visible", "stdout_visibility": "hidden", "tests": tests}
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


# -- summary ------------------------------------------------------------------------------

def _crashes(results: ClassResults) -> list[tuple[str, str, str]]:
    """(student, exercise.function or exercise, why) for crashes, timeouts,
    memory limits and modules that would not import."""
    found = []
    for (student, ex), result in sorted(results.results.items()):
        if result.get("grader_error"):
            found.append((student, ex, "not graded: " + str(result["grader_error"])[:160]))
            continue
        if result.get("load_error"):
            found.append((student, ex, "could not be imported: " + result["load_error"].splitlines()[0][:120]))
            continue
        for fr in result.get("functions", []):
            code = (fr.get("failure") or {}).get("code")
            if code in CRASH_CODES:
                found.append((student, f"{ex}.{fr['name']}", CRASH_CODES[code]))
    return found


def failure_kind(result: dict, fr: dict) -> tuple[str, str]:
    """(kind, words) of a failed function: its misconception key when one was
    recognised, else the failure's code, else why the exercise was not run."""
    if fr.get("misconception"):
        return fr["misconception"], fr.get("misconception_text") or ""
    if result.get("grader_error"):
        return "grader_error", "the grader failed"
    if result.get("load_error"):
        return "load_error", "the module would not import"
    if fr.get("depends_on_failing"):
        return "depends_on_failing", f"uses {fr['depends_on_failing']}, which fails"
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
                kind, text = failure_kind(result, fr)
                counter[(f"{ex}.{fr['name']}", kind, text)] += 1
    failures = sorted(((n, fn, kind, text) for (fn, kind, text), n in counter.items()),
                      key=lambda t: (-t[0], t[1], t[2]))
    cells = [(sid, note) for sid in sorted(results.notes) for note in results.notes[sid]
             if "skipped" in note or "not run" in note]
    totals = {st.id: total(results, st.id) for st in graded}
    sources = {sid: files for sid, files in results.sources.items() if sid in totals}
    return ClassStats(
        totals=[(st, totals[st.id]) for st in graded], max_total=sum(c.points for c in results.columns),
        pass_rates=rates, failures=failures, crashes=_crashes(results),
        not_graded=[(st, results.why.get(st.id, STATUSES.get(st.status, st.status)))
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
    submitted = [s for s in results.students if s.submitted]
    lines = ["# Class summary", "",
             f"- Students: {len(results.students)} ({len(submitted)} submitted"
             + (f", {len(stats.absent)} on the roster submitted nothing" if any(s.on_roster for s in results.students)
                else "") + ")",
             f"- Graded functions: {len(results.columns)}, {points(stats.max_total)} points in all",
             f"- Notebooks with skipped cells: {len(skipped_notebooks(results.results))}",
             ""]
    if png_name:
        lines += [f"![totals and pass rates]({png_name})", ""]
    lines += ["## Distribution of totals", ""]
    values = [t for _, t in stats.totals]
    if values:
        lines += [f"{len(values)} students graded; mean {statistics.fmean(values):.2f}, median "
                  f"{statistics.median(values):g} of {points(stats.max_total)}.", "", "```",
                  *_histogram_text(values, stats.max_total, 10), "```", ""]
    else:
        lines += ["Nobody graded.", ""]
    lines += ["## Scores per exercise", "", "| exercise | graded | mean | median | max points | full marks |",
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
    lines += ["## Functions", "", "| function | passed | failed | pass rate |", "| --- | ---: | ---: | ---: |"]
    for c, passed, n in stats.pass_rates:
        lines.append(f"| {c.title} | {passed} | {n - passed} | {_pct(passed, n)} |")
    lines += ["", "## Failures by kind", "",
              "Each failed function once: the misconception recognised, else the kind of the first failure.", ""]
    if stats.failures:
        lines += ["| count | function | kind | |", "| ---: | --- | --- | --- |"]
        lines += [f"| {n} | {fn} | `{kind}` | {md_text(text)} |" for n, fn, kind, text in stats.failures]
    else:
        lines.append("None.")
    lines += ["", "## Crashes, timeouts and modules that would not import", ""]
    lines += [f"- {md_text(s)}: {what}: {md_text(why)}" for s, what, why in stats.crashes] or ["None."]
    lines += ["", "## Not graded", ""]
    lines += [f"- {md_text(st.id)}: {md_text(why)}" for st, why in stats.not_graded] or ["None."]
    lines += ["", "## Empty submissions", ""]
    lines += [f"- {md_text(st.id)}" for st in stats.empty] or ["None."]
    lines += ["", "## No submission", ""]
    lines += [f"- {md_text(s.id)}" + (f" ({md_text(s.name)})" if s.name else "") for s in stats.absent] or ["None."]
    lines += ["", "## Notebook cells not run", ""]
    lines += [f"- {md_text(sid)}: {md_text(note)}" for sid, note in stats.cells] or ["None."]
    lines += ["", "## Near-identical submissions", "",
              "Pairs whose normalised code (names, comments, order of functions aside) is near-identical.", ""]
    if stats.similar:
        scores = {st.id: t for st, t in stats.totals}
        lines += ["| similarity | student | total | student | total |", "| ---: | --- | ---: | --- | ---: |"]
        lines += [f"| {100 * sc:.0f} % | {md_text(a)} | {points(scores.get(a, 0))} | {md_text(b)} | "
                  f"{points(scores.get(b, 0))} |" for a, b, sc in stats.similar]
    else:
        lines.append("None.")
    lines += ["", "## Submissions that could not be read", ""]
    lines += [f"- {md_text(p.student or '(no student)')}: {md_text(p)}" for p in results.problems] or ["None."]
    lines += ["", "## Notes for the TA", ""]
    lines += [f"- {md_text(p)}" for p in results.ta_notes] or ["None."]
    return "\n".join(lines) + "\n"


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
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.4), gridspec_kw={"width_ratios": [1, 1.2]})
    bins = distribution([t for _, t in stats.totals], stats.max_total, 10)
    if bins:
        centres = [(lo + hi) / 2 for lo, hi, _ in bins]
        width = bins[0][1] - bins[0][0]
        left.bar(centres, [n for *_, n in bins], width=width * 0.9, align="center", color="#4472c4")
        left.set_xticks(centres, [f"{points(lo)}–{points(hi)}" for lo, hi, _ in bins], rotation=45, ha="right")
    left.set_title(f"totals (n={len(stats.totals)}, of {points(stats.max_total)})", fontsize=9)
    left.set_ylabel("students", fontsize=8)
    names = [c.title for c, _, _ in stats.pass_rates]
    rates = [100 * p / n if n else 0 for _, p, n in stats.pass_rates]
    right.barh(range(len(names)), rates, align="center", color="#70ad47")
    right.set_yticks(range(len(names)), names)
    right.invert_yaxis()
    right.set_xlim(0, 100)
    right.set_xlabel("pass rate (%)", fontsize=8)
    right.set_title("functions", fontsize=9)
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
        put(f"feedback/{name}.html", html.page(f"Feedback for {st.id}", html.markdown_to_html(md)), fsync=False)
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
