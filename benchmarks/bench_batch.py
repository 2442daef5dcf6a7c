"""Batch grading: the isolation's cost, measured against two baselines in the same run.

    python benchmarks/bench_batch.py [--students 200] [--jobs 2] [--pytest-sample 12]
                                     [--baseline GIT-REF [--repeat 3]]

The class: ``--students`` submissions made from the test corpus, 60 % correct
(several styles), 20 % buggy, 20 % hostile (infinite loop, memory bomb, fork
bomb, os._exit, segfault, stdout flood, reading a sibling, writing outside,
network, importing ``solutions``, tampering with numpy, killing the grader).

1. The whole class with ``euron-grade batch --jobs N``: wall time, per submission.
2. Overhead ratio: the correct and buggy part of the class (hostile code cannot
   run in-process) graded by the batch, against the same submissions' functions
   called directly in this process on the same case book, until the first failing
   case of each function (a) calls only, (b) calls plus the same checks. The
   batch's time is the CPU time of all its processes (``RUSAGE_CHILDREN``: the
   parent, the graders, the zygote and every student's worker); the baselines'
   is this process's CPU time. "Per submission" leaves out the run's fixed
   start and end (imports, case books, gradebook, summary.png), measured by
   grading a class of one.
3. Per submission against a fresh ``python -m pytest`` process per submission
   (how notebook graders work), on a sample; the pytest file loads the same
   cases from an .npz and compares with numpy.allclose.

4. With ``--baseline REF``: the same correct+buggy class graded by this checkout and
   by the grader at git revision REF (``git archive`` into a temporary folder, put
   first on PYTHONPATH), ``--repeat`` times each, alternating, medians compared:
   CPU per submission without the run's fixed start and end, and the whole run.
   The class keeps only the exercises both graders know, so both do the same work.

Every ratio divides two times measured in this run, with ``sys.executable``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

import numpy as np

import grader

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


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_batch(cls: Path, out: Path, jobs: int, code: Path | None = None) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the batch and all its processes); ``code``: a
    checkout of another revision to run instead of this one."""
    env = dict(os.environ)
    if code is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(code), *filter(None, [env.get("PYTHONPATH")])])
    shutil.rmtree(out, ignore_errors=True)
    started, cpu = time.perf_counter(), _children_cpu()
    proc = subprocess.run([sys.executable, "-m", "grader", "batch", str(cls), "--out", str(out),
                           "--jobs", str(jobs)], capture_output=True, text=True, env=env)
    elapsed, cpu = time.perf_counter() - started, _children_cpu() - cpu
    if proc.returncode != 0:
        sys.exit(f"batch failed: {proc.stderr[-2000:]}")
    return elapsed, cpu


def exercises_of(code: Path) -> set[str]:
    """The exercises the grader in ``code`` has a spec for (wherever its layout keeps them)."""
    return {p.stem for p in code.glob("grader/**/specs/exercise*.yaml")}


def class_of_one(cls: Path, students: list[str], dest: Path) -> str:
    """A class of one: the first student, given the first file of every exercise the
    class has and they lack, so that it builds the same case books (the run's fixed start)."""
    one = students[0]
    shutil.copytree(cls / one, dest / one)
    for sid in students[1:]:
        for f in (cls / sid).glob("exercise*.py"):
            if not (dest / one / f.name).exists():
                shutil.copy(f, dest / one / f.name)
    return one


def baseline_checkout(ref: str, dest: Path) -> Path:
    """The repository at ``ref``, unpacked into ``dest`` (no worktree left behind)."""
    dest.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", ref], capture_output=True)
    if archive.returncode != 0:
        sys.exit(f"--baseline {ref}: {archive.stderr.decode().strip()}")
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
    return dest


