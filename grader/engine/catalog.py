"""What the grader knows about each API function: parameters, return kind, reference.

The reference solutions are imported lazily (``reference``), and only in the
grader's own process, after the zygote that forks students' processes exists.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable

import numpy as np

ARRAY_ARGS_ABS = "abs"   # magnitude: the reference applied to |inputs|
X_ABS = "x_abs"          # magnitude: |x|
ONE = "one"              # magnitude: 1
EXACT = "exact"          # integers, compared exactly


@dataclass(frozen=True)
class FunctionInfo:
    """One function of the contract (../shared/API.md)."""

    name: str
    exercise: str
    params: tuple[str, ...]
    required: tuple[str, ...]
    returns: str                 # "int" or "array"
    keeps_int_dtype: bool = False
    magnitude: str = ARRAY_ARGS_ABS
    depends_on: tuple[tuple[str, str], ...] = ()   # (exercise, function) it builds on


FUNCTIONS: dict[str, FunctionInfo] = {f.name: f for f in (
    FunctionInfo("conv_output_size", "exercise1", ("n", "f", "stride", "padding"), ("n", "f"), "int",
                 magnitude=EXACT),
    FunctionInfo("same_padding", "exercise1", ("f",), ("f",), "int", magnitude=EXACT),
    FunctionInfo("conv_param_count", "exercise1", ("f", "c_in", "c_out", "bias"), ("f", "c_in", "c_out"),
                 "int", magnitude=EXACT),
    FunctionInfo("conv_forward", "exercise2", ("x", "w", "b", "stride", "padding"), ("x", "w", "b"), "array"),
    FunctionInfo("conv1x1_forward", "exercise2", ("x", "w", "b"), ("x", "w", "b"), "array"),
    FunctionInfo("max_pool_forward", "exercise3", ("x", "size", "stride"), ("x",), "array",
                 keeps_int_dtype=True),
    FunctionInfo("avg_pool_forward", "exercise3", ("x", "size", "stride"), ("x",), "array"),
    FunctionInfo("global_avg_pool", "exercise3", ("x",), ("x",), "array"),
    FunctionInfo("relu", "exercise4", ("x",), ("x",), "array", keeps_int_dtype=True, magnitude=X_ABS),
    FunctionInfo("residual_block_forward", "exercise4",
                 ("x", "w1", "b1", "w2", "b2", "stride", "ws", "bs"), ("x", "w1", "b1", "w2", "b2"), "array",
                 depends_on=(("exercise2", "conv_forward"),)),
    FunctionInfo("sigmoid", "exercise5", ("x",), ("x",), "array", magnitude=ONE),
    FunctionInfo("se_block_forward", "exercise5", ("x", "w1", "b1", "w2", "b2"), ("x", "w1", "b1", "w2", "b2"),
                 "array", magnitude=X_ABS,
                 depends_on=(("exercise3", "global_avg_pool"), ("exercise4", "relu"))),
)}


def reference(name: str) -> Callable:
    """The reference implementation of API function ``name``."""
    info = FUNCTIONS[name]
    return getattr(importlib.import_module(f"solutions.{info.exercise}"), name)


def magnitude(name: str, args: dict, expected: np.ndarray) -> np.ndarray:
    """The m of API.md's tolerance rule: |got - expected| <= atol + rtol * m."""
    kind = FUNCTIONS[name].magnitude
    if kind == ONE:
        m = np.ones_like(expected, dtype=float)
    elif kind == X_ABS:
        m = np.abs(np.asarray(args["x"], dtype=float))
    else:
        abs_args = {k: (np.abs(v.astype(float)) if isinstance(v, np.ndarray) else v) for k, v in args.items()}
        m = np.asarray(reference(name)(**abs_args), dtype=float)
    return np.maximum(np.abs(m), np.abs(expected.astype(float)))
