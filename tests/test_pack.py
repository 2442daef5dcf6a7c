"""The student pack (``euron-grade release``): built into a temporary folder and
installed into a fresh virtual environment, it leaks no reference, grades the
corpus like the full grader on every bug the public bank reaches, and its
notebooks' check cells work in a real Jupyter kernel.

Bank and engine: the same verdict per case from the reference and from the bank.
"""
from __future__ import annotations

import ast
import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

import pack_env

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "fixtures" / "submissions"
MANIFEST = yaml.safe_load((ROOT / "tests" / "corpus_manifest.yaml").read_text(encoding="utf-8"))["submissions"]

# Bugs that only the unseen generated inputs of final grading reach: the pack passes
# these functions, the full grader fails them (README: "Public and hidden checks").
ONLY_HIDDEN_CASES_REACH: set[tuple[str, str, str]] = set()


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    out = tmp_path_factory.mktemp("pack") / "euron-pack"
    pack_env.build(out)
    python = pack_env.install(out, tmp_path_factory.mktemp("venv") / "env")
    return out, python


def run(python: Path, *args, cwd=None, timeout=300, lang="en") -> subprocess.CompletedProcess:
    return subprocess.run([str(python), *args], capture_output=True, text=True, timeout=timeout,
                          cwd=cwd, env=pack_env.clean_env(lang))


def euron_grade(python: Path, *args, cwd=None) -> subprocess.CompletedProcess:
    """The pack's console script."""
    return subprocess.run([str(python.parent / "euron-grade"), *args], capture_output=True, text=True,
                          timeout=300, cwd=cwd, env=pack_env.clean_env())


# ------------------------------------------------------------------ leaks ---

def test_pack_env_has_no_reference(pack, tmp_path):
    out, python = pack
    probe = run(python, "-c", (
        "import importlib.util, grader, json\n"
        "print(json.dumps({m: importlib.util.find_spec(m) is not None for m in "
        "['solutions', 'grader.content', 'grader.quiz', 'grader.engine.reference', 'grader.expected.make', "
        "'grader.release', 'grader.expected']} | {'grader': grader.__file__}))"),
        cwd=tmp_path)
    found = json.loads(probe.stdout)
    assert found == {"solutions": False, "grader.content": False, "grader.quiz": False,
                     "grader.engine.reference": False, "grader.expected.make": False, "grader.release": False,
                     "grader.expected": True, "grader": found["grader"]}, probe.stderr
    assert "site-packages" in found["grader"]
    assert run(python, "-c", "import solutions", cwd=tmp_path).returncode != 0
    assert not (out / "solutions").exists() and not (out / "grader" / "content").exists()


