"""Batch grading: the isolation's cost, measured against two baselines in the same run.

    python benchmarks/bench_batch.py [--students 200] [--jobs 2] [--pytest-sample 12]

The class: ``--students`` submissions made from the test corpus, 60 % correct
(several styles), 20 % buggy, 20 % hostile (infinite loop, memory bomb, fork
bomb, os._exit, segfault, stdout flood, reading a sibling, writing outside,
network, importing ``solutions``, tampering with numpy, killing the grader).

1. The whole class with ``euron-grade batch --jobs N``: wall time, per submission.
2. Overhead ratio: the correct and buggy part of the class (hostile code cannot
   run in-process) graded by the batch, against the same submissions' functions
   called directly in this process on the same case book, until the first failing
   case of each function (a) calls only, (b) calls plus the same checks. Batch
   wall time x jobs (CPU-seconds of wall) is compared, so the ratio is per core.
3. Per submission against a fresh ``python -m pytest`` process per submission
   (how notebook graders work), on a sample; the pytest file loads the same
   cases from an .npz and compares with numpy.allclose.

Every ratio divides two times measured in this run, with ``sys.executable``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "tests"))

from test_batch import FIX, HOSTILE, MANIFEST, _hostile_source  # noqa: E402

CORRECT = ["loops", "im2col", "as_strided", "einsum_windows", "shift_and_add", "reshape_pool_numpy_ints",
           "custom_valueerror", "debug_prints", "tanh_chain", "sigmoid_where_inline"]
BUGGY = sorted(e["path"].split("/", 1)[1] for e in MANIFEST.values() if e["category"] == "buggy")


def make_class(root: Path, n: int) -> dict[str, str]:
    """{student: category}."""
    kinds = {}
    hostile = sorted(HOSTILE)
    for i in range(n):
        r = i % 10
        sid = f"s{i:03d}"
        if r < 6:
            shutil.copytree(FIX / "correct" / CORRECT[i % len(CORRECT)], root / sid)
            kinds[sid] = "correct"
        elif r < 8:
            shutil.copytree(FIX / "buggy" / BUGGY[i % len(BUGGY)], root / sid)
            kinds[sid] = "buggy"
        else:
            (root / sid).mkdir(parents=True)
            body = HOSTILE[hostile[i % len(hostile)]][0]
            (root / sid / "exercise1.py").write_text(_hostile_source(body, root, root.parent / "out", 9))
            kinds[sid] = "hostile"
    return kinds


def run_batch(cls: Path, out: Path, jobs: int) -> float:
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "grader", "batch", str(cls), "--out", str(out),
                           "--jobs", str(jobs)], capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"batch failed: {proc.stderr[-2000:]}")
    return elapsed


def in_process(cls: Path, students: list[str], with_checks: bool) -> float:
    """Import each submission here and call its functions on the case book."""
    from grader.cases import build_casebook
    from grader.catalog import FUNCTIONS
    from grader.compare import check
    from grader.sandbox import Outcome
    from grader.spec import all_specs
    from grader.worker import _describe_value
    specs = all_specs()
    books = {s.name: build_casebook(s, 20261129) for s in specs}
    started = time.perf_counter()
    for sid in students:
        for spec in specs:
            if not (cls / sid / f"{spec.name}.py").exists():
                continue
            for name in [m for m in sys.modules if m == "exercises" or m.startswith("exercises.")]:
                del sys.modules[name]
            pkg = types.ModuleType("exercises")
            pkg.__path__ = [str(cls / sid)]
            sys.modules["exercises"] = pkg
            try:
                mod = importlib.import_module(f"exercises.{spec.name}")
            except Exception:  # noqa: BLE001
                continue
            for fspec in spec.functions:
                fn = getattr(mod, fspec.name, None)
                if fn is None:
                    continue
                required = FUNCTIONS[fspec.name].required
                for case in books[spec.name].cases[fspec.name]:
                    args = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in case.args.items()}
                    try:
                        value = fn(*[args[k] for k in required], **{k: v for k, v in args.items() if k not in required})
                        outcome = Outcome("returned", value=_describe_value(value), inputs_after=args)
                    except Exception as exc:  # noqa: BLE001
                        outcome = Outcome("raised", error={"type": type(exc).__name__, "message": str(exc),
                                                           "is_value_error": isinstance(exc, ValueError)})
                    if with_checks and check(case, outcome, spec.tolerance) is not None:
                        break
    return time.perf_counter() - started


PYTEST_FILE = '''
import sys, importlib, types, numpy as np, pytest
pkg = types.ModuleType("exercises"); pkg.__path__ = [{folder!r}]; sys.modules["exercises"] = pkg
data = np.load({npz!r}, allow_pickle=False)
keys = sorted({{k.rsplit("__", 2)[0] for k in data.files if k.endswith("__expected")}})

@pytest.mark.parametrize("key", keys)
def test_case(key):
    exercise, function, _ = key.split("|")
    fn = getattr(importlib.import_module("exercises." + exercise), function)
    args = {{k.split("__")[1]: data[k] for k in data.files if k.startswith(key + "__") and k.count("__") == 1
            and not k.endswith("__expected")}}
    got = fn(**{{k: (int(v) if v.ndim == 0 else v) for k, v in args.items()}})
    assert np.allclose(got, data[key + "__expected"], rtol=1e-5, atol=1e-6)
'''


def pytest_baseline(cls: Path, students: list[str], work: Path) -> float:
    """A fresh ``python -m pytest`` per submission on the value cases of its exercises."""
    from grader.cases import build_casebook
    from grader.spec import all_specs
    arrays = {}
    for spec in all_specs():
        book = build_casebook(spec, 20261129)
        for fname, cases in book.cases.items():
            for i, case in enumerate(c for c in cases if c.raises is None and isinstance(c.expected, np.ndarray)):
                key = f"{spec.name}|{fname}|{i:03d}"
                arrays[key + "__expected"] = case.expected
                for k, v in case.args.items():
                    arrays[f"{key}__{k}"] = np.asarray(v)
    by_exercise = {}
    for key, value in arrays.items():
        by_exercise.setdefault(key.split("|")[0], {})[key] = value
    started = time.perf_counter()
    for sid in students:
        folder = work / sid
        folder.mkdir()
        wanted = {}
        for ex, items in by_exercise.items():
            if (cls / sid / f"{ex}.py").exists():
                wanted.update(items)
        np.savez(folder / "cases.npz", **wanted)
        (folder / "test_submission.py").write_text(PYTEST_FILE.format(folder=str(cls / sid),
                                                                     npz=str(folder / "cases.npz")))
        subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
                        str(folder / "test_submission.py")], capture_output=True, cwd=folder)
    return time.perf_counter() - started


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--students", type=int, default=200)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--pytest-sample", type=int, default=12)
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    os.chmod(tmp, 0o711)
    try:
        kinds = make_class(tmp / "class", a.students)
        n_host = sum(1 for k in kinds.values() if k == "hostile")
        print(f"class: {a.students} submissions ({a.students - n_host} correct or buggy, {n_host} hostile), "
              f"{a.jobs} jobs, {os.cpu_count()} CPUs, python {sys.executable}")

        whole = run_batch(tmp / "class", tmp / "out", a.jobs)
        print(f"1. whole class: {whole:.1f} s wall, {whole / a.students * 1000:.0f} ms per submission")

        tame = sorted(s for s, k in kinds.items() if k != "hostile")
        (tmp / "tame").mkdir()
        for s in tame:
            shutil.copytree(tmp / "class" / s, tmp / "tame" / s)
        batch_tame = run_batch(tmp / "tame", tmp / "out-tame", a.jobs)
        calls = in_process(tmp / "tame", tame, with_checks=False)
        checked = in_process(tmp / "tame", tame, with_checks=True)
        per_core = batch_tame * a.jobs
        print(f"2. correct+buggy ({len(tame)}): batch {batch_tame:.1f} s wall x {a.jobs} jobs = {per_core:.1f} s; "
              f"in-process calls {calls:.1f} s, calls+checks {checked:.1f} s")
        print(f"   ratio batch (per core) / in-process calls        = {per_core / calls:.2f}x")
        print(f"   ratio batch (per core) / in-process calls+checks = {per_core / checked:.2f}x")
        print(f"   ratio batch (wall, {a.jobs} jobs) / in-process calls+checks = {batch_tame / checked:.2f}x")

        sample = tame[:: max(1, len(tame) // a.pytest_sample)][:a.pytest_sample]
        (tmp / "pytest").mkdir()
        pt = pytest_baseline(tmp / "class", sample, tmp / "pytest") / len(sample)
        per_sub_wall = batch_tame / len(tame)
        per_sub_core = per_core / len(tame)
        print(f"3. fresh pytest process per submission: {pt * 1000:.0f} ms (sample of {len(sample)}); batch "
              f"{per_sub_wall * 1000:.0f} ms wall, {per_sub_core * 1000:.0f} ms per core")
        print(f"   speed-up per submission: {pt / per_sub_wall:.1f}x (wall, {a.jobs} jobs), "
              f"{pt / per_sub_core:.1f}x (per core)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
