"""Exercise 6 — the FC layer, and the FC layer as a convolution (FC layer to Conv layer).

Lecture: Fully Connected Layer. A 32x32x3 image is stretched to a 3072 x 1
vector and every output unit is one dot product with a row of W: 10 x 3072
weights give 10 numbers (class scores).

Lecture: "FC layer의 W를 conv layer의 filter로 변환". An FC layer that looks at a
whole C x H x W input is a convolution whose filters are exactly C x H x W:
row m of W, reshaped to (C, H, W), is filter m, and the output is 1 x 1.
Given a larger image, that convolution slides the classifier over every
window in one forward pass ("1 forward pass => image sliding").

Conventions (as in PyTorch's Linear and exercise 5): w is (M, D) =
(out_features, in_features); x (N, C, H, W) is flattened in C, H, W order,
i.e. x.reshape(N, -1).

You may use your own conv_forward (exercise 2):

    from exercises.exercise2 import conv_forward
"""

import numpy as np


def fc_forward(x, w, b):
    """Forward pass of a fully connected layer.

    Inputs:
    - x: input data of shape (N, C, H, W) or (N, D)
    - w: weights of shape (M, D), D = C*H*W (out_features, in_features)
    - b: biases of shape (M,)

    Returns out of shape (N, M), float64:
        flat = x.reshape(N, -1)        # (N, D), C, H, W order
        out  = flat @ w.T + b          # out[n, m] = sum_d flat[n, d] * w[m, d] + b[m]

    Raise ValueError if x is not 2-D or 4-D, D != w.shape[1], or b's shape is
    not exactly (M,).

    Example (the lecture's 5x5 grid): the top-left 3x3 window of the grid,
        x = [[1, 2, 3],
             [2, 1, 0],
             [3, 0, 1]]            as (1, 1, 3, 3), flattened [1, 2, 3, 2, 1, 0, 3, 0, 1]
    with the lecture's filter as one row of w,
        w = [[1, 0, 1, 1, 0, 1, 0, 1, 0]]   (1, 9),   b = [0]
    gives [[6]]: the same dot product as the first value of the convolution.

    Hint: the shapes say it all: (N, D) @ (D, M) is (N, M), so use w.T.
    """
    raise NotImplementedError("fc_forward: flatten x to (N, D), then flat @ w.T + b")


def fc_to_conv(w, b, input_shape):
    """Turn the FC layer's weights into conv filters that cover the whole input.

    Inputs:
    - w: FC weights of shape (M, D)
    - b: FC biases of shape (M,)
    - input_shape: (C, H, W), the shape of one input, with C*H*W == D

    Returns a tuple (w_conv, b_conv) of NEW arrays (copies, not views of w or b):
    - w_conv: (M, C, H, W), one filter per output unit: w_conv[m] = w[m] reshaped to (C, H, W)
    - b_conv: (M,), the same biases
    They may keep the input dtypes (nothing is computed, values are compared
    exactly). For every x of shape (N, C, H, W):
        conv_forward(x, w_conv, b_conv) == fc_forward(x, w, b)[:, :, None, None]

    Raise ValueError if w is not 2-D, input_shape is not three sizes >= 1,
    C*H*W != w.shape[1], or b's shape is not exactly (M,).

    Example (lecture): an FC layer with 4096 outputs on a 7x7x512 activation
    volume has w of shape (4096, 25088) and becomes 4096 filters of
    shape (512, 7, 7). Small: w = [[1, 0, 1, 1, 0, 1, 0, 1, 0]], input_shape
    (1, 3, 3) gives the lecture's filter [[1, 0, 1], [1, 0, 1], [0, 1, 0]].

    Hint: x.reshape(N, -1) walks C, then H, then W; undo it the same way.
    """
    raise NotImplementedError("fc_to_conv: reshape each row of w to (C, H, W) and copy b")


def fc_score_map(x, w, b, window, stride=1):
    """Class scores for every window of a larger input, in one convolution.

    Inputs:
    - x: input data of shape (N, C, H2, W2), with H2 >= H and W2 >= W
    - w: FC weights of shape (M, C*H*W), made for inputs of shape (C, H, W); b: (M,)
    - window: (H, W)
    - stride: pixels between neighbouring windows, >= 1

    Returns out of shape (N, M, H', W'), float64, with
        H' = (H2 - H) // stride + 1,   W' = (W2 - W) // stride + 1
        out[n, :, i, j] == fc_forward(x[n:n+1, :, i*stride:i*stride+H, j*stride:j*stride+W], w, b)[0]
    i.e. conv_forward(x, w_conv, b_conv, stride=stride) with fc_to_conv's filters.

    Raise ValueError if x is not 4-D, window is not two sizes >= 1, stride < 1,
    the window does not fit x, or w (C*H*W columns) and b ((M,)) do not agree
    with x and window.

    Example (the lecture's 5x5 grid): with w = [[1, 0, 1, 1, 0, 1, 0, 1, 0]]
    (the lecture's 3x3 filter as one FC row), b = [0] and window (3, 3),
        fc_score_map(grid, w, b, (3, 3))           == [[[[ 6,  9, 11],
                                                         [10,  4,  4],
                                                         [ 7,  7,  4]]]]
        fc_score_map(grid, w, b, (3, 3), stride=2) == [[[[6, 11],
                                                         [7,  4]]]]
    the lecture's convolution: 9 windows scored by one forward pass.

    Hint: fc_to_conv(w, b, (C, H, W)) and one conv_forward; no loop over windows needed.
    """
    raise NotImplementedError("fc_score_map: convert with fc_to_conv, then one conv_forward with the stride")
