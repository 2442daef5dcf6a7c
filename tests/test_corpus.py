"""The corpus of student submissions (tests/fixtures/submissions/, listed in
tests/corpus_manifest.yaml) and what the grader must make of it.

Two halves:

* The self-check runs without the engine. It imports every correct and buggy
  folder in this process (never a hostile one) under the package name
  ``exercises`` and checks each function against the reference solutions on a
  fixed table of diverse inputs, with API.md's rules: type, shape, dtype,
  values within the scaled tolerance, no modified inputs, ValueError on
  invalid arguments, no RuntimeWarning from sigmoid. A function the manifest
  says is correct must satisfy every rule; a function it says is bugged must
  break at least one, so every bug in the corpus is real.
* The engine test grades every folder with ``grader.engine.runner.grade`` (each
  (folder, exercise) once per session) and asserts exactly the manifest's
  failing set.
"""
from __future__ import annotations

import contextlib
import importlib
import os
import re
import sys
import time
import types
import warnings
from pathlib import Path

import numpy as np
import pytest
import yaml

HERE = Path(__file__).parent
CORPUS = HERE / "fixtures" / "submissions"
MANIFEST = yaml.safe_load((HERE / "corpus_manifest.yaml").read_text(encoding="utf-8"))["submissions"]
ENTRIES = {e["path"]: e for e in MANIFEST}

FUNCTIONS = {
    "exercise1": ("conv_output_size", "same_padding", "conv_param_count"),
    "exercise2": ("conv_forward", "conv1x1_forward"),
    "exercise3": ("max_pool_forward", "avg_pool_forward", "global_avg_pool"),
    "exercise4": ("relu", "residual_block_forward"),
    "exercise5": ("sigmoid", "se_block_forward"),
    "exercise6": ("fc_forward", "fc_to_conv", "fc_score_map"),
}
EXERCISE_OF = {f: ex for ex, fs in FUNCTIONS.items() for f in fs}
RTOL, ATOL = 1e-5, 1e-6          # API.md's defaults
KEEPS_INT = {"relu", "max_pool_forward"}
INT_RESULT = set(FUNCTIONS["exercise1"])
TUPLE_RESULT = {"fc_to_conv"}    # a tuple of arrays, a pure rearrangement: compared exactly


def _fail_set(entry, key="fail"):
    return {(ex, f) for ex, fs in (entry.get(key) or {}).items() for f in fs}


def _requirement_missing(entry):
    module = entry.get("requires")
    if module is None:
        return None
    try:
        importlib.import_module(module)
    except ImportError:
        return module
    return None


# ---------------------------------------------------------------------------
# Input tables: (args, kwargs) in the grader's calling convention (required
# parameters positionally, defaulted ones by keyword).
# ---------------------------------------------------------------------------

_rng = np.random.default_rng(20261129)


def _f(*shape, scale=3.0):
    return _rng.uniform(-scale, scale, size=shape)


def _i(*shape, low=-5, high=6):
    return _rng.integers(low, high, size=shape, dtype=np.int64)


_LECTURE_X = np.array([[1, 2, 3, 4, 5], [2, 1, 0, 1, 2], [3, 0, 1, 1, 0], [1, 4, 1, 1, 2], [2, 1, 1, 0, 0]],
                      dtype=np.float64)[None, None]
_LECTURE_W = np.array([[1, 0, 1], [1, 0, 1], [0, 1, 0]], dtype=np.float64)[None, None]
_LECTURE_POOL = np.array([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]], dtype=np.float64)[None, None]


def _conv(n, c, h, w, f, hh, ww, stride=1, padding=0, ints=False):
    if ints:
        return (_i(n, c, h, w), _i(f, c, hh, ww), _i(f)), {"stride": stride, "padding": padding}
    return (_f(n, c, h, w), _f(f, c, hh, ww), _f(f)), {"stride": stride, "padding": padding}


def _residual(n, c, f, h, w, stride=1, projection=False, bias=True, ints=False):
    make = _i if ints else _f
    args = (make(n, c, h, w), make(f, c, 3, 3), make(f), make(f, f, 3, 3), make(f))
    kwargs = {"stride": stride}
    if projection:
        kwargs["ws"] = make(f, c, 1, 1)
        if bias:
            kwargs["bs"] = make(f)
    return args, kwargs


def _se(n, c, cr, h, w, scale=1.0, ints=False):
    if ints:
        return (_i(n, c, h, w), _i(cr, c), _i(cr), _i(c, cr), _i(c)), {}
    return (_f(n, c, h, w), _f(cr, c, scale=scale), _f(cr, scale=scale), _f(c, cr, scale=scale),
            _f(c, scale=scale)), {}


