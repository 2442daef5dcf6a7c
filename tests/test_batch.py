"""Batch grading end to end: a generated class (correct, buggy, hostile),
isolation, kill -9 and --resume, input errors, the CLI."""

import contextlib
import io
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import textwrap
import tempfile
import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from grader.batch import run as batch_mod
from grader.batch.cli import batch
from grader.engine.results import without_timings
from grader.batch.store import Store


ENGLISH = {"LC_ALL": "en_US.UTF-8"}   # for module-scoped runs, made before _english applies


@pytest.fixture(autouse=True)
def _english(monkeypatch):
    """These tests read English output: the default language comes from the environment (else Korean)."""
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")

ROOT = os.geteuid() == 0
FIX = Path(__file__).parent / "fixtures" / "submissions"
MANIFEST = {e["path"]: e for e in yaml.safe_load((Path(__file__).parent / "corpus_manifest.yaml").read_text())["submissions"]}

CORRECT = ["loops", "im2col", "as_strided"]
BUGGY = ["cos_ceil", "cos_true_division", "param_count_bias_once", "conv_kernel_flip", "conv_pad_after_only"]

# conv_param_count of a correct exercise1 preceded by a hostile action; if the
# action were allowed the function would pass, so a 0 proves it was refused.
HOSTILE = {
    "infinite_loop": ("while True:\n    pass", ["time limit", "did not finish"]),
    "memory_bomb": ("_hoard = bytearray(8 << 30)", ["memory"]),
    "fork_bomb": ("n = 0\ntry:\n    while n < 500:\n        if os.fork() == 0:\n            time.sleep(20)\n"
                  "            os._exit(0)\n        n += 1\nexcept OSError:\n    pass\n"
                  "raise RuntimeError(f'fork bomb stopped after {n} processes')", ["fork bomb stopped after"]),
    "os_exit": ("os._exit(3)", ["exited with code 3"]),
    "segfault": ("ctypes.string_at(0)", ["segmentation fault"]),
    "stdout_flood": ("os.write(1, b'x' * (10 << 20))\nreturn 0", ["returned 0"]),
    "read_sibling": ("open(CLASS + '/alice/exercise1.py').read()", ["Error"]),
    "write_sibling": ("open(CLASS + '/alice/exercise1.py', 'a').write('# hacked')", ["Error"]),
    "write_output": ("open(OUT + '/grades.csv', 'w').write('hacked')", ["Error"]),
    "network_local": ("socket.create_connection(('127.0.0.1', PORT), timeout=1)", ["PermissionError"]),
    "network_outside": ("socket.create_connection(('1.1.1.1', 53), timeout=1)", ["PermissionError"]),
    "import_solutions": ("from solutions.exercise1 import conv_param_count as ref\n"
                         "return ref(f, c_in, c_out, bias=bias)", ["ImportError", "solutions"]),
    "tamper_numpy_file": ("import numpy\nopen(numpy.__file__, 'a').write('#')", ["Error"]),
    "kill_grader": ("os.kill(os.getppid(), 9)", ["PermissionError"]),
}


def _hostile_source(body: str, class_dir: Path, out_dir: Path, port: int) -> str:
    base = (FIX / "correct" / "loops" / "exercise1.py").read_text()
    return (base + "\n\nimport ctypes, os, socket, time\n"
            f"CLASS, OUT, PORT = {str(class_dir)!r}, {str(out_dir)!r}, {port}\n"
            "_correct_param_count = conv_param_count\n\n\n"
            "def conv_param_count(f, c_in, c_out, bias=True):\n"
            + textwrap.indent(body, "    ")
            + "\n    return _correct_param_count(f, c_in, c_out, bias=bias)\n")


