"""The ``euron-grade`` command: thin, options -> keyword arguments of the grading API."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from grader.errors import GraderError, UsageError, one_line_usage
from grader import korean
from grader.korean import default_lang

LANGS = click.Choice(["en", "ko"])
LANG_HELP = "Language of the output (default: LC_ALL/LC_MESSAGES/LANG, else ko)."

#: What the commands print, per language; every --lang defaults to grader.korean.default_lang.
SAY = {
    "en": {
        "unknown": "unknown exercise or command {name!r} (exercises: {known}; see euron-grade --help)",
        "other_file": "{path}: this is {other}'s file, not {exercise}'s "
                      "(run euron-grade {other} --submission {path}, or give {exercise}.py)",
        "no_function": "{exercise} has no function {name!r} (its functions: {known})",
        "not_found": "{path}: not found (run in the project folder, or pass --submission PATH)",
        "points": "{points:g} points",
        "help_exercise": "Grade {exercise}.py of the project in the current directory (optionally only the "
                         "FUNCTIONS named).",
        "short_exercise": "Grade {exercise}: {title}.",
        "help_list": "List the exercises with their functions and points.",
    },
    "ko": {
        "unknown": "알 수 없는 실습이나 명령 {name:@이/가} 주어졌습니다(실습: {known}; euron-grade --help 참고)",
        "other_file": "{path}: {exercise}의 파일이 아니라 {other}의 파일입니다"
                      "(euron-grade {other} --submission {path:@으로/로} 실행하거나 {exercise}.py를 주세요)",
        "no_function": "{exercise}에는 {name} 함수가 없습니다(함수: {known})",
        "not_found": "{path}: 찾을 수 없습니다(프로젝트 폴더에서 실행하거나 --submission PATH를 주세요)",
        "points": "{points:g}점",
        "help_exercise": "현재 폴더에 있는 프로젝트의 {exercise}.py를 채점합니다(FUNCTIONS를 주면 그 함수만).",
        "short_exercise": "{exercise} 채점: {title}.",
        "help_list": "실습과 그 함수, 배점을 보여 줍니다.",
    },
}


def say(lang: str, key: str, **values) -> str:
    return korean.say(SAY, lang, key, **values)


# Commands imported only when named: the single-exercise path never pays for them
# (the quiz alone costs more than the rest of the grader), and a student pack,
# which ships neither the quiz nor the release tooling, simply lacks them.
LAZY_COMMANDS = {"quiz": "grader.quiz.cli", "batch": "grader.batch.cli", "release": "grader.release",
                 "gradescope": "grader.batch.autograder"}


def _lazy_command(name: str):
    import importlib
    import importlib.util
    module = LAZY_COMMANDS[name]
    try:
        if importlib.util.find_spec(module) is None:
            return None
        return getattr(importlib.import_module(module), name)
    except ImportError:
        return None


class ExerciseGroup(click.Group):
    """A group whose unknown command names are exercises: ``euron-grade exercise3``, ``euron-grade pooling``.
    Usage errors of every command are one line."""

    def parse_args(self, ctx, args):
        with one_line_usage():
            return super().parse_args(ctx, args)

    def invoke(self, ctx):
        with one_line_usage():
            return super().invoke(ctx)

    def get_command(self, ctx, name):
        command = super().get_command(ctx, name)
        if command is not None:
            return command
        if name in LAZY_COMMANDS:
            return _lazy_command(name)
        from grader.engine.spec import load_spec
        try:
            spec = load_spec(name)
        except GraderError:
            return None
        return _exercise_command(spec.name, spec.title_en)

    def list_commands(self, ctx):
        from grader.engine.spec import all_specs
        try:
            exercises = [s.name for s in all_specs()]
        except GraderError:
            exercises = []
        import importlib.util
        lazy = []
        for name, module in LAZY_COMMANDS.items():
            try:
                if importlib.util.find_spec(module) is not None:
                    lazy.append(name)
            except ImportError:
                pass
        return exercises + sorted(super().list_commands(ctx) + lazy)

    def resolve_command(self, ctx, args):
        name = args[0] if args else None
        command = self.get_command(ctx, name) if name else None
        if name and command is None and not name.startswith("-"):
            from grader.engine.spec import all_specs
            known = ", ".join(s.name for s in all_specs())
            raise UsageError(say(default_lang(None), "unknown", name=name, known=known))
        return super().resolve_command(ctx, args)


def _default_submission(exercise: str) -> Path:
    """Where ``euron-grade exerciseN`` looks without --submission: the current
    folder when it holds exerciseN.py (or only exerciseN.ipynb), else ./exercises."""
    here = Path.cwd()
    if (here / f"{exercise}.py").is_file():
        return here / f"{exercise}.py"
    if (here / f"{exercise}.ipynb").is_file():
        return here / f"{exercise}.ipynb"
    return here / "exercises"


def _check_submission(path: Path, exercise: str, lang: str = "en") -> Path:
    """The submission to grade; a usage error naming the file when it is another exercise's."""
    import re
    if path.is_file():
        other = re.match(r"^(exercise\d+)", path.stem)
        if path.suffix in (".py", ".ipynb") and other and other.group(1) != exercise:
            raise UsageError(say(lang, "other_file", path=path, other=other.group(1), exercise=exercise))
        return path
    if path.is_dir() and not (path / f"{exercise}.py").is_file() and (path / f"{exercise}.ipynb").is_file():
        return path / f"{exercise}.ipynb"
    return path