def compare_with_baseline(cls: Path, students: list[str], tmp: Path, ref: str, jobs: int, repeat: int) -> None:
    """Section 4: this checkout against revision ``ref`` on the same class, alternating runs."""
    base = baseline_checkout(ref, tmp / "baseline-code")
    common = exercises_of(REPO) & exercises_of(base)
    shared = tmp / "common"
    for sid in students:
        for f in (cls / sid).iterdir():
            if f.stem in common:
                (shared / sid).mkdir(parents=True, exist_ok=True)
                shutil.copy(f, shared / sid / f.name)
    kept = sorted(p.name for p in shared.iterdir())
    (tmp / "common-one").mkdir()
    class_of_one(shared, kept, tmp / "common-one")
    runs: dict[str, list[tuple[float, float, float]]] = {"this checkout": [], ref: []}
    for _ in range(repeat):
        for name, code in (("this checkout", None), (ref, base)):
            wall, cpu = run_batch(shared, tmp / "out-cmp", jobs, code)
            _, cpu_one = run_batch(tmp / "common-one", tmp / "out-cmp-one", jobs, code)
            runs[name].append((wall, cpu, (cpu - cpu_one) / (len(kept) - 1)))
    med = {name: [statistics.median(r[i] for r in rs) for i in range(3)] for name, rs in runs.items()}
    now, then = med["this checkout"], med[ref]
    print(f"4. against {ref} on the same {len(kept)} submissions ({', '.join(sorted(common))}), "
          f"median of {repeat} alternating runs each:")
    print(f"   CPU per submission without the fixed start and end: {now[2] * 1000:.1f} ms vs {then[2] * 1000:.1f} ms"
          f" = {now[2] / then[2]:.2f}x  (target <= 1.10x)")
    print(f"   whole run CPU: {now[1]:.2f} s vs {then[1]:.2f} s = {now[1] / then[1]:.2f}x; "
          f"wall: {now[0]:.2f} s vs {then[0]:.2f} s = {now[0] / then[0]:.2f}x")
    print("   each run (wall s, CPU s, CPU ms per submission): " + "; ".join(
        f"{name}: " + ", ".join(f"({w:.2f}, {c:.2f}, {m * 1000:.1f})" for w, c, m in rs) for name, rs in runs.items()))


def in_process(cls: Path, students: list[str], with_checks: bool) -> float:
    """Import each submission here and call its functions on the case book."""
    from grader.engine.cases import build_casebook
    from grader.content import FUNCTIONS
    from grader.engine.compare import check
    from grader.sandbox import Outcome
    from grader.engine.spec import all_specs
    from grader.sandbox.worker import _describe_value
    specs = all_specs()
    books = {s.name: build_casebook(s, grader.DEFAULT_SEED) for s in specs}
    started = time.process_time()
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
    return time.process_time() - started


