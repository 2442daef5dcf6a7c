"""Mutation test of solutions/: every mutant the PyTorch agreement tests reject,
the grader must fail too (issue 10).

A small AST mutator makes one change per mutant in one API function of
solutions/exerciseN.py (and its private helpers): an arithmetic or comparison operator swapped, an integer
constant moved by one, a default value changed, an `if ...: raise ValueError`
check removed, `and`/`or` swapped.  Each mutant is judged twice:

- the oracle: ``pytest tests/test_solutions.py`` with the mutant as ``solutions``
  (PyTorch agreement, the ValueError table, dtypes, no modified inputs);
- the grader: ``grader.engine.runner.grade`` of the mutant folder as a submission.

Printed: mutants, killed by the oracle, killed by the grader, and the mutants
the oracle kills but the grader passes (must be none), plus the survivors of
both (equivalent mutants, listed with their change for the README).

    PYTHONPATH=. python benchmarks/mutate_solutions.py [exercise3 ...] [--limit N]

Slow (one pytest run per mutant): minutes per exercise.
"""
from __future__ import annotations

import argparse
import ast
import copy
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

API = {
    "exercise1": ("conv_output_size", "same_padding", "conv_param_count", "_require_int"),
    "exercise2": ("conv_forward", "conv1x1_forward", "_as_array", "_check_bias", "_zero_pad"),
    "exercise3": ("max_pool_forward", "avg_pool_forward", "global_avg_pool", "_windows"),
    "exercise4": ("relu", "residual_block_forward", "_check_shape"),
    "exercise5": ("sigmoid", "se_block_forward"),
    "exercise6": ("fc_forward", "fc_to_conv", "fc_score_map", "_sizes"),
}
# The oracle per exercise: tests/test_solutions.py covers exercises 1-5; exercise 6's PyTorch and
# lecture tests live in tests/test_exercise6.py (its other tests read the grader's content module,
# so they are left out: the oracle must not be the grader).
ORACLE = {"exercise6": ["test_exercise6.py", "-k",
                        "lecture_grid or returns_new_arrays or agrees_with_pytorch or every_window"]}
SWAP_BIN = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.FloorDiv: ast.Div}
SWAP_CMP = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq,
            ast.NotEq: ast.Eq}


def _raises_value_error(node) -> bool:
    return isinstance(node, ast.If) and any(
        isinstance(s, ast.Raise) and "ValueError" in ast.unparse(s) for s in node.body)


def mutants(tree: ast.Module, functions):
    """(description, mutated tree) for every single change inside ``functions``."""
    targets = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name in functions]
    for fn in targets:
        for index, default in enumerate(fn.args.defaults):
            if isinstance(default, ast.Constant) and isinstance(default.value, int) \
                    and not isinstance(default.value, bool):
                for new in (default.value - 1, default.value + 1):
                    yield (f"{fn.name}: default {ast.unparse(default)} -> {new}",
                           _edit(tree, fn.name, lambda f, i=index, v=new: _set_default(f, i, v)))
        nodes = [n for n in ast.walk(fn)]
        for k, node in enumerate(nodes):
            where = f"{fn.name} line {getattr(node, 'lineno', '?')}"
            if isinstance(node, ast.BinOp) and type(node.op) in SWAP_BIN:
                yield (f"{where}: {type(node.op).__name__} -> {SWAP_BIN[type(node.op)].__name__} in "
                       f"`{ast.unparse(node)}`", _edit(tree, fn.name, _at(k, _swap_bin)))
            elif isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in SWAP_CMP:
                yield (f"{where}: {type(node.ops[0]).__name__} -> {SWAP_CMP[type(node.ops[0])].__name__} in "
                       f"`{ast.unparse(node)}`", _edit(tree, fn.name, _at(k, _swap_cmp)))
            elif isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool) \
                    and node.value in (0, 1, 2):
                yield (f"{where}: constant {node.value} -> {node.value + 1}",
                       _edit(tree, fn.name, _at(k, lambda n: setattr(n, "value", n.value + 1))))
            elif isinstance(node, ast.BoolOp):
                yield (f"{where}: and/or swapped in `{ast.unparse(node)[:60]}`",
                       _edit(tree, fn.name, _at(k, lambda n: setattr(n, "op", ast.Or() if isinstance(n.op, ast.And)
                                                                     else ast.And()))))
            elif _raises_value_error(node):
                yield (f"{where}: check removed `{ast.unparse(node.test)[:70]}`",
                       _edit(tree, fn.name, _at(k, lambda n: setattr(n, "body", [ast.Pass()]))))


