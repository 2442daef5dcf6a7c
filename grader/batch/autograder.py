"""A Gradescope autograder: ``euron-grade gradescope --out autograder.zip``.

The zip holds, at its root, what Gradescope asks for
(https://gradescope-autograders.readthedocs.io/en/latest/specs/):

* ``setup.sh``: run once, as root, when Gradescope builds the autograder's
  image: a Python 3.11+ virtual environment in ``/autograder/venv`` and this
  project installed into it from ``/autograder/source`` (its dependencies
  numpy, pyyaml, click, hypothesis and nbformat come from PyPI; Python itself
  from the Ubuntu archive). Nothing else is fetched, and grading fetches
  nothing.
* ``run_autograder``: run for every submission; grades
  ``/autograder/submission`` (``exerciseN.py`` files and/or notebooks, read as
  the batch reads one student's folder) against the reference solutions with
  the course seed, as ``euron-grade batch`` does (same isolation), and writes
  ``/autograder/results/results.json`` (the batch's Gradescope results plus
  ``execution_time``).
* the project's source (``grader/``, ``solutions/``, ``exercises/``,
  ``pyproject.toml``), the exercise specs in force when the zip was built, and
  ``autograder.json`` (the exercises, seed and language).

The zip holds the reference solutions: it is for Gradescope's server (which
keeps it out of students' reach), never for students.

``EURON_GRADE_AUTOGRADER_ROOT`` replaces ``/autograder`` (tests), and
``EURON_GRADE_PYTHON`` the virtual environment's interpreter.
"""
from __future__ import annotations

import json
import math
import os
import shutil
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import click

import grader
from grader.errors import UsageError

ROOT_ENV = "EURON_GRADE_AUTOGRADER_ROOT"
PYTHON_ENV = "EURON_GRADE_PYTHON"
DEFAULT_ROOT = "/autograder"
CONFIG = "autograder.json"
STUDENT = "submission"          # the one student's id in the batch run (never shown)
PACKAGES = ("grader", "solutions", "exercises")
EPOCH = (1980, 1, 1, 0, 0, 0)   # zip entries' time: the same zip for the same project

SETUP_SH = """\
#!/usr/bin/env bash
# euron-grade autograder: run once, as root, when Gradescope builds the image (Ubuntu 22.04 or 24.04).
# Network: the Ubuntu archive (Python itself) and PyPI (the packages). Grading needs none.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update
if apt-get install -y --no-install-recommends python3.11 python3.11-venv; then
    PY=python3.11
else    # Ubuntu 24.04: its python3 is 3.12
    apt-get install -y --no-install-recommends python3 python3-venv
    PY=python3
fi
"$PY" -c 'import sys; assert sys.version_info >= (3, 11), "euron-grade needs Python 3.11 or later"'
"$PY" -m venv /autograder/venv
/autograder/venv/bin/python -m pip install --upgrade pip
# the project (grader, solutions, exercises) and numpy, pyyaml, click, hypothesis, nbformat
/autograder/venv/bin/python -m pip install "/autograder/source[notebooks]"
"""

RUN_AUTOGRADER = """\
#!/usr/bin/env bash
# euron-grade autograder: grades /autograder/submission, writes /autograder/results/results.json.
set -uo pipefail
ROOT="${EURON_GRADE_AUTOGRADER_ROOT:-/autograder}"
PYTHON="${EURON_GRADE_PYTHON:-$ROOT/venv/bin/python}"
unset EURON_GRADE_SPECS
export PYTHONPATH="$ROOT/source"
cd "$ROOT"
exec "$PYTHON" -m grader.batch.autograder --root "$ROOT"
"""


# -- building the zip --------------------------------------------------------------------

def _project_root() -> Path:
    return Path(grader.__file__).resolve().parents[1]


def _source_files(project: Path) -> list[tuple[str, Path]]:
    """(path in the zip, file) for the project's packages and pyproject.toml, no caches."""
    files = []
    for name in ("pyproject.toml", "README.md"):
        if (project / name).is_file():
            files.append((f"{name}", project / name))
    for package in PACKAGES:
        folder = project / package
        if not folder.is_dir():
            raise UsageError(f"{folder}: not found (build the autograder from a checkout of euron-grade)")
        for path in sorted(folder.rglob("*")):
            rel = path.relative_to(project)
            if path.is_file() and not path.is_symlink() and "__pycache__" not in rel.parts \
                    and path.suffix not in (".pyc", ".pyo") and rel.parts[:3] != ("grader", "content", "specs"):
                files.append((rel.as_posix(), path))
    return files