VALID = {
    "conv_output_size": [((n, f), {"stride": s, "padding": p}) for n, f, s, p in (
        (32, 7, 1, 0), (7, 3, 1, 1), (5, 3, 1, 2), (5, 3, 2, 0), (5, 2, 2, 0), (6, 3, 2, 1), (7, 3, 3, 2), (1, 1, 1, 0),
        (4, 5, 1, 1), (10, 3, 4, 0), (3, 3, 5, 0), (8, 1, 3, 0), (227, 11, 4, 0), (9, 4, 2, 3))],
    "same_padding": [((f,), {}) for f in (1, 3, 5, 7, 9, 11, 101)],
    "conv_param_count": [((3, 1, 1), {}), ((3, 1, 1), {"bias": False}), ((3, 3, 64), {"bias": True}),
                         ((1, 16, 32), {"bias": False}), ((5, 3, 6), {}), ((7, 2, 3), {"bias": True}),
                         ((11, 3, 96), {})],
    "conv_forward": [
        ((_LECTURE_X, _LECTURE_W, np.zeros(1)), {"stride": 1, "padding": 0}),
        ((_LECTURE_X, _LECTURE_W, np.zeros(1)), {"stride": 2, "padding": 0}),
        _conv(2, 3, 7, 6, 4, 3, 3, 1, 1),
        _conv(3, 2, 8, 5, 2, 3, 2, 2, 1),
        _conv(1, 1, 5, 9, 3, 2, 4, 3, 2),
        _conv(2, 4, 6, 6, 1, 1, 1, 1, 0),
        _conv(1, 2, 4, 4, 2, 4, 4, 1, 0),
        _conv(2, 1, 3, 3, 2, 5, 5, 1, 1),
        _conv(2, 3, 7, 7, 2, 3, 3, 3, 1),
        _conv(2, 2, 5, 4, 3, 3, 3, 2, 1, ints=True),
        ((_i(1, 2, 4, 6), _f(3, 2, 2, 3), _f(3)), {"stride": 1, "padding": 2}),
        ((_f(2, 2, 6, 5, scale=1e3), _f(2, 2, 3, 3, scale=1e3), _f(2, scale=1e3)), {"stride": 2, "padding": 0}),
    ],
    "conv1x1_forward": [
        ((_f(2, 3, 4, 5), _f(4, 3), _f(4)), {}),
        ((_f(1, 3, 3, 3), _f(3, 3), _f(3)), {}),
        ((_f(3, 1, 2, 6), _f(5, 1), _f(5)), {}),
        ((_i(2, 2, 3, 4), _i(3, 2), _i(3)), {}),
        ((_f(2, 4, 1, 1), _f(1, 4), _f(1)), {}),
    ],
    "max_pool_forward": [
        ((_LECTURE_POOL,), {"size": 2, "stride": 2}),
        ((_f(2, 3, 5, 7),), {"size": 2, "stride": 2}),
        ((_f(2, 2, 6, 6),), {"size": 3, "stride": 1}),
        ((_f(1, 3, 7, 5),), {"size": 3, "stride": 2}),
        ((_f(2, 1, 4, 6),), {"size": 1, "stride": 1}),
        ((_f(1, 2, 5, 5),), {"size": 5, "stride": 5}),
        ((_f(3, 2, 4, 4),), {"size": 2, "stride": 3}),
        ((_i(2, 2, 5, 6),), {"size": 2, "stride": 2}),
        ((-1.0 - np.abs(_f(2, 3, 4, 4)),), {"size": 2, "stride": 2}),
        ((_f(1, 1, 3, 8),), {"size": 3, "stride": 3}),
        ((_f(2, 3, 8, 6),), {"size": 2, "stride": 2}),
    ],
    "global_avg_pool": [((_f(2, 3, 4, 5),), {}), ((_f(1, 1, 1, 1),), {}), ((_f(3, 2, 6, 3),), {}),
                        ((_i(2, 2, 3, 3),), {}), ((_f(1, 4, 2, 7, scale=50.0),), {})],
    "relu": [((_f(5),), {}), ((_f(2, 3),), {}), ((_f(2, 3, 4, 5),), {}), ((_i(3, 4),), {}),
             ((np.array([-2.0, -0.5, 0.0, 0.5, 2.0]),), {})],
    "residual_block_forward": [
        _residual(2, 3, 3, 5, 6),
        _residual(1, 1, 1, 4, 4),
        _residual(2, 2, 4, 7, 6, stride=2, projection=True),
        _residual(1, 2, 2, 4, 5, stride=1, projection=True),
        _residual(2, 3, 2, 5, 5, stride=2, projection=True, bias=False),
        _residual(1, 2, 3, 7, 8, stride=3, projection=True),
        _residual(2, 2, 2, 4, 3, ints=True),
        _residual(1, 3, 2, 6, 4, stride=1, projection=True, ints=True),
    ],
    "sigmoid": [((np.linspace(-1000.0, 1000.0, 41),), {}), ((_f(2, 3),), {}),
                ((np.array([-1000, -710, -3, 0, 5, 710, 1000], dtype=np.int64),), {}),
                ((_f(2, 3, 4, 5, scale=50.0),), {}), ((np.array([-20.0, -12.0, 12.0, 20.0, 37.0]),), {})],
    "se_block_forward": [
        _se(2, 4, 2, 3, 5),
        _se(1, 3, 3, 4, 4),
        _se(3, 2, 1, 2, 6),
        ((_i(2, 3, 4, 4), _f(2, 3), _f(2), _f(3, 2), _f(3)), {}),
        _se(2, 3, 2, 3, 3, ints=True),
        _se(2, 4, 2, 3, 3, scale=100.0),
    ],
}
VALID["avg_pool_forward"] = VALID["max_pool_forward"]

