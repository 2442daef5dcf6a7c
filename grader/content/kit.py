"""The building blocks of a content module (``grader/content/exerciseN.py``).

A content module holds everything specific to one exercise, side by side:

- ``FUNCTIONS``: one :class:`Function` per API function (signature, return kind,
  tolerance magnitude, what it builds on);
- ``LECTURE``: function name -> the lecture's worked examples (:class:`Example`);
- ``EDGES``: function name -> a callable returning hand-written edge cases;
- ``STRATEGIES``: function name -> a Hypothesis strategy drawing argument dicts;
- ``VARIANTS``: a :class:`Variants` table of known-wrong computations, each with
  its key and its English and Korean sentence next to it.

Everything here is exercise-agnostic: deterministic test data, array
strategies, and the NumPy pieces that misconception variants are built from.
"""
from __future__ import annotations

import math  # noqa: F401  (re-exported for content modules)
from dataclasses import dataclass
from typing import Callable

import numpy as np
from hypothesis import strategies as st
from numpy.lib.stride_tricks import sliding_window_view

from grader.engine.magnitude import ARRAY_ARGS_ABS, EXACT, ONE, X_ABS  # noqa: F401  (content modules use kit.EXACT ...)
                         # (such an array may keep its input's dtype, or be float64)


@dataclass(frozen=True)
class Function:
    """One function of the contract (../shared/API.md).

    params: every parameter in order; required: those without a default.
    defaults: (parameter, contract default) for every other parameter, in order: named
    when a case leaves them out (a case bank stores them, so a student pack has them too).
    returns: "int", "array", or "tuple" (a tuple of arrays, named by ``outputs``).
    depends_on: (exercise, function) pairs it builds on, named in feedback
    when one of them fails.
    warnings_checked: the call must not emit overflow/invalid/divide warnings.
    exercise: filled in by the registry from the module's name.
    """

    name: str
    params: tuple[str, ...]
    required: tuple[str, ...]
    returns: str
    keeps_int_dtype: bool = False
    magnitude: str = ARRAY_ARGS_ABS
    depends_on: tuple[tuple[str, str], ...] = ()
    warnings_checked: bool = False
    exercise: str = ""
    outputs: tuple[str, ...] = ()
    defaults: tuple[tuple[str, object], ...] = ()


@dataclass(frozen=True)
class Example:
    """A lecture example or an edge case: its label in English and Korean, and the arguments."""

    en: str
    ko: str
    args: dict


@dataclass(frozen=True)
class Misconception:
    key: str        # stable id, "<function>.<mistake>"
    function: str   # the API function it belongs to
    en: str         # one sentence, English
    ko: str         # one sentence, Korean
    variant: Callable[..., object]   # the wrong computation; called as variant(**args)


class Variants:
    """An exercise's misconception table, in identification order (within a
    function, the first variant that reproduces an output is named, so more
    specific variants are registered first).

        VARIANTS = Variants()

        @VARIANTS.add("conv_output_size.missing_plus_one",
                      en="Forgot the +1 ...", ko="... +1을 빠뜨렸습니다.")
        def _missing_plus_one(n, f, stride=1, padding=0):
            return (n - f + 2 * padding) // stride
    """

    def __init__(self) -> None:
        self.table: list[Misconception] = []

    def add(self, key: str, *, en: str, ko: str):
        def register(variant: Callable) -> Callable:
            self.table.append(Misconception(key, key.split(".")[0], en, ko, variant))
            return variant
        return register


# ------------------------------------------------------------ test data ---

LECTURE_X = [[1, 2, 3, 4, 5], [2, 1, 0, 1, 2], [3, 0, 1, 1, 0], [1, 4, 1, 1, 2], [2, 1, 1, 0, 0]]
LECTURE_W = [[1, 0, 1], [1, 0, 1], [0, 1, 0]]
LECTURE_POOL = [[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]]


def grid(rows, dtype=np.int64) -> np.ndarray:
    """A lecture grid as a (1, 1, H, W) array."""
    return np.array(rows, dtype=dtype)[None, None]


def _rng(tag: str) -> np.random.Generator:
    return np.random.default_rng(sum(map(ord, tag)) * 7919)


def floats(tag: str, *shape) -> np.ndarray:
    """Deterministic float64 test data with a few distinct decimals."""
    return np.round(_rng(tag + str(shape)).uniform(-3, 3, size=shape), 2)


def ints(tag: str, *shape) -> np.ndarray:
    """Deterministic small int64 test data."""
    return _rng(tag + str(shape)).integers(-4, 5, size=shape).astype(np.int64)


