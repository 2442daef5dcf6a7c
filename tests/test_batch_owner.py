"""The batch's output folder: nothing left behind after a run (even killed -9),
one owner at a time, --force, and the one roster format."""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.batch import owner, roster
from grader.batch import run as batch_mod
from grader.batch.cli import batch
from test_batch import FIX, _rows, outputs

ROOT = os.geteuid() == 0

DETACH = """
import os, time
if os.fork() == 0:            # a detached grandchild: double fork and a session of its own
    os.setsid()
    if os.fork() == 0:
        time.sleep(120)
    os._exit(0)
"""
SLEEP_CHILD = """
import os, time
if os.fork() == 0:            # a child that sleeps, in the worker's own process group
    time.sleep(120)
    os._exit(0)
"""


def _class(root: Path) -> list[str]:
    students = []
    for i, name in enumerate(["loops", "im2col", "as_strided", "loops", "im2col", "as_strided"]):
        shutil.copytree(FIX / "correct" / name, root / f"s{i}")
        students.append(f"s{i}")
    for sid, prefix in (("zz_detach", DETACH), ("zz_sleeper", SLEEP_CHILD)):
        (root / sid).mkdir()
        for n in (1, 2):
            source = (FIX / "correct" / "loops" / f"exercise{n}.py").read_text()
            (root / sid / f"exercise{n}.py").write_text(prefix + "time.sleep(1.5)\n" + source)
        students.append(sid)
    return students


def _alive(uids) -> list[int]:
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/status") as f:
                    uid = next(int(line.split()[1]) for line in f if line.startswith("Uid:"))
            except (OSError, StopIteration):
                continue
            if uid in uids:
                found.append(int(name))
    return found