_x = _f(2, 3, 5, 5)
INVALID = {
    "conv_output_size": [((0, 1), {}), ((3, 0), {}), ((3, 1), {"stride": 0}), ((3, 1), {"padding": -1}),
                         ((3, 5), {"stride": 1, "padding": 0}), ((3, 6), {"padding": 1})],
    "same_padding": [((0,), {}), ((-1,), {}), ((2,), {}), ((4,), {}), ((6,), {})],
    "conv_param_count": [((0, 1, 1), {}), ((3, 0, 1), {}), ((3, 1, 0), {}), ((-3, 2, 2), {"bias": False})],
    "conv_forward": [
        ((_f(3, 5, 5), _f(2, 3, 3, 3), _f(2)), {"stride": 1, "padding": 0}),
        ((_x, _f(3, 3, 3), _f(2)), {"stride": 1, "padding": 0}),
        ((_x, _f(2, 2, 3, 3), _f(2)), {"stride": 1, "padding": 0}),
        ((_x, _f(2, 3, 3, 3), _f(2, 1)), {"stride": 1, "padding": 0}),
        ((_x, _f(3, 3, 3, 3), _f(1)), {"stride": 1, "padding": 0}),
        ((_x, _f(2, 3, 3, 3), _f(3)), {"stride": 1, "padding": 0}),
        ((_x, _f(2, 3, 3, 3), _f(1, 2)), {"stride": 1, "padding": 0}),
        ((_x, _f(2, 3, 3, 3), _f(2)), {"stride": 0, "padding": 0}),
        ((_x, _f(2, 3, 3, 3), _f(2)), {"stride": 1, "padding": -1}),
        ((_x, _f(2, 3, 6, 6), _f(2)), {"stride": 1, "padding": 0}),
        ((_x, _f(2, 3, 3, 8), _f(2)), {"stride": 1, "padding": 1}),
    ],
    "conv1x1_forward": [
        ((_f(3, 5, 5), _f(2, 3), _f(2)), {}),
        ((_x, _f(2, 3, 1, 1), _f(2)), {}),
        ((_x, _f(2, 4), _f(2)), {}),
        ((_x, _f(3), _f(3)), {}),
        ((_x, _f(2, 3), _f(2, 1)), {}),
        ((_x, _f(3, 3), _f(1)), {}),
    ],
    "max_pool_forward": [
        ((_f(3, 5, 5),), {"size": 2, "stride": 2}),
        ((_x,), {"size": 0, "stride": 2}),
        ((_x,), {"size": 2, "stride": 0}),
        ((_f(1, 1, 3, 5),), {"size": 4, "stride": 2}),
        ((_f(1, 1, 6, 3),), {"size": 4, "stride": 1}),
        ((_f(1, 1, 2, 2),), {"size": 3, "stride": 2}),
    ],
    "global_avg_pool": [((_f(3, 5, 5),), {}), ((_f(5, 5),), {}), ((_f(1, 2, 3, 4, 5),), {})],
    "relu": [],
    "residual_block_forward": [
        ((_x, _f(4, 3, 3, 3), _f(4), _f(4, 4, 3, 3), _f(4)), {"stride": 1}),
        ((_x, _f(3, 3, 3, 3), _f(3), _f(3, 3, 3, 3), _f(3)), {"stride": 2}),
        ((_x, _f(3, 3, 5, 5), _f(3), _f(3, 3, 3, 3), _f(3)), {"stride": 1}),
        ((_x, _f(3, 2, 3, 3), _f(3), _f(3, 3, 3, 3), _f(3)), {"stride": 1}),
        ((_x, _f(4, 3, 3, 3), _f(4), _f(4, 3, 3, 3), _f(4)), {"stride": 1, "ws": _f(4, 3, 1, 1)}),
        ((_x, _f(4, 3, 3, 3), _f(4), _f(4, 4, 3, 3), _f(4)), {"stride": 1, "ws": _f(4, 3, 3, 3)}),
        ((_x, _f(4, 3, 3, 3), _f(4), _f(4, 4, 3, 3), _f(4)), {"stride": 1, "ws": _f(4, 2, 1, 1)}),
        ((_x, _f(3, 3, 3, 3), _f(4), _f(3, 3, 3, 3), _f(3)), {"stride": 1}),
        ((_x, _f(3, 3, 3, 3), _f(3), _f(3, 3, 3, 3), _f(1)), {"stride": 1}),
        ((_x, _f(4, 3, 3, 3), _f(4), _f(4, 4, 3, 3), _f(4)), {"stride": 2, "ws": _f(4, 3, 1, 1), "bs": _f(4, 1)}),
        ((_x, _f(3, 3, 3, 3), _f(3), _f(3, 3, 3, 3), _f(3)), {"stride": 0}),
        ((_f(3, 5, 5), _f(3, 3, 3, 3), _f(3), _f(3, 3, 3, 3), _f(3)), {"stride": 1}),
    ],
    "sigmoid": [],
    "se_block_forward": [
        ((_f(4, 3, 3), _f(2, 4), _f(2), _f(4, 2), _f(4)), {}),
        ((_x, _f(2, 4), _f(2), _f(3, 2), _f(3)), {}),
        ((_x, _f(6), _f(2), _f(3, 2), _f(3)), {}),
        ((_x, _f(2, 3), _f(3), _f(3, 2), _f(3)), {}),
        ((_x, _f(2, 3), _f(2), _f(3, 3), _f(3)), {}),
        ((_x, _f(2, 3), _f(2), _f(4, 2), _f(3)), {}),
        ((_x, _f(2, 3), _f(2), _f(3, 2), _f(1)), {}),
        ((_x, _f(2, 3), _f(2, 1), _f(3, 2), _f(3)), {}),
    ],
}
INVALID["avg_pool_forward"] = INVALID["max_pool_forward"]

