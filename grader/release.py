"""``euron-grade release --out DIR``: the student pack (instructor only; never shipped in one).

The pack holds the stubs (``exercises/``), the grader without anything that
can compute a reference (no ``solutions/``, no content modules with their
misconception variants, no quiz, no bank maker, no release tool), a frozen
public case bank per exercise (``grader/banks/exerciseN.bank`` beside its
spec), one notebook per exercise, a student README (Korean first, English
below), a ``pyproject.toml`` so that ``pip install DIR`` installs it, and a
wheel under ``dist/`` for offline installs.
"""
from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import click

import grader
from grader.errors import UsageError

BANK_SEED = grader.DEFAULT_SEED + 1    # public cases: never the course seed that final grading uses
PACK_NAME = "euron-grade-pack"
WHEEL = f"euron_grade_pack-{grader.__version__}-py3-none-any.whl"

# What of grader/ a pack ships: everything but these (and caches).
LEFT_OUT = ("content", "quiz", "release.py", "release_notebooks.py", "expected/make.py", "engine/reference.py")
BATCH_KEPT = ("__init__.py", "archive.py")    # reading notebooks; batch grading needs the reference


def _shipped(relative: Path) -> bool:
    parts = relative.parts
    if "__pycache__" in parts or relative.suffix in (".pyc", ".pyo"):
        return False
    text = relative.as_posix()
    if any(text == x or text.startswith(x + "/") for x in LEFT_OUT):
        return False
    if parts[0] == "batch":
        return len(parts) == 2 and parts[1] in BATCH_KEPT
    if parts[0] == "banks":
        return False     # written fresh below
    return True


def copy_grader(target: Path) -> list[str]:
    source = Path(grader.__file__).resolve().parent
    copied = []
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if path.is_file() and _shipped(relative):
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target / relative)
            copied.append(relative.as_posix())
    return copied


def _stub_dir() -> Path:
    found = importlib.util.find_spec("exercises")
    if found is None or not found.submodule_search_locations:
        raise UsageError("the exercise stubs (package `exercises`) are not installed here")
    return Path(list(found.submodule_search_locations)[0])


def _dependencies(spec) -> set[str]:
    from grader import content
    return {dep_exercise for f in spec.functions for dep_exercise, _ in content.FUNCTIONS[f.name].depends_on}


PYPROJECT = f"""[build-system]
requires = ["setuptools>=68", "wheel"]
build-backend = "setuptools.build_meta"

[project]
name = "{PACK_NAME}"
version = "{grader.__version__}"
description = "EURON CNN exercises: the student pack (stubs, grader, public case bank, notebooks)"
requires-python = ">=3.11"
dependencies = ["numpy>=1.26", "pyyaml>=6", "click>=8.1"]

[project.optional-dependencies]
notebooks = ["nbformat>=5"]

[project.scripts]
euron-grade = "grader.cli:main"

[tool.setuptools.packages.find]
include = ["grader", "grader.*"]

[tool.setuptools.package-data]
"grader.banks" = ["*.bank", "*.yaml"]
"""


def build_pack(out, exercises: list[str] | None = None, *, seed: int = BANK_SEED, wheel: bool = True,
               notebooks: bool = True) -> dict:
    """Write the student pack into ``out``; returns what it holds."""
    from grader.engine.spec import all_specs, load_spec
    from grader.expected.make import make_bank
    out = Path(out)
    specs = [load_spec(name) for name in exercises] if exercises else all_specs()
    if out.exists() and any(out.iterdir()):
        raise UsageError(f"{out}: exists and is not empty (release writes a fresh pack)")
    out.mkdir(parents=True, exist_ok=True)
    shipped = copy_grader(out / "grader")
    banks = out / "grader" / "banks"
    banks.mkdir(parents=True, exist_ok=True)
    (banks / "__init__.py").write_text('"""The frozen public case banks and specs of this student pack."""\n',
                                       encoding="utf-8")
    stubs = _stub_dir()
    (out / "exercises").mkdir()
    shutil.copyfile(stubs / "__init__.py", out / "exercises" / "__init__.py")
    stub_names = sorted({s.name for s in specs} | {d for s in specs for d in _dependencies(s)})
    for name in stub_names:
        shutil.copyfile(stubs / f"{name}.py", out / "exercises" / f"{name}.py")
    catalogs = {}
    for spec in specs:
        catalogs[spec.name] = make_bank(spec, banks / f"{spec.name}.bank", seed=seed)
        shutil.copyfile(spec.path, banks / f"{spec.name}.yaml")
    (out / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    (out / "README.md").write_text(student_readme(specs, catalogs), encoding="utf-8")
    if notebooks:
        from grader.release_notebooks import write_notebooks
        write_notebooks(out / "notebooks", specs, stubs, banks)
    if wheel:
        build_wheel(out)
    return {"exercises": [s.name for s in specs], "stubs": stub_names, "grader_files": shipped,
            "cases": {name: c["counts"] for name, c in catalogs.items()}}


def build_wheel(out: Path) -> Path:
    """``dist/<wheel>`` for offline installs, built with this interpreter's setuptools (no download)."""
    dist = out / "dist"
    work = out.parent / f".{out.name}-wheel-build"
    shutil.rmtree(work, ignore_errors=True)
    try:
        shutil.copytree(out, work, ignore=shutil.ignore_patterns("dist", "notebooks", "exercises"))
        done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                               "--no-index", "-q", "-w", str(dist), str(work)],
                              capture_output=True, text=True, timeout=300)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["pip wheel failed"])[-1]
        raise UsageError(f"building the pack's wheel failed: {last} (use --no-wheel)")
    return dist / WHEEL


