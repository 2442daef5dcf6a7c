"""Notebooks as students really write them (issue 13): stray imports, Colab lines,
magics, cells that fail on their own. The corpus in fixtures/notebooks/ (written by
its make.py) pairs each notebook with its clean .py twin; both must get the same
verdict, single-student and in a batch."""

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.batch import archive
from grader.batch.store import Store
from grader.engine import notebook as nbm

nbformat = pytest.importorskip("nbformat")

HERE = Path(__file__).parent
CORPUS = HERE / "fixtures" / "notebooks"
_spec = importlib.util.spec_from_file_location("notebook_corpus", CORPUS / "make.py")
make = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make)

#: (notebook, exercise it is graded on)
PAIRS = [("coursera_conv", "exercise2"), ("colab_pool", "exercise3"), ("lab4_all", "exercise1"),
         ("lab4_all", "exercise2")]
H5PY_MESSAGE = "avg_pool_forward uses h5py, whose import failed in cell 1: No module named 'h5py'"
H5PY_MESSAGE_KO = "avg_pool_forward에서 사용하는 h5py의 import가 셀 1에서 실패했습니다: No module named 'h5py'"


def verdict(result: dict) -> tuple:
    """What must not differ between a notebook and its .py twin: score, load, and per
    function the verdict and the diagnosis (misconception, failing check and case)."""
    return (result["score"], result.get("load_error") is None,
            [(f["name"], f["passed"], f["score"], f.get("misconception"), (f.get("failure") or {}).get("code"),
              (f.get("failure") or {}).get("case_label"), f.get("depends_on_failing"))
             for f in result["functions"]])


def cli(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(HERE.parent), LC_ALL="en_US.UTF-8")   # English unless --lang ko
    return subprocess.run([sys.executable, "-m", "grader", *args], capture_output=True, text=True, env=env,
                          timeout=300, cwd=HERE.parent)


def cells(*sources: str) -> bytes:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    return nbformat.writes(nb).encode()


def load(data: bytes, name: str = "hw.ipynb") -> tuple[dict, nbm.Context]:
    """Run a converted notebook here (trusted test code) and read it back as the runner does."""
    namespace: dict = {}
    exec(compile(nbm.convert(data, name).source, "exercise2.py", "exec"), namespace)
    return namespace, nbm.source_info({"notebook": namespace["__notebook__"]}, "exercise2")


# -- the corpus ----------------------------------------------------------------------------

def test_corpus_is_what_make_writes_and_valid_nbformat():
    for name, spec in make.NOTEBOOKS.items():
        assert json.loads((CORPUS / f"{name}.ipynb").read_text()) == make.notebook(spec), name
        assert (CORPUS / f"{name}.py").read_text() == make.twin(name, spec), name
        nbformat.validate(nbformat.reads((CORPUS / f"{name}.ipynb").read_text(), as_version=4))
    assert json.loads((CORPUS / "needs_h5py.ipynb").read_text()) == make.notebook(make.NEEDS_H5PY)


@pytest.mark.parametrize("minor", range(6))
def test_every_nbformat_4_minor_validates_and_converts_the_same(minor):
    data = make.notebook(make.NOTEBOOKS["colab_pool"], minor)
    nbformat.validate(data, version=4, version_minor=minor)
    reference = nbm.convert((CORPUS / "colab_pool.ipynb").read_bytes(), "colab_pool.ipynb").source
    assert nbm.convert(json.dumps(data).encode(), "colab_pool.ipynb").source == reference


@pytest.mark.parametrize("name, exercise", PAIRS)
def test_single_student_notebook_gets_its_twins_verdict(name, exercise):
    from_nb = cli(exercise, "--submission", str(CORPUS / f"{name}.ipynb"), "--json")
    from_py = cli(exercise, "--submission", str(CORPUS / f"{name}.py"), "--json")
    nb, py = json.loads(from_nb.stdout), json.loads(from_py.stdout)
    assert verdict(nb) == verdict(py)
    assert from_nb.returncode == from_py.returncode
    assert nb["source"]["file"] == f"{name}.ipynb" and nb["source"]["kind"] == "notebook"
    assert nb["source"]["skipped"], "every corpus notebook imports something missing"
    assert nb["submission"] == str((CORPUS / f"{name}.ipynb").resolve())
    assert py["source"] == {"file": f"{name}.py", "kind": "py", "skipped": [], "not_run": 0}
    text = cli(exercise, "--submission", str(CORPUS / f"{name}.ipynb")).stdout
    assert f"Graded file: {name}.ipynb (notebook" in text and text.count("Skipped (") == 1