# exercise6, drawn after the tables above so that theirs stay as they were
_fc_x, _fc_w, _fc_b = _f(2, 3, 2, 4), _f(5, 24), _f(5)
VALID.update({
    "fc_forward": [((_fc_x, _fc_w, _fc_b), {}), ((_f(3, 6), _f(2, 6), _f(2)), {}),
                   ((_f(2, 1, 2, 2), _f(4, 4), _f(4)), {}), ((_f(1, 5, 1, 1), _f(3, 5), _f(3)), {}),
                   ((_i(2, 2, 3, 3), _i(4, 18), _i(4)), {}), ((_f(1, 2, 3, 3), _f(1, 18), _f(1)), {})],
    "fc_to_conv": [((_fc_w, _fc_b, (3, 2, 4)), {}), ((_f(1, 6), _f(1), (2, 3, 1)), {}),
                   ((_f(4, 6), _f(4), (6, 1, 1)), {}), ((_i(3, 12), _i(3), (3, 2, 2)), {}),
                   ((_f(2, 8), _i(2), (2, 2, 2)), {})],
    "fc_score_map": [((_f(2, 3, 6, 7), _f(4, 18), _f(4), (2, 3)), {"stride": 1}),
                     ((_f(1, 2, 7, 8), _f(3, 18), _f(3), (3, 3)), {"stride": 2}),
                     ((_f(2, 1, 8, 9), _f(2, 4), _f(2), (2, 2)), {"stride": 3}),
                     ((_f(2, 2, 3, 4), _f(3, 24), _f(3), (3, 4)), {"stride": 1}),
                     ((_i(2, 2, 5, 5), _i(3, 8), _i(3), (2, 2)), {"stride": 2}),
                     ((_LECTURE_X, _LECTURE_W.reshape(1, 9), np.zeros(1), (3, 3)), {"stride": 1})],
})
_sm_x, _sm_w, _sm_b = _f(2, 3, 6, 7), _f(4, 18), _f(4)
INVALID.update({
    "fc_forward": [((_fc_x[0], _fc_w, _fc_b), {}), ((_fc_x[None], _fc_w, _fc_b), {}),
                   ((_fc_x, _fc_w[:, :23], _fc_b), {}), ((_fc_x, _fc_w, _fc_b[:, None]), {}),
                   ((_fc_x, _fc_w, _fc_b[:1]), {}), ((_fc_x, _fc_w, np.array(1.0)), {}),
                   ((_fc_x, _f(5, 3, 8), _fc_b), {})],
    "fc_to_conv": [((_fc_w, _fc_b, (3, 8)), {}), ((_fc_w, _fc_b, (1, 3, 2, 4)), {}),
                   ((_fc_w, _fc_b, (3, 0, 4)), {}), ((_fc_w, _fc_b, (-3, -2, 4)), {}),
                   ((_fc_w, _fc_b, (5, 2, 2)), {}), ((_fc_w, _fc_b[:4], (3, 2, 4)), {}),
                   ((_fc_w, _fc_b[:1], (3, 2, 4)), {}), ((_fc_w, np.array(0.5), (3, 2, 4)), {}),
                   ((_fc_w.reshape(5, 3, 8), _fc_b, (3, 2, 4)), {})],
    "fc_score_map": [((_sm_x[0], _sm_w, _sm_b, (2, 3)), {"stride": 1}),
                     ((_sm_x, _sm_w, _sm_b, (2,)), {"stride": 1}),
                     ((_sm_x, _sm_w, _sm_b, (3, 2, 3)), {"stride": 1}),
                     ((_sm_x, _sm_w, _sm_b, (0, 3)), {"stride": 1}),
                     ((_sm_x, _f(4, 63), _sm_b, (7, 3)), {"stride": 1}),
                     ((_sm_x, _sm_w, _sm_b, (2, 3)), {"stride": 0}),
                     ((_sm_x, _sm_w, _sm_b, (2, 3)), {"stride": -1}),
                     ((_sm_x, _sm_w[:, :12], _sm_b, (2, 3)), {"stride": 1}),
                     ((_sm_x, _sm_w, _sm_b[:1], (2, 3)), {"stride": 1}),
                     ((_sm_x, _sm_w, np.array(2.0), (2, 3)), {"stride": 1})],
})
PARAMS = {  # parameter names in API order (for misconceptions.identify's args dict)
    "conv_output_size": ("n", "f", "stride", "padding"), "same_padding": ("f",),
    "conv_param_count": ("f", "c_in", "c_out", "bias"), "conv_forward": ("x", "w", "b", "stride", "padding"),
    "conv1x1_forward": ("x", "w", "b"), "max_pool_forward": ("x", "size", "stride"),
    "avg_pool_forward": ("x", "size", "stride"), "global_avg_pool": ("x",), "relu": ("x",),
    "residual_block_forward": ("x", "w1", "b1", "w2", "b2", "stride", "ws", "bs"), "sigmoid": ("x",),
    "se_block_forward": ("x", "w1", "b1", "w2", "b2"),
    "fc_forward": ("x", "w", "b"), "fc_to_conv": ("w", "b", "input_shape"),
    "fc_score_map": ("x", "w", "b", "window", "stride"),
}