def student_readme(specs, catalogs: dict) -> str:
    rows = "\n".join(f"| {s.name} | {s.title_ko} / {s.title_en} | "
                     + ", ".join(f"`{f.name}` ({f.points:g})" for f in s.functions)
                     + f" | {sum(catalogs[s.name]['counts'].values())} |" for s in specs)
    first = specs[0].name
    return f"""# EURON CNN 실습 — 학생용 패키지 / student pack

## 한국어

이 폴더에는 실습 뼈대 코드(`exercises/`), 채점기(`euron-grade`), 공개 케이스 뱅크, 실습마다 하나씩인
노트북(`notebooks/`)이 들어 있습니다. 정답 코드는 들어 있지 않습니다.

| 실습 | 주제 | 함수(배점) | 공개 사례 수 |
|---|---|---|---|
{rows}

**설치** (한 번만): 이 폴더에서

```bash
pip install .                      # 인터넷이 될 때
pip install dist/{WHEEL}   # 오프라인: numpy, pyyaml, click이 이미 있으면 됩니다
```

Colab이나 Jupyter에서는 노트북 첫 셀(`%pip install ...`)을 실행하면 설치됩니다.

**풀기와 확인**: `exercises/exerciseN.py`의 함수를 채우고 이 폴더에서 `euron-grade {first}`를 실행하거나,
`notebooks/exerciseN.ipynb`에서 함수 셀을 채운 뒤 바로 아래의 확인 셀
(`from grader.notebook import check; check(함수)`)을 실행하세요. `euron-grade list`는 실습과 배점을
보여 줍니다. 피드백은 기본으로 한국어입니다. 영어로 보려면 `--lang en`을 붙이세요(환경 변수 `LANG`이
`en`으로 시작해도 영어로 나옵니다).

**공개 검사와 최종 채점**: 여기서의 확인은 공개 케이스 뱅크(강의 예제, 엣지 케이스, 미리 생성한 입력)만
사용합니다. 최종 채점에서는 여러분이 보지 못한 생성 입력이 더해지므로, 공개 사례를 모두 통과해도
점수가 달라질 수 있습니다.

**제출**: 강사가 안내한 대로 `exercises/` 폴더(또는 채운 노트북 `.ipynb`)를 제출하세요. 노트북은 그대로
제출해도 채점됩니다(설치 셀과 확인 셀은 채점에서 무시됩니다).

## English

This folder holds the exercise stubs (`exercises/`), the grader (`euron-grade`), a public case bank and
one notebook per exercise (`notebooks/`). It holds no solutions.

**Install** (once), from this folder: `pip install .` (online), or offline
`pip install dist/{WHEEL}` (numpy, pyyaml and click already installed). In Colab or Jupyter, run the
notebook's first cell (`%pip install ...`).

**Work and check**: fill in `exercises/exerciseN.py` and run `euron-grade {first}` here, or fill in the
function cells of `notebooks/exerciseN.ipynb` and run the check cell below each
(`from grader.notebook import check; check(function)`). `euron-grade list` lists the exercises.
Feedback is in Korean by default; add `--lang en` (or have `LANG` start with `en`) for English.

**Public checks and final grading**: checks here use the public case bank only (the lecture's examples,
edge cases and pre-generated inputs). Final grading adds generated inputs you have not seen, so passing
every public case does not guarantee full marks.

**Submit** your `exercises/` folder (or the filled notebook, as it is: install and check cells are
ignored) as your instructor says.
"""


@click.command(name="release")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False),
              help="Folder to write the student pack into (must not exist or be empty).")
@click.option("--exercises", "exercises", default=None,
              help="Comma-separated exercise names to release (default: all; `euron-grade list` names them).")
@click.option("--seed", type=int, default=BANK_SEED, show_default=True,
              help="Seed of the bank's generated cases (keep the course seed for final grading).")
@click.option("--wheel/--no-wheel", default=True, show_default=True, help="Also build dist/*.whl.")
@click.option("--notebooks/--no-notebooks", default=True, show_default=True)
@click.option("--lang", type=click.Choice(["en", "ko"]), default=None,
              help="Language of the messages (default: LC_ALL/LC_MESSAGES/LANG, else ko).")
def release(out, exercises, seed, wheel, notebooks, lang):
    """Write a student pack: stubs, the grader without solutions, a public case bank, notebooks."""
    from grader.korean import default_lang
    lang = default_lang(lang)
    names = [e.strip() for e in exercises.split(",") if e.strip()] if exercises else None
    made = build_pack(out, names, seed=seed, wheel=wheel, notebooks=notebooks)
    total = sum(sum(c.values()) for c in made["cases"].values())
    if lang == "ko":
        click.echo(f"{out}: {', '.join(made['exercises'])}의 학생용 패키지를 만들었습니다(공개 사례 {total}개, "
                   f"시드 {seed}). 학생 설치: pip install {out} (오프라인: {out}/dist/{WHEEL})")
    else:
        click.echo(f"{out}: student pack of {', '.join(made['exercises'])} ({total} public cases, seed {seed}); "
                   f"students: pip install {out} (or {out}/dist/{WHEEL} offline)")
