"""Exercise 3 — 풀링 (pooling): Max Pooling, Average Pooling, Global Average Pooling.

Lecture: a pooling layer downsamples each activation map independently:
the depth (channels) is unchanged and there is no padding (Padding X).

    Output size = (H - size) / stride + 1     (the conv formula with P = 0)
"""

import numpy as np


def max_pool_forward(x, size=2, stride=2):
    """Max pooling: keep the largest value of every size x size window (Max값만 이용).

    Inputs:
    - x: input data of shape (N, C, H, W)
    - size: window height and width, >= 1
    - stride: 스트라이드 between windows, >= 1

    Returns out of shape (N, C, H', W'), where
        H' = (H - size) // stride + 1,  W' = (W - size) // stride + 1
        out[n, c, i, j] = max(x[n, c, i*stride:i*stride+size, j*stride:j*stride+size])
    An integer input may keep its dtype.

    Raise ValueError if x is not 4-D, size < 1, stride < 1, or the window
    does not fit (size > H or size > W).

    Hint (lecture): max pool with 2x2 filters and stride 2 of the single
    depth slice [[1,1,2,4],[5,6,7,8],[3,2,1,0],[1,2,3,4]] gives [[6,8],[3,4]].
    """
    raise NotImplementedError("max_pool_forward: take the max over every size x size window")


def avg_pool_forward(x, size=2, stride=2):
    """Average pooling: the mean of every size x size window.

    Inputs and output shape as max_pool_forward; return float64:
        out[n, c, i, j] = mean(x[n, c, i*stride:i*stride+size, j*stride:j*stride+size])

    Raise ValueError in the same cases as max_pool_forward.

    Hint: on the lecture's slice [[1,1,2,4],[5,6,7,8],[3,2,1,0],[1,2,3,4]]
    2x2 windows at stride 2 give [[3.25,5.25],[2,2]].
    """
    raise NotImplementedError("avg_pool_forward: take the mean over every size x size window")


def global_avg_pool(x):
    """Global Average Pooling: one number per activation map
    (feature를 1차원 벡터로 만들기 위함 — turns the features into a vector).

    Inputs:
    - x: input data of shape (N, C, H, W)

    Returns out of shape (N, C), float64: out[n, c] = mean(x[n, c, :, :]).

    Raise ValueError if x is not 4-D.

    Hint: the lecture's 4x4 slice above averages to 3.125.
    """
    raise NotImplementedError("global_avg_pool: average each (H, W) map")
