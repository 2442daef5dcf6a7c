"""The instructor's outputs, from stored results: grades.csv, feedback files,
Gradescope results.json, summary.md and summary.png.

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

CRASH_CODES = {"timeout": "timed out", "died": "crashed", "memory": "memory limit"}


@dataclasses.dataclass(frozen=True)
class Column:
    """One graded function: ``exercise.function`` and its points."""

    exercise: str
    function: str
    points: float

    @property
    def title(self) -> str:
        return f"{self.exercise}.{self.function}"


@dataclasses.dataclass(frozen=True)
class Student:
    """A row of the gradebook: id, name and email from the roster if listed."""

    id: str
    name: str = ""
    email: str = ""
    on_roster: bool = False
    submitted: bool = False


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

    @property
    def exercises(self) -> list[str]:
        return list(dict.fromkeys(c.exercise for c in self.columns))


# -- roster ----------------------------------------------------------------------------

def read_roster(path: str | os.PathLike) -> tuple[list[Student], list[Problem]]:
    """``id,name,email`` rows (a header row is optional). A bad row is
    skipped with a one-line problem naming the file and line; a file that
    cannot be read at all raises ValueError with such a line."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise ValueError(f"{path}: no such roster file") from None
    except UnicodeDecodeError:
        raise ValueError(f"{path}: the roster is not UTF-8 text (save it as CSV UTF-8)") from None
    except OSError as exc:
        raise ValueError(f"{path}: cannot be read ({exc.strerror})") from None
    students: dict[str, Student] = {}
    problems: list[Problem] = []
    for lineno, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [c.strip() for c in row]
        if not any(cells):
            continue
        if lineno == 1 and cells[0].lower() in ("id", "student", "student_id", "login"):
            continue
        where = f"{path}:{lineno}"
        if len(cells) != 3:
            problems.append(Problem(None, where, f"roster row has {len(cells)} fields, expected 3 (id, name, email); skipped"))
        elif not cells[0]:
            problems.append(Problem(None, where, "roster row has an empty id; skipped"))
        elif cells[0] in students:
            problems.append(Problem(cells[0], where, f"id {cells[0]!r} is listed twice; the first row is used"))
        elif cells[2] and "@" not in cells[2]:
            problems.append(Problem(cells[0], where, f"{cells[2]!r} is not an email address; skipped"))
        else:
            students[cells[0]] = Student(cells[0], cells[1], cells[2], on_roster=True)
    return list(students.values()), problems


# -- helpers -----------------------------------------------------------------------

def write_atomic(path: str | os.PathLike, data: bytes | str) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
            f.flush()
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

def grades_csv(results: ClassResults) -> str:
    """One row per student: student, name, one column per function, total."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["student", "name"] + [c.title for c in results.columns] + ["total"])
    for st in results.students:
        got = function_results(results, st.id)
        cells = [points(got.get(c.title, {}).get("score", 0.0)) for c in results.columns]
        writer.writerow([st.id, st.name] + cells + [points(total(results, st.id))])
    return out.getvalue()


# -- feedback -----------------------------------------------------------------------------

def feedback_markdown(results: ClassResults, st: Student) -> str:
    """The student's feedback file: each exercise's report, what was missing,
    and what could not be read."""
    max_total = sum(c.points for c in results.columns)
    who = f"{st.id} ({st.name})" if st.name else st.id
    lines = [f"# Feedback for {who}", "", f"**Total: {points(total(results, st.id))} / {points(max_total)}**", ""]
    for problem in (p for p in results.problems if p.student == st.id):
        lines.append(f"- Could not be graded: `{os.path.basename(problem.path)}`: {problem.message}")
    for note in results.notes.get(st.id, []):
        lines.append(f"- {note}")
    lines += skipped_once([r for ex in results.exercises if (r := results.results.get((st.id, ex)))])
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

def gradescope_json(results: ClassResults, st: Student) -> str:
    """Gradescope's autograder results schema: a total score and one test per function."""
    got = function_results(results, st.id)
    tests = []
    for c in results.columns:
        fr = got.get(c.title)
        if fr is None:
            tests.append({"name": c.title, "score": 0.0, "max_score": c.points, "status": "failed",
                          "output": f"{c.exercise}.py was not submitted.", "visibility": "visible"})
            continue
        tests.append({"name": c.title, "score": float(fr.get("score", 0.0)), "max_score": float(c.points),
                      "status": "passed" if fr.get("passed") else "failed",
                      "output": fr.get("feedback") or "All checks passed.", "output_format": "text",
                      "visibility": "visible"})
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


