"""Exercise 5: the squeeze-and-excitation (SE) block of SENet.

Lecture: SENet: recalibrate the features a convolution produced by weighing
each channel by its importance (채널 당 중요도).

    squeeze     s = global average pool of every channel        (N, C)
    excitation  e = sigmoid(W2 relu(W1 s + b1) + b2)             (N, C), in [0, 1]
    scale       out = x * e, one gate per channel                (N, C, H, W)
"""

import numpy as np

from .exercise3 import global_avg_pool
from .exercise4 import relu


def sigmoid(x):
    """Logistic sigmoid, elementwise: 1 / (1 + exp(-x)).

    Inputs:
    - x: array of any shape

    Returns a float64 ndarray of the same shape, values in [0, 1].

    Numerically stable: with e = exp(-|x|), which never overflows,
        sigmoid(x) = 1 / (1 + e)   for x >= 0
        sigmoid(x) = e / (1 + e)   for x < 0
    so no overflow, invalid-value or division warning for any finite x.
    """
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(under="ignore"):
        e = np.exp(-np.abs(x))
    numerator = np.where(x >= 0, 1.0, e)
    return np.asarray(numerator / (1.0 + e))


def se_block_forward(x, w1, b1, w2, b2):
    """Forward pass of a squeeze-and-excitation block.

    Inputs (weights laid out like PyTorch's Linear, (out_features, in_features)):
    - x: input data of shape (N, C, H, W)
    - w1: squeeze-to-bottleneck weights, shape (C_r, C), C_r >= 1; b1: shape (C_r,)
    - w2: bottleneck-to-gates weights, shape (C, C_r); b2: shape (C,)

    Returns out of shape (N, C, H, W), float64:
        s   = global_avg_pool(x)            # squeeze      (N, C)
        z   = relu(s @ w1.T + b1)           # excitation   (N, C_r)
        e   = sigmoid(z @ w2.T + b2)        # channel gates (N, C)
        out = x * e[:, :, None, None]       # recalibrate  (N, C, H, W)

    Raises ValueError if x is not 4-D or a weight or bias has another shape
    than above.
    """
    x = np.asarray(x)
    if x.ndim != 4:
        raise ValueError(f"x must be a 4-D array (N, C, H, W), got shape {x.shape}.")
    c = x.shape[1]
    w1, b1, w2, b2 = (np.asarray(a) for a in (w1, b1, w2, b2))
    if w1.ndim != 2 or w1.shape[1] != c or w1.shape[0] < 1:
        raise ValueError(f"w1 must have shape (C_r, {c}), one column per channel of x, got shape {w1.shape}.")
    c_r = w1.shape[0]
    for name, a, shape in (("b1", b1, (c_r,)), ("w2", w2, (c, c_r)), ("b2", b2, (c,))):
        if a.shape != shape:
            raise ValueError(f"{name} must have shape {shape} (C={c}, C_r={c_r}), got shape {a.shape}.")

    s = global_avg_pool(x)
    z = relu(s @ w1.T + b1)
    e = sigmoid(z @ w2.T + b2)
    return x * e[:, :, None, None]