def _as_dict(name, args, kwargs):
    return {**dict(zip(PARAMS[name], args)), **kwargs}


# ---------------------------------------------------------------------------
# The reference and API.md's rules
# ---------------------------------------------------------------------------

def _reference(name):
    return getattr(importlib.import_module(f"solutions.{EXERCISE_OF[name]}"), name)


def _abs_all(args, kwargs):
    fix = lambda v: np.abs(v) if isinstance(v, np.ndarray) else v  # noqa: E731
    return tuple(fix(a) for a in args), {k: fix(v) for k, v in kwargs.items()}


def _magnitude(name, args, kwargs, expected):
    """API.md's m: the size of each element's computation (never below |expected|)."""
    if name == "sigmoid":
        m = np.ones_like(expected, dtype=np.float64)
    elif name in ("relu", "se_block_forward"):
        m = np.abs(np.asarray(args[0], dtype=np.float64))
    else:      # convolutions, pooling, residual block: the reference on |inputs|
        m = np.asarray(_reference(name)(*_abs_all(args, kwargs)[0], **_abs_all(args, kwargs)[1]),
                       dtype=np.float64)
    return np.maximum(m, np.abs(np.asarray(expected, dtype=np.float64)))


def _copied(values):
    if isinstance(values, dict):
        return {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in values.items()}
    return tuple(v.copy() if isinstance(v, np.ndarray) else v for v in values)


def _problems_valid(name, fn, args, kwargs):
    """Every rule of API.md the call fn(*args, **kwargs) breaks (empty: the call is right)."""
    problems = []
    expected = _reference(name)(*_copied(args), **_copied(kwargs))
    given_args, given_kwargs = _copied(args), _copied(kwargs)    # the table itself stays pristine
    with warnings.catch_warnings(record=True) as caught, np.errstate(over="warn", invalid="warn",
                                                                     divide="warn", under="ignore"):
        warnings.simplefilter("always")
        try:
            got = fn(*given_args, **given_kwargs)
        except Exception as exc:  # noqa: BLE001 - a student's exception is a finding
            return [f"raised {type(exc).__name__}: {exc}"]
    for a, c in zip(list(given_args) + list(given_kwargs.values()), list(args) + list(kwargs.values())):
        if isinstance(a, np.ndarray) and not (a.shape == c.shape and np.array_equal(a, c)):
            problems.append("modified an input array")
    if name == "sigmoid":
        runtime = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
        if runtime:
            problems.append(f"RuntimeWarning: {runtime[0]}")
    if name in INT_RESULT:
        if isinstance(got, (bool, np.bool_)) or not isinstance(got, (int, np.integer)):
            problems.append(f"returned {type(got).__name__} {got!r}, expected an int")
        elif got != expected:
            problems.append(f"returned {got}, expected {expected}")
        return problems
    if name in TUPLE_RESULT:
        return problems + _tuple_problems(got, expected, [a for a in list(args) + list(kwargs.values())
                                                          if isinstance(a, np.ndarray)])
    if type(got) is not np.ndarray:
        return problems + [f"returned {type(got).__name__}, expected numpy.ndarray"]
    if got.shape != expected.shape:
        return problems + [f"shape {got.shape}, expected {expected.shape}"]
    arrays = [a for a in list(args) + list(kwargs.values()) if isinstance(a, np.ndarray)]
    if any(a.dtype == np.float64 for a in arrays):
        if got.dtype != np.float64:
            problems.append(f"dtype {got.dtype} for float64 input")
    elif not (got.dtype.kind == "f" or (name in KEEPS_INT and got.dtype == arrays[0].dtype)):
        problems.append(f"dtype {got.dtype} for integer input")
    if got.dtype.kind not in "fiu":
        return problems + [f"non-numeric dtype {got.dtype}"]
    g = got.astype(np.float64)
    e = np.asarray(expected, dtype=np.float64)
    if not np.isfinite(g).all():
        problems.append("NaN or inf in the output")
    else:
        err = np.abs(g - e)
        bound = ATOL + RTOL * _magnitude(name, args, kwargs, e)
        if not (err <= bound).all():
            k = np.unravel_index(np.argmax(err - bound), err.shape)
            problems.append(f"value at {k}: got {g[k]!r}, expected {e[k]!r}")
    return problems


