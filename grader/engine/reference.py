"""Where expected outputs come from: the reference solutions (``solutions/``).

Imported lazily, and only in the grader's own process, after the zygote that
forks students' processes exists.
"""
from __future__ import annotations

import importlib
from typing import Callable

import numpy as np

from grader.content import FUNCTIONS
from grader.engine.magnitude import EXACT, ONE, X_ABS


def reference(name: str) -> Callable:
    """The reference implementation of API function ``name``."""
    info = FUNCTIONS[name]
    return getattr(importlib.import_module(f"solutions.{info.exercise}"), name)


def magnitude(name: str, args: dict, expected):
    """The m of API.md's tolerance rule: |got - expected| <= atol + rtol * m
    (a tuple of them when ``expected`` is a tuple of arrays)."""
    kind = FUNCTIONS[name].magnitude
    if isinstance(expected, tuple):
        if kind == EXACT:
            return tuple(np.zeros(e.shape) for e in expected)
        abs_args = {k: (np.abs(v.astype(float)) if isinstance(v, np.ndarray) else v) for k, v in args.items()}
        return tuple(np.maximum(np.abs(np.asarray(m, dtype=float)), np.abs(e.astype(float)))
                     for m, e in zip(reference(name)(**abs_args), expected))
    if kind == EXACT:
        return np.zeros(expected.shape)
    if kind == ONE:
        m = np.ones_like(expected, dtype=float)
    elif kind == X_ABS:
        m = np.abs(np.asarray(args["x"], dtype=float))
    else:
        abs_args = {k: (np.abs(v.astype(float)) if isinstance(v, np.ndarray) else v) for k, v in args.items()}
        m = np.asarray(reference(name)(**abs_args), dtype=float)
    return np.maximum(np.abs(m), np.abs(expected.astype(float)))