def make_class(root: Path, out_dir: Path, port: int, hostile=tuple(HOSTILE)) -> dict:
    """A class folder; returns {student: expectation}."""
    root.mkdir(parents=True, exist_ok=True)
    expect = {}
    shutil.copytree(FIX / "correct" / "loops", root / "alice")
    expect["alice"] = {"fail": set()}
    for name in CORRECT[1:]:
        shutil.copytree(FIX / "correct" / name, root / f"correct_{name}")
        expect[f"correct_{name}"] = {"fail": set()}
    for name in BUGGY:
        shutil.copytree(FIX / "buggy" / name, root / f"buggy_{name}")
        fails = MANIFEST[f"buggy/{name}"]["fail"]
        expect[f"buggy_{name}"] = {"fail": {f"{ex}.{fn}" for ex, fns in fails.items() for fn in fns}}
    for name in hostile:
        body, words = HOSTILE[name]
        folder = root / f"hostile_{name}"
        folder.mkdir()
        (folder / "exercise1.py").write_text(_hostile_source(body, root, out_dir, port))
        expect[f"hostile_{name}"] = {"fail": {"exercise1.conv_param_count"}, "words": words}
    return expect


def read_grades(out: Path) -> dict:
    lines = (out / "grades.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    assert lines[1].startswith("Points Possible,")
    return {row.split(",")[0]: dict(zip(header, row.split(","))) for row in lines[2:]}


def outputs(out: Path) -> dict:
    """Every gradebook file's bytes, by relative path (the store excluded)."""
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and not p.name.startswith("results.sqlite")}


@pytest.fixture
def listener():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    yield server.getsockname()[1]
    server.close()


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    """The mixed class graded once with --jobs 2 (exercise1 and exercise2)."""
    tmp = tmp_path_factory.mktemp("class")
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    out = tmp / "out"
    expect = make_class(tmp / "class", out, server.getsockname()[1])
    before = {p: p.read_bytes() for p in (tmp / "class").rglob("*.py")}
    # the run's temporary folders go to a folder of this test's own, so that another
    # run on the machine (a second test session) cannot be mistaken for a leftover
    private_tmp = Path(tempfile.mkdtemp(prefix="eg-t-"))     # short: unix socket paths live in it
    saved = tempfile.tempdir, os.environ.get("TMPDIR")
    tempfile.tempdir, os.environ["TMPDIR"] = str(private_tmp), str(private_tmp)
    started = time.monotonic()
    try:
        result = CliRunner(env=ENGLISH).invoke(batch, [str(tmp / "class"), "--out", str(out), "--jobs", "2",
                                            "--exercises", "exercise1,exercise2"])
    finally:
        tempfile.tempdir = saved[0]
        if saved[1] is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = saved[1]
    elapsed = time.monotonic() - started
    server.close()
    yield {"tmp": tmp, "out": out, "expect": expect, "result": result, "before": before,
           "private_tmp": private_tmp, "elapsed": elapsed}
    shutil.rmtree(private_tmp, ignore_errors=True)


def test_class_run_succeeds(graded_class):
    r = graded_class["result"]
    assert r.exit_code == 0, r.output
    assert "Traceback" not in r.output
    assert "Graded " in r.output and "Protections:" in r.output


def test_every_student_graded_on_the_right_functions(graded_class):
    grades = read_grades(graded_class["out"])
    assert set(grades) == set(graded_class["expect"])
    for student, exp in graded_class["expect"].items():
        row = grades[student]
        submitted = [c for c in row if c.startswith("exercise") and "." in c
                     and (graded_class["tmp"] / "class" / student / (c.split(".")[0] + ".py")).exists()]
        assert submitted, student
        for column in submitted:
            if column in exp["fail"]:
                assert row[column] == "0", (student, column, row[column])
            else:
                assert row[column] != "0", (student, column)
        for column in row:
            if column.startswith("exercise") and "." in column and column not in submitted:
                assert row[column] == "0"