def _set_default(fn, index, value):
    fn.args.defaults[index] = ast.Constant(value)


def _swap_bin(node):
    node.op = SWAP_BIN[type(node.op)]()


def _swap_cmp(node):
    node.ops = [SWAP_CMP[type(node.ops[0])]()]


def _at(k, change):
    def apply(fn):
        change(list(ast.walk(fn))[k])
    return apply


def _edit(tree, name, change):
    new = copy.deepcopy(tree)
    fn = next(n for n in new.body if isinstance(n, ast.FunctionDef) and n.name == name)
    change(fn)
    return ast.fix_missing_locations(new)


def oracle_kills(root: Path, exercise: str) -> bool:
    env = {**os.environ, "PYTHONPATH": str(root), "HYPOTHESIS_PROFILE": os.environ.get("HYPOTHESIS_PROFILE", "ci")}
    tests = root / "tests"
    selection = ORACLE.get(exercise, ["test_solutions.py"])
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
                          str(tests / selection[0]), *selection[1:]], cwd=root, env=env, capture_output=True, timeout=900)
    return run.returncode != 0


def grader_fails(folder: Path, exercise: str) -> bool:
    from grader.engine.runner import grade
    from grader.engine.spec import load_spec
    return not grade(load_spec(exercise), str(folder)).passed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("exercises", nargs="*", default=list(API))
    parser.add_argument("--limit", type=int, default=0, help="at most this many mutants per exercise")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mutants-"))
    # a private project copy: the grader package, the tests, and solutions/ replaced per mutant
    for name in ("grader", "tests", "solutions", "exercises", "pyproject.toml"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, work / name, ignore=shutil.ignore_patterns("__pycache__", "fixtures"))
        elif source.exists():
            shutil.copy(source, work / name)
    rows = []
    try:
        for exercise in args.exercises:
            path = ROOT / "solutions" / f"{exercise}.py"
            tree = ast.parse(path.read_text(encoding="utf-8"))
            made = list(mutants(tree, API[exercise]))
            if args.limit:
                made = made[:args.limit]
            for description, mutant in made:
                target = work / "solutions" / f"{exercise}.py"
                target.write_text(ast.unparse(mutant) + "\n", encoding="utf-8")
                try:
                    oracle = oracle_kills(work, exercise)
                except subprocess.TimeoutExpired:
                    oracle = True
                grader = grader_fails(work / "solutions", exercise)
                rows.append((exercise, description, oracle, grader))
                print(f"{'O' if oracle else '-'}{'G' if grader else '-'}  {exercise}  {description}", flush=True)
            shutil.copy(path, work / "solutions" / f"{exercise}.py")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    total = len(rows)
    by_oracle = sum(r[2] for r in rows)
    missed = [r for r in rows if r[2] and not r[3]]
    survivors = [r for r in rows if not r[2] and not r[3]]
    print()
    print(f"mutants: {total}; killed by the PyTorch tests: {by_oracle}; by the grader: {sum(r[3] for r in rows)}")
    print(f"killed by the PyTorch tests but passed by the grader: {len(missed)}")
    for r in missed:
        print(f"  MISSED  {r[0]}  {r[1]}")
    print(f"killed by neither (equivalent or untested): {len(survivors)}")
    for r in survivors:
        print(f"  SURVIVOR  {r[0]}  {r[1]}")
    print(f"killed by the grader only: {sum(1 for r in rows if r[3] and not r[2])}")


if __name__ == "__main__":
    main()