class _Normalise(ast.NodeTransformer):
    """Names aside (functions, arguments, variables numbered by first use) and docstrings dropped."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}

    def _name(self, name: str) -> str:
        return self.names.setdefault(name, f"v{len(self.names)}")

    def visit_FunctionDef(self, node):
        node.name = "f"
        if node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant) \
                and isinstance(node.body[0].value.value, str):
            node.body = node.body[1:] or [ast.Pass()]
        node.decorator_list = []
        node.returns = None
        self.generic_visit(node)
        return node

    def visit_arg(self, node):
        node.arg = self._name(node.arg)
        node.annotation = None
        return node

    def visit_Name(self, node):
        node.id = self._name(node.id)
        return node


def _functions(source: str) -> list[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            copy = ast.parse(ast.unparse(node)).body[0]
            found.append(ast.dump(_Normalise().visit(copy)))
    return found


def _reference_functions() -> set[str]:
    import inspect
    import textwrap

    from grader import content
    found = set()
    for path in sorted((ROOT / "solutions").glob("*.py")):
        found |= set(_functions(path.read_text(encoding="utf-8")))
    for m in content.all_variants():
        found |= set(_functions(textwrap.dedent(inspect.getsource(m.variant))))
    return found


def _pack_sources(out: Path) -> dict[str, str]:
    sources = {str(p.relative_to(out)): p.read_text(encoding="utf-8") for p in out.rglob("*.py")}
    for nb in out.rglob("*.ipynb"):
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        code = ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
                for c in cells if c["cell_type"] == "code"]
        sources[str(nb.relative_to(out))] = "\n\n".join(
            "\n".join(ln for ln in c.splitlines() if not ln.lstrip().startswith(("%", "!"))) for c in code)
    return sources


def test_no_function_of_the_pack_is_a_reference_or_a_variant(pack):
    out, _ = pack
    reference = _reference_functions()
    assert len(reference) > 60
    leaks = [(name, i) for name, source in _pack_sources(out).items()
             for i, f in enumerate(_functions(source)) if f in reference]
    assert not leaks
    # and the wheel holds the same files as the folder's grader/
    import zipfile
    wheel = next((out / "dist").glob("*.whl"))
    names = {n for n in zipfile.ZipFile(wheel).namelist() if n.startswith("grader/")}
    assert names == {p.relative_to(out).as_posix() for p in (out / "grader").rglob("*") if p.is_file()}


def test_normaliser_sees_through_renaming():
    a = "def conv(x, w):\n    'doc'\n    y = x @ w\n    return y + 1\n"
    b = "def mine(a, b):\n    out = a @ b\n    return out + 1\n"
    assert _functions(a) == _functions(b)
    assert _functions(a) != _functions("def f(x, w):\n    return x @ w + 2\n")


def test_pack_refuses_a_reference_backed_run(pack, tmp_path):
    out, python = pack
    for args in (["exercise3", "--seed", "7"],):
        done = euron_grade(python, *args, cwd=out)
        assert done.returncode == 2
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error:") and "student pack" in lines[0], done.stderr
    done = run(python, "-c", "from grader.expected import reference_solutions; reference_solutions()", cwd=tmp_path)
    assert "NoReference" in done.stderr and "student pack" in done.stderr


def test_pack_lists_and_grades_the_stub(pack):
    out, python = pack
    listed = euron_grade(python, "list", cwd=out)
    assert listed.returncode == 0 and "exercise3" in listed.stdout and "max_pool_forward" in listed.stdout
    stub = euron_grade(python, "exercise3", cwd=out)
    assert stub.returncode == 1 and "NotImplementedError" in stub.stdout
    assert "Final grading adds generated inputs you have not seen" in stub.stdout
    ko = euron_grade(python, "exercise3", "--lang", "ko", "--submission", str(ROOT / "solutions"), cwd=out)
    assert ko.returncode == 0 and "공개 사례" in ko.stdout and "최종 채점" in ko.stdout


# ----------------------------------------------------------------- corpus ---

GRADE_ALL = """
import json, sys
from grader import expected
from grader.engine.runner import grade
from grader.engine.spec import load_spec
out = {}
for path, exercise in json.loads(sys.argv[1]):
    spec = load_spec(exercise)
    book = expected.for_exercise(exercise).casebook(spec, 0)
    result = grade(spec, path, casebook=book)
    out[path + "::" + exercise] = {f.name: [f.passed, f.misconception] for f in result.functions}