def test_a_function_that_needs_a_missing_package_fails_alone():
    result = json.loads(cli("exercise3", "--submission", str(CORPUS / "needs_h5py.ipynb"), "--json").stdout)
    by_name = {f["name"]: f for f in result["functions"]}
    assert [n for n, f in by_name.items() if not f["passed"]] == ["avg_pool_forward"]
    feedback = by_name["avg_pool_forward"]["feedback"]
    assert H5PY_MESSAGE in feedback
    assert 'File "needs_h5py.ipynb", cell 2, line' in feedback and "in pool_forward" in feedback
    ko = json.loads(cli("exercise3", "--submission", str(CORPUS / "needs_h5py.ipynb"), "--json", "--lang", "ko").stdout)
    assert H5PY_MESSAGE_KO in {f["name"]: f for f in ko["functions"]}["avg_pool_forward"]["feedback"]


def test_py_files_keep_the_rule_an_import_error_is_the_students(tmp_path):
    (tmp_path / "exercise3.py").write_text("import h5py\n" + (CORPUS / "colab_pool.py").read_text())
    result = json.loads(cli("exercise3", "--submission", str(tmp_path / "exercise3.py"), "--json").stdout)
    assert result["score"] == 0 and "No module named 'h5py'" in result["load_error"]


def test_batch_gives_each_notebook_its_twins_verdict_and_notes_once(tmp_path):
    from grader.batch.cli import batch
    cls = tmp_path / "class"
    cls.mkdir()
    for name in make.NOTEBOOKS:
        shutil.copy(CORPUS / f"{name}.ipynb", cls / f"nb_{name}.ipynb")
        (cls / f"py_{name}").mkdir()
        for n, exercise in PAIRS:
            if n == name:
                shutil.copy(CORPUS / f"{name}.py", cls / f"py_{name}" / f"{exercise}.py")
    for minor in range(6):       # the same notebook as saved by nbformat 4.0 ... 4.5
        data = make.notebook(make.NOTEBOOKS["coursera_conv"], minor)
        nbformat.validate(data, version=4, version_minor=minor)
        (cls / f"v4{minor}.ipynb").write_text(json.dumps(data))
    shutil.copy(CORPUS / "needs_h5py.ipynb", cls / "h5.ipynb")
    out = tmp_path / "out"
    r = CliRunner(env={"LC_ALL": "en_US.UTF-8"}).invoke(batch, [str(cls), "--out", str(out), "--exercises", "exercise1,exercise2,exercise3",
                                   "--jobs", "2"])
    assert r.exit_code == 0, r.output
    with Store(out) as store:
        results = {(row.student, row.exercise): row.result for row in store.rows()}
    for name, exercise in PAIRS:
        assert verdict(results[(f"nb_{name}", exercise)]) == verdict(results[(f"py_{name}", exercise)]), name
    for minor in range(6):
        assert verdict(results[(f"v4{minor}", "exercise2")]) == verdict(results[("py_coursera_conv", "exercise2")])
        assert results[(f"v4{minor}", "exercise2")]["score"] == 10
    h5 = {f["name"]: f for f in results[("h5", "exercise3")]["functions"]}
    assert [n for n, f in h5.items() if not f["passed"]] == ["avg_pool_forward"]
    assert H5PY_MESSAGE in h5["avg_pool_forward"]["feedback"]

    feedback = (out / "feedback" / "nb_lab4_all.md").read_text()
    assert "exercise1.py and exercise2.py were taken from the notebook nb_lab4_all.ipynb" in feedback
    assert feedback.count("import tensorflow as tf") == 1      # listed once, for both exercises
    assert feedback.count("Graded file: nb_lab4_all.ipynb") == 2
    assert "graded from the .py file" not in feedback
    assert "Graded file: exercise3.py" in (out / "feedback" / "py_colab_pool.md").read_text()
    summary = (out / "summary.md").read_text()
    assert "- Notebooks with skipped cells: 10" in summary      # 3 corpus + 6 versions + h5


