"""``euron-grade batch``: options -> ``grader.batch.run``; progress and one-line errors."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from grader.batch import run as batch_mod
from grader import korean
from grader.korean import default_lang

#: What the command prints, per language (``--lang``, else the environment; see grader.korean.default_lang).
SAY = {
    "en": {"grader_error": "grader error", "warning": "warning: {problem}", "interrupted": "Interrupted: {why}",
           "graded": "Graded {graded} submission-exercises", "skipped": ", {n} already in the store",
           "errors": ", {n} grader errors (run again with --resume to retry)",
           "tail": "; {students} students; {problems} problems (see {summary}).",
           "protections": "Protections: {names}.", "gradebook": "Gradebook: {path}",
           "not_graded": "Not graded ({n}):", "resume_force": "--resume and --force do not go together"},
    "ko": {"grader_error": "채점기 오류", "warning": "경고: {problem}", "interrupted": "중단됨: {why}",
           "graded": "제출물-실습 {graded}개를 채점했습니다", "skipped": "(결과 저장소에 이미 있던 {n}개 제외)",
           "errors": ", 채점기 오류 {n}개(--resume으로 다시 실행하면 재시도합니다)",
           "tail": ". 학생 {students}명, 문제 {problems}건({summary} 참고).",
           "protections": "격리: {names}.", "gradebook": "성적표: {path}",
           "not_graded": "채점하지 못한 학생 {n}명:", "resume_force": "--resume과 --force는 함께 쓸 수 없습니다"},
}


def say(lang: str, key: str, **values) -> str:
    return korean.say(SAY, lang, key, **values)


class _Printer:
    """A progress bar (count, rate, ETA) on a terminal; one plain line per job otherwise."""

    def __init__(self, stream=None, lang: str = "en") -> None:
        self.stream = stream or sys.stderr
        self.lang = lang
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
            what = say(self.lang, "grader_error") if p.status == "error" else f"{p.score:g}/{p.max_score:g}"
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
@click.option("--lang", type=click.Choice(["en", "ko"]), default=None,
              help="Language of the feedback, summaries and messages (default: LC_ALL/LC_MESSAGES/LANG, "
                   "else ko).")
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
    lang = default_lang(lang)
    if resume and force:
        raise click.UsageError(say(lang, "resume_force"))
    opts = batch_mod.Options(submissions=submissions, out=out, exercises=_exercise_list(exercises),
                             roster=roster, jobs=jobs, resume=resume, force=force, lms=tuple(lms), seed=seed, lang=lang,
                             scheduler=scheduler)
    try:
        summary = batch_mod.run(opts, progress=_Printer(lang=lang))
    except batch_mod.BatchInterrupted as exc:
        click.echo(say(lang, "interrupted", why=exc.text(lang)), err=True)
        sys.exit(130)
    from grader.batch.gradebook import note_text, problem_text
    for problem in summary.problems:
        click.echo(say(lang, "warning", problem=problem_text(problem, lang)), err=True)
    click.echo(say(lang, "graded", graded=summary.graded)
               + (say(lang, "skipped", n=summary.skipped) if summary.skipped else "")
               + (say(lang, "errors", n=summary.errors) if summary.errors else "")
               + say(lang, "tail", students=summary.students, problems=len(summary.problems),
                     summary=out / "summary.md"))
    if summary.protections:
        from grader.engine.report import protection_text
        click.echo(say(lang, "protections", names=", ".join(protection_text(p, lang) for p in summary.protections)))
    click.echo(say(lang, "gradebook", path=out / "grades.csv"))
    if summary.not_graded:
        click.echo(say(lang, "not_graded", n=len(summary.not_graded)), err=True)
        for student, why in summary.not_graded:
            click.echo(f"  {student}: {note_text(why, lang)}", err=True)
    sys.exit(summary.exit_code)