print(json.dumps(out))
"""


def test_pack_grades_the_corpus_like_the_full_grader(pack, tmp_path):
    out, python = pack
    jobs = [(str(CORPUS / e["path"]), ex) for e in MANIFEST if e["category"] in ("correct", "buggy")
            for ex in e["exercises"]]
    done = run(python, "-c", GRADE_ALL, json.dumps(jobs), cwd=tmp_path, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    graded = json.loads(done.stdout)
    wrong, hidden_only = [], set()
    for e in MANIFEST:
        if e["category"] not in ("correct", "buggy"):
            continue
        must_fail = {(ex, f) for ex, fs in (e.get("fail") or {}).items() for f in fs}
        for ex in e["exercises"]:
            for fn, (passed, misconception) in graded[f"{CORPUS / e['path']}::{ex}"].items():
                if (ex, fn) in must_fail and passed:
                    hidden_only.add((e["path"], ex, fn))
                elif (ex, fn) not in must_fail and not passed:
                    wrong.append(f"{e['path']} {fn}: fails in the pack, passes the full grader")
                elif (ex, fn) in must_fail and e.get("misconception") and e["misconception"].startswith(fn + "."):
                    if misconception != e["misconception"]:
                        wrong.append(f"{e['path']} {fn}: misconception {misconception} != {e['misconception']}")
    assert not wrong, "\n".join(wrong)
    assert hidden_only == ONLY_HIDDEN_CASES_REACH


# ------------------------------------------------------ same verdict per case ---

@pytest.mark.parametrize("exercise", ["exercise1", "exercise2", "exercise3", "exercise4", "exercise5"])
def test_bank_cases_equal_the_reference_outcomes(exercise, tmp_path):
    """Every case of a bank has exactly the outcome the reference gives now: so the
    check ladder reaches the same verdict on it from either source."""
    from grader.engine.cases import make_case
    from grader.engine.spec import load_spec
    from grader.expected.bank import BankReference
    from grader.expected.make import make_bank
    spec = load_spec(exercise)
    make_bank(spec, tmp_path / "b.bank", seed=11, examples=8)
    bank = BankReference.load(tmp_path / "b.bank")
    for fn in spec.functions:
        cases = bank.cases(fn.name)
        kinds = [c.kind for c in cases]
        assert kinds.index("generated") > kinds.index("edge") if "lecture" not in kinds else True
        generated = [c for c in cases if c.kind == "generated"]
        sizes = [sum(v.size for v in c.args.values() if isinstance(v, np.ndarray)) for c in generated]
        assert sizes == sorted(sizes)
        for case in cases:
            fresh = make_case(fn.name, case.kind, case.label, {k: np.array(v) if isinstance(v, np.ndarray) else v
                                                               for k, v in case.args.items()})
            assert fresh.raises == case.raises
            if case.raises is None:
                if isinstance(case.expected, np.ndarray):
                    assert fresh.expected.dtype == case.expected.dtype
                    assert np.array_equal(fresh.expected, case.expected, equal_nan=True)
                    assert np.array_equal(fresh.magnitude, case.magnitude, equal_nan=True)
                else:
                    assert fresh.expected == case.expected


@pytest.mark.parametrize("path,exercise", [("buggy/avgpool_divided_by_size", "exercise3"),
                                           ("buggy/conv_kernel_flip", "exercise2"),
                                           ("buggy/maxpool_over_channels", "exercise3"),
                                           ("correct/loops", "exercise3")])
def test_same_verdicts_from_bank_and_reference(path, exercise, tmp_path):
    """The same cases graded once with expected outputs from the bank and once from
    the reference (no shrinking either way): same result per function."""
    from grader.engine.cases import CaseBook, make_case
    from grader.engine.runner import grade
    from grader.engine.spec import load_spec
    from grader.expected.bank import BankReference
    from grader.expected.make import make_bank
    spec = load_spec(exercise)
    make_bank(spec, tmp_path / "b.bank", seed=5, examples=10)
    bank = BankReference.load(tmp_path / "b.bank")
    from_bank = grade(spec, CORPUS / path, casebook=bank.casebook(spec))
    book = CaseBook(exercise=spec.name, seed=5, examples=0)
    book.cases = {f.name: [make_case(c.function, c.kind, c.label, dict(c.args)) for c in bank.cases(f.name)]
                  for f in spec.functions}
    from_reference = grade(spec, CORPUS / path, casebook=book)
    for a, b in zip(from_bank.functions, from_reference.functions):
        assert (a.name, a.passed, a.cases_passed, a.cases_run) == (b.name, b.passed, b.cases_passed, b.cases_run)
        if not a.passed and a.failure["case_kind"] != "generated":
            assert a.misconception == b.misconception and a.failure == b.failure


def test_damaged_bank_is_refused_before_allocating(tmp_path):
    import zipfile

    from grader.errors import GraderError
    from grader.expected import bankfile
    from grader.expected.bank import BankReference
    arrays = bankfile.ArrayTable()
    arrays.add(np.arange(6.0).reshape(2, 3))
    bankfile.write(tmp_path / "ok.bank", {"exercise": "exercise3", "seed": 1}, {"functions": {}}, arrays)
    catalog, _, loaded = bankfile.read(tmp_path / "ok.bank")
    assert loaded[0].shape == (2, 3) and not loaded[0].flags.writeable
    huge = dict(arrays.entries[0], shape=[10 ** 6, 10 ** 6])
    bad = {"huge": [huge], "object": [dict(arrays.entries[0], dtype="|O")], "outside": [dict(arrays.entries[0],
                                                                                             offset=10 ** 9)]}
    for name, entries in bad.items():
        with zipfile.ZipFile(tmp_path / "ok.bank") as z, zipfile.ZipFile(tmp_path / f"{name}.bank", "w") as w:
            for member in z.namelist():
                data = json.dumps(entries).encode() if member == "arrays.json" else z.read(member)
                w.writestr(member, data)
        with pytest.raises(GraderError, match="not a valid case bank"):
            BankReference.load(tmp_path / f"{name}.bank")


# -------------------------------------------------------------- notebooks ---

RUN_NOTEBOOK = """
import sys, nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
NotebookClient(nb, timeout=180, kernel_name="python3", allow_errors=True,
               resources={"metadata": {"path": sys.argv[2]}}).execute()
