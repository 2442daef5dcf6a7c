"""Exercise 3: pooling layers.

Lecture: Pooling layer (downsampling, each activation map independently,
depth unchanged, no padding), Max Pooling, Global Average Pooling.

    output size = (H - size) // stride + 1     (the conv formula with P = 0)

How it is vectorised: ``sliding_window_view`` gives every size x size window
as a view (no copy); the pooled value is a max or a mean over the last two
axes of that view.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .exercise1 import _require_int


def _windows(x, size, stride):
    """Validate a pooling call; return the (N, C, H', W', size, size) window view of x."""
    x = np.asarray(x)
    if x.ndim != 4:
        raise ValueError(f"x must be a 4-D array (N, C, H, W), got shape {x.shape}.")
    size = _require_int("size", size, 1)
    stride = _require_int("stride", stride, 1)
    h, w = x.shape[2:]
    if size > h or size > w:
        raise ValueError(f"a {size}x{size} pooling window does not fit a {h}x{w} input (pooling uses no padding).")
    # Positions 0, stride, 2*stride, ... of the H - size + 1 possible ones:
    # (H - size) // stride + 1 of them, conv_output_size(H, size, stride).
    return sliding_window_view(x, (size, size), axis=(2, 3))[:, :, ::stride, ::stride]


def max_pool_forward(x, size=2, stride=2):
    """Max pooling: the largest value of every size x size window, per channel.

    Inputs:
    - x: input data of shape (N, C, H, W)
    - size: window height and width, >= 1
    - stride: pixels between neighbouring windows, >= 1

    Returns out of shape (N, C, H', W') with the dtype of x, where
        H' = (H - size) // stride + 1,  W' = (W - size) // stride + 1
        out[n, c, i, j] = max(x[n, c, i*stride:i*stride+size, j*stride:j*stride+size])

    Raises ValueError if x is not 4-D, size < 1, stride < 1, or the window
    does not fit (size > H or size > W).

    Example (lecture): 2x2 windows, stride 2, on
    [[1,1,2,4],[5,6,7,8],[3,2,1,0],[1,2,3,4]] give [[6,8],[3,4]].
    """
    return _windows(x, size, stride).max(axis=(-2, -1))


def avg_pool_forward(x, size=2, stride=2):
    """Average pooling: the mean of every size x size window, per channel.

    Inputs and output shape as max_pool_forward; the output is float64:
        out[n, c, i, j] = mean(x[n, c, i*stride:i*stride+size, j*stride:j*stride+size])

    Raises ValueError in the same cases as max_pool_forward.
    """
    return _windows(x, size, stride).mean(axis=(-2, -1), dtype=np.float64)


def global_avg_pool(x):
    """Global average pooling: one number per activation map.

    Inputs:
    - x: input data of shape (N, C, H, W)

    Returns out of shape (N, C), float64: out[n, c] = mean(x[n, c, :, :]).

    Raises ValueError if x is not 4-D.
    """
    x = np.asarray(x)
    if x.ndim != 4:
        raise ValueError(f"x must be a 4-D array (N, C, H, W), got shape {x.shape}.")
    return x.mean(axis=(2, 3), dtype=np.float64)
