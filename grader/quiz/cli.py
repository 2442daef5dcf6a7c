"""``euron-grade quiz``: generate sheets (the group itself), ``kinds`` and ``grade``.

Thin: options become arguments of :mod:`generate`, :mod:`grade` and the
renderers. Every expected error is a one-line ``Error: ...`` with exit code 2,
usage errors (bad option, bad choice) included. The language is ``--lang``,
else :func:`grader.korean.default_lang` (the environment, else Korean).
Generating and grading need the instructor secret (:mod:`grader.quiz.secret`).
"""
from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

import click

from ..korean import default_lang
from .bank import Bank, load_bank
from .errors import QuizError, ResponsesError
from .formats import FORMATS, Format, format_for_path
from .generate import QuizRequest, generate_roster, generate_sheet, plan_kinds
from .labels import message
from .manifest import MANIFEST_NAME, Manifest, manifest_bytes, read_manifest
from .roster import read_roster
from .secret import ENV as SECRET_ENV
from .secret import Secret, load_secret

_SECRET_HELP = (f"The instructor secret file (default: ${SECRET_ENV}, else ~/.config/euron-grade/quiz-secret). "
                "Made on first use; never printed. Without it the same options give other sheets.")


def _one_line(e: click.UsageError) -> QuizError:
    return QuizError(e.format_message().replace("\n", " "))


class _Command(click.Command):
    """A command whose usage errors are one line (exit 2), like every other error."""

    def parse_args(self, ctx, args):
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as e:
            raise _one_line(e) from None


class _Group(click.Group):
    """The ``quiz`` group: generates when no subcommand is given; one-line usage errors."""

    command_class = _Command

    def parse_args(self, ctx, args):
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as e:
            raise _one_line(e) from None

    def resolve_command(self, ctx, args):
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as e:
            raise _one_line(e) from None


def _split_kinds(text: str | None) -> tuple[str, ...]:
    return tuple(k.strip() for k in text.split(",") if k.strip()) if text else ()


