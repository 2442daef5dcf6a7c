"""Exercise 5 — SENet: the SE 블록 (squeeze-and-excitation block).

Lecture: SENet recalibrates the features a convolution produced, weighing
each channel by its importance (채널 당 중요도를 고려하여 재보정).

    squeeze     s   = global average pooling of each channel      (N, C)
    excitation  e   = sigmoid(W2 relu(W1 s + b1) + b2)             (N, C), in [0, 1]
    scale       out = x * e, one gate per channel                  (N, C, H, W)

Use your own global_avg_pool (exercise 3) and relu (exercise 4), imported below.
"""

import numpy as np

from exercises.exercise3 import global_avg_pool
from exercises.exercise4 import relu


def sigmoid(x):
    """Logistic sigmoid, elementwise: 1 / (1 + exp(-x)).

    Inputs:
    - x: array of any shape

    Returns a float64 ndarray of the same shape, values in [0, 1].

    It must be numerically stable: for |x| up to 1000, np.exp(-x) overflows
    and NumPy warns. Compute exp of -|x| only (it is at most 1) and pick
        1 / (1 + e)  where x >= 0,     e / (1 + e)  where x < 0,   e = exp(-|x|)
    No RuntimeWarning (overflow, invalid value, division) may be emitted.

    Hint: sigmoid(0) == 0.5, sigmoid(1000) == 1.0, sigmoid(-1000) == 0.0.
    """
    raise NotImplementedError("sigmoid: 1 / (1 + exp(-x)) without overflow")


def se_block_forward(x, w1, b1, w2, b2):
    """Forward pass of an SE block (squeeze, excitation, scale).

    Inputs (weights laid out like PyTorch's Linear: (out_features, in_features)):
    - x: input data of shape (N, C, H, W)
    - w1: weights of shape (C_r, C), C_r >= 1; b1: biases (C_r,)
    - w2: weights of shape (C, C_r); b2: biases (C,)

    Returns out of shape (N, C, H, W), float64:
        s   = global_avg_pool(x)            # squeeze       (N, C)
        z   = relu(s @ w1.T + b1)           # excitation    (N, C_r)
        e   = sigmoid(z @ w2.T + b2)        # channel gates (N, C), in [0, 1]
        out = x * e[:, :, None, None]       # recalibrate   (N, C, H, W)

    Raise ValueError if x is not 4-D or a weight or bias does not have the
    shape above.

    Hint: with all weights and biases zero every gate is sigmoid(0) = 0.5,
    so out == x / 2.
    """
    raise NotImplementedError("se_block_forward: squeeze with global_avg_pool, excite with relu and sigmoid, scale x")
