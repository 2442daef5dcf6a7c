"""The check cell of the pack's notebooks: ``from grader.notebook import check; check(max_pool_forward)``.

``check`` grades functions defined in the running kernel (or in a script)
exactly as ``euron-grade`` grades a file: the notebook's imports and
definitions are written to a private folder as ``exerciseN.py`` and graded in
a separate, confined process (a function that hangs is stopped after the
spec's time limit), against the pack's case bank, or against the reference
where the instructor's grader is installed.  The report is the CLI's: rich
HTML in Jupyter, plain text elsewhere.

(Reading a whole ``.ipynb`` file as a submission is ``grader.engine.notebook``'s job.)
"""
from __future__ import annotations

import ast
import dataclasses
import html
import importlib.util
import inspect
import shutil
import sys
import tempfile
from pathlib import Path

from grader.errors import GraderError

def _ipython():
    shell = sys.modules.get("IPython")
    if shell is None:
        return None
    try:
        return shell.get_ipython()
    except AttributeError:
        return None


def _definitions(cells: list[str]) -> str:
    """The imports, definitions and plain constants of ``cells``, in order (later
    definitions win, as in the kernel); magics, calls and grader imports dropped."""
    from grader.engine.notebook import is_grader_import, is_kept, without_ipython
    parts = []
    for cell in cells:
        source = without_ipython(cell)
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        lines = source.splitlines()
        for node in tree.body:
            if is_grader_import(node):
                continue
            if is_kept(node):
                first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
                parts.append("\n".join(lines[first - 1:node.end_lineno]))
    return "# Imports and definitions taken from the running notebook or script.\n" + "\n\n".join(parts) + "\n"


def _source(functions) -> str:
    shell = _ipython()
    if shell is not None:
        return _definitions(list(shell.history_manager.input_hist_raw))
    files = []
    for fn in functions:
        try:
            path = inspect.getsourcefile(fn)
        except TypeError:
            path = None
        if path and Path(path).is_file() and path not in files:
            files.append(path)
    if files:
        return _definitions([Path(p).read_text(encoding="utf-8") for p in files])
    return _definitions(["import numpy as np"] + [inspect.getsource(fn) for fn in functions])


def _earlier_exercises(source: str) -> list[str]:
    """The ``exercises.<name>`` modules ``source`` imports (``from exercises.exercise2 import ...``,
    ``import exercises.exercise2``)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    found = []
    for node in ast.walk(tree):
        names = [node.module] if isinstance(node, ast.ImportFrom) and node.module else (
            [a.name for a in node.names] if isinstance(node, ast.Import) else [])
        found += [n for n in names if n.startswith("exercises.") and n.count(".") == 1]
    return found


def _stage(source: str, exercise: str) -> str:
    """A private folder with the source as ``<exercise>.py`` and the earlier
    exercises it imports (``from exercises.exercise2 import ...``) as the kernel
    finds them, and those they import in turn (exercise 5 imports exercise 4,
    which imports exercise 2)."""
    folder = tempfile.mkdtemp(prefix="euron-grade-check-")
    Path(folder, f"{exercise}.py").write_text(source, encoding="utf-8")
    seen, todo = {f"exercises.{exercise}"}, _earlier_exercises(source)
    while todo:
        module = todo.pop(0)
        if module in seen:
            continue
        seen.add(module)
        try:
            found = importlib.util.find_spec(module)
        except (ImportError, ValueError):
            found = None
        if found is not None and found.origin and Path(found.origin).is_file():
            target = Path(folder, module.split(".", 1)[1] + ".py")
            shutil.copyfile(found.origin, target)
            todo += _earlier_exercises(target.read_text(encoding="utf-8", errors="replace"))
    return folder


class CheckReport:
    """The result of a check, displayed as the CLI's report (HTML in Jupyter)."""

    def __init__(self, result, lang: str) -> None:
        self.result, self.lang = result, lang

    @property
    def passed(self) -> bool:
        return self.result.passed

    @property
    def score(self) -> float:
        return self.result.score

    def text(self) -> str:
        from grader.engine import report
        return report.render_text(self.result, self.lang)

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return self.text() if _ipython() is not None else (
            f"<check {self.result.exercise}: {self.result.score:g}/{self.result.max_score:g}>")

    def _repr_html_(self) -> str:
        colour = "#1a7f37" if self.passed else "#cf222e"
        head = f"{self.result.exercise}: {self.result.score:g} / {self.result.max_score:g}"
        return (f'<div class="euron-grade-check"><div style="font-weight:bold;color:{colour}">'
                f'{"✅" if self.passed else "❌"} {html.escape(head)}</div>'
                f'<pre style="white-space:pre-wrap">{html.escape(self.text())}</pre></div>')


CHECK_ERRORS = {
    "en": {"no_function": "check(function): name the function to check, e.g. check(f) for a function f defined above",
           "unknown": "{name} is not a function of any exercise (see euron-grade list)",
           "not_of": "{names}: not functions of {exercise}"},
    "ko": {"no_function": "check(함수): 확인할 함수를 주세요. 예를 들어 위에서 정의한 함수 f라면 check(f)입니다",
           "unknown": "{name:@은/는} 어느 실습의 함수도 아닙니다(euron-grade list 참고)",
           "not_of": "{names}: {exercise}의 함수가 아닙니다"},
}


def check(*functions, lang: str | None = None, exercise: str | None = None) -> CheckReport:
    """Grade ``functions`` (defined in this notebook or script) as ``euron-grade`` would,
    in ``lang`` (default: the environment's, else Korean; see grader.korean.default_lang)."""
    from grader import korean
    from grader.korean import default_lang, kformat
    lang = default_lang(lang)
    said = korean.table(CHECK_ERRORS, lang)
    from grader import expected
    from grader.engine.runner import DEFAULT_SEED, grade
    from grader.engine.spec import load_spec
    from grader.sandbox import Zygote
    if not functions:
        raise TypeError(said["no_function"])
    names = [getattr(fn, "__name__", str(fn)) for fn in functions]
    try:
        exercise = exercise or expected.FUNCTIONS[names[0]].exercise
    except KeyError:
        raise GraderError(kformat(said["unknown"], name=names[0])) from None
    spec = load_spec(exercise)
    spec = dataclasses.replace(spec, functions=tuple(f for f in spec.functions if f.name in names))
    if not spec.functions:
        raise GraderError(kformat(said["not_of"], names=", ".join(names), exercise=exercise))
    source = expected.for_exercise(exercise)
    book = source.casebook(spec, DEFAULT_SEED) if source.kind == "bank" else None
    folder = _stage(_source(functions), exercise)
    zygote = Zygote(fresh=_ipython() is not None)
    try:
        zygote.own(folder)     # a kernel restarted mid-check kills this process, not the zygote
        result = grade(spec, folder, casebook=book, zygote=zygote)
    finally:
        zygote.close()
        shutil.rmtree(folder, ignore_errors=True)
    report = CheckReport(result, lang)
    if _ipython() is None:
        print(report.text())
    return report