def _tuple_problems(got, expected, inputs):
    """A tuple of new arrays equal to the reference's, each keeping its dtype or float64."""
    if not isinstance(got, tuple) or len(got) != len(expected):
        return [f"returned {type(got).__name__}, expected a tuple of {len(expected)} arrays"]
    problems = []
    for k, (g, e) in enumerate(zip(got, expected)):
        if type(g) is not np.ndarray:
            problems.append(f"item {k}: {type(g).__name__}, expected numpy.ndarray")
        elif g.shape != e.shape:
            problems.append(f"item {k}: shape {g.shape}, expected {e.shape}")
        elif g.dtype not in (e.dtype, np.dtype(np.float64)):
            problems.append(f"item {k}: dtype {g.dtype}, expected {e.dtype} or float64")
        elif not np.array_equal(g, e):
            problems.append(f"item {k}: values differ")
        elif any(np.shares_memory(g, a) for a in inputs):
            problems.append(f"item {k}: a view of an input, not a new array")
    return problems


def _problems_invalid(name, fn, args, kwargs):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fn(*_copied(args), **_copied(kwargs))
    except ValueError:
        return []
    except Exception as exc:  # noqa: BLE001
        return [f"raised {type(exc).__name__} instead of ValueError"]
    return ["no ValueError"]


def _all_problems(name, fn):
    """[(case label, problem)] over the whole table for function `name`."""
    found = []
    for k, (args, kwargs) in enumerate(VALID[name]):
        found += [(f"valid #{k}", p) for p in _problems_valid(name, fn, args, kwargs)]
    for k, (args, kwargs) in enumerate(INVALID[name]):
        found += [(f"invalid #{k}", p) for p in _problems_invalid(name, fn, args, kwargs)]
    return found


# ---------------------------------------------------------------------------
# Loading a folder in this process as the package `exercises`
# ---------------------------------------------------------------------------

@contextlib.contextmanager
def _as_exercises(folder: Path, modules: dict | None = None):
    """Make `exercises` (and `exercises.*`) mean `folder` inside the block.

    The project's own `exercises` package is put back afterwards. Calls are
    made inside the block too, so imports a function does lazily resolve to
    the same folder."""
    saved = {k: v for k, v in sys.modules.items() if k == "exercises" or k.startswith("exercises.")}
    for k in saved:
        del sys.modules[k]
    if modules:
        sys.modules.update(modules)
    else:
        package = types.ModuleType("exercises")
        package.__path__ = [str(folder)]
        package.__package__ = "exercises"
        sys.modules["exercises"] = package
    dont_write = sys.dont_write_bytecode
    sys.dont_write_bytecode = True       # no __pycache__ in the fixtures
    try:
        yield
    finally:
        sys.dont_write_bytecode = dont_write
        mine = {k: v for k, v in sys.modules.items() if k == "exercises" or k.startswith("exercises.")}
        if modules is not None:
            modules.clear()
            modules.update(mine)
        for k in mine:
            del sys.modules[k]
        sys.modules.update(saved)


_LOADED: dict[str, dict] = {}


def _load(path: str) -> dict:
    """{'modules': the folder's sys.modules entries, 'functions': {name: callable}}."""
    if path not in _LOADED:
        assert not path.startswith("hostile/"), "hostile submissions are never imported in-process"
        folder = CORPUS / path
        modules: dict = {}
        functions = {}
        with _as_exercises(folder, modules):
            for ex in ENTRIES[path]["exercises"]:
                module = importlib.import_module(f"exercises.{ex}")
                for name in FUNCTIONS[ex]:
                    if hasattr(module, name):
                        functions[name] = getattr(module, name)
        _LOADED[path] = {"modules": modules, "functions": functions}
    return _LOADED[path]


