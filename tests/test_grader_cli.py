"""The euron-grade command end to end: exit codes, JSON schema, determinism, usage errors."""
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.engine.results import without_timings

ROOT = Path(__file__).resolve().parents[1]
EXERCISES = [f"exercise{i}" for i in range(1, 6)]


def run(*args, cwd=None):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.mark.parametrize("exercise", EXERCISES)
def test_reference_gets_full_marks(exercise):
    result = run(exercise, "--submission", str(ROOT / "solutions"), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["score"] == data["max_score"] > 0
    assert all(f["passed"] and f["score"] == f["max_score"] for f in data["functions"])


@pytest.mark.parametrize("exercise", EXERCISES)
def test_untouched_stubs_get_zero(exercise):
    result = run(exercise, "--submission", str(ROOT / "exercises"), "--json")
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["score"] == 0
    for f in data["functions"]:
        assert not f["passed"] and f["score"] == 0
        assert "NotImplementedError" in f["feedback"]


def test_json_schema():
    data = json.loads(run("exercise3", "--submission", str(ROOT / "solutions"), "--json").output)
    assert isinstance(data["exercise"], str) and data["exercise"] == "exercise3"
    assert isinstance(data["score"], (int, float)) and isinstance(data["max_score"], (int, float))
    assert isinstance(data["seed"], int)
    assert set(data["versions"]) == {"grader", "hypothesis", "numpy"}
    assert [f["name"] for f in data["functions"]] == ["max_pool_forward", "avg_pool_forward", "global_avg_pool"]
    for f in data["functions"]:
        assert isinstance(f["name"], str) and isinstance(f["passed"], bool)
        assert isinstance(f["score"], (int, float)) and isinstance(f["max_score"], (int, float))
        assert isinstance(f["feedback"], str)
        assert f["misconception"] is None or isinstance(f["misconception"], str)


def test_alias_and_default_folder(tmp_path, monkeypatch):
    (tmp_path / "exercises").mkdir()
    (tmp_path / "exercises" / "exercise3.py").write_text((ROOT / "solutions" / "exercise3.py").read_text()
                                                         .replace("from .exercise1 import _require_int",
                                                                  "from solutions.exercise1 import _require_int"))
    monkeypatch.chdir(tmp_path)
    result = run("pooling", "--json")
    data = json.loads(result.output)
    assert data["exercise"] == "exercise3"
    # the copy imports `solutions`, which a submission may not do
    assert result.exit_code == 1
    assert "may not import 'solutions'" in data["functions"][0]["feedback"]


def test_same_submission_same_report():
    buggy = ROOT / "exercises"
    first = json.loads(run("exercise2", "--submission", str(buggy), "--json").output)
    second = json.loads(run("exercise2", "--submission", str(buggy), "--json").output)
    assert without_timings(first) == without_timings(second)


def test_list_shows_points():
    result = run("list")
    assert result.exit_code == 0
    assert "exercise3" in result.output and "max_pool_forward" in result.output and "pooling" in result.output


@pytest.mark.parametrize("args, fragment", [
    (["exercise9"], "unknown exercise or command 'exercise9'"),
    (["exercise2", "--submission", "/nonexistent/path"], "/nonexistent/path"),
    (["exercise2", "--lang", "fr"], "Invalid value for '--lang'"),
])
def test_usage_errors_exit_2_in_one_line(args, fragment):
    result = CliRunner(env={"LC_ALL": "en_US.UTF-8"}).invoke(main, args)
    assert result.exit_code == 2
    assert fragment in result.output
    assert "Traceback" not in result.output


def test_one_default_language_for_list_and_errors():
    """--lang, else LC_ALL/LC_MESSAGES/LANG, else Korean (grader.korean.default_lang)."""
    for env, want in (({"LC_ALL": "", "LC_MESSAGES": "", "LANG": ""}, "점"), ({"LC_ALL": "", "LANG": "C.UTF-8"}, "점"),
                      ({"LC_ALL": "", "LANG": "ko_KR.UTF-8"}, "점"), ({"LC_ALL": "en_US.UTF-8"}, " points")):
        result = CliRunner(env=env).invoke(main, ["list"])
        assert result.exit_code == 0 and want in result.output.splitlines()[0], (env, result.output)
    result = CliRunner(env={"LC_ALL": "en_US.UTF-8"}).invoke(main, ["list", "--lang", "ko"])
    assert "10점" in result.output and "points" not in result.output
    result = CliRunner(env={"LC_ALL": "", "LANG": ""}).invoke(main, ["exercise9"])
    assert result.exit_code == 2 and "알 수 없는 실습이나 명령 exercise9가" in result.output


def test_broken_spec_is_one_line_naming_file_and_key(tmp_path, monkeypatch):
    for src in (ROOT / "grader" / "content" / "specs").glob("*.yaml"):
        (tmp_path / src.name).write_text(src.read_text())
    bad = tmp_path / "exercise3.yaml"
    bad.write_text(bad.read_text().replace("points: 4", "points: four"))
    monkeypatch.setenv("EURON_GRADE_SPECS", str(tmp_path))
    result = CliRunner().invoke(main, ["exercise3", "--submission", str(ROOT / "solutions")])
    assert result.exit_code == 2
    assert "exercise3.yaml: functions[0].points: expected a number, got 'four'" in result.output
    assert "Traceback" not in result.output


def test_console_script_end_to_end():
    proc = subprocess.run([sys.executable, "-m", "grader", "exercise1", "--submission", str(ROOT / "solutions")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "10/10" in proc.stdout


@pytest.mark.parametrize("args", [["exercise3", "--bogus"], ["quiz", "--count", "x"], ["batch"],
                                  ["list", "--lang", "fr"], ["--nope"], ["nope"]])
def test_usage_errors_are_one_line_the_same_way_for_every_command(args):
    proc = subprocess.run([sys.executable, "-m", "grader", *args], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), proc.stderr


def test_a_checkout_without_its_dependencies_fails_in_one_line(tmp_path):
    # a bare interpreter (no click, no numpy) started in the checkout, as before `pip install -e .`
    proc = subprocess.run([sys.executable, "-E", "-S", "-m", "grader", "list"], capture_output=True, text=True,
                          cwd=ROOT)
    assert proc.returncode == 2
    assert proc.stderr.startswith("Error: euron-grade is not installed here") and len(proc.stderr.splitlines()) == 1


def test_every_expected_error_is_a_grader_error():
    from grader.batch.archive import ArchiveError
    from grader.batch.run import BatchError
    from grader.batch.store import StoreError
    from grader.errors import GraderError
    from grader.quiz.errors import QuizError
    from grader.sandbox import SandboxError
    for error in (ArchiveError, BatchError, StoreError, QuizError, SandboxError):
        assert issubclass(error, GraderError), error
