"""Fingerprint the grader's verdicts on the whole corpus, to prove a refactor kept them.

    python benchmarks/fingerprint_corpus.py write before.json   # on the old commit
    python benchmarks/fingerprint_corpus.py write after.json    # on the new one
    python benchmarks/fingerprint_corpus.py compare before.json after.json

``write`` grades every submission of tests/corpus_manifest.yaml (correct, buggy and
hostile) for each of its exercises with ``python -m grader EXERCISE --json``, in
English and in Korean, and stores the reports without timings and without the
submission's absolute path.  ``compare`` prints the reports that differ (keys
only the new side has, listed with ``--allow-added``, are ignored) and exits 1
if any does.  Run ``write`` with the checkout under test first on PYTHONPATH.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
VARYING = ("elapsed_s", "submission")


def _strip(data, drop=VARYING):
    if isinstance(data, dict):
        return {k: _strip(v, drop) for k, v in data.items() if k not in drop}
    if isinstance(data, list):
        return [_strip(v, drop) for v in data]
    return data


def _grade(job: tuple[str, str, str]) -> tuple[str, dict]:
    path, exercise, lang = job
    submission = ROOT / "tests/fixtures/submissions" / path
    proc = subprocess.run([sys.executable, "-m", "grader", exercise, "--submission", str(submission),
                           "--json", "--lang", lang], capture_output=True, text=True, timeout=600, cwd=ROOT)
    try:
        report = _strip(json.loads(proc.stdout))
    except json.JSONDecodeError:
        report = {"stdout": proc.stdout, "stderr": proc.stderr[-2000:]}
    return f"{path}|{exercise}|{lang}", {"rc": proc.returncode, "report": report}


def write(out: Path, jobs: int) -> None:
    manifest = yaml.safe_load((ROOT / "tests/corpus_manifest.yaml").read_text(encoding="utf-8"))
    todo = [(e["path"], ex, lang) for e in manifest["submissions"] for ex in e["exercises"] for lang in ("en", "ko")]
    with ThreadPoolExecutor(jobs) as pool:
        results = dict(pool.map(_grade, todo))
    out.write_text(json.dumps(results, indent=1, sort_keys=True, ensure_ascii=False), encoding="utf-8")
    print(f"{len(results)} reports -> {out}")


def compare(before: Path, after: Path, allow_added: tuple[str, ...]) -> int:
    a = json.loads(before.read_text(encoding="utf-8"))
    b = json.loads(after.read_text(encoding="utf-8"))
    differ = [k for k in sorted(set(a) | set(b)) if a.get(k) != _strip(b.get(k), VARYING + allow_added)]
    for key in differ[:10]:
        print(f"differs: {key}")
    print(f"{len(a)} before, {len(b)} after, {len(differ)} differ (ignoring added keys {list(allow_added)})")
    return 1 if differ else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    w = sub.add_parser("write")
    w.add_argument("out", type=Path)
    w.add_argument("--jobs", type=int, default=2)
    c = sub.add_parser("compare")
    c.add_argument("before", type=Path)
    c.add_argument("after", type=Path)
    c.add_argument("--allow-added", default="", help="comma-separated keys only the new side has")
    args = parser.parse_args()
    if args.command == "write":
        write(args.out, args.jobs)
        return 0
    return compare(args.before, args.after, tuple(k for k in args.allow_added.split(",") if k))


if __name__ == "__main__":
    sys.exit(main())