def _entry(name: str, mode: int = 0o644) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=EPOCH)
    info.external_attr = (0o100000 | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def build(out: str | os.PathLike, exercises: list[str] | None = None, *, seed: int = grader.DEFAULT_SEED,
          lang: str = "en") -> Path:
    """Write the autograder zip to ``out``; returns its path."""
    from grader.engine.spec import all_specs, load_spec, spec_dir
    specs = [load_spec(name) for name in exercises] if exercises else all_specs()
    names = list(dict.fromkeys(s.name for s in specs))
    project = _project_root()
    config = {"exercises": names, "seed": seed, "lang": lang, "grader": grader.__version__}
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    with zipfile.ZipFile(tmp, "w") as zf:
        zf.writestr(_entry("setup.sh", 0o755), SETUP_SH)
        zf.writestr(_entry("run_autograder", 0o755), RUN_AUTOGRADER)
        zf.writestr(_entry(CONFIG), json.dumps(config, indent=2) + "\n")
        for name, path in _source_files(project):
            zf.writestr(_entry(name), path.read_bytes())
        for path in sorted(Path(spec_dir()).glob("exercise*.yaml")):    # the specs in force, edited ones included
            zf.writestr(_entry(f"grader/content/specs/{path.name}"), path.read_bytes())
    os.replace(tmp, out)
    return out


@click.command(name="gradescope")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The autograder zip to write (upload it to Gradescope; it holds the reference solutions).")
@click.option("--exercises", default=None, help="Comma-separated exercises to grade (default: all).")
@click.option("--seed", type=int, default=grader.DEFAULT_SEED, show_default=True,
              help="Seed of the generated inputs (the course seed).")
@click.option("--lang", type=click.Choice(["en", "ko"]), default="en", show_default=True,
              help="Language of the feedback students see.")
def gradescope(out, exercises, seed, lang):
    """Build a Gradescope autograder zip (setup.sh, run_autograder, the grader and the reference).

    \b
    euron-grade gradescope --out autograder.zip
    euron-grade gradescope --out ex2.zip --exercises exercise2 --lang ko

    The zip contains the reference solutions: upload it to Gradescope, never give it to students.
    """
    wanted = [e.strip() for e in exercises.split(",") if e.strip()] if exercises else None
    path = build(out, wanted, seed=seed, lang=lang)
    click.echo(f"Autograder: {path} (holds the reference solutions: for Gradescope only, not for students)")


# -- running it, inside Gradescope ----------------------------------------------------------

def _failed(message: str, elapsed: float) -> dict:
    return {"score": 0.0, "execution_time": math.ceil(elapsed), "output": message, "visibility": "visible",
            "stdout_visibility": "hidden", "tests": []}


def _write(results: Path, doc: dict) -> None:
    results.mkdir(parents=True, exist_ok=True)
    tmp = results / ".results.json.tmp"
    tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, results / "results.json")


def run(root: str | os.PathLike) -> dict:
    """Grade ``root/submission`` as configured in ``root/source/autograder.json``; write and
    return ``root/results/results.json``'s document."""
    from grader.batch import run as batch
    started = time.monotonic()
    root = Path(root)
    results = root / "results"
    try:
        config = json.loads((root / "source" / CONFIG).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        doc = _failed(f"The autograder is not set up ({CONFIG}: {exc}).", time.monotonic() - started)
        _write(results, doc)
        return doc
    work = Path(tempfile.mkdtemp(prefix="euron-grade-gradescope-"))
    try:
        student = work / "class" / STUDENT
        submission = root / "submission"
        if submission.is_dir():
            shutil.copytree(submission, student, symlinks=True)    # links are reported, never followed
        else:
            student.mkdir(parents=True)
        opts = batch.Options(submissions=work / "class", out=work / "out", exercises=config.get("exercises"),
                             jobs=1, seed=int(config.get("seed", grader.DEFAULT_SEED)),
                             lang=config.get("lang", "en"))
        try:
            batch.run(opts)
        except Exception as exc:    # noqa: BLE001 - Gradescope must get a results.json whatever happens
            doc = _failed(f"The autograder could not grade this submission: {exc}", time.monotonic() - started)
            _write(results, doc)
            return doc
        doc = json.loads((work / "out" / "gradescope" / STUDENT / "results.json").read_text(encoding="utf-8"))
        feedback = work / "out" / "feedback" / f"{STUDENT}.md"
        if feedback.is_file():      # run_autograder's stdout: the instructor's debugging view
            print(feedback.read_text(encoding="utf-8"))
        doc = {"score": doc.pop("score"), "execution_time": math.ceil(time.monotonic() - started), **doc}
        _write(results, doc)
        return doc
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    root = os.environ.get(ROOT_ENV) or DEFAULT_ROOT
    if len(args) == 2 and args[0] == "--root":
        root = args[1]
    elif args:
        print("usage: python -m grader.batch.autograder [--root /autograder]", file=sys.stderr)
        return 2
    run(root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