def _call_inside(path):
    loaded = _load(path)

    def wrap(fn):
        def call(*args, **kwargs):
            with _as_exercises(CORPUS / path, loaded["modules"]):
                return fn(*args, **kwargs)
        return call
    return {name: wrap(fn) for name, fn in loaded["functions"].items()}


# ---------------------------------------------------------------------------
# The manifest itself
# ---------------------------------------------------------------------------

def test_manifest_lists_every_folder_once():
    on_disk = {f"{cat.name}/{sub.name}" for cat in CORPUS.iterdir() if cat.is_dir()
               for sub in cat.iterdir() if sub.is_dir() and sub.name != "__pycache__"}
    assert len(MANIFEST) == len(ENTRIES), "duplicate paths in the manifest"
    assert on_disk == set(ENTRIES)


@pytest.mark.parametrize("path", sorted(ENTRIES))
def test_manifest_entry_is_consistent(path):
    entry = ENTRIES[path]
    folder = CORPUS / path
    assert entry["category"] == path.split("/")[0]
    files = sorted(p.stem for p in folder.glob("exercise*.py"))
    assert entry["exercises"] == files
    failing = _fail_set(entry)
    either = _fail_set(entry, "either")
    for ex, fn in failing | either:
        assert ex in entry["exercises"] and fn in FUNCTIONS[ex], (ex, fn)
    assert not failing & either
    if entry["category"] == "correct":
        assert not failing and not either
    elif entry["category"] == "buggy":
        assert failing and not either and entry.get("bug")
        if not path.startswith("buggy/dep_") and not entry.get("consequence"):
            assert len(failing) == 1, "one bug per folder"
    else:
        assert failing or either


def test_corpus_size():
    counts = {c: sum(e["category"] == c for e in MANIFEST) for c in ("correct", "buggy", "hostile")}
    assert counts["correct"] >= 12 and counts["buggy"] >= 35 and counts["hostile"] >= 15, counts


@pytest.mark.parametrize("path", [p for p in ENTRIES if p.startswith("buggy/") and ENTRIES[p].get("misconception")])
def test_misconception_keys_exist(path):
    content = pytest.importorskip("grader.content")
    keys = {m.key for m in content.all_variants()}
    assert ENTRIES[path]["misconception"] in keys


# ---------------------------------------------------------------------------
# Self-check (no engine): correct functions are right, bugged ones are wrong
# ---------------------------------------------------------------------------

SELF_CHECK = [(path, fn) for path, e in ENTRIES.items() if e["category"] != "hostile"
              for ex in e["exercises"] for fn in FUNCTIONS[ex]]


@pytest.mark.parametrize("path,function", SELF_CHECK, ids=[f"{p}::{f}" for p, f in SELF_CHECK])
def test_self_check(path, function):
    entry = ENTRIES[path]
    missing = _requirement_missing(entry)
    if missing:
        pytest.skip(f"needs {missing}")
    fn = _call_inside(path).get(function)
    bugged = (EXERCISE_OF[function], function) in _fail_set(entry)
    problems = ["not defined"] if fn is None else _all_problems(function, fn)
    if bugged:
        assert problems, f"{path}: {function} is listed as bugged but agrees with the reference everywhere"
    else:
        assert problems == [], f"{path}: {function} should be correct"


MISCONCEIVED = [p for p, e in ENTRIES.items() if e["category"] == "buggy" and e.get("misconception")]


@pytest.mark.parametrize("path", MISCONCEIVED)
def test_misconception_reproduces_the_bug(path):
    """The recorded misconception's variant reproduces the buggy output on some case."""
    misconceptions = pytest.importorskip("grader.engine.identify")
    entry = ENTRIES[path]
    (exercise, function), = _fail_set(entry)
    fn = _call_inside(path)[function]
    named = []
    for args, kwargs in VALID[function]:
        expected = _reference(function)(*args, **kwargs)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                got = fn(*_copied(args), **_copied(kwargs))
        except Exception:  # noqa: BLE001
            continue
        found = misconceptions.identify(function, _as_dict(function, args, kwargs), got, expected)
        if found is not None:
            named.append(found.key)
    assert entry["misconception"] in named, named


# ---------------------------------------------------------------------------
# The engine
# ---------------------------------------------------------------------------

_GRADES: dict[tuple[str, str], tuple[dict, float]] = {}
GRADE_WALL_LIMIT_S = 90.0     # a hostile folder must not hold the grader longer than this


def _grade(path: str, exercise: str) -> tuple[dict, float]:
    """(report.document(result), seconds) for one folder and exercise, once per session."""
    if (path, exercise) not in _GRADES:
        from grader.engine import report
        from grader.engine.runner import grade
        from grader.engine.spec import load_spec

        spec = load_spec(exercise)
        start = time.monotonic()
        result = grade(spec, str(CORPUS / path))
        _GRADES[(path, exercise)] = (report.document(result, "en"), time.monotonic() - start)
    return _GRADES[(path, exercise)]


ENGINE = [(path, ex) for path, e in ENTRIES.items() for ex in e["exercises"]]


