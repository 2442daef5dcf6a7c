"""The student pack's self-check against ``python -c "import numpy"``, measured in the same run.

    python benchmarks/bench_pack.py [--repeats 7]

Builds a pack (``euron-grade release``) into a temporary folder, installs it
into a fresh venv (tests/pack_env.py), then times, interleaved:

pack:   ``euron-grade exercise3 --submission <a correct exercise3.py>`` in the
        pack's venv, end to end (interpreter, bank, zygote, confined student
        process, every public case, report);
numpy:  ``python -c "import numpy"`` in the same venv.
Target: the pack within 2.5x of the import of numpy (medians).
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
import pack_env  # noqa: E402


def timed(cmd: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=pack_env.clean_env(), stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} exited {done.returncode}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-pack-") as tmp:
        pack = pack_env.build(Path(tmp) / "pack", ["exercise3"])
        python = pack_env.install(pack, Path(tmp) / "env")
        correct = ROOT / "tests" / "fixtures" / "submissions" / "correct" / "loops" / "exercise3.py"
        check = [str(python.parent / "euron-grade"), "exercise3", "--submission", str(correct)]
        numpy = [str(python), "-c", "import numpy"]
        timed(check, pack)   # warm the file cache
        pack_times, numpy_times = [], []
        for _ in range(args.repeats):
            pack_times.append(timed(check, pack))
            numpy_times.append(timed(numpy, pack))
    p, n = statistics.median(pack_times), statistics.median(numpy_times)
    print(f"pack self-check of exercise3 (correct): median {p:.3f} s  (runs: {', '.join(f'{t:.2f}' for t in pack_times)})")
    print(f"python -c 'import numpy':               median {n:.3f} s  (runs: {', '.join(f'{t:.2f}' for t in numpy_times)})")
    print(f"ratio {p / n:.2f}x (target <= 2.5x): {'met' if p / n <= 2.5 else 'NOT met'}")


if __name__ == "__main__":
    main()
