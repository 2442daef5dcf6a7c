"""Exercise 1: output size, padding and parameter count of a conv layer.

Lecture: "Activation map의 size" and Padding.

    output size = (N - F + 2P) / stride + 1      (출력 크기)
    same padding  P = (F - 1) / 2                 (패딩 that keeps N at stride 1)
    parameters  = (F * F * C_in + 1) * C_out      (weights + one bias per filter)

The division in the output size is a floor, as in PyTorch: an incomplete
window at the border is dropped.
"""

import numpy as np


def _require_int(name, value, minimum):
    """Return ``value`` as a Python int, or raise ValueError if it is not an
    integer (bools excluded) or is below ``minimum``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer, got {value!r}.")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}.")
    return int(value)


def conv_output_size(n: int, f: int, stride: int = 1, padding: int = 0) -> int:
    """Spatial output size of an f-wide window sliding over an n-wide input.

    Inputs:
    - n: input size along one spatial axis (height or width), n >= 1
    - f: filter (or pooling window) size along that axis, f >= 1
    - stride: step between window positions, >= 1
    - padding: zeros added on each side, >= 0

    Returns an int:
        out = (n - f + 2 * padding) // stride + 1

    Raises ValueError if a size is out of range or the window does not fit
    the padded input (f > n + 2 * padding).

    Example (lecture): conv_output_size(32, 7) == 26,
    conv_output_size(7, 3, padding=1) == 7, conv_output_size(5, 3, stride=2) == 2.
    """
    n = _require_int("n", n, 1)
    f = _require_int("f", f, 1)
    stride = _require_int("stride", stride, 1)
    padding = _require_int("padding", padding, 0)
    if f > n + 2 * padding:
        raise ValueError(
            f"a window of size {f} does not fit an input of size {n} "
            f"with padding {padding} (needs f <= n + 2 * padding = {n + 2 * padding})."
        )
    return (n - f + 2 * padding) // stride + 1


def same_padding(f: int) -> int:
    """Zero padding that keeps the output size equal to the input size at stride 1.

    Inputs:
    - f: filter size, odd and >= 1

    Returns an int: P = (f - 1) // 2, from N - F + 2P + 1 = N.

    Raises ValueError if f < 1 or f is even (no symmetric padding works).

    Example (lecture): same_padding(3) == 1, same_padding(5) == 2.
    """
    f = _require_int("f", f, 1)
    if f % 2 == 0:
        raise ValueError(
            f"filter size {f} is even, so no symmetric 'same' padding exists; use an odd size."
        )
    return (f - 1) // 2


def conv_param_count(f: int, c_in: int, c_out: int, bias: bool = True) -> int:
    """Number of learnable parameters of a conv layer.

    Inputs:
    - f: filter size (filters are f x f x c_in), >= 1
    - c_in: input channels, >= 1
    - c_out: output channels = number of filters, >= 1
    - bias: whether each filter has a bias

    Returns an int: (f * f * c_in + (1 if bias else 0)) * c_out.

    Raises ValueError on any size < 1.

    Example (lecture): conv_param_count(3, 1, 1) == 10 (3x3 dot product + bias).
    """
    f = _require_int("f", f, 1)
    c_in = _require_int("c_in", c_in, 1)
    c_out = _require_int("c_out", c_out, 1)
    return (f * f * c_in + (1 if bias else 0)) * c_out