def _describe(fr):
    return f"{fr['name']}: passed={fr['passed']} score={fr['score']}/{fr['max_score']} feedback={fr['feedback']!r}"


@pytest.mark.parametrize("path,exercise", ENGINE, ids=[f"{p}::{x}" for p, x in ENGINE])
def test_engine_grades_as_manifest_says(path, exercise):
    entry = ENTRIES[path]
    missing = _requirement_missing(entry)
    if missing:
        pytest.skip(f"needs {missing}")
    stdout_fd_before = os.fstat(1)
    data, seconds = _grade(path, exercise)

    # the test process is fine: NumPy not patched, stdout still open, bounded time
    assert np.allclose(0.0, 1.0) is False and not np.array_equal([0], [1])
    assert os.fstat(1).st_ino == stdout_fd_before.st_ino
    assert seconds < GRADE_WALL_LIMIT_S, f"grading took {seconds:.0f} s"

    assert data["exercise"] == exercise
    by_name = {fr["name"]: fr for fr in data["functions"]}
    assert set(by_name) == set(FUNCTIONS[exercise])
    must_fail = {f for ex, f in _fail_set(entry) if ex == exercise}
    either = {f for ex, f in _fail_set(entry, "either") if ex == exercise}
    wrong = []
    for name, fr in by_name.items():
        if name in either:
            continue
        if name in must_fail:
            if fr["passed"] or fr["score"] >= fr["max_score"] or not (fr["feedback"] or "").strip():
                wrong.append("expected FAIL with feedback; got " + _describe(fr))
        elif not fr["passed"] or fr["score"] != fr["max_score"]:
            wrong.append("expected PASS; got " + _describe(fr))
    assert not wrong, "\n".join(wrong)
    if not must_fail and not either:
        assert data["score"] == data["max_score"]
    for name in must_fail:
        assert 0 <= by_name[name]["score"] < by_name[name]["max_score"]


HOSTILE_REASONS = [(p, ex) for p, e in ENTRIES.items() if e.get("feedback_any") for ex in e["fail"]]


@pytest.mark.parametrize("path,exercise", HOSTILE_REASONS, ids=[f"{p}::{x}" for p, x in HOSTILE_REASONS])
def test_engine_names_the_reason(path, exercise):
    """A hostile failure is explained: the feedback says time limit, memory, crash, exit, syntax..."""
    entry = ENTRIES[path]
    data, _ = _grade(path, exercise)
    by_name = {fr["name"]: fr for fr in data["functions"]}
    words = [w.lower() for w in entry["feedback_any"]]
    unexplained = [_describe(by_name[f]) for f in entry["fail"][exercise]
                   if not any(w in (by_name[f]["feedback"] or "").lower() for w in words)]
    assert not unexplained, f"none of {words} in:\n" + "\n".join(unexplained)


DEPENDENT = [p for p, e in ENTRIES.items() if e.get("dependency")]


@pytest.mark.parametrize("path", DEPENDENT)
def test_engine_points_at_the_failing_dependency(path):
    """The correct function that calls a bugged one is failed with advice to fix that one first."""
    entry = ENTRIES[path]
    dependency = entry["dependency"]
    dep_exercise = EXERCISE_OF[dependency]
    for exercise, functions in entry["fail"].items():
        if exercise == dep_exercise:
            continue
        data, _ = _grade(path, exercise)
        by_name = {fr["name"]: fr for fr in data["functions"]}
        for name in functions:
            feedback = by_name[name]["feedback"] or ""
            assert dependency in feedback and dep_exercise in feedback, _describe(by_name[name])


@pytest.mark.parametrize("path", MISCONCEIVED)
def test_engine_names_the_misconception(path):
    entry = ENTRIES[path]
    (exercise, function), = _fail_set(entry)
    data, _ = _grade(path, exercise)
    fr = {fr["name"]: fr for fr in data["functions"]}[function]
    assert fr["misconception"] == entry["misconception"], _describe(fr) + f" misconception={fr['misconception']!r}"


_TIMING = re.compile(r"(^|_)(time|elapsed|duration|seconds|wall)(_|$)|_s$|_ms$")


def _strip_timings(data):
    if isinstance(data, dict):
        return {k: _strip_timings(v) for k, v in data.items() if not _TIMING.search(k)}
    if isinstance(data, list):
        return [_strip_timings(v) for v in data]
    return data


def test_engine_is_deterministic():
    """Grading the same submission twice gives the same JSON, timings aside."""
    from grader.engine.runner import grade
    from grader.engine.spec import load_spec

    path = "buggy/conv_pad_after_only"
    from grader.engine import report
    first = report.document(grade(load_spec("exercise2"), str(CORPUS / path)), "en")
    second = report.document(grade(load_spec("exercise2"), str(CORPUS / path)), "en")
    assert not first["functions"][0]["passed"] or not first["functions"][1]["passed"]
    assert _strip_timings(first) == _strip_timings(second)