# ----------------------------------------------------------- strategies ---

@st.composite
def tensor(draw, shape: tuple[int, ...]) -> np.ndarray:
    """An array of ``shape``: small integers (readable when shrunk) or real values."""
    dtype = draw(st.sampled_from(["float64", "int64", "float64-real"]))
    fill = draw(st.integers(0, 2 ** 32 - 1))
    rng = np.random.default_rng(fill)
    if dtype == "float64-real":
        return rng.uniform(-5, 5, size=shape)
    values = rng.integers(-3, 4, size=shape)
    return values.astype(np.int64 if dtype == "int64" else np.float64)


def dims(lo: int, hi: int):
    return st.integers(lo, hi)


# ------------------------------------------- pieces for wrong variants ---
# float64 throughout; variants never modify their inputs.

def as_float(a) -> np.ndarray:
    return np.asarray(a, dtype=np.float64)


def relu(a: np.ndarray) -> np.ndarray:
    return np.maximum(a, 0.0)


def sigmoid(a: np.ndarray) -> np.ndarray:
    # 1 / (1 + exp(-a)) without overflow: exp only ever sees a non-positive number.
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def pad(x: np.ndarray, before: int, after: int | None = None) -> np.ndarray:
    """Zero padding of the two spatial axes of an NCHW array."""
    after = before if after is None else after
    return np.pad(x, ((0, 0), (0, 0), (before, after), (before, after)))


def windows(x: np.ndarray, size, stride: int, axes=(2, 3)) -> np.ndarray:
    """Sliding windows over two axes, stepped by stride; the window axes go last."""
    if isinstance(size, int):
        size = (size, size)
    view = sliding_window_view(x, size, axis=axes)
    index = [slice(None)] * x.ndim
    for axis in axes:
        index[axis] = slice(None, None, stride)
    return view[tuple(index)]


def correlate(x: np.ndarray, w: np.ndarray, stride: int = 1) -> np.ndarray:
    """Cross-correlation of an already padded x (N, C, H, W) with w (F, C, HH, WW);
    an empty output when the filter does not fit (as a loop over range(H') gives)."""
    h = (x.shape[2] - w.shape[2]) // stride + 1
    wd = (x.shape[3] - w.shape[3]) // stride + 1
    if h < 1 or wd < 1:
        return np.zeros((x.shape[0], w.shape[0], max(h, 0), max(wd, 0)))
    return np.einsum("nchwij,fcij->nfhw", windows(x, w.shape[2:], stride), w)


def conv(x, w, b, stride: int = 1, padding: int = 0) -> np.ndarray:
    """The correct convolution (N, F, H', W'), for variants that get another step wrong."""
    out = correlate(pad(as_float(x), padding), as_float(w), stride)
    return out + as_float(b)[None, :, None, None]


def crop_to_stride(full: np.ndarray, n, f, stride: int, padding: int = 0):
    """The top-left H' x W' corner of a stride-1 result: the window never moved by stride."""
    h = (n[0] - f[0] + 2 * padding) // stride + 1
    w = (n[1] - f[1] + 2 * padding) // stride + 1
    return full[:, :, :h, :w]


def pool(x, size: int, stride: int, reduce, axes=(2, 3)) -> np.ndarray:
    return reduce(windows(as_float(x), size, stride, axes), axis=(-2, -1))


def truncated_like(out: np.ndarray, x) -> np.ndarray:
    """out stored into an array of x's dtype: an integer x cuts the fractions off."""
    return out.astype(np.asarray(x).dtype)


def rounded_size(n: int, f: int, stride: int, padding: int = 0, how=round) -> int:
    """An output size computed with ``how`` (round, math.ceil) instead of the floor."""
    return int(how((n + 2 * padding - f) / stride)) + 1


def partial_windows(x: np.ndarray, size, stride: int, out_hw, reduce) -> np.ndarray:
    """``reduce`` over the windows of x (N, C, H, W), out_hw of them per axis; windows
    that run past the border keep only the cells inside (NumPy slicing cuts them short)."""
    if isinstance(size, int):
        size = (size, size)
    n, c = x.shape[:2]
    out = np.empty((n, c) + tuple(out_hw))
    for i in range(out_hw[0]):
        for j in range(out_hw[1]):
            window = x[:, :, i * stride:i * stride + size[0], j * stride:j * stride + size[1]]
            out[:, :, i, j] = reduce(window, axis=(2, 3)) if window.size else np.nan
    return out
