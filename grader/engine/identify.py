"""Which known misconception explains a wrong output.

When a student's output is wrong on a case, the grader asks whether one of
the exercise's known-wrong variants (``grader/content/exerciseN.py``,
``VARIANTS``) reproduces it.  A variant that coincides with the reference on
a case is not diagnostic there and is skipped; within a function the first
variant in the table wins.
"""
from __future__ import annotations

import numpy as np

from grader import content
from grader.content.kit import Misconception

__all__ = ["Misconception", "for_function", "identify", "matching"]


def for_function(function: str) -> tuple[Misconception, ...]:
    """The misconceptions of one API function, in identification order."""
    return content.variants(function)


# --------------------------------------------------------------------------
# Identification
# --------------------------------------------------------------------------

def _numeric(value) -> np.ndarray | None:
    """value as a numeric ndarray, or None when it is not a number or a numeric array."""
    if isinstance(value, np.ndarray):
        arr = value
    elif isinstance(value, (bool, np.bool_)):
        return None
    elif isinstance(value, (int, float, np.integer, np.floating)):
        arr = np.asarray(value)
    else:
        return None
    if arr.dtype.kind not in "biuf":
        return None
    if arr.dtype.kind == "b" and arr.ndim == 0:
        return None
    return arr


def _same(a: np.ndarray, ref: np.ndarray, rtol: float, atol: float) -> bool:
    """a matches ref: same shape, and |a - ref| <= atol + rtol * max(|ref|, 1) everywhere."""
    if a.shape != ref.shape:
        return False
    if a.dtype.kind in "iu" and ref.dtype.kind in "iu":
        return bool(np.array_equal(a, ref))
    a = a.astype(np.float64)
    ref = ref.astype(np.float64)
    with np.errstate(all="ignore"):
        close = np.abs(a - ref) <= atol + rtol * np.maximum(np.abs(ref), 1.0)
        close |= a == ref  # equal infinities
        close |= np.isnan(a) & np.isnan(ref)
    return bool(close.all())


def _copy_args(args: dict) -> dict:
    return {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in args.items()}


def identify(function: str, args: dict, got, expected, *, rtol=1e-5, atol=1e-6) -> Misconception | None:
    """The first misconception of `function` whose variant reproduces `got` on `args`.

    A variant counts when its output has got's shape, matches got within
    |got - v| <= atol + rtol * max(|v|, 1) (exactly for integers), and differs
    from `expected` on this case. Returns None when nothing matches, when got
    is already correct, or when got is not a number or a numeric array.
    Never raises.
    """
    found = matching(function, args, got, expected, rtol=rtol, atol=atol)
    return found[0] if found else None


def _integer_kind(a: np.ndarray) -> bool:
    return a.dtype.kind in "iu"


def matching(function: str, args: dict, got, expected, *, rtol=1e-5, atol=1e-6,
             only=None) -> list[Misconception]:
    """Every misconception that reproduces `got` (see `identify`), in table order
    (of `only`'s when given). Never raises.

    An integer output where the reference gives floats with the same values (an
    accumulator of the input's integer dtype on integer inputs) is reproduced by a
    variant only when that variant also returns integers."""
    found: list[Misconception] = []
    try:
        got_arr = _numeric(got)
        if got_arr is None or not isinstance(args, dict):
            return []
        expected_arr = _numeric(expected)
        dtype_only = False
        if expected_arr is not None and _same(got_arr, expected_arr, rtol, atol):
            if _integer_kind(got_arr) == _integer_kind(expected_arr):
                return []
            dtype_only = True    # right values of the wrong kind (ints for floats, 26.0 for 26)
        for m in (for_function(function) if only is None else only):
            try:
                with np.errstate(all="ignore"):
                    out = m.variant(**_copy_args(args))
            except Exception:
                continue
            out_arr = _numeric(out)
            if out_arr is None or not _same(got_arr, out_arr, rtol, atol):
                continue
            if dtype_only:
                if _integer_kind(out_arr) != _integer_kind(got_arr):
                    continue
            elif expected_arr is not None and _same(expected_arr, out_arr, rtol, atol) and not (
                    _integer_kind(out_arr) and _integer_kind(got_arr) and expected_arr.dtype.kind == "f"):
                continue  # coincides with the reference here: not diagnostic
            found.append(m)
    except Exception:
        return found
    return found