def test_hostile_feedback_names_the_reason(graded_class):
    out = graded_class["out"]
    for student, exp in graded_class["expect"].items():
        if "words" not in exp:
            continue
        text = (out / "feedback" / f"{student}.md").read_text()
        section = text.split("`conv_param_count`", 1)[1].split("## ", 1)[0]
        assert any(w in section for w in exp["words"]), (student, section[:600])
        assert len(text) < 100_000, student   # a 10 MB flood is not copied into the report


def test_fork_bomb_is_bounded(graded_class):
    text = (graded_class["out"] / "feedback" / "hostile_fork_bomb.md").read_text()
    n = int(text.split("fork bomb stopped after ", 1)[1].split()[0])
    assert 10 <= n <= 64


def test_hostile_students_touched_nothing(graded_class):
    for path, data in graded_class["before"].items():
        assert path.read_bytes() == data, path
    assert "hacked" not in (graded_class["out"] / "grades.csv").read_text()
    leftovers = {n for n in os.listdir(graded_class["private_tmp"]) if n.startswith("euron-grade-")}
    assert leftovers == set()


@pytest.mark.skipif(not ROOT, reason="the full set of protections needs root")
def test_protections_are_reported(graded_class):
    text = (graded_class["out"] / "feedback" / "alice.md").read_text()
    for p in ("no network (netns)", "private tmp", "solutions and other students hidden (mount ns)",
              "scrubbed environment", "unprivileged uid", "seccomp filter"):
        assert p in text


def test_results_do_not_depend_on_the_class(graded_class, tmp_path):
    """alice, a buggy and a hostile student graded alone give the same results."""
    tmp = graded_class["tmp"]
    with Store(graded_class["out"]) as store:
        in_class = {(r.student, r.exercise): without_timings(r.result) for r in store.rows()}
    for student in ("alice", "buggy_cos_ceil", "hostile_os_exit"):
        alone = tmp_path / student
        shutil.copytree(tmp / "class" / student, alone / "class" / student)
        r = CliRunner(env=ENGLISH).invoke(batch, [str(alone / "class"), "--out", str(alone / "out"), "--jobs", "1",
                                       "--exercises", "exercise1,exercise2"])
        assert r.exit_code == 0, r.output
        with Store(alone / "out") as store:
            for row in store.rows():
                assert without_timings(row.result) == in_class[(row.student, row.exercise)], student


def test_summary_lists_crashes_and_misconceptions(graded_class):
    text = (graded_class["out"] / "summary.md").read_text()
    assert "hostile_segfault: exercise1.conv_param_count: crashed" in text
    assert "hostile_infinite_loop: exercise1.conv_param_count: timed out" in text
    assert "conv_forward.kernel_flipped" in text
    assert (graded_class["out"] / "summary.png").read_bytes()[:4] == b"\x89PNG"


def test_gradescope_results_follow_the_schema(graded_class):
    doc = json.loads((graded_class["out"] / "gradescope" / "buggy_cos_ceil" / "results.json").read_text())
    assert doc["score"] == sum(t["score"] for t in doc["tests"])
    names = {t["name"]: t for t in doc["tests"]}
    assert names["exercise1.conv_output_size"]["status"] == "failed"
    assert names["exercise1.same_padding"]["status"] == "passed"
    for t in doc["tests"]:
        assert set(t) >= {"name", "score", "max_score", "status", "output"}


# -- resume ---------------------------------------------------------------------------------

