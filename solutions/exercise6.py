"""Exercise 6: the fully connected (FC) layer, and the FC layer as a convolution.

Lecture: Fully Connected Layer ("32x32x3 image -> stretch to 3072 x 1", one
dot product per output unit) and "FC layer to Conv layer": the FC layer's W
becomes conv filters that cover the whole input, so that one forward pass
slides the classifier over a larger image ("1 forward pass => image sliding").

Weights are laid out like PyTorch's Linear: w is (M, D) = (out_features,
in_features), and D = C*H*W is x flattened in C, H, W order (x.reshape(N, -1)).

    fc_forward    out  = x.reshape(N, -1) @ w.T + b                     (N, M)
    fc_to_conv    w_conv = w.reshape(M, C, H, W), b_conv = b            one filter per output unit
    fc_score_map  conv_forward(x, *fc_to_conv(w, b, (C, H, W)), stride)  (N, M, H', W')
"""

import numpy as np

from .exercise1 import _require_int
from .exercise2 import _as_array, _check_bias, conv_forward


def _sizes(name, value, count):
    """``value`` as a tuple of ``count`` Python ints >= 1, or ValueError."""
    try:
        items = tuple(value)
    except TypeError:
        raise ValueError(f"{name} must be {count} sizes, got {value!r}.") from None
    if len(items) != count:
        raise ValueError(f"{name} must be {count} sizes, got {value!r}.")
    return tuple(_require_int(name, v, 1) for v in items)


def fc_forward(x, w, b):
    """Forward pass of a fully connected layer.

    Inputs:
    - x: input data of shape (N, C, H, W) or (N, D)
    - w: weights of shape (M, D), D = C*H*W, like PyTorch's Linear (out_features, in_features)
    - b: biases of shape (M,)

    Returns out of shape (N, M), float64:
        flat = x.reshape(N, -1)          # C, H, W order
        out  = flat @ w.T + b

    Raises ValueError if x is not 2-D or 4-D, D != w.shape[1], or b's shape is not (M,).
    """
    x = np.asarray(x)
    if x.ndim not in (2, 4):
        raise ValueError(f"x must be a 2-D (N, D) or 4-D (N, C, H, W) array, got shape {x.shape}.")
    w = _as_array("w", w, 2).astype(np.float64, copy=False)
    flat = x.reshape(x.shape[0], -1).astype(np.float64, copy=False)
    m, d = w.shape
    if flat.shape[1] != d:
        raise ValueError(f"x has {flat.shape[1]} values per example but w {w.shape} expects {d}.")
    b = _check_bias("b", b, m)
    return flat @ w.T + b


def fc_to_conv(w, b, input_shape):
    """The FC layer's weights as conv filters that cover the whole input.

    Inputs:
    - w: FC weights of shape (M, D)
    - b: FC biases of shape (M,)
    - input_shape: (C, H, W) with C*H*W == D

    Returns (w_conv, b_conv): new arrays (copies, never views of w or b) of
    shapes (M, C, H, W) and (M,), with the input dtypes kept:
        w_conv[m] = w[m].reshape(C, H, W),   b_conv = b
    so conv_forward(x, w_conv, b_conv) == fc_forward(x, w, b)[:, :, None, None].

    Raises ValueError if w is not 2-D, input_shape is not three sizes >= 1,
    C*H*W != w.shape[1], or b's shape is not (M,).
    """
    w = _as_array("w", w, 2)
    c, h, wd = _sizes("input_shape", input_shape, 3)
    m, d = w.shape
    if c * h * wd != d:
        raise ValueError(f"input_shape {(c, h, wd)} has {c * h * wd} values but w {w.shape} expects {d}.")
    b = np.asarray(b)
    if b.shape != (m,):
        raise ValueError(f"b must have shape ({m},), one value per output unit, got shape {b.shape}.")
    return w.reshape(m, c, h, wd).copy(), b.copy()


def fc_score_map(x, w, b, window, stride=1):
    """The FC layer (trained on windows of shape ``window``) applied to every window
    of a larger input in one convolution.

    Inputs:
    - x: input data of shape (N, C, H2, W2), H2 >= H, W2 >= W
    - w: FC weights of shape (M, C*H*W); b: biases (M,)
    - window: (H, W), the input size the FC layer was made for
    - stride: pixels between neighbouring windows, >= 1

    Returns out of shape (N, M, H', W'), float64, H' = (H2 - H) // stride + 1
    (W' likewise), where out[n, :, i, j] is the FC layer's output on the window
    x[n, :, i*stride:i*stride+H, j*stride:j*stride+W].

    Raises ValueError if x is not 4-D, window is not two sizes >= 1, stride < 1,
    the window does not fit x, or w, b and x do not agree.
    """
    x = _as_array("x", x, 4)
    h, wd = _sizes("window", window, 2)
    stride = _require_int("stride", stride, 1)
    n, c, h2, w2 = x.shape
    if h > h2 or wd > w2:
        raise ValueError(f"a {h}x{wd} window does not fit a {h2}x{w2} input.")
    w_conv, b_conv = fc_to_conv(w, b, (c, h, wd))
    return conv_forward(x, w_conv, b_conv, stride=stride)
