"""The check ladder: the first thing wrong with one outcome, as a ``Finding``.

raised? -> returned the right kind? -> shape -> dtype -> finite -> values
within tolerance -> inputs unmodified -> no forbidden warnings.  A finding is
data (a code and its parameters); ``report`` turns it into words.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from grader.engine.cases import Case
from grader.expected import FUNCTIONS
from grader.engine.magnitude import EXACT
from grader.sandbox import Outcome

FORBIDDEN_WARNINGS = ("overflow", "invalid value", "divide by zero")


@dataclass(frozen=True)
class Tolerance:
    rtol: float = 1e-5
    atol: float = 1e-6


@dataclass
class Finding:
    """What went wrong on one case; ``code`` names a message template in ``report``."""

    code: str
    params: dict = field(default_factory=dict)
    got: object = None       # the student's value (array or int), when there is one


def _any_float64(args: dict) -> bool:
    return any(isinstance(v, np.ndarray) and v.dtype == np.float64 for v in args.values())


def check(case: Case, outcome: Outcome, tol: Tolerance) -> Finding | None:
    """None when ``outcome`` is right for ``case``; otherwise the first problem."""
    info = FUNCTIONS[case.function]
    if outcome.status == "missing":
        return Finding("missing")
    if outcome.status == "timeout":
        return Finding("timeout", {"detail": outcome.detail})
    if outcome.status in ("died", "garbled"):
        return Finding("died", {"detail": outcome.detail or "ended unexpectedly"})
    if case.raises is not None:
        if outcome.status == "raised" and outcome.error.get("is_value_error"):
            return None
        if outcome.status == "raised":
            return Finding("wrong_exception", {"type": outcome.error.get("type"), "reason": case.raises,
                                               "message": outcome.error.get("message", "")})
        return Finding("no_value_error", {"reason": case.raises})
    if outcome.status == "raised":
        err = outcome.error
        code = "memory" if err.get("type") == "MemoryError" else "raised"
        return Finding(code, {"type": err.get("type"), "message": err.get("message", ""),
                              "traceback": err.get("traceback", "")})
    value = outcome.value
    kind = value.get("kind")
    if info.returns == "int":
        if kind != "int":
            got = value.get("value") if kind == "float" else None
            return Finding("not_int", {"type": value.get("type"), "value": value.get("value")}, got=got)
        got = value["value"]
        if got != case.expected:
            return Finding("int_value", {"expected": case.expected, "got": got}, got=got)
        return None
    if info.returns == "tuple":
        return _check_tuple(case, outcome, value, tol)
    finding = _check_array(case, outcome, value, case.expected, case.magnitude, tol)
    return finding if finding is not None else check_side_effects(case, outcome)


def _check_tuple(case: Case, outcome: Outcome, value: dict, tol: Tolerance) -> Finding | None:
    """A tuple of arrays (``Function.outputs`` names them): its length, then each
    array through the array ladder; a finding on item k carries ``item`` and ``output``."""
    names = FUNCTIONS[case.function].outputs
    count = len(case.expected)
    items = value.get("items") if value.get("kind") == "tuple" else None
    wanted = {"count": count, "names": ", ".join(names)}
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        return Finding("not_tuple", {"type": value.get("type"), **wanted})
    if len(items) != count:
        return Finding("tuple_length", {"length": len(items), **wanted})
    got = tuple(i.get("array") if i.get("kind") == "array" else None for i in items)
    for k, (item, expected, magnitude) in enumerate(zip(items, case.expected, case.magnitude)):
        finding = _check_array(case, outcome, item, expected, magnitude, tol)
        if finding is not None:
            finding.params.update(item=k, output=names[k] if k < len(names) else str(k))
            finding.got = got if finding.got is not None else None   # the whole tuple, for identify
            return finding
    return check_side_effects(case, outcome)


def _check_array(case: Case, outcome: Outcome, value: dict, expected: np.ndarray, magnitude: np.ndarray,
                 tol: Tolerance) -> Finding | None:
    """The first thing wrong with one returned array (None: right kind, shape, dtype and values)."""
    info = FUNCTIONS[case.function]
    kind = value.get("kind")
    if kind in ("array_bad_dtype", "array_too_large"):
        shape = tuple(value.get("shape") or ())
        if shape != tuple(expected.shape):
            return Finding("shape", {"expected": tuple(expected.shape), "got": shape})
        code = "bad_dtype" if kind == "array_bad_dtype" else "too_large"
        return Finding(code, {"dtype": value.get("dtype"), "shape": shape})
    if kind != "array" or not isinstance(value.get("array"), np.ndarray):
        return Finding("not_array", {"type": value.get("type"), "dtype": value.get("dtype")})
    got = value["array"]
    if got.shape != expected.shape:
        return Finding("shape", {"expected": tuple(expected.shape), "got": tuple(got.shape)}, got=got)
    exact = info.magnitude == EXACT
    if exact:     # a pure rearrangement: the input's dtype kept, or float64
        if got.dtype not in (expected.dtype, np.dtype(np.float64)):
            return Finding("dtype_exact", {"got": str(got.dtype), "expected": str(expected.dtype)}, got=got)
    else:
        float_expected = _any_float64(case.args)
        if float_expected and got.dtype != np.float64:
            return Finding("dtype_float64", {"got": str(got.dtype)}, got=got)
        if not float_expected and not np.issubdtype(got.dtype, np.floating):
            int_inputs = [v.dtype for v in case.args.values() if isinstance(v, np.ndarray)]
            if not (info.keeps_int_dtype and got.dtype in int_inputs):
                return Finding("dtype_int_input", {"got": str(got.dtype)}, got=got)
    atol, rtol = (0.0, 0.0) if exact else (tol.atol, tol.rtol)
    modified = _modified_input(case, outcome)
    if modified is not None:     # a function writing into its input: say so, not "wrong values"
        return modified
    with np.errstate(all="ignore"):    # the common case, in three array operations
        if (np.abs(got - expected) <= atol + rtol * magnitude).all():
            return None
    got_f = got.astype(np.float64)
    exp_f = expected.astype(np.float64)
    finite = np.isfinite(exp_f)
    bad_finite = finite & ~np.isfinite(got_f)
    if bad_finite.any():
        index = tuple(int(i) for i in np.argwhere(bad_finite)[0])
        return Finding("nonfinite", {"index": index, "got": float(got_f[index])}, got=got)
    with np.errstate(all="ignore"):
        err = np.abs(got_f - exp_f)
        allowed = atol + rtol * magnitude
        wrong = finite & (err > allowed) | (~finite & (got_f != exp_f) & ~(np.isnan(got_f) & np.isnan(exp_f)))
    if wrong.any():
        index = tuple(int(i) for i in np.argwhere(wrong)[0])
        return Finding("values", {"index": index, "expected": float(exp_f[index]), "got": float(got_f[index]),
                                  "count": int(wrong.sum()), "total": int(wrong.size),
                                  "max_error": float(np.nanmax(np.where(finite, err, 0)))}, got=got)
    return None


def _modified_input(case: Case, outcome: Outcome) -> Finding | None:
    if not outcome.inputs_after:     # the worker sends back only the inputs a call changed
        return None
    for name, before in case.args.items():
        if not isinstance(before, np.ndarray):
            continue
        after = outcome.inputs_after.get(name)   # present only when the call changed it
        if after is not None and (after.shape != before.shape or not np.array_equal(
                after.astype(np.float64), before.astype(np.float64), equal_nan=True)):
            return Finding("modified_input", {"name": name})
    return None


def check_side_effects(case: Case, outcome: Outcome) -> Finding | None:
    """Inputs left as they were; no overflow warnings from sigmoid."""
    modified = _modified_input(case, outcome)
    if modified is not None:
        return modified
    if FUNCTIONS[case.function].warnings_checked:
        for w in outcome.warnings:
            if w.get("category") == "RuntimeWarning" and any(s in w.get("message", "")
                                                               for s in FORBIDDEN_WARNINGS):
                return Finding("warning", {"message": w.get("message")})
    return None
