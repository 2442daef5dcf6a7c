"""--scheduler: the same jobs on a Dask cluster (a LocalCluster started here)
give the same results store and gradebook as a local run."""

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.batch.cli import batch
from grader.engine.results import without_timings
from grader.batch.store import Store


ENGLISH = {"LC_ALL": "en_US.UTF-8"}   # for module-scoped runs, made before _english applies


@pytest.fixture(autouse=True)
def _english(monkeypatch):
    """These tests read English output: the default language comes from the environment (else Korean)."""
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")

distributed = pytest.importorskip("distributed")

FIX = Path(__file__).parent / "fixtures" / "submissions"


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=1, processes=True, threads_per_worker=1,
                                  dashboard_address=None) as c:
        yield c


def _outputs(out: Path) -> dict:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and not p.name.startswith("results.sqlite")}


def test_dask_run_equals_local_run_and_resumes(tmp_path, cluster):
    cls = tmp_path / "class"
    shutil.copytree(FIX / "correct" / "loops", cls / "alice")
    shutil.copytree(FIX / "buggy" / "cos_ceil", cls / "bob")
    shutil.copytree(FIX / "hostile" / "segfault_ctypes", cls / "eve")
    common = ["--exercises", "exercise1,exercise5"]
    local = CliRunner(env=ENGLISH).invoke(batch, [str(cls), "--out", str(tmp_path / "local"), *common])
    assert local.exit_code == 0, local.output
    remote = CliRunner(env=ENGLISH).invoke(batch, [str(cls), "--out", str(tmp_path / "dask"), *common,
                                        "--scheduler", cluster.scheduler_address])
    assert remote.exit_code == 0, remote.output
    assert _outputs(tmp_path / "dask") == _outputs(tmp_path / "local")
    with Store(tmp_path / "dask") as a, Store(tmp_path / "local") as b:
        assert [without_timings(r.result) for r in a.rows()] == [without_timings(r.result) for r in b.rows()]
        assert len(a.rows()) == 4
    again = CliRunner(env=ENGLISH).invoke(batch, [str(cls), "--out", str(tmp_path / "dask"), *common, "--resume",
                                       "--scheduler", cluster.scheduler_address])
    assert again.exit_code == 0 and "4 already in the store" in again.output
    protections = (tmp_path / "dask" / "feedback" / "eve.md").read_text()
    assert "seccomp filter" in protections


def test_unreachable_scheduler_is_a_one_line_error(tmp_path):
    cls = tmp_path / "class"
    shutil.copytree(FIX / "correct" / "loops", cls / "alice")
    r = CliRunner(env=ENGLISH).invoke(batch, [str(cls), "--out", str(tmp_path / "out"), "--exercises", "exercise1",
                                   "--scheduler", "tcp://127.0.0.1:9"])
    assert r.exit_code == 2 and "cannot reach the Dask scheduler" in r.output
    assert "Traceback" not in r.output