# -- reading cells ----------------------------------------------------------------------------

@pytest.mark.parametrize("line, blanked", [
    ("%matplotlib inline", True), ("  %timeit f(x)", True), ("!pip install h5py", True), ("!ls -la", True),
    ("files = !ls", True), ("t = %timeit -o f()", True), ("np.pad?", True), ("??np.pad", True),
    ("cd '/content/drive/MyDrive/Colab Notebooks'", True), ("cd ..", True), ("pip install h5py", True),
    ("ls", True), ("ls -la", True), ("pwd", True),
    ("cd = 3", False), ("ls = [1, 2]", False), ("time = 3", False), ("x = 5 % 3", False),
    ("get_ipython().system('ls')", False), ("print('%d' % 3)", False),
])
def test_ipython_lines(line, blanked):
    assert (nbm.without_ipython(line).strip() == "") is blanked


def test_magic_looking_lines_inside_strings_stay():
    source = 'DOC = """\n%d items\ncd here\n!important\n"""\n%matplotlib inline\nx = 1'
    assert nbm.without_ipython(source) == 'DOC = """\n%d items\ncd here\n!important\n"""\n\nx = 1'
    namespace, _ = load(cells(source))
    assert namespace["DOC"] == "\n%d items\ncd here\n!important\n"


@pytest.mark.parametrize("magic, kept", [("%%time", True), ("%%capture out", True), ("%%writefile helper.py", False),
                                         ("%%bash", False), ("# a comment\n%%time", True)])
def test_cell_magics(magic, kept):
    converted = nbm.convert(cells(f"{magic}\ndef conv_forward(x, w, b, stride=1, padding=0):\n    return x"), "hw.ipynb")
    assert ("conv_forward" in converted.defines) is kept


def test_source_as_string_or_lines_with_any_line_endings():
    nb = json.loads(cells("import numpy as np\r\n%matplotlib inline\r\ndef relu(x):\r\n    return np.maximum(x, 0)\r\n"))
    as_string = nbm.convert(json.dumps(nb).encode(), "a.ipynb").source
    nb["cells"][0]["source"] = ["import numpy as np\r\n", "%matplotlib inline\r", "\ndef relu(x):\n",
                                "    return np.maximum(x, 0)\n"]
    assert nbm.convert(json.dumps(nb).encode("utf-8-sig"), "a.ipynb").source == as_string
    assert "\r" not in as_string and "relu" in nbm.convert(json.dumps(nb).encode(), "a.ipynb").defines


def test_multiline_strings_keep_their_text_when_wrapped():
    source = ('def f():\n    """Doc\n  kept as is\n"""\n    return 1\nT = """a\nb"""\nF = f"""x\n{1 + 1}\n y"""\n'
              "R = ('c'\n'd')")
    namespace, context = load(cells(source))
    assert namespace["f"].__doc__ == "Doc\n  kept as is\n" and namespace["T"] == "a\nb"
    assert namespace["F"] == "x\n2\n y" and namespace["R"] == "cd" and context.public["skipped"] == []


