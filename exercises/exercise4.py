"""Exercise 4 — ResNet 잔차 블록 (residual block), basic block without batch norm.

Lecture: a residual block adds a 지름길 (shortcut) from the input to the
output, so the layers only learn the residual F(x) = H(x) - x.

    h   = relu(conv3x3(x, stride))        padding 1
    y   = conv3x3(h)                      padding 1, stride 1
    out = relu(y + shortcut(x))

Use your own conv_forward from exercise 2 (imported below).
"""

import numpy as np

from exercises.exercise2 import conv_forward


def relu(x):
    """ReLU, elementwise: max(x, 0).

    Inputs:
    - x: array of any shape

    Returns an ndarray of the same shape; an integer input may keep its dtype.

    Hint: relu(np.array([-2, 0, 3])) gives [0, 0, 3].
    """
    raise NotImplementedError("relu: return the elementwise max(x, 0)")


def residual_block_forward(x, w1, b1, w2, b2, stride=1, ws=None, bs=None):
    """Forward pass of a residual block (잔차 블록).

    Inputs:
    - x: input data of shape (N, C, H, W)
    - w1: first 3x3 filters (F, C, 3, 3); b1: biases (F,)
    - w2: second 3x3 filters (F, F, 3, 3); b2: biases (F,)
    - stride: 스트라이드 of the first conv and of the projection shortcut, >= 1
    - ws: projection shortcut filters (F, C, 1, 1), or None for the identity
      shortcut
    - bs: projection bias (F,), or None meaning zeros; ignored when ws is None

    Returns out of shape (N, F, H', W'), float64, with
        H' = (H - 3 + 2) // stride + 1,  W' likewise
        h   = relu(conv_forward(x, w1, b1, stride=stride, padding=1))
        y   = conv_forward(h, w2, b2, stride=1, padding=1)
        sc  = x                                            if ws is None
              conv_forward(x, ws, bs_or_zeros, stride=stride, padding=0)   otherwise
        out = relu(y + sc)
    where bs_or_zeros is bs, or np.zeros(F) when bs is None (test it with
    ``bs is None``: ``bs or ...`` fails on an array).

    Raise ValueError if x is not 4-D, a weight or bias does not have the
    shape above, stride < 1, or ws is None while F != C or stride != 1 (the
    identity shortcut cannot be added: a projection shortcut ws is needed).

    Hint: with all weights and biases zero, out == relu(x) when ws is None.
    """
    raise NotImplementedError("residual_block_forward: conv -> relu -> conv, add the shortcut, relu")
