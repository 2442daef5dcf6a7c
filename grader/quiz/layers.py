"""Answers computed by running the reference layers of ``solutions/``.

Every answer on a sheet comes from here: an output size is the shape that the
reference ``conv_forward`` / ``max_pool_forward`` returns on zero arrays, a
parameter count is the total size of the arrays that the reference layer
accepts, a grid is the reference's output.

Large layers are run on a *stand-in*: an input one filter high (the width
carries the size arithmetic unchanged) or with fewer channels (the spatial
arithmetic and the shape structure do not depend on the channel count). The
parameter count is then the size of the arrays of the real shapes, after the
reference accepted arrays of the same structure.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from .model import Grid

_STANDIN_ELEMENTS = 200_000
"""Above this many weights, a layer is checked on a channel stand-in."""


def _ref():
    """Import the reference solutions lazily (they import NumPy only)."""
    from solutions import exercise2, exercise3, exercise4, exercise5

    return exercise2, exercise3, exercise4, exercise5


def conv_width(n: int, f: int, stride: int = 1, padding: int = 0) -> int | None:
    """Output width of a conv over an n-wide input, or None if the filter does not fit.

    Runs the reference ``conv_forward`` on a (1, 1, f, n) zero input, which
    has the same width arithmetic as an n x n input.
    """
    ex2, *_ = _ref()
    if f > n + 2 * padding:
        return None
    x = np.zeros((1, 1, f, n))
    w = np.zeros((1, 1, f, f))
    try:
        out = ex2.conv_forward(x, w, np.zeros(1), stride=stride, padding=padding)
    except ValueError:
        return None
    return int(out.shape[3])


def pool_width(n: int, size: int, stride: int) -> int | None:
    """Output width of a max pool over an n-wide input, or None if the window does not fit."""
    _, ex3, *_ = _ref()
    if size > n:
        return None
    x = np.zeros((1, 1, size, n))
    try:
        out = ex3.max_pool_forward(x, size=size, stride=stride)
    except ValueError:
        return None
    return int(out.shape[3])


def _standin_channels(*channels: int) -> tuple[int, ...]:
    """Small channel counts that keep the order and equalities of ``channels``."""
    ranks = {c: i + 1 for i, c in enumerate(sorted(set(channels)))}
    return tuple(ranks[c] for c in channels)


def conv_params(f: int, c_in: int, c_out: int, bias: bool = True) -> int:
    """Parameters of a conv layer: the sizes of the weight and bias arrays it needs.

    The reference ``conv_forward`` is run with weights (c_out, c_in, f, f) and
    bias (c_out,) (on fewer channels when that would be large) and must return
    c_out activation maps.
    """
    ex2, *_ = _ref()
    ci, co = (c_in, c_out)
    if f * f * c_in * c_out > _STANDIN_ELEMENTS:
        ci, co = _standin_channels(c_in, c_out)
    w = np.zeros((co, ci, f, f))
    b = np.zeros(co)
    out = ex2.conv_forward(np.zeros((1, ci, f, f)), w, b)
    if out.shape != (1, co, 1, 1):
        raise RuntimeError("reference conv_forward returned an unexpected shape")
    weights = c_out * c_in * f * f
    return weights + (c_out if bias else 0)


def conv_depth(n: int, f: int, c_in: int, c_out: int, stride: int, padding: int) -> int:
    """Output depth of a conv layer: the channel axis of the reference output."""
    ex2, *_ = _ref()
    ci, co = _standin_channels(c_in, c_out)
    h = f
    out = ex2.conv_forward(np.zeros((1, ci, h, n)), np.zeros((co, ci, f, f)), np.zeros(co),
                           stride=stride, padding=padding)
    # The stand-in keeps the order of the channel counts, not their values:
    return c_out if out.shape[1] == co else -1


def pool_params(n: int, size: int, stride: int) -> int:
    """Learnable parameters of a max pool: it takes no weight arrays at all (0).

    The reference ``max_pool_forward(x, size=, stride=)`` is run to show that
    the layer works with nothing but its input.
    """
    _, ex3, *_ = _ref()
    ex3.max_pool_forward(np.zeros((1, 1, size, n)), size=size, stride=stride)
    return 0


def conv1x1_channels(h: int, c_in: int, k: int) -> int:
    """Channels out of a 1x1 convolution with k filters: the reference's channel axis."""
    ex2, *_ = _ref()
    ci, co = _standin_channels(c_in, k)
    out = ex2.conv1x1_forward(np.zeros((1, ci, 1, 1)), np.zeros((co, ci)), np.zeros(co))
    return k if out.shape[1] == co else -1


