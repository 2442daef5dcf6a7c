"""Exercise 2: the forward pass of a convolution layer, and the 1x1 convolution.

Lecture: Convolution Layer ("slide over the image spatially and compute dot
products at every spatial location") and 1x1 convolution (channel mixing).

Like every deep learning framework, "convolution" here is cross-correlation:
the filter is not flipped.

How it is vectorised (im2col): ``sliding_window_view`` gives every HH x WW
window of the padded input as a view, without copying. Reshaping those
windows into one matrix of shape (C*HH*WW, N*H'*W') copies the input once,
and the whole layer is then a single matrix product with the filters
reshaped to (F, C*HH*WW).
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .exercise1 import _require_int, conv_output_size


def _as_array(name, a, ndim):
    """``a`` as an ndarray of ``ndim`` dimensions (never a copy of an ndarray)."""
    a = np.asarray(a)
    if a.ndim != ndim:
        raise ValueError(f"{name} must be a {ndim}-D array, got shape {a.shape}.")
    return a


def _check_bias(name, b, f):
    """``b`` as a float64 vector of shape exactly (f,)."""
    b = np.asarray(b)
    if b.shape != (f,):
        raise ValueError(f"{name} must have shape ({f},), one value per filter, got shape {b.shape}.")
    return b.astype(np.float64, copy=False)


def _zero_pad(x, padding):
    """Zero-pad the last two axes of ``x`` (N, C, H, W) by ``padding`` on every side.

    Returns a float64 array of shape (N, C, H + 2*padding, W + 2*padding);
    ``x`` itself when padding is 0 and it already is float64. Converting an
    integer input to float64 happens in the same single copy.
    """
    if padding == 0:
        return x.astype(np.float64, copy=False)
    n, c, h, w = x.shape
    xpad = np.zeros((n, c, h + 2 * padding, w + 2 * padding), dtype=np.float64)
    xpad[:, :, padding:padding + h, padding:padding + w] = x
    return xpad


def conv_forward(x, w, b, stride=1, padding=0):
    """Forward pass of a convolution layer (cross-correlation, zero padding).

    Inputs:
    - x: input data of shape (N, C, H, W)
    - w: filters of shape (F, C, HH, WW)
    - b: biases of shape (F,)
    - stride: pixels between neighbouring windows, >= 1
    - padding: zeros added on all four sides, >= 0

    Returns out of shape (N, F, H', W'), float64, where
        H' = (H - HH + 2 * padding) // stride + 1
        W' = (W - WW + 2 * padding) // stride + 1
        out[n, f, i, j] = sum(xpad[n, :, i*stride:i*stride+HH, j*stride:j*stride+WW] * w[f]) + b[f]

    Raises ValueError if x or w is not 4-D, their channel counts differ, b's
    shape is not (F,), stride < 1, padding < 0, or the filter does not fit
    the padded input.

    Example (lecture): the 5x5 grid with the 3x3 filter [[1,0,1],[1,0,1],[0,1,0]]
    gives [[6,9,11],[10,4,4],[7,7,4]] at stride 1 and [[6,11],[7,4]] at stride 2.
    """
    x = _as_array("x", x, 4)
    w = _as_array("w", w, 4).astype(np.float64, copy=False)
    stride = _require_int("stride", stride, 1)
    padding = _require_int("padding", padding, 0)
    n, c, h, wd = x.shape
    f, cw, hh, ww = w.shape
    if cw != c:
        raise ValueError(f"x has {c} channels but the filters w {w.shape} expect {cw}.")
    b = _check_bias("b", b, f)
    if hh > h + 2 * padding or ww > wd + 2 * padding:
        raise ValueError(
            f"a {hh}x{ww} filter does not fit a {h}x{wd} input with padding {padding}."
        )
    h_out = conv_output_size(h, hh, stride, padding)
    w_out = conv_output_size(wd, ww, stride, padding)

    xpad = _zero_pad(x, padding)
    # (N, C, H', W', HH, WW): every window, as a view of xpad.
    windows = sliding_window_view(xpad, (hh, ww), axis=(2, 3))[:, :, ::stride, ::stride]
    # im2col: one column per output pixel, (C*HH*WW, N*H'*W'). This is the one copy.
    cols = windows.transpose(1, 4, 5, 0, 2, 3).reshape(c * hh * ww, n * h_out * w_out)
    out = w.reshape(f, c * hh * ww) @ cols          # (F, N*H'*W')
    out += b[:, None]
    return out.reshape(f, n, h_out, w_out).transpose(1, 0, 2, 3)


def conv1x1_forward(x, w, b):
    """A 1x1 convolution: mixes channels at every pixel independently.

    Inputs:
    - x: input data of shape (N, C, H, W)
    - w: weights of shape (F, C), one row per output channel
    - b: biases of shape (F,)

    Returns out of shape (N, F, H, W), float64:
        out[n, f, i, j] = sum_c w[f, c] * x[n, c, i, j] + b[f]
    i.e. conv_forward(x, w[:, :, None, None], b); H and W are unchanged.

    Raises ValueError if x is not 4-D, w is not 2-D with C columns, or b's
    shape is not (F,).
    """
    x = _as_array("x", x, 4).astype(np.float64, copy=False)
    w = _as_array("w", w, 2).astype(np.float64, copy=False)
    n, c, h, wd = x.shape
    f, cw = w.shape
    if cw != c:
        raise ValueError(f"x has {c} channels but w {w.shape} has {cw} columns; it needs one per channel.")
    b = _check_bias("b", b, f)
    out = w @ x.reshape(n, c, h * wd)               # (N, F, H*W)
    out += b[:, None]
    return out.reshape(n, f, h, wd)
