"""The notebooks of a student pack: ``notebooks/exerciseN.ipynb`` (instructor only).

Each notebook: an install cell (tagged ``install``), a setup cell with the
stub's imports, a bilingual introduction with the lecture's formula and worked
example, then per function a code cell holding the stub and a check cell
(tagged ``check``) ``from grader.notebook import check; check(function)``.
A filled notebook is a valid ``euron-grade batch`` submission as it is: the
batch keeps imports and definitions only, so install and check cells are ignored.
"""
from __future__ import annotations

import ast
from pathlib import Path

from grader.release import WHEEL


def _function_sources(source: str) -> tuple[str, list[str], dict[str, str]]:
    """(module docstring, import lines, function name -> its source) of a stub."""
    tree = ast.parse(source)
    imports = [ast.get_source_segment(source, n) for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    functions = {n.name: ast.get_source_segment(source, n) for n in tree.body if isinstance(n, ast.FunctionDef)}
    return ast.get_docstring(tree) or "", imports, functions


def _lecture_example(bank, spec) -> str:
    from grader.engine.report import format_grid
    parts = []
    for f in spec.functions:
        for case in bank.cases(f.name):
            if case.kind != "lecture":
                continue
            inputs = []
            for k, v in case.args.items():
                inputs.append(f"{k} =\n{format_grid(v)}" if hasattr(v, "shape") and v.size <= 64 else f"{k} = {v!r}")
            result = format_grid(case.expected) if hasattr(case.expected, "shape") else repr(case.expected)
            parts.append(f"{f.name}: {case.label}\n" + "\n".join(inputs) + f"\n-> \n{result}")
    return "\n\n".join(parts)


def build_notebook(spec, stub_source: str, bank):
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
    doc, imports, functions = _function_sources(stub_source)
    cells = [new_markdown_cell(
        f"# {spec.name} — {spec.title_ko} / {spec.title_en}\n\n"
        "**한국어**: 아래 함수 셀을 채우고, 바로 아래의 확인 셀을 실행하세요. 확인 셀은 여러분의 함수를 별도 "
        "프로세스에서 공개 케이스 뱅크로 채점하고, 틀린 경우 실패한 사례와 추정되는 오개념을 보여 줍니다. "
        "최종 채점에서는 공개되지 않은 생성 입력이 더해집니다.\n\n"
        "**English**: fill in each function cell, then run the check cell below it. The check grades your "
        "function in a separate process against the public case bank and, when it fails, shows the failing "
        "case and the likely misconception. Final grading adds generated inputs you have not seen.")]
    cells.append(new_code_cell(
        "# 채점기 설치(한 번만) / install the grader (once).\n"
        "# Colab: 팩의 dist/ 폴더에 있는 wheel을 업로드하고 경로를 맞추세요 / upload the pack's wheel and fix the path.\n"
        f"%pip install -q ../dist/{WHEEL}", metadata={"tags": ["install"]}))
    setup = ["import os, sys", "sys.path.insert(0, os.path.abspath('..'))   # the pack folder: exercises/ of earlier weeks",
             *imports]
    cells.append(new_code_cell("\n".join(setup), metadata={"tags": ["setup"]}))
    example = _lecture_example(bank, spec)
    cells.append(new_markdown_cell(
        "## 강의 내용 / From the lecture\n\n```\n" + doc.strip() + "\n```\n\n"
        + ("### 강의 예제 / Worked example\n\n```\n" + example + "\n```\n" if example else "")))
    for f in spec.functions:
        hint_ko, hint_en = f.hint("ko"), f.hint("en")
        cells.append(new_markdown_cell(f"### `{f.name}` — {f.points:g}점 / {f.points:g} points\n\n"
                                       + (f"힌트: {hint_ko}\n\nHint: {hint_en}" if hint_en else "")))
        cells.append(new_code_cell(functions[f.name], metadata={"tags": ["solution", f.name]}))
        cells.append(new_code_cell(f"from grader.notebook import check\ncheck({f.name})",
                                   metadata={"tags": ["check"]}))
    nb = new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"}, "euron_grade": {"exercise": spec.name}})
    nbformat.validate(nb)
    return nb


def write_notebooks(folder: Path, specs, stubs: Path, banks: Path) -> list[Path]:
    import nbformat
    from grader.expected.bank import BankReference
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for spec in specs:
        bank = BankReference.load(banks / f"{spec.name}.bank")
        nb = build_notebook(spec, (stubs / f"{spec.name}.py").read_text(encoding="utf-8"), bank)
        path = folder / f"{spec.name}.ipynb"
        nbformat.write(nb, str(path))
        written.append(path)
    return written
