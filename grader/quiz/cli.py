"""``euron-grade quiz``: generate sheets (the group itself), ``kinds`` and ``grade``.

Thin: options become arguments of :mod:`generate`, :mod:`grade` and the
renderers. Every expected error is a one-line ``Error: ...`` with exit code 2,
usage errors (bad option, bad choice) included.
"""
from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

import click

from .bank import Bank, load_bank
from .errors import QuizError, ResponsesError
from .formats import FORMATS, Format, format_for_path
from .generate import QuizRequest, generate_roster, generate_sheet, plan_kinds
from .manifest import MANIFEST_NAME, Manifest, manifest_bytes, read_manifest
from .roster import read_roster


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
@click.option("--lang", type=click.Choice(["ko", "en"]), default="ko", show_default=True)
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
@click.pass_context
def quiz(ctx, count, seed, lang, fmt, output, answers, roster, kinds, style, manifest, bank):
    """Seeded, verified quiz sheets on the CNN lecture; `grade` scores the answers."""
    if ctx.invoked_subcommand is not None:
        return
    if seed is None:
        raise QuizError("give --seed N: the seed makes the sheets reproducible (and gradable)")
    the_bank = load_bank(bank)
    request = QuizRequest(seed=seed, count=count, kinds=_split_kinds(kinds), lang=lang, style=style)
    plan_kinds(the_bank, request)  # validates kinds and count before anything is written
    students = read_roster(roster) if roster else None
    out = Path(output) if output else None
    f = FORMATS[fmt] if fmt else (format_for_path(out) if out and not students else FORMATS["md"])
    key_format = format_for_path(answers, key=True) if answers else None
    if students is None:
        sheets = [generate_sheet(the_bank, request)]
        data = f.render(sheets)
        if out is None:
            if f.name in ("pdf", "qti"):
                raise QuizError(f"--format {f.name} is binary: give -o FILE")
            sys.stdout.write(data.decode("utf-8"))
        else:
            _write(out, data)
    else:
        if out is None:
            raise QuizError("with --roster, give -o FOLDER for the students' sheets")
        sheets = generate_roster(the_bank, request, students)
        _write_roster(out, f, sheets)
        manifest = manifest or str(out / MANIFEST_NAME)
    if key_format is not None:
        _write(Path(answers), key_format.render(sheets, key=True))
    if manifest:
        m = Manifest(request, tuple(students) if students else None, the_bank.digest)
        _write(Path(manifest), manifest_bytes(m))
    if out is not None:
        what = f"{len(sheets)} sheet(s)" if students else "1 sheet"
        click.echo(f"wrote {what} of {count} question(s) as {f.name} to {out}", err=True)


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
@click.option("--lang", type=click.Choice(["ko", "en"]), default="ko", show_default=True)
@click.option("--bank", type=click.Path(), default=None, help="Question bank YAML (default: the shipped one).")
def kinds_cmd(lang, bank):
    """List the question kinds of the bank."""
    b = load_bank(bank)
    width = max(len(k) for k in b.kinds)
    for name, spec in b.kinds.items():
        click.echo(f"{name:<{width}}  {spec.title[lang]}  ({len(spec.misconceptions)} misconceptions)")


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
def grade_cmd(responses, manifest, seed, count, kinds, roster, lang, style, bank, output, feedback):
    """Score RESPONSES.csv (student_id, question, answer) against each student's variant."""
    from .grade import feedback_markdown, grade_responses, read_responses, regenerate, results_csv, sheet_for

    the_bank = load_bank(bank)
    request, students = _grade_request(the_bank, manifest, seed, count, kinds, roster, lang, style)
    answers = read_responses(responses)
    sheets = regenerate(the_bank, request, students)
    results = grade_responses(the_bank, request, students, answers, sheets=sheets)
    src = Path(responses)
    out = Path(output) if output else src.with_name(src.stem + "-grades.csv")
    fb_dir = Path(feedback) if feedback else src.with_name(src.stem + "-feedback")
    _write(out, results_csv(results, request.count))
    for r in results:
        sheet = sheet_for(sheets, r.student_id, students is not None)
        _write(fb_dir / f"{_safe_name(r.student_id)}.md",
               feedback_markdown(r, sheet, request.lang).encode("utf-8"))
    graded = [r for r in results if r.marks]
    mean = sum(r.score for r in graded) / len(graded) if graded else 0.0
    click.echo(f"graded {len(graded)} student(s), mean {mean:.1f}/{request.count}; "
               f"grades: {out}; feedback: {fb_dir}/")
    common = Counter(m.tag for r in results for m in r.marks if m.tag).most_common(3)
    if common:
        click.echo("most common misconceptions: " + ", ".join(f"{t} ({n})" for t, n in common))
    for r in results:
        if r.error:
            click.echo(f"warning: {r.student_id}: {r.error}", err=True)


def _grade_request(bank: Bank, manifest, seed, count, kinds, roster, lang, style):
    """The quiz to regenerate: from the manifest, or from the same options as generation."""
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
        return req, (list(m.roster) if m.roster is not None else None)
    if seed is None:
        raise QuizError("give --manifest quiz-manifest.json, or the generation options (--seed, --count, ...)")
    req = QuizRequest(seed=seed, count=count if count is not None else 10, kinds=_split_kinds(kinds),
                      lang=lang or "ko", style=style or "choice")
    return req, (read_roster(roster) if roster else None)
