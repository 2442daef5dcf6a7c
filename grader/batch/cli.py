"""``euron-grade batch``: options -> ``grader.batch.run``; progress and one-line errors."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from grader.batch import run as batch_mod


class _Printer:
    """A progress bar (count, rate, ETA) on a terminal; one plain line per job otherwise."""

    def __init__(self, stream=None) -> None:
        self.stream = stream or sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.started = time.monotonic()

    def __call__(self, p: batch_mod.Progress) -> None:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = p.done / elapsed
        eta = (p.total - p.done) / rate if rate > 0 else 0.0
        if self.tty:
            width = 30
            filled = int(width * p.done / max(p.total, 1))
            line = (f"\r[{'#' * filled}{'.' * (width - filled)}] {p.done}/{p.total}  "
                    f"{rate:.1f}/s  ETA {int(eta) // 60}:{int(eta) % 60:02d}  ")
            self.stream.write(line + ("\n" if p.done == p.total else ""))
        else:
            what = "grader error" if p.status == "error" else f"{p.score:g}/{p.max_score:g}"
            self.stream.write(f"{p.done}/{p.total} {p.student} {p.exercise}: {what}\n")
        self.stream.flush()


def _exercise_list(value: str | None) -> list[str] | None:
    if not value:
        return None
    return [v.strip() for v in value.split(",") if v.strip()]


@click.command(name="batch")
@click.argument("submissions", type=click.Path(path_type=Path))
@click.option("--out", "out", required=True, type=click.Path(path_type=Path),
              help="Output folder: grades.csv, feedback/, gradescope/, summary.md, results.sqlite.")
@click.option("--roster", type=click.Path(path_type=Path), default=None,
              help="CSV of id,name,email: names the students and lists who submitted nothing.")
@click.option("--exercises", default=None, help="Comma-separated exercises to grade (default: all).")
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=0, help="Parallel jobs (default: CPU count).")
@click.option("--resume", is_flag=True, help="Grade only what the results store does not hold yet.")
@click.option("--force", is_flag=True,
              help="Grade into an output folder that holds an earlier run's results, from scratch.")
@click.option("--lms", multiple=True, type=click.Choice(["canvas", "moodle"]),
              help="Also write that LMS's grade-import CSV (grades-canvas.csv, grades-moodle.csv); repeatable.")
@click.option("--seed", type=int, default=batch_mod.DEFAULT_SEED, show_default=True,
              help="Seed of the generated inputs (every student gets the same ones).")
@click.option("--lang", type=click.Choice(["en", "ko"]), default="en", show_default=True)
@click.option("--scheduler", default=None, help="tcp://HOST:PORT of a Dask scheduler to grade on.")
def batch(submissions, out, roster, exercises, jobs, resume, force, lms, seed, lang, scheduler):
    """Grade a class: SUBMISSIONS holds one folder or .zip per student (or is a .zip of the class).

    \b
    euron-grade batch class/ --out graded/
    euron-grade batch class.zip --out graded/ --roster roster.csv --jobs 8
    euron-grade batch class/ --out graded/ --resume      # after an interruption
    euron-grade batch class/ --out graded/ --force --lms canvas

    Exit codes: 0 every submission graded, 1 some could not be (listed), 2 usage.
    """
    if resume and force:
        raise click.UsageError("--resume and --force do not go together")
    opts = batch_mod.Options(submissions=submissions, out=out, exercises=_exercise_list(exercises),
                             roster=roster, jobs=jobs, resume=resume, force=force, lms=tuple(lms), seed=seed, lang=lang,
                             scheduler=scheduler)
    try:
        summary = batch_mod.run(opts, progress=_Printer())
    except batch_mod.BatchInterrupted as exc:
        click.echo(f"Interrupted: {exc}", err=True)
        sys.exit(130)
    for problem in summary.problems:
        click.echo(f"warning: {problem}", err=True)
    click.echo(f"Graded {summary.graded} submission-exercises"
               + (f", {summary.skipped} already in the store" if summary.skipped else "")
               + (f", {summary.errors} grader errors (run again with --resume to retry)" if summary.errors else "")
               + f"; {summary.students} students; {len(summary.problems)} problems (see {out / 'summary.md'}).")
    if summary.protections:
        click.echo("Protections: " + ", ".join(summary.protections) + ".")
    click.echo(f"Gradebook: {out / 'grades.csv'}")
    if summary.not_graded:
        click.echo(f"Not graded ({len(summary.not_graded)}):", err=True)
        for student, why in summary.not_graded:
            click.echo(f"  {student}: {why}", err=True)
    sys.exit(summary.exit_code)