def test_a_failing_statement_is_skipped_and_explained():
    namespace, context = load(cells(
        "import numpy as np\nimport h5py\nfrom public_tests import *",
        "X_train, Y_train = load_dataset()\nX_train = X_train / 255.0\nEPS = 1e-8",
        "from __future__ import annotations\ndef uses_x(x):\n    return x / X_train.std()",
        "def broken(:\n    pass\ndef lost(x):\n    return x",
        "@tf.function\ndef decorated(x):\n    return x"))
    skipped = {(e["cell"], e["line"]): e for e in context.public["skipped"]}
    assert set(skipped) == {(1, 2), (1, 3), (2, 2), (4, 1), (5, 1)}
    assert skipped[(2, 2)]["not_run"] == {"name": "X_train", "cell": 2, "line": 1}
    assert "np" in namespace and namespace["EPS"] == 1e-8 and "uses_x" in namespace
    said = nbm.explain_for(context, "raised", {"type": "NameError", "message": "name 'X_train' is not defined"},
                       "conv_forward", "en")
    assert said.startswith("conv_forward uses X_train, whose definition in cell 2 (line 2) failed: NameError")
    said = nbm.explain_for(context, "missing", {}, "lost", "en")
    assert said.startswith("lost was not defined: cell 4, which defines it, does not parse")
    said = nbm.explain_for(context, "missing", {}, "decorated", "ko")
    assert said.startswith("decorated의 정의가 셀 5의 1번째 줄에서 실패해 건너뛰었습니다: NameError")
    said = nbm.explain_for(context, "raised", {"type": "NameError", "message": "name 'zero_pad' is not defined"},
                       "conv_forward", "en")
    assert "it may come from `from public_tests import *` in cell 1" in said
    _, context = load(cells("W = init()", "def f(x):\n    return W @ x"))
    said = nbm.explain_for(context, "wrong_exception", {"type": "NameError", "message": "name 'W' is not defined"},
                       "f", "en")
    assert said.startswith("f uses W, which the notebook sets in cell 1 (line 1) with a top-level statement")


def test_what_the_students_process_reports_is_only_text():
    hello = {"notebook": {"file": 3, "skipped": [{"cell": "1; rm", "line": True, "names": "h5py",
                                                  "error": ["x"]}, "junk"], "lines": "x", "not_run_names": []}}
    context = nbm.source_info(hello, "exercise2", "hw.ipynb")
    assert context.public["file"] == "hw.ipynb"
    assert context.public["skipped"] == [{"cell": 0, "line": 0, "statement": "", "error": "", "names": [],
                                          "parse": False}]
    assert nbm.source_info({"loaded": True}, "exercise2").public["kind"] == "py"


def test_a_second_notebook_is_named_truly(tmp_path):
    (tmp_path / "s").mkdir()
    source = (CORPUS / "colab_pool.py").read_text()
    (tmp_path / "s" / "a.ipynb").write_bytes(cells(source))
    (tmp_path / "s" / "b.ipynb").write_bytes(cells(source))
    (tmp_path / "s" / "c.ipynb").write_bytes(cells("print('hello')"))
    subs, _ = archive.read_class(tmp_path, {"exercise3": ["max_pool_forward", "avg_pool_forward", "global_avg_pool"]})
    assert subs[0].notes == ["exercise3.py was taken from the notebook a.ipynb",
                             "b.ipynb: exercise3.py is graded from the notebook a.ipynb, not from this notebook",
                             "c.ipynb defines none of the graded functions; it was not graded"]


def test_a_single_notebook_finds_the_earlier_exercises_beside_it(tmp_path):
    # Week 5's notebook imports exercises.exercise3 and exercises.exercise4 (which imports
    # exercises.exercise2): graded alone, it gets the exercise files and notebooks beside it,
    # as a batch submission's folder would give them.
    loops = HERE / "fixtures" / "submissions" / "correct" / "loops"
    for name in ("exercise2", "exercise3"):
        shutil.copy(loops / f"{name}.py", tmp_path / f"{name}.py")
    (tmp_path / "exercise4.ipynb").write_bytes(cells("%matplotlib inline", (loops / "exercise4.py").read_text()))
    (tmp_path / "exercise5.ipynb").write_bytes(cells("!pip install numpy", (loops / "exercise5.py").read_text()))
    (tmp_path / "exercise6.ipynb").write_bytes(b"not a notebook")      # a broken neighbour is ignored
    done = cli("exercise5", "--submission", str(tmp_path / "exercise5.ipynb"), "--json")
    result = json.loads(done.stdout)
    assert done.returncode == 0 and result["score"] == result["max_score"], done.stdout[-2000:]
    assert result["source"]["skipped"] == []
    (tmp_path / "exercise4.ipynb").unlink()          # without week 4 beside it: the import is what fails
    result = json.loads(cli("exercise5", "--submission", str(tmp_path / "exercise5.ipynb"), "--json").stdout)
    assert result["score"] < result["max_score"]
    assert any("exercises.exercise4" in s.get("error", "") + s.get("statement", "")
               for s in result["source"]["skipped"]), result["source"]