def _run(cls, out, tmpdir, *extra):
    env = dict(os.environ, TMPDIR=str(tmpdir))
    return subprocess.Popen([sys.executable, "-m", "grader", "batch", str(cls), "--out", str(out), "--jobs", "2",
                             "--exercises", "exercise1,exercise2", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True, env=env)


@pytest.mark.skipif(not ROOT, reason="students' processes are found by their uids, which needs root")
def test_nothing_is_left_after_a_clean_run_or_a_kill_9_and_resume(tmp_path, request):
    students = _class(tmp_path / "class")
    uids = {batch_mod.student_uid(s) for s in students}
    tmpdir = Path(tempfile.mkdtemp(prefix="egt-", dir="/tmp"))   # short: the zygote's socket lives in it
    request.addfinalizer(lambda: shutil.rmtree(tmpdir, ignore_errors=True))

    full = _run(tmp_path / "class", tmp_path / "full", tmpdir)
    assert full.wait(timeout=300) == 0, full.stderr.read().decode()
    assert _alive(uids) == [] and os.listdir(tmpdir) == []
    assert not (tmp_path / "full" / owner.RECORD).exists()
    total = _rows(tmp_path / "full")

    proc = _run(tmp_path / "class", tmp_path / "cut", tmpdir)
    deadline = time.monotonic() + 120
    # zz_* are graded last, two at a time, each import pausing 1.5 s: kill while they run
    while _rows(tmp_path / "cut") < total - 4 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    time.sleep(0.5)
    # Everything of the run killed at once, the zygote too: nothing can clean up.
    record = json.loads((tmp_path / "cut" / owner.RECORD).read_text())
    os.killpg(proc.pid, signal.SIGKILL)
    for pid, _ in record["pids"]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait()
    assert _rows(tmp_path / "cut") < total, "the run finished before it could be killed"
    assert os.listdir(tmpdir) != []           # what the killed run left: reaped by the resume

    resumed = _run(tmp_path / "class", tmp_path / "cut", tmpdir, "--resume")
    _, stderr = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, stderr.decode()
    assert _alive(uids) == [] and os.listdir(tmpdir) == []
    assert outputs(tmp_path / "cut") == outputs(tmp_path / "full")
    names = {str(p.relative_to(tmp_path / "cut")) for p in (tmp_path / "cut").rglob("*")}
    assert names - {"results.sqlite", "results.sqlite-wal", "results.sqlite-shm"} == \
        {str(p.relative_to(tmp_path / "full")) for p in (tmp_path / "full").rglob("*")} - {"results.sqlite"}


def test_reap_ends_a_recorded_run(tmp_path):
    tmp = Path(owner.tempfile.mkdtemp(prefix=owner.TMP_PREFIX, dir=tmp_path))
    (tmp / "stage").mkdir()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    owner.reap({"tmp": str(tmp), "pids": [[sleeper.pid, owner.start_time(sleeper.pid)]], "uids": []})
    assert sleeper.wait(timeout=10) == -signal.SIGKILL
    assert not tmp.exists()
    owner.reap({"tmp": "/etc", "pids": [[1, 0]], "uids": [0]})     # never anything but its own kind
    assert Path("/etc").is_dir()


# -- one owner ----------------------------------------------------------------------------

def _small_class(root: Path, names=("alice", "bob", "carol")) -> None:
    for name in names:
        shutil.copytree(FIX / "correct" / "loops", root / name)


def test_a_second_run_needs_resume_or_force(tmp_path):
    _small_class(tmp_path / "class")
    args = [str(tmp_path / "class"), "--out", str(tmp_path / "out"), "--exercises", "exercise1", "--jobs", "1"]
    assert CliRunner().invoke(batch, args).exit_code == 0
    before = outputs(tmp_path / "out")
    r = CliRunner().invoke(batch, args)
    assert r.exit_code == 2 and len(r.output.strip().splitlines()) == 1, r.output
    assert "--resume" in r.output and "--force" in r.output
    assert outputs(tmp_path / "out") == before
    assert CliRunner().invoke(batch, args + ["--resume"]).exit_code == 0
    assert CliRunner().invoke(batch, args + ["--resume", "--force"]).exit_code == 2


def test_force_rewrites_without_students_no_longer_present(tmp_path):
    _small_class(tmp_path / "class")
    args = [str(tmp_path / "class"), "--out", str(tmp_path / "out"), "--exercises", "exercise1", "--jobs", "1"]
    assert CliRunner().invoke(batch, args + ["--lms", "canvas"]).exit_code == 0
    assert (tmp_path / "out" / "feedback" / "bob.md").exists()
    shutil.rmtree(tmp_path / "class" / "bob")
    (tmp_path / "out" / "gradescope" / "alice" / ".results.json.x1y2").write_text("half written")
    r = CliRunner().invoke(batch, args + ["--force"])
    assert r.exit_code == 0, r.output
    fresh = tmp_path / "fresh"
    assert CliRunner().invoke(batch, [str(tmp_path / "class"), "--out", str(fresh), "--exercises", "exercise1",
                                      "--jobs", "1"]).exit_code == 0
    assert outputs(tmp_path / "out") == outputs(fresh)
    assert not (tmp_path / "out" / "feedback" / "bob.md").exists()
    assert not (tmp_path / "out" / "grades-canvas.csv").exists()


def test_resume_removes_stale_files_and_half_written_ones(tmp_path):
    _small_class(tmp_path / "class")
    args = [str(tmp_path / "class"), "--out", str(tmp_path / "out"), "--exercises", "exercise1", "--jobs", "1"]
    assert CliRunner().invoke(batch, args).exit_code == 0
    reference = outputs(tmp_path / "out")
    (tmp_path / "out" / "gradescope" / "bob" / ".results.json.k2j3h4").write_text("{")
    (tmp_path / "out" / ".grades.csv.abc123").write_text("x")
    (tmp_path / "out" / "feedback" / "gone.md").write_text("a student no longer in the class")
    assert CliRunner().invoke(batch, args + ["--resume"]).exit_code == 0
    assert outputs(tmp_path / "out") == reference


def test_two_runs_cannot_write_into_one_folder(tmp_path):
    out = tmp_path / "out"
    holder = owner.OutputFolder(out)
    holder.acquire(resume=False, force=False)
    try:
        _small_class(tmp_path / "class", ("alice",))
        r = CliRunner().invoke(batch, [str(tmp_path / "class"), "--out", str(out), "--exercises", "exercise1",
                                       "--resume"])
        assert r.exit_code == 2 and "another run is writing" in r.output
        assert len(r.output.strip().splitlines()) == 1
        assert not (out / "grades.csv").exists()
    finally:
        holder.release()


# -- roster ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "id,name,email\n2024001,김민수,minsu@example.org\n2024002,Lee Ji,\n",
    "student_id,이름\n2024001,김민수\n2024002,Lee Ji\n",
    "학번,이름,이메일\n2024001,김민수,minsu@example.org\n2024002,Lee Ji,\n",
    "name,email,id\n김민수,minsu@example.org,2024001\nLee Ji,,2024002\n",
    "2024001,김민수,minsu@example.org\n2024002,Lee Ji\n",
])
def test_one_roster_format(tmp_path, text):
    path = tmp_path / "roster.csv"
    path.write_text(text, encoding="utf-8")
    students, problems = roster.read_roster(path)
    assert problems == []
    assert [(s.id, s.name) for s in students] == [("2024001", "김민수"), ("2024002", "Lee Ji")]


@pytest.mark.parametrize("text, message", [("", "the roster is empty"), ("id,name\n", "lists no students")])
def test_roster_errors_are_one_line(tmp_path, text, message):
    path = tmp_path / "roster.csv"
    path.write_text(text)
    with pytest.raises(roster.RosterError, match=message):
        roster.read_roster(path)