def _cli(*args, **kw):
    return subprocess.Popen([sys.executable, "-m", "grader", "batch", *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True, **kw)


def _rows(out: Path) -> int:
    # closed here: a connection left to the garbage collector keeps results.sqlite-wal and -shm
    # in the folder until it is collected, which tests comparing folders then see
    try:
        with contextlib.closing(sqlite3.connect(out / "results.sqlite", timeout=5)) as db:
            return db.execute("SELECT COUNT(*) FROM results").fetchone()[0]
    except sqlite3.Error:
        return 0


def _quick_class(root: Path, n: int = 10) -> None:
    names = CORRECT + BUGGY
    for i in range(n):
        src = FIX / ("correct" if i % len(names) < len(CORRECT) else "buggy") / names[i % len(names)]
        shutil.copytree(src, root / f"s{i:02d}")


def test_kill_9_then_resume_equals_an_uninterrupted_run(tmp_path):
    _quick_class(tmp_path / "class")
    # Graded last, with a pause at each import, so that the last rows arrive well
    # apart and a kill after any row but the last lands before the run is over.
    (tmp_path / "class" / "zz_slow").mkdir()
    for n in (1, 2, 3):
        source = (FIX / "correct" / "loops" / f"exercise{n}.py").read_text()
        (tmp_path / "class" / "zz_slow" / f"exercise{n}.py").write_text("import time\ntime.sleep(0.7)\n" + source)
    args = ["--jobs", "2", "--exercises", "exercise1,exercise2,exercise3"]
    full = _cli(tmp_path / "class", "--out", tmp_path / "full", *args)
    assert full.wait(timeout=300) == 0, full.stderr.read().decode()
    total = _rows(tmp_path / "full")

    rng = random.Random(os.getpid())
    stop_after = rng.randint(1, total - 2)
    proc = _cli(tmp_path / "class", "--out", tmp_path / "cut", *args)
    deadline = time.monotonic() + 120
    while _rows(tmp_path / "cut") < stop_after and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    cut = _rows(tmp_path / "cut")
    assert cut < total, "the run finished before it could be killed"
    assert not (tmp_path / "cut" / "grades.csv").exists()

    resumed = _cli(tmp_path / "class", "--out", tmp_path / "cut", *args, "--resume")
    stdout, stderr = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, stderr.decode()
    assert f"{cut} already in the store" in stdout.decode()
    assert _rows(tmp_path / "cut") == total
    assert outputs(tmp_path / "cut") == outputs(tmp_path / "full")


def test_resume_regrades_a_changed_submission_only(tmp_path):
    _quick_class(tmp_path / "class", n=4)
    args = [str(tmp_path / "class"), "--out", str(tmp_path / "out"), "--exercises", "exercise1", "--jobs", "2"]
    assert CliRunner(env=ENGLISH).invoke(batch, args).exit_code == 0
    (tmp_path / "class" / "s00" / "exercise1.py").write_text(
        (FIX / "buggy" / "cos_ceil" / "exercise1.py").read_text())
    r = CliRunner(env=ENGLISH).invoke(batch, args + ["--resume"])
    assert r.exit_code == 0, r.output
    with_ex1 = sum(1 for p in (tmp_path / "class").glob("*/exercise1.py"))
    assert with_ex1 >= 2
    assert "1/1 s00 exercise1" in r.output and f"{with_ex1 - 1} already in the store" in r.output
    assert read_grades(tmp_path / "out")["s00"]["exercise1.conv_output_size"] == "0"
    assert _rows(tmp_path / "out") == with_ex1


# -- input errors -----------------------------------------------------------------------------

@pytest.mark.parametrize("setup, message", [
    (lambda p: p / "nowhere", "no such folder or zip file"),
    (lambda p: (p / "empty").mkdir() or p / "empty", "no submissions found"),
])
def test_usage_errors_are_one_line_exit_2(tmp_path, setup, message):
    r = CliRunner(env=ENGLISH).invoke(batch, [str(setup(tmp_path)), "--out", str(tmp_path / "out")])
    assert r.exit_code == 2
    assert message in r.output and "Traceback" not in r.output
    assert len(r.output.strip().splitlines()) == 1


def test_bad_inputs_are_listed_and_the_run_goes_on(tmp_path):
    cls = tmp_path / "class"
    shutil.copytree(FIX / "correct" / "loops", cls / "alice")
    (cls / "broken.zip").write_bytes(b"PK\x03\x04 this is not a zip")
    (cls / "nb_student").mkdir()
    (cls / "nb_student" / "work.ipynb").write_text("{ not json")
    (cls / "linker").mkdir()
    (cls / "linker" / "exercise1.py").symlink_to("/etc/passwd")
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name,email\nalice,Alice Kim,alice@example.org\nbad row\n"
                      "zoe,Zoe 김,zoe@example.org\n,No Id,x@example.org\n", encoding="utf-8")
    r = CliRunner(env=ENGLISH).invoke(batch, [str(cls), "--out", str(tmp_path / "out"), "--exercises", "exercise1",
                                   "--roster", str(roster)])
    assert r.exit_code == 1, r.output          # some submissions could not be graded: listed
    listed = r.output.split("Not graded (3):", 1)[1]
    assert all(f"  {sid}: " in listed for sid in ("broken", "linker", "nb_student")), r.output
    summary = (tmp_path / "out" / "summary.md").read_text()
    for needle in ("broken.zip: not a valid zip file", "work.ipynb: not a valid notebook",
                   "exercise1.py: is a symbolic link", "roster.csv:3: roster row has 1 fields",
                   "roster.csv:5: roster row has an empty id", "nb_student: not on the roster"):
        assert needle in summary, needle
    grades = read_grades(tmp_path / "out")
    assert grades["alice"]["name"] == "Alice Kim" and grades["alice"]["total"] == "10"
    assert grades["zoe"]["total"] == "0" and grades["zoe"]["name"] == "Zoe 김"
    assert grades["broken"]["total"] == "0"
    assert "zoe" in summary.split("## No submission", 1)[1]


