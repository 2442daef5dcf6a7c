"""End-to-end grading time against an in-process floor, measured in the same run.

    python benchmarks/bench_grade.py [--repeats 5] [--exercise exercise2]

end to end: ``sys.executable -m grader exercise2 --submission solutions/exercise2.py``
            (fresh interpreter, zygote, student process, every case sent across).
floor:      a fresh interpreter that imports numpy and hypothesis, generates the
            same cases (lecture, edge, Hypothesis with the same seed) and makes
            the same reference calls in-process, twice (once for the expected
            outputs, once standing in for the student's calls): no isolation.
Target: end to end within 3x of the floor.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

FLOOR = """
import numpy, hypothesis
from grader.engine.spec import load_spec
from grader.engine.cases import build_casebook
from grader.engine.reference import reference
from grader.engine.runner import DEFAULT_SEED
spec = load_spec({exercise!r})
book = build_casebook(spec, DEFAULT_SEED)
for name, cases in book.cases.items():
    fn = reference(name)
    for case in cases:
        try:
            fn(**case.args)
        except ValueError:
            pass
"""


def timed(cmd: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--exercise", default="exercise2")
    args = parser.parse_args()
    submission = ROOT / "solutions" / f"{args.exercise}.py"
    e2e_cmd = [sys.executable, "-m", "grader", args.exercise, "--submission", str(submission)]
    floor_cmd = [sys.executable, "-c", FLOOR.format(exercise=args.exercise)]
    rc = subprocess.run(e2e_cmd, cwd=ROOT, capture_output=True).returncode
    if rc != 0:
        sys.exit(f"the reference did not get full marks (exit {rc})")
    e2e, floor = [], []
    for _ in range(args.repeats):          # interleaved, so both see the same machine load
        e2e.append(timed(e2e_cmd))
        floor.append(timed(floor_cmd))
    e, f = statistics.median(e2e), statistics.median(floor)
    print(f"{args.exercise}: end to end {e * 1000:.0f} ms, in-process floor {f * 1000:.0f} ms "
          f"(medians of {args.repeats})")
    print(f"ratio end-to-end / floor: {e / f:.2f}x (target <= 3x)")


if __name__ == "__main__":
    main()