def isolation_floor(cls: Path, students: list[str]) -> float:
    """CPU seconds of what every student's grading costs before any call: a worker
    forked from the zygote and confined as in the batch (namespaces, uid, seccomp),
    loading each of the student's exercises, then killed and reaped."""
    from grader.batch import run as batch
    from grader.sandbox import Zygote
    from grader.engine.spec import all_specs
    specs = {s.name: s for s in all_specs()}
    stage_root = Path(tempfile.mkdtemp(prefix="bench-floor-"))
    os.chmod(stage_root, 0o711)
    with Zygote() as zygote:
        def zygote_children_cpu() -> float:
            with open(f"/proc/{zygote._pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")   # cutime + cstime
        before = zygote_children_cpu()
        for sid in students:
            exercises = [e for e in specs if (cls / sid / f"{e}.py").exists()]
            stage = stage_root / sid
            shutil.copytree(cls / sid, stage)
            session = batch.student_session(zygote, str(stage), sid, [specs[e] for e in exercises], confine=True,
                                            hide=[str(cls), str(stage_root)])
            for exercise in exercises:
                session.use(exercise, specs[exercise].limits)
            session.close()
            shutil.rmtree(stage, ignore_errors=True)
        time.sleep(0.3)     # the last workers reaped
        spent = zygote_children_cpu() - before
    shutil.rmtree(stage_root, ignore_errors=True)
    return spent


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
    from grader.engine.cases import build_casebook
    from grader.engine.spec import all_specs
    arrays = {}
    for spec in all_specs():
        book = build_casebook(spec, grader.DEFAULT_SEED)
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
    ap.add_argument("--baseline", metavar="GIT-REF", help="also compare with the grader at this revision")
    ap.add_argument("--repeat", type=int, default=3, help="alternating runs per side for --baseline")
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    os.chmod(tmp, 0o711)
    try:
        kinds = make_class(tmp / "class", a.students)
        n_host = sum(1 for k in kinds.values() if k == "hostile")
        print(f"class: {a.students} submissions ({a.students - n_host} correct or buggy, {n_host} hostile), "
              f"{a.jobs} jobs, {os.cpu_count()} CPUs, python {sys.executable}")

        whole, whole_cpu = run_batch(tmp / "class", tmp / "out", a.jobs)
        print(f"1. whole class: {whole:.1f} s wall ({whole_cpu:.1f} s CPU), "
              f"{whole / a.students * 1000:.0f} ms per submission")

        tame = sorted(s for s, k in kinds.items() if k != "hostile")
        (tmp / "tame").mkdir()
        for s in tame:
            shutil.copytree(tmp / "class" / s, tmp / "tame" / s)
        (tmp / "one").mkdir()
        one = class_of_one(tmp / "class", tame, tmp / "one")
        batch_tame, cpu_tame = run_batch(tmp / "tame", tmp / "out-tame", a.jobs)
        _, cpu_one = run_batch(tmp / "one", tmp / "out-one", a.jobs)
        calls = in_process(tmp / "tame", tame, with_checks=False)
        checked = in_process(tmp / "tame", tame, with_checks=True)
        calls_one = in_process(tmp / "one", [one], with_checks=False)
        checked_one = in_process(tmp / "one", [one], with_checks=True)
        n = len(tame)
        marginal = (cpu_tame - cpu_one) / (n - 1)
        marginal_calls = (calls - calls_one) / (n - 1)
        marginal_checked = (checked - checked_one) / (n - 1)
        print(f"2. correct+buggy ({n}): batch {batch_tame:.1f} s wall with {a.jobs} jobs, {cpu_tame:.1f} s CPU "
              f"(a class of one: {cpu_one:.2f} s CPU); in-process calls {calls:.2f} s, calls+checks {checked:.2f} s")
        print(f"   CPU per submission: batch {cpu_tame / n * 1000:.1f} ms, in-process calls {calls / n * 1000:.1f} ms, "
              f"calls+checks {checked / n * 1000:.1f} ms")
        print(f"   ratio batch CPU / in-process calls                  = {cpu_tame / calls:.2f}x  (target < 1.5x)")
        print(f"   ratio batch CPU / in-process calls+checks           = {cpu_tame / checked:.2f}x")
        print(f"   per submission, without the run's fixed start and end: batch {marginal * 1000:.1f} ms CPU")
        print(f"   ratio per submission / in-process calls             = {marginal / marginal_calls:.2f}x")
        print(f"   ratio per submission / in-process calls+checks      = {marginal / marginal_checked:.2f}x")
        print(f"   ratio batch wall ({a.jobs} jobs) / in-process calls+checks = {batch_tame / checked:.2f}x")
        floor = isolation_floor(tmp / "tame", tame) / n
        print(f"   isolation floor: a confined worker per student that loads their exercises and makes no call "
              f"= {floor * 1000:.1f} ms CPU per student;")
        print(f"   so no process-per-student batch can beat (calls + checks + floor) / calls = "
              f"{(checked / n + floor) / (calls / n):.2f}x, or (calls + checks + floor) / (calls + checks) = "
              f"{(checked / n + floor) / (checked / n):.2f}x, before a single byte of a call or reply is sent")

        if a.pytest_sample > 0:
            pytest_section(tmp, tame, batch_tame, cpu_tame, a)
        if a.baseline:
            compare_with_baseline(tmp / "class", tame, tmp, a.baseline, a.jobs, a.repeat)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def pytest_section(tmp: Path, tame: list[str], batch_tame: float, cpu_tame: float, a) -> None:
    """Section 3: a fresh ``python -m pytest`` per submission, on a sample."""
    sample = tame[:: max(1, len(tame) // a.pytest_sample)][:a.pytest_sample]
    (tmp / "pytest").mkdir()
    pt = pytest_baseline(tmp / "class", sample, tmp / "pytest") / len(sample)
    per_sub_wall = batch_tame / len(tame)
    per_sub_cpu = cpu_tame / len(tame)
    print(f"3. fresh pytest process per submission: {pt * 1000:.0f} ms wall (sample of {len(sample)}); batch "
          f"{per_sub_wall * 1000:.0f} ms wall, {per_sub_cpu * 1000:.0f} ms CPU")
    print(f"   speed-up per submission: {pt / per_sub_wall:.1f}x (wall, {a.jobs} jobs; target >= 10x), "
          f"{pt / per_sub_cpu:.1f}x (pytest wall / batch CPU)")


if __name__ == "__main__":
    main()
