"""The Gradescope autograder: the zip's layout, and run_autograder in a root that mimics /autograder.

Gradescope's documented contract (gradescope-autograders.readthedocs.io/en/latest/specs/):
setup.sh and run_autograder at the zip's root; the zip unpacked into /autograder/source,
run_autograder copied to /autograder/run_autograder; the submission in /autograder/submission;
results.json in /autograder/results with ``score``, ``execution_time``, ``output``,
``visibility``, ``stdout_visibility`` and ``tests`` (``name``, ``score``, ``max_score``,
``status`` passed/failed, ``output``, ``visibility``).
"""
import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from grader.batch import autograder

from helpers import PAD2_BUG  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SPECS = ROOT / "grader" / "content" / "specs"
VISIBILITIES = {"hidden", "after_due_date", "after_published", "visible"}


def _ref(name):
    return (ROOT / "solutions" / f"{name}.py").read_text().replace("from .exercise", "from exercises.exercise")


@pytest.fixture(scope="module")
def zip_path(tmp_path_factory):
    """The autograder for exercises 1 and 2, exercise2 with partial credit and hidden generated cases."""
    tmp = tmp_path_factory.mktemp("gs")
    specs = tmp / "specs"
    shutil.copytree(SPECS, specs)
    data = yaml.safe_load((specs / "exercise2.yaml").read_text(encoding="utf-8"))
    data.update(scoring="cases", weights={"lecture": 1, "edge": 1, "generated": 1},
                gradescope={"visibility": "visible", "generated_visibility": "after_published"})
    (specs / "exercise2.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    out = tmp / "autograder.zip"
    env = {**os.environ, "EURON_GRADE_SPECS": str(specs)}
    done = subprocess.run([sys.executable, "-m", "grader", "gradescope", "--out", str(out),
                           "--exercises", "exercise1,exercise2"], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert "not for students" in done.stdout
    return out


def test_zip_layout(zip_path):
    with zipfile.ZipFile(zip_path) as zf:
        names = set(zf.namelist())
        assert {"setup.sh", "run_autograder", "autograder.json", "pyproject.toml"} <= names
        for script in ("setup.sh", "run_autograder"):
            mode = zf.getinfo(script).external_attr >> 16
            assert mode & stat.S_IXUSR, script
            assert zf.read(script).startswith(b"#!/usr/bin/env bash\n")
        assert "solutions/exercise2.py" in names and "grader/batch/autograder.py" in names
        assert not any(n.startswith("tests/") or "__pycache__" in n for n in names)
        assert yaml.safe_load(zf.read("grader/content/specs/exercise2.yaml"))["scoring"] == "cases"
        config = json.loads(zf.read("autograder.json"))
        assert config["exercises"] == ["exercise1", "exercise2"] and config["seed"] == autograder.grader.DEFAULT_SEED
        setup = zf.read("setup.sh").decode()
        assert "python3.11 -m venv" not in setup and '"$PY" -m venv /autograder/venv' in setup
        assert 'pip install "/autograder/source[notebooks]"' in setup
        assert "curl" not in setup and "wget" not in setup


def _unpack(zip_path, root: Path, files: dict) -> Path:
    """What Gradescope does: the zip in root/source, run_autograder copied to root, the submission."""
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(root / "source")
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    (root / "run_autograder").chmod(0o755)
    (root / "submission").mkdir(parents=True)
    for name, data in files.items():
        (root / "submission" / name).write_bytes(data if isinstance(data, bytes) else data.encode())
    return root


def _run(root: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "EURON_GRADE_SPECS")}
    env.update({autograder.ROOT_ENV: str(root), autograder.PYTHON_ENV: sys.executable})
    done = subprocess.run([str(root / "run_autograder")], env=env, capture_output=True, text=True, timeout=300,
                          cwd="/")
    assert done.returncode == 0, done.stderr[-3000:]
    doc = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    assert {"score", "execution_time", "output", "visibility", "stdout_visibility", "tests"} <= set(doc)
    assert isinstance(doc["execution_time"], int) and doc["execution_time"] >= 0
    assert doc["visibility"] in VISIBILITIES and doc["stdout_visibility"] in VISIBILITIES
    for t in doc["tests"]:
        assert {"name", "score", "max_score", "status", "output", "visibility"} <= set(t)
        assert t["status"] in ("passed", "failed") and t["visibility"] in VISIBILITIES
        assert 0 <= t["score"] <= t["max_score"]
        assert (t["status"] == "passed") == (t["score"] == t["max_score"])
    assert doc["score"] == pytest.approx(sum(t["score"] for t in doc["tests"]))
    return doc


def _notebook(source: str) -> bytes:
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source), nbformat.v4.new_code_cell("conv_forward(1, 2, 3)")]
    return nbformat.writes(nb).encode()


def test_a_correct_submission_gets_full_marks(zip_path, tmp_path):
    root = _unpack(zip_path, tmp_path / "autograder", {"exercise1.py": _ref("exercise1"),
                                                       "exercise2.py": _ref("exercise2")})
    doc = _run(root)
    tests = {t["name"]: t for t in doc["tests"]}
    assert doc["score"] == 20 and all(t["status"] == "passed" for t in doc["tests"])
    assert set(tests) == {"exercise1.conv_output_size", "exercise1.same_padding", "exercise1.conv_param_count",
                          "exercise2.conv_forward: lecture examples", "exercise2.conv_forward: edge cases",
                          "exercise2.conv_forward: generated inputs",
                          # no lecture example of conv1x1_forward: its weight goes to the other groups
                          "exercise2.conv1x1_forward: edge cases", "exercise2.conv1x1_forward: generated inputs"}
    assert [t["max_score"] for n, t in tests.items() if n.startswith("exercise2.conv_forward")] \
        == pytest.approx([2, 2, 2])
    assert [t["max_score"] for n, t in tests.items() if n.startswith("exercise2.conv1x1")] == pytest.approx([2, 2])
    for name, t in tests.items():
        assert t["visibility"] == ("after_published" if name.endswith("generated inputs") else "visible"), name


def test_a_buggy_notebook_gets_partial_credit_and_hidden_generated_feedback(zip_path, tmp_path):
    root = _unpack(zip_path, tmp_path / "autograder", {"exercise1.py": _ref("exercise1"),
                                                       "hw2.ipynb": _notebook(_ref("exercise2").replace(*PAD2_BUG))})
    doc = _run(root)
    tests = {t["name"]: t for t in doc["tests"]}
    generated = tests["exercise2.conv_forward: generated inputs"]
    assert generated["status"] == "failed" and generated["score"] == 0
    assert generated["visibility"] == "after_published" and "padding=2" in generated["output"]
    for group in ("lecture examples", "edge cases"):
        t = tests[f"exercise2.conv_forward: {group}"]
        assert t["status"] == "passed" and t["score"] == pytest.approx(2) and t["visibility"] == "visible"
        assert "padding=2" not in t["output"]
    assert doc["score"] == pytest.approx(10 + 4 + 4)


def test_an_empty_submission_scores_zero_with_a_test_per_function(zip_path, tmp_path):
    root = _unpack(zip_path, tmp_path / "autograder", {"notes.txt": "nothing here"})
    doc = _run(root)
    assert doc["score"] == 0 and doc["tests"] and all(t["status"] == "failed" for t in doc["tests"])