nbformat.write(nb, sys.argv[3])
"""


def _fill(notebook: Path, sources: dict[str, str], target: Path) -> None:
    """The notebook with each function cell replaced (install cell dropped: the pack is installed)."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    cells = []
    for cell in nb["cells"]:
        tags = cell.get("metadata", {}).get("tags", [])
        if "install" in tags:
            continue
        if "solution" in tags:
            name = next(t for t in tags if t != "solution")
            cell["source"] = sources.get(name, "".join(cell["source"]))
        cells.append(cell)
    nb["cells"] = cells
    target.write_text(json.dumps(nb), encoding="utf-8")


def _check_outputs(executed: Path) -> dict[str, str]:
    """function name -> the text its check cell showed."""
    nb = json.loads(executed.read_text(encoding="utf-8"))
    shown = {}
    for cell in nb["cells"]:
        if "check" in cell.get("metadata", {}).get("tags", []):
            name = "".join(cell["source"]).split("check(")[1].rstrip(")\n ")
            text = []
            for o in cell.get("outputs", []):
                data = o.get("data", {})
                text.append("".join(data.get("text/plain", "")) + "".join(o.get("text", "")) + o.get("evalue", ""))
                assert "text/html" in data or o.get("output_type") != "execute_result"
            shown[name] = "\n".join(text)
    return shown


def test_notebook_check_cells_in_a_real_kernel(pack, tmp_path):
    out, python = pack
    if run(python, "-c", "import nbclient, ipykernel").returncode != 0:
        pytest.skip("nbclient and ipykernel are not installed (pip install -e '.[test]')")
    notebooks = out / "notebooks"
    correct = (CORPUS / "correct" / "loops" / "exercise3.py").read_text(encoding="utf-8")
    buggy = (CORPUS / "buggy" / "avgpool_divided_by_size" / "exercise3.py").read_text(encoding="utf-8")
    names = ("max_pool_forward", "avg_pool_forward", "global_avg_pool")
    for kind, sources in (("correct", dict.fromkeys(names, correct)),
                          ("buggy", {"max_pool_forward": correct, "avg_pool_forward": buggy,
                                     "global_avg_pool": buggy})):
        filled, executed = tmp_path / f"{kind}.ipynb", tmp_path / f"{kind}-run.ipynb"
        _fill(notebooks / "exercise3.ipynb", sources, filled)
        done = run(python, "-c", RUN_NOTEBOOK, str(filled), str(notebooks), str(executed), cwd=tmp_path, timeout=600,
                   lang="ko")   # check() speaks the student's language: Korean here
        assert done.returncode == 0, done.stderr[-3000:]
        shown = _check_outputs(executed)
        assert set(shown) == set(names)
        if kind == "correct":
            for name, text in shown.items():
                assert "PASS" in text and "FAIL" not in text, text
            continue
        assert "PASS" in shown["max_pool_forward"] and "PASS" in shown["global_avg_pool"]
        avg = shown["avg_pool_forward"]
        assert "FAIL" in avg and "[강의 예제] 4x4 격자, 2x2 average pooling" in avg, avg
        assert "size x size 칸 수가 아닌 size로 나눴습니다" in avg, avg
        # the filled notebook, as it is, grades the same through the instructor's batch
        students = tmp_path / "class" / "student1"
        students.mkdir(parents=True)
        (students / "exercise3.ipynb").write_bytes(filled.read_bytes())
        batch = subprocess.run([sys.executable, "-m", "grader", "batch", str(tmp_path / "class"), "--out",
                                str(tmp_path / "graded"), "--exercises", "exercise3", "--jobs", "1"],
                               capture_output=True, text=True, timeout=600)
        assert batch.returncode in (0, 1), batch.stderr[-2000:]
        with open(tmp_path / "graded" / "grades.csv", encoding="utf-8") as f:
            got = next(r for r in csv.DictReader(f) if r["student"] == "student1")
        scores = {k: float(v) for k, v in got.items() if "." in k and v}
        assert any("avg_pool_forward" in k and v == 0 for k, v in scores.items()), got
        assert any("max_pool_forward" in k and v == 4 for k, v in scores.items()), got
        assert any("global_avg_pool" in k and v == 3 for k, v in scores.items()), got