def _write(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as e:
        raise QuizError(f"cannot write {path}: {e.strerror or e}") from None


def _safe_name(student_id: str) -> str:
    return re.sub(r"[^0-9A-Za-z가-힣._-]", "_", student_id) or "_"


@click.group(name="quiz", cls=_Group, invoke_without_command=True)
@click.option("--count", type=int, default=10, show_default=True, help="Questions per sheet.")
@click.option("--seed", type=int, default=None, help="Course seed: the same seed gives the same sheets.")
@click.option("--lang", type=click.Choice(["ko", "en"]), default=None,
              help="Language of sheets, keys and messages (default: from LC_ALL/LANG, else ko).")
@click.option("--format", "fmt", type=click.Choice(list(FORMATS)), default=None,
              help="Output format (default: from the -o suffix, else md).")
@click.option("-o", "--output", type=click.Path(dir_okay=True), default=None,
              help="Output file; with --roster, a folder for one file per student.")
@click.option("--answers", type=click.Path(), default=None,
              help="Write the answer key with worked solutions here (.md, .html, .pdf or .json).")
@click.option("--roster", type=click.Path(), default=None,
              help="CSV with a student_id column (and optionally name): one variant per student.")
@click.option("--kinds", "kinds", default=None, help="Comma-separated kinds to ask (see `quiz kinds`).")
@click.option("--style", type=click.Choice(["choice", "open"]), default="choice", show_default=True,
              help="choice: options A-D; open: write the number (LMS: numerical questions).")
@click.option("--manifest", type=click.Path(), default=None,
              help="Write the quiz manifest here (default with --roster: OUTPUT/quiz-manifest.json).")
@click.option("--bank", type=click.Path(), default=None, help="Question bank YAML (default: the shipped one).")
@click.option("--secret-file", type=click.Path(dir_okay=False), default=None, help=_SECRET_HELP)
@click.pass_context
def quiz(ctx, count, seed, lang, fmt, output, answers, roster, kinds, style, manifest, bank, secret_file):
    """Seeded, verified quiz sheets on the CNN lecture; `grade` scores the answers."""
    if ctx.invoked_subcommand is not None:
        return
    if seed is None:
        raise QuizError("give --seed N: with the instructor secret, the seed makes the sheets reproducible "
                        "(and gradable)")
    lang = default_lang(lang)
    the_bank = load_bank(bank)
    request = QuizRequest(seed=seed, count=count, kinds=_split_kinds(kinds), lang=lang, style=style)
    plan_kinds(the_bank, request)  # validates kinds and count before anything is written
    students = read_roster(roster) if roster else None
    out = Path(output) if output else None
    f = FORMATS[fmt] if fmt else (format_for_path(out) if out and not students else FORMATS["md"])
    key_format = format_for_path(answers, key=True) if answers else None
    if students is not None and out is None:
        raise QuizError("with --roster, give -o FOLDER for the students' sheets")
    if students is None and out is None and f.name in ("pdf", "qti"):
        raise QuizError(f"--format {f.name} is binary: give -o FILE")
    secret = _secret(secret_file, lang, create=True)
    if students is None:
        sheets = [generate_sheet(the_bank, request, secret=secret)]
        data = f.render(sheets)
        if out is None:
            sys.stdout.write(data.decode("utf-8"))
        else:
            _write(out, data)
    else:
        sheets = generate_roster(the_bank, request, students, secret=secret)
        _write_roster(out, f, sheets)
        manifest = manifest or str(out / MANIFEST_NAME)
    if key_format is not None:
        _write(Path(answers), key_format.render(sheets, key=True))
    if manifest:
        m = Manifest(request, tuple(students) if students else None, the_bank.digest, secret.fingerprint)
        _write(Path(manifest), manifest_bytes(m))
    if out is not None:
        click.echo(message(lang, "wrote", sheets=len(sheets), count=count, fmt=f.title, out=out), err=True)


def _secret(path: str | None, lang: str, *, create: bool) -> Secret:
    """The instructor secret; a newly made one is announced by its path (never its content)."""
    secret = load_secret(path, create=create)
    if secret.created:
        click.echo(message(lang, "secret_created", path=secret.path), err=True)
    return secret


def _write_roster(out: Path, f: Format, sheets) -> None:
    """One file per student, named by student id. PDFs share one Typst compiler."""
    if f.name == "pdf":
        from .render_pdf import render_pdf_each

        blobs = render_pdf_each(sheets)
    else:
        blobs = [f.render([s]) for s in sheets]
    for sheet, blob in zip(sheets, blobs):
        _write(out / f"{_safe_name(sheet.student_id)}{f.ext}", blob)


@quiz.command(name="kinds")
@click.option("--lang", type=click.Choice(["ko", "en"]), default=None,
              help="Language (default: from LC_ALL/LANG, else ko).")
@click.option("--bank", type=click.Path(), default=None, help="Question bank YAML (default: the shipped one).")
def kinds_cmd(lang, bank):
    """List the question kinds of the bank."""
    lang = default_lang(lang)
    b = load_bank(bank)
    width = max(len(k) for k in b.kinds)
    for name, spec in b.kinds.items():
        mis = (f"오개념 {len(spec.misconceptions)}개" if lang == "ko"
               else f"{len(spec.misconceptions)} misconceptions")
        click.echo(f"{name:<{width}}  {spec.title[lang]}  ({mis})")


@quiz.command(name="grade")
@click.argument("responses", type=click.Path())
@click.option("--manifest", type=click.Path(), default=None,
              help="quiz-manifest.json written with the sheets (or give --seed/--count/... again).")
@click.option("--seed", type=int, default=None)
@click.option("--count", type=int, default=None)
@click.option("--kinds", default=None)
@click.option("--roster", type=click.Path(), default=None)
@click.option("--lang", type=click.Choice(["ko", "en"]), default=None)
@click.option("--style", type=click.Choice(["choice", "open"]), default=None)
@click.option("--bank", type=click.Path(), default=None)
@click.option("-o", "--output", type=click.Path(), default=None,
              help="Grades CSV (default: RESPONSES-grades.csv).")
@click.option("--feedback", type=click.Path(), default=None,
              help="Folder for per-student feedback (default: RESPONSES-feedback/).")
@click.option("--secret-file", type=click.Path(dir_okay=False), default=None,
              help="The instructor secret the sheets were made with (default as for generation).")
def grade_cmd(responses, manifest, seed, count, kinds, roster, lang, style, bank, output, feedback, secret_file):
    """Score RESPONSES.csv (student_id, question, answer) against each student's variant."""
    from .grade import (feedback_markdown, grade_responses, problem_text, read_responses, regenerate,
                        results_csv, sheet_for)

    the_bank = load_bank(bank)
    request, students, fingerprint = _grade_request(the_bank, manifest, seed, count, kinds, roster, lang, style)
    secret = load_secret(secret_file, create=False)
    if fingerprint and fingerprint != secret.fingerprint:
        raise QuizError(f"the instructor secret {secret.path} is not the one these sheets were made with "
                        f"(its fingerprint differs from the manifest's): give --secret-file with that one")
    answers = read_responses(responses)
    sheets = regenerate(the_bank, request, students, secret)
    results = grade_responses(the_bank, request, students, answers, sheets=sheets)
    lang = request.lang
    src = Path(responses)
    out = Path(output) if output else src.with_name(src.stem + "-grades.csv")
    fb_dir = Path(feedback) if feedback else src.with_name(src.stem + "-feedback")
    _write(out, results_csv(results, request.count, lang))
    for r in results:
        sheet = sheet_for(sheets, r.student_id, students is not None)
        _write(fb_dir / f"{_safe_name(r.student_id)}.md", feedback_markdown(r, sheet, lang).encode("utf-8"))
    graded = [r for r in results if r.graded]
    mean = sum(r.score for r in graded) / len(graded) if graded else 0.0
    click.echo(message(lang, "graded", students=len(graded), mean=mean, count=request.count, out=out,
                       feedback=fb_dir))
    common = Counter(m.tag for r in results for m in r.marks if m.tag).most_common(3)
    if common:
        click.echo(message(lang, "common", tags=", ".join(f"{t} ({n})" for t, n in common)))
    for p in answers.unattributed:
        click.echo(message(lang, "warning", text=problem_text(p, lang)), err=True)
    for r in results:
        for p in r.problems:
            click.echo(message(lang, "student_warning", student=r.student_id, text=problem_text(p, lang)), err=True)


def _grade_request(bank: Bank, manifest, seed, count, kinds, roster, lang, style):
    """The quiz to regenerate, its roster and the secret's fingerprint ("" when unknown):
    from the manifest, or from the same options as generation."""
    if manifest:
        m = read_manifest(manifest)
        if any(v is not None for v in (seed, count, kinds, roster)):
            raise QuizError("give either --manifest or --seed/--count/--kinds/--roster, not both")
        if m.bank_digest and m.bank_digest != bank.digest:
            raise ResponsesError("the question bank changed since these sheets were made "
                                 "(its SHA-256 differs from the manifest's): grade with the same bank")
        req = m.request
        if lang or style:
            req = QuizRequest(req.seed, req.count, req.kinds, lang or req.lang, style or req.style)
        return req, (list(m.roster) if m.roster is not None else None), m.secret_fingerprint
    if seed is None:
        raise QuizError("give --manifest quiz-manifest.json, or the generation options (--seed, --count, ...)")
    req = QuizRequest(seed=seed, count=count if count is not None else 10, kinds=_split_kinds(kinds),
                      lang=default_lang(lang), style=style or "choice")
    return req, (read_roster(roster) if roster else None), ""
