"""Making a case bank from the reference solutions and the content modules (instructor only).

``make_bank(spec, path, seed=...)`` grades nothing: it records, for every
function of ``spec``, the cases the instructor's grader would check (lecture
examples, edge cases, ``spec.bank_examples`` inputs generated under ``seed``),
the reference's outcome on each, and each known-wrong variant's output on the
same inputs, into one bank file (``bankfile``).  Never shipped in a student pack.
"""
from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import warnings
from pathlib import Path

import numpy as np

import grader
from grader import content
from grader.engine import cases as casebook, identify
from grader.expected import bankfile


def reference_files(exercise: str) -> list[Path]:
    """The reference source files an exercise's expected outputs come from (its own and its dependencies')."""
    folder = Path(importlib.util.find_spec("solutions").origin).parent
    names = {exercise}
    for f in content.module(exercise).FUNCTIONS:
        names |= {dep_exercise for dep_exercise, _ in f.depends_on}
    return [folder / "__init__.py"] + [folder / f"{n}.py" for n in sorted(names)]


def reference_sha256(exercise: str) -> str:
    digest = hashlib.sha256()
    for path in reference_files(exercise):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _size(case) -> tuple:
    arrays = [v for v in case.args.values() if isinstance(v, np.ndarray)]
    return (sum(a.size for a in arrays), max((a.size for a in arrays), default=0))


def _variant_outputs(case) -> list:
    """(key, output) of every variant whose output on ``case`` is a number, a numeric
    array or a tuple of them that differs from the reference's (those are the diagnostic ones)."""
    if case.raises is not None:
        return []
    expected = identify._values(case.expected)
    found = []
    for m in content.variants(case.function):
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                out = m.variant(**identify._copy_args(case.args))
        except Exception:  # noqa: BLE001 - a variant that fails on an input names nothing there
            continue
        out = identify._values(out)
        if out is None or (expected is not None and identify._same(expected, out, 1e-5, 1e-6)
                           and identify._integer_kind(out) == identify._integer_kind(expected)):
            continue     # the reference's output, of the reference's kind: names nothing
        found.append((m.key, out))
    return found


def _encode(case, arrays: bankfile.ArrayTable, with_variants: bool) -> dict:
    enc = bankfile.encode
    data = {"kind": case.kind, "label": case.label, "args": {k: enc(v, arrays) for k, v in case.args.items()},
            "expected": enc(case.expected, arrays), "magnitude": enc(case.magnitude, arrays),
            "raises": case.raises}
    if with_variants:
        data["variants"] = [[key, enc(out, arrays)] for key, out in _variant_outputs(case)]
    return data


def ordered_cases(function: str, examples: int, seed: int) -> list:
    """The bank's cases of ``function``: lecture examples, valid edge cases,
    generated inputs small to large (renumbered in that order), invalid inputs."""
    edges = casebook.edge_cases(function)
    generated = sorted(casebook.generated_cases(function, examples, seed), key=_size)
    generated = [dataclasses.replace(c, label=f"generated input {i + 1}") for i, c in enumerate(generated)]
    return (casebook.lecture_cases(function) + [c for c in edges if c.raises is None] + generated
            + [c for c in edges if c.raises is not None])


def _labels(function: str) -> dict:
    return {e.en: e.ko for e in content.lecture(function) + content.edges(function)}


def _signature(function: str) -> dict:
    return dataclasses.asdict(content.FUNCTIONS[function])


def make_bank(spec, path, *, seed: int, examples: int | None = None) -> dict:
    """Write the bank of ``spec`` to ``path``; returns its catalog."""
    import hypothesis
    examples = spec.bank_examples if examples is None else examples
    arrays = bankfile.ArrayTable()
    functions, dependencies = {}, {}
    signatures, labels, misconceptions = [], {}, {}
    for fn in spec.functions:
        functions[fn.name] = [_encode(c, arrays, True) for c in ordered_cases(fn.name, examples, seed)]
        signatures.append(_signature(fn.name))
        labels[fn.name] = _labels(fn.name)
        misconceptions[fn.name] = [{"key": m.key, "function": m.function, "en": m.en, "ko": m.ko}
                                   for m in content.variants(fn.name)]
        for _, dep in content.FUNCTIONS[fn.name].depends_on:
            if dep in dependencies or dep in {f.name for f in spec.functions}:
                continue
            dependencies[dep] = [_encode(c, arrays, False) for c in
                                 casebook.lecture_cases(dep) + casebook.edge_cases(dep)]
            signatures.append(_signature(dep))
            labels[dep] = _labels(dep)
    catalog = {"exercise": spec.name, "title": {"en": spec.title_en, "ko": spec.title_ko},
               "grader": grader.__version__, "numpy": np.__version__, "hypothesis": hypothesis.__version__,
               "seed": seed, "examples": examples, "reference_sha256": reference_sha256(spec.name),
               "reference_files": [p.name for p in reference_files(spec.name)],
               "functions": signatures, "labels": labels, "misconceptions": misconceptions,
               "counts": {name: len(cs) for name, cs in functions.items()}}
    bankfile.write(path, catalog, {"functions": functions, "dependencies": dependencies}, arrays)
    return catalog