@pytest.mark.parametrize("exercise, earlier_conv", [("exercise4", "correct"), ("exercise5", "correct"),
                                                   ("exercise4", "conv_bias_forgotten")])
def test_notebooks_that_import_earlier_exercises_check_in_a_real_kernel(pack, tmp_path, exercise, earlier_conv):
    # Exercises 4 and 5 import the student's own earlier weeks (exercises/exercise2.py ...)
    # from the pack folder, one level above notebooks/: their check cells must grade
    # with those files, and name a failing earlier function as the one to fix first.
    import shutil
    out, python = pack
    if run(python, "-c", "import nbclient, ipykernel").returncode != 0:
        pytest.skip("nbclient and ipykernel are not installed (pip install -e '.[test]')")
    folder = tmp_path / "pack"
    shutil.copytree(out / "notebooks", folder / "notebooks")
    shutil.copytree(out / "exercises", folder / "exercises")
    for name in ("exercise2", "exercise3", "exercise4"):
        shutil.copy(CORPUS / "correct" / "loops" / f"{name}.py", folder / "exercises" / f"{name}.py")
    if earlier_conv != "correct":
        shutil.copy(CORPUS / "buggy" / earlier_conv / "exercise2.py", folder / "exercises" / "exercise2.py")
    source = (CORPUS / "correct" / "loops" / f"{exercise}.py").read_text(encoding="utf-8")
    names = [f.name for f in __import__("grader.engine.spec", fromlist=["load_spec"]).load_spec(exercise).functions]
    filled, executed = tmp_path / "filled.ipynb", tmp_path / "run.ipynb"
    _fill(folder / "notebooks" / f"{exercise}.ipynb", dict.fromkeys(names, source), filled)
    done = run(python, "-c", RUN_NOTEBOOK, str(filled), str(folder / "notebooks"), str(executed), cwd=tmp_path,
               timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    shown = _check_outputs(executed)
    assert set(shown) == set(names)
    for name, text in shown.items():
        if earlier_conv != "correct" and name == "residual_block_forward":
            assert "FAIL" in text and "fix conv_forward in exercise2 first" in text, text
        else:
            assert "PASS" in text and "FAIL" not in text, (name, text)


def test_the_markdown_report_says_public_cases_and_hidden_grading():
    from grader.engine import report
    from grader.engine.results import ExerciseResult, FunctionResult
    result = ExerciseResult(exercise="exercise3", submission="s", score=4.0, max_score=10.0, seed=1,
                            functions=[FunctionResult("max_pool_forward", True, 4.0, 4.0, cases_run=30)],
                            expected_from={"kind": "bank", "file": "exercise3.bank", "sha256": "ab" * 32,
                                           "seed": 1, "public_cases": 90})
    text = report.render_markdown(result, "en")
    assert "Checked 30 of the 90 public cases" in text and "have not seen" in text
    graded_by_reference = ExerciseResult(exercise="exercise3", submission="s", score=0.0, max_score=10.0, seed=1)
    assert "public cases" not in report.render_markdown(graded_by_reference, "en")
