"""Which known misconception explains a wrong output.

When a student's output is wrong on a case, the grader asks whether one of
the exercise's known-wrong variants (``grader/content/exerciseN.py``,
``VARIANTS``) reproduces it.  A variant that coincides with the reference on
a case is not diagnostic there and is skipped; within a function the first
variant in the table wins.
"""
from __future__ import annotations

import numpy as np

__all__ = ["Misconception", "for_function", "identify", "matching", "matching_case", "matching_stored"]


def __getattr__(name: str):
    if name == "Misconception":     # the content kit's class, re-exported without importing it eagerly
        from grader.content.kit import Misconception
        return Misconception
    raise AttributeError(name)


def for_function(function: str) -> tuple:
    """The misconceptions of one API function, in identification order."""
    from grader import content
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


def _values(value):
    """``_numeric`` of value, or of each item of a tuple (None when one is not numeric)."""
    if isinstance(value, tuple):
        items = tuple(_numeric(v) for v in value)
        return None if any(i is None for i in items) else items
    return _numeric(value)


def _same(a, ref, rtol: float, atol: float) -> bool:
    """a matches ref: same shape, and |a - ref| <= atol + rtol * max(|ref|, 1) everywhere
    (tuples: item by item)."""
    if isinstance(a, tuple) or isinstance(ref, tuple):
        return (isinstance(a, tuple) and isinstance(ref, tuple) and len(a) == len(ref)
                and all(_same(x, y, rtol, atol) for x, y in zip(a, ref)))
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


def identify(function: str, args: dict, got, expected, *, rtol=1e-5, atol=1e-6):
    """The first misconception of `function` whose variant reproduces `got` on `args`.

    A variant counts when its output has got's shape, matches got within
    |got - v| <= atol + rtol * max(|v|, 1) (exactly for integers), and differs
    from `expected` on this case. Returns None when nothing matches, when got
    is already correct, or when got is not a number, a numeric array or a tuple of them.
    Never raises.
    """
    found = matching(function, args, got, expected, rtol=rtol, atol=atol)
    return found[0] if found else None


def _integer_kind(a) -> bool:
    if isinstance(a, tuple):
        return bool(a) and all(_integer_kind(x) for x in a)
    return a.dtype.kind in "iu"


def _float_kind(a) -> bool:
    if isinstance(a, tuple):
        return any(_float_kind(x) for x in a)
    return a.dtype.kind == "f"


def _dtype_only(got_arr, expected_arr, rtol: float, atol: float) -> bool | None:
    """None when ``got`` is right (nothing to explain); True when it has the right
    values of the wrong kind (ints for floats, 26.0 for 26); False otherwise."""
    if expected_arr is not None and _same(got_arr, expected_arr, rtol, atol):
        return None if _integer_kind(got_arr) == _integer_kind(expected_arr) else True
    return False


def _reproduces(got_arr, expected_arr, out_arr, dtype_only: bool, rtol: float, atol: float) -> bool:
    """A variant's output ``out_arr`` reproduces ``got`` and tells it apart from the reference.

    An integer output where the reference gives floats with the same values (an
    accumulator of the input's integer dtype on integer inputs) is reproduced by a
    variant only when that variant also returns integers."""
    if out_arr is None or not _same(got_arr, out_arr, rtol, atol):
        return False
    if dtype_only:
        return _integer_kind(out_arr) == _integer_kind(got_arr)
    if expected_arr is not None and _same(expected_arr, out_arr, rtol, atol) and not (
            _integer_kind(out_arr) and _integer_kind(got_arr) and _float_kind(expected_arr)):
        return False    # coincides with the reference here: not diagnostic
    return True


def matching(function: str, args: dict, got, expected, *, rtol=1e-5, atol=1e-6,
             only=None) -> list[Misconception]:
    """Every misconception that reproduces `got` (see `identify` and `_reproduces`), in
    table order (of `only`'s when given). Never raises."""
    found: list[Misconception] = []
    try:
        got_arr = _values(got)
        if got_arr is None or not isinstance(args, dict):
            return []
        expected_arr = _values(expected)
        dtype_only = _dtype_only(got_arr, expected_arr, rtol, atol)
        if dtype_only is None:
            return []
        for m in (for_function(function) if only is None else only):
            try:
                with np.errstate(all="ignore"):
                    out = m.variant(**_copy_args(args))
            except Exception:
                continue
            if _reproduces(got_arr, expected_arr, _values(out), dtype_only, rtol, atol):
                found.append(m)
    except Exception:
        return found
    return found


def matching_stored(case, got, *, rtol=1e-5, atol=1e-6) -> list:
    """``matching`` for a case of a bank: the variants' outputs on ``case`` were
    stored when the bank was made (those not identical to the reference's), so a
    wrong output is compared with them, and no variant runs. Never raises."""
    from grader.expected import misconception
    try:
        got_arr = _values(got)
        if got_arr is None:
            return []
        expected_arr = _values(case.expected)
        dtype_only = _dtype_only(got_arr, expected_arr, rtol, atol)
        if dtype_only is None:
            return []
        found = []
        for key, out in case.variants or ():
            if _reproduces(got_arr, expected_arr, _values(out), dtype_only, rtol, atol):
                named = misconception(key)
                if named is not None:
                    found.append(named)
        return found
    except Exception:  # noqa: BLE001
        return []


def matching_case(case, got, only=None) -> list:
    """The misconceptions reproducing ``got`` on ``case`` (among ``only`` when given):
    from the case's stored variant outputs (a bank's case), else by running the variants."""
    if case.variants is not None:
        found = matching_stored(case, got)
        return found if only is None else [m for m in found if m.key in {o.key for o in only}]
    return matching(case.function, case.args, got, case.expected, only=only)
