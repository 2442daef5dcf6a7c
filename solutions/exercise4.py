"""Exercise 4: the residual block of ResNet (basic block, no batch norm).

Lecture: ResNet, Residual Block (잔차 블록): a shortcut adds the block's
input to its output, so the layers only have to learn the residual
F(x) = H(x) - x.

    h   = relu(conv3x3(x, stride))
    y   = conv3x3(h)
    out = relu(y + shortcut(x))

The shortcut is x itself when shapes agree (F == C, stride 1), otherwise a
1x1 convolution ws with the block's stride (a projection shortcut).
"""

import numpy as np

from .exercise1 import _require_int
from .exercise2 import conv_forward


def relu(x):
    """Rectified linear unit, elementwise: max(x, 0).

    Inputs:
    - x: array of any shape

    Returns an ndarray of the same shape; an integer input keeps its dtype.
    """
    return np.asarray(np.maximum(x, 0))


def _check_shape(name, a, shape, meaning):
    a = np.asarray(a)
    if a.shape != shape:
        raise ValueError(f"{name} must have shape {shape} ({meaning}), got shape {a.shape}.")
    return a


def residual_block_forward(x, w1, b1, w2, b2, stride=1, ws=None, bs=None):
    """Forward pass of a ResNet basic block without batch norm.

    Inputs:
    - x: input data of shape (N, C, H, W)
    - w1: first 3x3 filters, shape (F, C, 3, 3); b1: shape (F,)
    - w2: second 3x3 filters, shape (F, F, 3, 3); b2: shape (F,)
    - stride: stride of the first conv and of the projection shortcut, >= 1
    - ws: projection shortcut filters, shape (F, C, 1, 1), or None for the
      identity shortcut (which needs F == C and stride == 1)
    - bs: projection bias, shape (F,), or None for zeros; ignored when ws is None

    Returns out of shape (N, F, H', W'), float64, where
        H' = (H - 1) // stride + 1,  W' = (W - 1) // stride + 1
        (the 3x3 conv with padding 1: (H - 3 + 2) // stride + 1)
        h   = relu(conv_forward(x, w1, b1, stride=stride, padding=1))
        y   = conv_forward(h, w2, b2, stride=1, padding=1)
        sc  = x if ws is None else conv_forward(x, ws, bs_or_zeros, stride=stride)
        (bs_or_zeros is bs, or np.zeros(F) when bs is None)
        out = relu(y + sc)

    Raises ValueError if x is not 4-D, a weight or bias has another shape
    than above, stride < 1, or the identity shortcut cannot be used
    (F != C or stride != 1 without ws).
    """
    x = np.asarray(x)
    if x.ndim != 4:
        raise ValueError(f"x must be a 4-D array (N, C, H, W), got shape {x.shape}.")
    stride = _require_int("stride", stride, 1)
    c = x.shape[1]
    w1 = np.asarray(w1)
    if w1.ndim != 4:
        raise ValueError(f"w1 must be a 4-D array (F, C, 3, 3), got shape {w1.shape}.")
    f = w1.shape[0]
    _check_shape("w1", w1, (f, c, 3, 3), "F 3x3 filters over the C channels of x")
    _check_shape("b1", b1, (f,), "one bias per filter")
    _check_shape("w2", w2, (f, f, 3, 3), "F 3x3 filters over the F channels of h")
    _check_shape("b2", b2, (f,), "one bias per filter")
    if ws is None:
        if f != c or stride != 1:
            raise ValueError(
                f"the identity shortcut needs F == C and stride 1 (got F={f}, C={c}, "
                f"stride={stride}); pass a projection shortcut ws of shape ({f}, {c}, 1, 1)."
            )
        shortcut = x
    else:
        ws = _check_shape("ws", ws, (f, c, 1, 1), "a 1x1 projection from C to F channels")
        bs = np.zeros(f) if bs is None else _check_shape("bs", bs, (f,), "one bias per filter")
        shortcut = conv_forward(x, ws, bs, stride=stride, padding=0)

    h = relu(conv_forward(x, w1, b1, stride=stride, padding=1))
    y = conv_forward(h, w2, b2, stride=1, padding=1)
    return relu(y + shortcut)
