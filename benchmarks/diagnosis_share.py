"""Share of failing functions of the buggy corpus that get a diagnosis (issue 10).

Grades every failing function of tests/fixtures/submissions/buggy (the
manifest's ``fail`` lists) and of tests/fixtures/realworld (tests/test_diagnoses.py's
STUDENTS), at the default seed, and prints:

- named: a misconception (``misconception``) or an exception cause (``failure.cause``);
- explained by the check itself: no misconception or cause, but a finding that
  says what is wrong in the contract's own words (no ValueError for an invalid
  input, a modified input, a RuntimeWarning, a dtype rule, inf/NaN, a time limit);
- dependency: nothing of the above, but the function uses a function that fails its own
  checks (``depends_on_failing``: an earlier exercise's, or one of the same file); counted
  apart, never in the named share;
- nothing: wrong values or a shape with nothing named;
- contradicting: a misconception whose variant does not reproduce the output on
  the case shown (must be 0).

Shares are printed to one decimal, so that 79.6% never reads as 80%.  A function
named by a misconception *and* pointed at a failing dependency (a residual block over
a conv_forward that forgets the bias is named "biases left out") is counted as named,
and the number of those is printed too; so is the share over the functions whose bug
is their own (no failing dependency), the fairest single number.

    PYTHONPATH=. python benchmarks/diagnosis_share.py [--seed N]
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import yaml  # noqa: E402

from grader.engine import identify, runner  # noqa: E402
from grader.engine.spec import load_spec  # noqa: E402

SELF_EXPLAINING = {"no_value_error", "wrong_exception", "modified_input", "warning", "dtype_float64",
                   "dtype_int_input", "nonfinite", "timeout", "memory", "died", "not_array", "not_int",
                   "missing", "bad_dtype"}


def subjects():
    manifest = yaml.safe_load((ROOT / "tests" / "corpus_manifest.yaml").read_text(encoding="utf-8"))
    for entry in manifest["submissions"]:
        if entry["category"] == "buggy":
            for exercise, functions in entry["fail"].items():
                for function in functions:
                    yield f"buggy/{entry['path'].split('/', 1)[1]}", ROOT / "tests/fixtures/submissions" / entry["path"], \
                        exercise, function
    from test_diagnoses import STUDENTS
    for folder, (exercise, function, _) in STUDENTS.items():
        yield f"realworld/{folder}", ROOT / "tests/fixtures/realworld" / folder, exercise, function


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=runner.DEFAULT_SEED)
    args = parser.parse_args()
    rows, tally = [], Counter()
    for name, folder, exercise, function in subjects():
        shown = {}
        original = runner._identify

        def spy(failures, shown=shown, original=original):
            found = original(failures)
            if failures:
                shown["case"], shown["finding"], _ = failures[0]
            return found

        runner._identify = spy
        try:
            result = runner.grade(load_spec(exercise), str(folder), seed=args.seed, functions=[function])
        finally:
            runner._identify = original
        fr = result.functions[0]
        if fr.passed:
            kind = "passed?!"
        elif fr.misconception:
            case, finding = shown["case"], shown["finding"]
            m = next(v for v in identify.for_function(function) if v.key == fr.misconception)
            fits = m in identify.matching(function, case.args, finding.got, case.expected, only=(m,))
            kind = "misconception" if fits else "contradicting"
        elif fr.failure and fr.failure.get("cause"):
            kind = "cause"
        elif fr.failure and fr.failure["code"] in SELF_EXPLAINING:
            kind = "check"
        elif fr.depends_on_failing:
            kind = "dependency"
        else:
            kind = "nothing"
        tally[kind] += 1
        if not fr.depends_on_failing:
            tally["own"] += 1
            tally["own_named"] += kind in ("misconception", "cause")
        if kind in ("misconception", "cause") and fr.depends_on_failing:
            tally["named_with_dependency"] += 1
        what = fr.misconception or (fr.failure or {}).get("cause") or (fr.failure or {}).get("code")
        rows.append((name, function, kind, what))
    for row in rows:
        print(f"{row[0]:42} {row[1]:24} {row[2]:14} {row[3]}")
    total = len(rows)
    named = tally["misconception"] + tally["cause"]
    print()
    print(f"failing functions: {total} (seed {args.seed})")
    print(f"named (misconception or exception cause): {named} = {named / total:.1%} "
          f"({tally['misconception']} misconceptions, {tally['cause']} causes; "
          f"{tally['named_with_dependency']} of them also pointed at a failing dependency)")
    print(f"  over the {tally['own']} failing functions with no failing dependency: {tally['own_named']} = "
          f"{tally['own_named'] / tally['own']:.1%}")
    print(f"explained by the check's own finding only: {tally['check']} = {tally['check'] / total:.1%}")
    print(f"pointed at a failing dependency only: {tally['dependency']}")
    explained = named + tally["check"] + tally["dependency"]
    print(f"named or explained: {explained} = {explained / total:.1%}")
    print(f"nothing named (wrong values or shape): {tally['nothing']}")
    print(f"contradicting the case shown: {tally['contradicting']}")
    if tally["passed?!"]:
        print(f"PASSED although listed as failing: {tally['passed?!']}")


if __name__ == "__main__":
    main()