def _histogram_text(scores: list[float], max_score: float, bins: int = 5) -> list[str]:
    if not scores or max_score <= 0:
        return []
    counts = [0] * bins
    for s in scores:
        counts[min(bins - 1, int(bins * s / max_score))] += 1
    lines = []
    for i, n in enumerate(counts):
        lo, hi = max_score * i / bins, max_score * (i + 1) / bins
        bracket = "]" if i == bins - 1 else ")"
        lines.append(f"    [{points(lo):>5}, {points(hi):>5}{bracket} {'#' * n} {n}")
    return lines


def summary_markdown(results: ClassResults, png_name: str | None = "summary.png") -> str:
    """Class statistics per exercise, the most common misconceptions, the
    crashes and timeouts, and every submission that could not be graded."""
    submitted = [s for s in results.students if s.submitted]
    lines = ["# Class summary", "",
             f"- Students: {len(results.students)} ({len(submitted)} submitted"
             + (f", {sum(1 for s in results.students if s.on_roster and not s.submitted)} on the roster "
                "submitted nothing" if any(s.on_roster for s in results.students) else "") + ")",
             f"- Graded functions: {len(results.columns)}, {points(sum(c.points for c in results.columns))} points in all",
             f"- Notebooks with skipped cells: {len(skipped_notebooks(results.results))}",
             ""]
    if png_name:
        lines += [f"![score histograms]({png_name})", ""]
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
    lines += ["## Functions", "", "| function | passed | failed |", "| --- | ---: | ---: |"]
    per_student = [function_results(results, st.id) for st in results.students]
    for c in results.columns:
        frs = [fr for found in per_student if (fr := found.get(c.title))]
        lines.append(f"| {c.title} | {sum(1 for f in frs if f.get('passed'))} | {sum(1 for f in frs if not f.get('passed'))} |")
    lines += ["", "## Most common misconceptions", ""]
    counter = collections.Counter()
    for (student, ex), result in results.results.items():
        for fr in result.get("functions", []):
            if fr.get("misconception"):
                counter[(f"{ex}.{fr['name']}", fr["misconception"], fr.get("misconception_text") or "")] += 1
    if counter:
        lines += ["| count | function | misconception |", "| ---: | --- | --- |"]
        for (fn, key, text), n in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])):
            lines.append(f"| {n} | {fn} | {text or key} (`{key}`) |")
    else:
        lines.append("None recognised.")
    lines += ["", "## Crashes, timeouts and modules that would not import", ""]
    crashes = _crashes(results)
    lines += [f"- {s}: {what}: {why}" for s, what, why in crashes] or ["None."]
    lines += ["", "## No submission", ""]
    lines += [f"- {s.id}" + (f" ({s.name})" if s.name else "") for s in results.students if not s.submitted] or ["None."]
    lines += ["", "## Submissions that could not be graded", ""]
    lines += [f"- {p.student or '(no student)'}: {p}" for p in results.problems] or ["None."]
    return "\n".join(lines) + "\n"


def summary_png(results: ClassResults) -> bytes | None:
    """Score histograms per exercise as PNG bytes; None without matplotlib."""
    try:
        import matplotlib
        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    exercises = results.exercises
    fig, axes = plt.subplots(1, max(1, len(exercises)), figsize=(3.2 * max(1, len(exercises)), 2.8), squeeze=False)
    for ax, ex in zip(axes[0], exercises):
        scores, mx = _exercise_scores(results, ex)
        ax.hist(scores, bins=10, range=(0, mx or 1), color="#4472c4", edgecolor="white")
        ax.set_title(f"{ex} (n={len(scores)})", fontsize=9)
        ax.set_xlabel("points", fontsize=8)
        ax.tick_params(labelsize=7)
    axes[0][0].set_ylabel("students", fontsize=8)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


# -- all of it ---------------------------------------------------------------------------

def write_gradebook(out_dir: str | os.PathLike, results: ClassResults) -> list[Path]:
    """Write every output file into ``out_dir``; return their paths."""
    out = Path(out_dir)
    written = []

    def put(rel: str, data) -> None:
        write_atomic(out / rel, data)
        written.append(out / rel)

    put("grades.csv", grades_csv(results))
    names = {}
    for st in results.students:
        name = safe_filename(st.id)
        if name in names:  # two ids that clean to the same name
            name = f"{name}-{hashlib.sha256(st.id.encode()).hexdigest()[:8]}"
        names[name] = st.id
        put(f"feedback/{name}.md", feedback_markdown(results, st))
        put(f"gradescope/{name}/results.json", gradescope_json(results, st))
    png = summary_png(results)
    put("summary.md", summary_markdown(results, "summary.png" if png else None))
    if png:
        put("summary.png", png)
    return written