def conv1x1_params(c_in: int, k: int) -> int:
    """Parameters of a 1x1 convolution: the weight (k, c_in) and bias (k,) arrays."""
    ex2, *_ = _ref()
    ci, co = _standin_channels(c_in, k)
    ex2.conv1x1_forward(np.zeros((1, ci, 2, 2)), np.zeros((co, ci)), np.zeros(co))
    return k * c_in + k


def stacked_receptive_field(n_layers: int, f: int = 3) -> int:
    """Receptive field of ``n_layers`` stacked f x f convs (stride 1, no padding).

    The smallest input from which the stack yields a single output pixel:
    one pixel less makes the reference raise (the filter no longer fits).
    """
    r = 1
    while True:
        width = r
        for _ in range(n_layers):
            width = conv_width(width, f) if width is not None else None
        if width == 1:
            return r
        r += 1
        if r > 1000:
            raise RuntimeError("receptive field search did not terminate")


def trace(n: int, layers: Sequence[Sequence]) -> int | None:
    """Spatial size after a sequence of ("conv", f, s, p, c) / ("pool", f, s, 0, 0) layers.

    Each layer is run through the reference; None if a window does not fit.
    """
    for op, f, s, p, _c in layers:
        if n is None:
            return None
        n = conv_width(n, f, s, p) if op == "conv" else pool_width(n, f, s)
    return n


def se_params(c: int, r: int, bias: bool) -> int:
    """Parameters of an SE block: sizes of w1 (C/r, C), w2 (C, C/r) and, with biases, b1, b2.

    The reference ``se_block_forward`` is run with exactly these arrays
    (zero biases stand for "no bias" and are then not counted).
    """
    *_, ex5 = _ref()
    cr = c // r
    arrays = [np.zeros((cr, c)), np.zeros(cr), np.zeros((c, cr)), np.zeros(c)]
    ex5.se_block_forward(np.zeros((1, c, 1, 1)), *arrays)
    learnable = [arrays[0], arrays[2]] + ([arrays[1], arrays[3]] if bias else [])
    return int(sum(a.size for a in learnable))


def shortcut_params(c_in: int, c_out: int, stride: int) -> int:
    """Parameters of a basic block's shortcut: 0 if the identity works, else a 1x1 projection.

    The reference ``residual_block_forward`` is first run without a
    projection; if it refuses (channels or stride change), it is run with a
    1x1 projection ws (c_out, c_in, 1, 1) without bias, whose size is returned.
    Channel stand-ins keep the equality of c_in and c_out.
    """
    *_, ex4, _ = _ref()
    ci, co = _standin_channels(c_in, c_out)
    x = np.zeros((1, ci, 4, 4))
    w1, b1 = np.zeros((co, ci, 3, 3)), np.zeros(co)
    w2, b2 = np.zeros((co, co, 3, 3)), np.zeros(co)
    try:
        ex4.residual_block_forward(x, w1, b1, w2, b2, stride=stride)
        return 0
    except ValueError:
        pass
    ex4.residual_block_forward(x, w1, b1, w2, b2, stride=stride, ws=np.zeros((co, ci, 1, 1)))
    return c_out * c_in


def _to_grid(a: np.ndarray) -> Grid | None:
    """An integer grid from a 2-D float array, or None if a value is not an integer."""
    r = np.rint(a)
    if not np.allclose(a, r, atol=1e-9):
        return None
    return tuple(tuple(int(v) for v in row) for row in r)


def conv_grid(image: Grid, kernel: Grid, stride: int, padding: int, bias: int) -> Grid | None:
    """The activation map the reference ``conv_forward`` computes for a small image and filter."""
    ex2, *_ = _ref()
    x = np.array(image, dtype=np.float64)[None, None]
    w = np.array(kernel, dtype=np.float64)[None, None]
    try:
        out = ex2.conv_forward(x, w, np.array([float(bias)]), stride=stride, padding=padding)
    except ValueError:
        return None
    return _to_grid(out[0, 0])


def pool_grid(image: Grid, size: int, stride: int, mode: str = "max") -> Grid | None:
    """The reference's max (or average) pool of a small grid; None if not all integers."""
    _, ex3, *_ = _ref()
    x = np.array(image, dtype=np.float64)[None, None]
    fn = ex3.max_pool_forward if mode == "max" else ex3.avg_pool_forward
    try:
        out = fn(x, size=size, stride=stride)
    except ValueError:
        return None
    return _to_grid(out[0, 0])
