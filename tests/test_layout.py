"""An exercise lives in exactly four files: its stub, its solution, its content
module and its spec. Nothing else in grader/ knows it by name, so adding an
exercise means adding those four files (plus tests and fixtures)."""
from __future__ import annotations

import ast
import importlib
import inspect
import re
from pathlib import Path

import pytest
import yaml

from grader import content

ROOT = Path(__file__).resolve().parents[1]
GRADER = ROOT / "grader"
EXERCISES = content.exercise_names()

# Where an exercise's name may appear inside grader/: its own two files, and the
# quiz, whose answers are computed by running the reference layers of
# solutions/exercise2..5 (grader/quiz/layers.py) and whose bank and kinds name
# the lecture's concepts (sigmoid, same padding) in question texts.
# grader/korean.py reads words aloud for particles; its table holds lecture terms
# such as relu and sigmoid as words, not as exercises.
ALLOWED = (GRADER / "content", GRADER / "quiz", GRADER / "korean.py")


def files_of(exercise: str) -> dict[str, Path]:
    """The four files that make up ``exercise``."""
    return {
        "stub": ROOT / "exercises" / f"{exercise}.py",
        "solution": ROOT / "solutions" / f"{exercise}.py",
        "content": GRADER / "content" / f"{exercise}.py",
        "spec": GRADER / "content" / "specs" / f"{exercise}.yaml",
    }


def function_names(exercise: str) -> list[str]:
    return [f.name for f in content.module(exercise).FUNCTIONS]


def test_exercises_one_to_six_are_found():
    assert EXERCISES[:6] == [f"exercise{i}" for i in range(1, 7)]


@pytest.mark.parametrize("exercise", EXERCISES)
def test_an_exercise_is_its_four_files(exercise):
    files = files_of(exercise)
    for role, path in files.items():
        assert path.is_file(), f"{exercise}: its {role} {path.relative_to(ROOT)} is missing"
    names = set(function_names(exercise))
    for package in ("exercises", "solutions"):
        module = importlib.import_module(f"{package}.{exercise}")
        own = {n for n, obj in vars(module).items()
               if inspect.isfunction(obj) and obj.__module__ == module.__name__ and not n.startswith("_")}
        assert own == names, (package, own ^ names)
    spec = yaml.safe_load(files["spec"].read_text(encoding="utf-8"))
    assert spec["name"] == exercise
    assert [f["name"] for f in spec["functions"]] == function_names(exercise)


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the string constants that are docstrings."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                found.add(id(body[0].value))
    return found


def code_words(path: Path) -> str:
    """What a file does, not what it says: for Python, its identifiers and its
    string constants other than docstrings (comments and docstrings may give
    examples such as `euron-grade exercise3`); for any other file, all of it."""
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix != ".py":
        return text
    tree = ast.parse(text)
    docs = _docstrings(tree)
    words = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            words.append(node.id)
        elif isinstance(node, ast.Attribute):
            words.append(node.attr)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            words.append(node.name)
        elif isinstance(node, ast.alias):
            words.append(node.name)
            words.append(node.asname or "")
        elif isinstance(node, ast.ImportFrom):
            words.append(node.module or "")
        elif isinstance(node, ast.arg):
            words.append(node.arg)
        elif isinstance(node, ast.keyword):
            words.append(node.arg or "")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            words.append(node.value)
    return "\n".join(words)


def _outside_content() -> list[Path]:
    return sorted(p for p in GRADER.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                  and p.suffix in (".py", ".yaml", ".yml", ".json", ".toml", ".txt", ".md", ".csv")
                  and not any(p.is_relative_to(a) for a in ALLOWED))


@pytest.mark.parametrize("exercise", EXERCISES)
def test_nothing_else_in_grader_names_the_exercise(exercise):
    names = [exercise, *function_names(exercise)]
    pattern = re.compile(r"(?<![A-Za-z0-9_])(" + "|".join(map(re.escape, names)) + r")(?![A-Za-z0-9_])")
    found = [f"{p.relative_to(ROOT)}: {m.group(1)}" for p in _outside_content()
             for m in [pattern.search(code_words(p))] if m]
    assert not found, "an exercise known outside its four files:\n" + "\n".join(found)


def test_the_scan_sees_code():
    """code_words keeps identifiers and strings and drops docstrings and comments."""
    sample = ROOT / "grader" / "engine" / "compare.py"
    words = code_words(sample)
    assert "check_side_effects" in words and "FORBIDDEN_WARNINGS" in words and "overflow" in words
    assert "no overflow warnings from sigmoid" not in words       # a docstring