def _exercise_command(exercise: str, title: str) -> click.Command:
    shown = default_lang(None)
    if shown == "ko":
        from grader.engine.spec import load_spec
        title = load_spec(exercise).title("ko")

    @click.command(name=exercise, help=say(shown, "help_exercise", exercise=exercise),
                   short_help=say(shown, "short_exercise", exercise=exercise, title=title))
    @click.argument("functions", nargs=-1)
    @click.option("--submission", "submission", type=click.Path(), default=None,
                  help=f"A .py file, a notebook, or a folder holding {exercise}.py "
                       f"(default: ./{exercise}.py if present, else ./exercises).")
    @click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
    @click.option("--lang", type=LANGS, default=None, help=LANG_HELP)
    @click.option("--seed", type=int, default=None, help="Seed of the generated inputs (default: fixed).")
    @click.option("--bank", "bank_file", type=click.Path(dir_okay=False), default=None,
                  help="Grade against this frozen case bank instead of the reference solutions "
                       "(the default in a student pack).")
    @click.option("--all", "show_all", is_flag=True, help="Show every failing case in full.")
    def command(functions, submission, as_json, lang, seed, bank_file, show_all):
        from grader import expected
        from grader.engine import report
        from grader.engine.runner import DEFAULT_SEED, grade
        from grader.engine.spec import load_spec
        lang = default_lang(lang)
        spec = load_spec(exercise)
        known = [f.name for f in spec.functions]
        unknown = [f for f in functions if f not in known]
        if unknown:
            raise UsageError(say(lang, "no_function", exercise=exercise, name=unknown[0], known=", ".join(known)))
        path = Path(submission) if submission else _default_submission(exercise)
        if not path.exists():
            raise UsageError(say(lang, "not_found", path=path))
        path = _check_submission(path, exercise, lang)
        source = expected.for_exercise(spec.name, bank_file=bank_file, seed=seed)
        book = source.casebook(spec, DEFAULT_SEED if seed is None else seed) if source.kind == "bank" else None
        result = grade(spec, path, casebook=book, seed=DEFAULT_SEED if seed is None else seed,
                       functions=functions or None)
        if as_json:
            click.echo(report.render_json(result, lang))
        else:
            click.echo(report.render_text(result, lang, color=sys.stdout.isatty(), show_all=show_all))
        sys.exit(0 if result.passed else 1)

    return command


@click.group(cls=ExerciseGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="euron-grade")
def main():
    """Grade the EURON CNN exercises (euron-grade exercise3), make quizzes, grade a class.

    \b
    euron-grade list                 the exercises and their points
    euron-grade exercise3            grade exercises/exercise3.py here
    euron-grade pooling --json       the same, by name, as JSON
    """


@main.command(name="list")
@click.option("--lang", type=LANGS, default=None, help=LANG_HELP)
def list_exercises(lang):
    """List the exercises with their functions and points."""
    from grader.engine.spec import all_specs
    lang = default_lang(lang)
    for spec in all_specs():
        aliases = f" ({', '.join(spec.aliases)})" if spec.aliases else ""
        click.echo(f"{spec.name}{aliases}: {spec.title(lang)} — {say(lang, 'points', points=spec.max_score)}")
        for f in spec.functions:
            click.echo(f"    {f.name:<24} {f.points:g}")


MAIN_HELP_KO = """EURON CNN 실습을 채점하고(euron-grade exerciseN), 퀴즈를 만들고, 반 전체를 채점합니다.

    \b
    euron-grade list                 실습과 배점
    euron-grade exerciseN            여기 있는 exercises/exerciseN.py 채점
    euron-grade exerciseN --json     같은 채점을 JSON으로
    """


def _localized_help(command: click.Command, ko: str) -> None:
    """Korean help for ``command`` when the default language is Korean (read when help is shown)."""
    english = command.help

    def get_help(ctx, formatter, _original=command.format_help_text):
        command.help = ko if default_lang(None) == "ko" else english
        _original(ctx, formatter)

    command.format_help_text = get_help


_localized_help(main, MAIN_HELP_KO)
_localized_help(list_exercises, SAY["ko"]["help_list"])