def test_notebook_submission_is_graded(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    cls = tmp_path / "class"
    cls.mkdir()
    source = (FIX / "correct" / "loops" / "exercise1.py").read_text()
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# My work"), nbformat.v4.new_code_cell("!pip install nothing\n%matplotlib inline"),
                nbformat.v4.new_code_cell(source), nbformat.v4.new_code_cell("print(conv_output_size(32, 7))\nimport os\nos._exit(1)")]
    (cls / "nbstudent.ipynb").write_text(nbformat.writes(nb))
    r = CliRunner(env=ENGLISH).invoke(batch, [str(cls), "--out", str(tmp_path / "out"), "--exercises", "exercise1"])
    assert r.exit_code == 0, r.output
    assert read_grades(tmp_path / "out")["nbstudent"]["total"] == "10"
    assert "taken from the notebook" in (tmp_path / "out" / "feedback" / "nbstudent.md").read_text()


def test_whole_class_zip(tmp_path):
    import zipfile
    with zipfile.ZipFile(tmp_path / "class.zip", "w") as zf:
        for name, folder in (("alice", "correct/loops"), ("bob", "buggy/cos_ceil")):
            zf.write(FIX / folder / "exercise1.py", f"course/{name}/exercise1.py")
        zf.writestr("course/evil.zip", b"garbage")
    r = CliRunner(env=ENGLISH).invoke(batch, [str(tmp_path / "class.zip"), "--out", str(tmp_path / "out"),
                                   "--exercises", "exercise1"])
    assert r.exit_code == 1 and "  evil: " in r.output, r.output
    grades = read_grades(tmp_path / "out")
    assert grades["alice"]["total"] == "10" and grades["bob"]["exercise1.conv_output_size"] == "0"
    assert grades["evil"]["total"] == "0"


def test_ctrl_c_saves_what_is_graded_and_says_how_to_resume(tmp_path):
    _quick_class(tmp_path / "class")
    args = ["--jobs", "1", "--exercises", "exercise1,exercise2,exercise3"]
    proc = _cli(tmp_path / "class", "--out", tmp_path / "out", *args)
    deadline = time.monotonic() + 120
    while _rows(tmp_path / "out") < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    if proc.returncode == 0:
        pytest.skip("the run finished before Ctrl-C arrived")
    assert proc.returncode == 130, stderr.decode()
    assert "run the same command with --resume" in stderr.decode() and b"Traceback" not in stderr
    saved = _rows(tmp_path / "out")
    assert saved >= 2
    r = CliRunner(env=ENGLISH).invoke(batch, [str(tmp_path / "class"), "--out", str(tmp_path / "out"), *args, "--resume"])
    assert r.exit_code == 0 and f"{saved} already in the store" in r.output


