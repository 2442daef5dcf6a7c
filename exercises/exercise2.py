"""Exercise 2 — Convolution Layer forward pass and the 1x1 convolution.

Lecture: "slide over the image spatially and compute dot products at every
spatial location". Layout is NCHW like PyTorch: x is (N, C, H, W) and the
filters (필터) are (F, C, HH, WW). As in every deep learning framework the
filter is NOT flipped (cross-correlation). 패딩 (padding) is zeros, the same
on all four sides.

    Output size = (N - F + 2P) / stride + 1

Aim for a vectorised version (numpy.lib.stride_tricks.sliding_window_view
and one matrix product), but a correct loop is a fine first step.
Return float64 arrays, also for integer inputs.
"""

import numpy as np


def conv_forward(x, w, b, stride=1, padding=0):
    """Forward pass of a convolution layer.

    Inputs:
    - x: input data of shape (N, C, H, W)
    - w: filters (필터) of shape (F, C, HH, WW)
    - b: biases of shape (F,), one per filter
    - stride: 스트라이드, pixels between neighbouring filter positions, >= 1
    - padding: 패딩, zeros added on all four sides, >= 0

    Returns out of shape (N, F, H', W'), float64, where
        H' = (H - HH + 2 * padding) // stride + 1
        W' = (W - WW + 2 * padding) // stride + 1
        out[n, f, i, j] = sum(xpad[n, :, i*stride:i*stride+HH, j*stride:j*stride+WW] * w[f]) + b[f]
    with xpad the zero-padded x.

    Raise ValueError if x or w is not 4-D, their channel counts differ, b's
    shape is not exactly (F,), stride < 1, padding < 0, or the filter does
    not fit the padded input.

    Hint (lecture): for the 5x5 input image
        [[1,2,3,4,5],[2,1,0,1,2],[3,0,1,1,0],[1,4,1,1,2],[2,1,1,0,0]]
    and the 3x3 filter [[1,0,1],[1,0,1],[0,1,0]] (as x of shape (1,1,5,5),
    w of shape (1,1,3,3), b = np.zeros(1)), stride 1 gives the activation map
    [[6,9,11],[10,4,4],[7,7,4]] and stride 2 gives [[6,11],[7,4]].
    """
    raise NotImplementedError("conv_forward: slide each filter over the padded input and take dot products")


def conv1x1_forward(x, w, b):
    """A 1x1 convolution: channel 수 조절 (changes the number of channels).

    Inputs:
    - x: input data of shape (N, C, H, W)
    - w: weights of shape (F, C), one row per output channel
    - b: biases of shape (F,)

    Returns out of shape (N, F, H, W), float64:
        out[n, f, i, j] = sum_c w[f, c] * x[n, c, i, j] + b[f]
    the same as conv_forward(x, w[:, :, None, None], b); H and W do not change.

    Raise ValueError if x is not 4-D, w is not 2-D with C columns, or b's
    shape is not exactly (F,).

    Hint: with w = np.ones((1, C)) and b = np.zeros(1), out[:, 0] is the sum
    of x over its channels.
    """
    raise NotImplementedError("conv1x1_forward: mix the C channels of every pixel with w")