def test_progress_bar_on_a_terminal_and_lines_otherwise():
    from grader.batch.cli import _Printer

    class Tty(io.StringIO):
        def isatty(self):
            return True

    events = [batch_mod.Progress(i, 3, f"s{i}", "exercise1", 10.0, 10.0, "graded", 0.1) for i in (1, 2, 3)]
    tty, plain = Tty(), io.StringIO()
    for e in events:
        _Printer(tty)(e)
        _Printer(plain)(e)
    assert "\r[" in tty.getvalue() and "3/3" in tty.getvalue() and "ETA" in tty.getvalue()
    assert plain.getvalue().splitlines() == [f"{i}/3 s{i} exercise1: 10/10" for i in (1, 2, 3)]


def test_a_job_past_its_time_limit_is_recorded_and_the_next_jobs_still_run(tmp_path):
    # Each call is within the per-call limit, but the job as a whole is not: the
    # trusted grader is replaced and the other students are graded as usual.
    cls = tmp_path / "class"
    (cls / "slow").mkdir(parents=True)
    (cls / "slow" / "exercise1.py").write_text(
        (FIX / "correct" / "loops" / "exercise1.py").read_text()
        + "\nimport time\n_orig = conv_output_size\n"
          "def conv_output_size(n, f, stride=1, padding=0):\n"
          "    time.sleep(0.05)\n"
          "    return _orig(n, f, stride=stride, padding=padding)\n")
    for name in ("a_ok", "z_ok"):
        shutil.copytree(FIX / "correct" / "loops", cls / name)
    opts = batch_mod.Options(submissions=cls, out=tmp_path / "out", exercises=["exercise1"], jobs=1,
                             job_timeout_s=2.0)
    batch_mod.run(opts)
    with open(tmp_path / "out" / "grades.csv", encoding="utf-8") as f:
        rows = {line.split(",")[0]: line.strip().split(",") for line in f.readlines()[1:]}
    assert rows["a_ok"][-1] == "10" and rows["z_ok"][-1] == "10"
    assert rows["slow"][-1] == "0"
    assert "job time limit" in (tmp_path / "out" / "summary.md").read_text()


def test_a_student_whose_first_exercise_kills_the_worker_is_graded_on_the_next(tmp_path):
    # All of a student's exercises are graded in one worker of theirs; when exercise1
    # takes it down at import, exercise2 is graded in a new one, as it would be alone.
    cls = tmp_path / "class"
    (cls / "crashy").mkdir(parents=True)
    (cls / "crashy" / "exercise1.py").write_text("import os\nos._exit(7)\n")
    shutil.copy(FIX / "correct" / "im2col" / "exercise2.py", cls / "crashy" / "exercise2.py")
    shutil.copytree(FIX / "correct" / "loops", cls / "fine")
    batch_mod.run(batch_mod.Options(submissions=cls, out=tmp_path / "out", exercises=["exercise1", "exercise2"],
                                    jobs=1))
    grades = read_grades(tmp_path / "out")
    assert grades["crashy"]["exercise2.conv_forward"] == "6" and grades["crashy"]["exercise2.conv1x1_forward"] == "4"
    assert grades["crashy"]["exercise1.conv_output_size"] == "0"
    assert "the process ended while importing it" in (tmp_path / "out" / "feedback" / "crashy.md").read_text()
    assert grades["fine"]["total"] == "20"
    with Store(tmp_path / "out") as store:
        rows = {(r.student, r.exercise): r.result for r in store.rows()}
    uids = {e: [p for p in rows[("fine", e)]["protections"] if p.startswith("unprivileged uid")]
            for e in ("exercise1", "exercise2")}
    assert uids["exercise1"] == uids["exercise2"]     # one uid (and worker) per student
