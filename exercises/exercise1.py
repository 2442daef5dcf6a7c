"""Exercise 1 — 출력 크기 (output size), 패딩 (padding), parameter count.

Lecture: "Activation map의 size는 어떻게 계산?" and Padding.

    Output size = (N - F + 2P) / stride + 1
    Padding that keeps the map size:  N - F + 2P + 1 = N  ->  P = (F - 1) / 2
    Parameter 개수 = F x F x C_in (dot product 차원) + bias, for each filter

Return integers (use ``//``, not ``/``), and raise ``ValueError`` with a short
message for invalid arguments.
"""


def conv_output_size(n: int, f: int, stride: int = 1, padding: int = 0) -> int:
    """출력 크기 (output size) of an f-wide filter sliding over an n-wide input.

    Inputs:
    - n: input size along one spatial axis (N in the lecture), n >= 1
    - f: filter size along that axis (F, 필터 크기), f >= 1
    - stride: 스트라이드, step between filter positions, >= 1
    - padding: 패딩, zeros added on each side (P), >= 0

    Returns an int:
        out = (n - f + 2 * padding) // stride + 1
    The division is a floor, as in PyTorch: a window that would run off the
    edge is dropped.

    Raise ValueError if n < 1, f < 1, stride < 1, padding < 0, or the filter
    does not fit the padded input (f > n + 2 * padding).

    Hint (lecture): a 32x32x3 input with 7x7 filters at stride 1 gives 26;
    7x7 with a 3x3 filter, stride 1, padding 1 gives 7 (size kept);
    5x5 with a 3x3 filter at stride 2 gives 2.
    """
    raise NotImplementedError("conv_output_size: compute (n - f + 2*padding) // stride + 1")


def same_padding(f: int) -> int:
    """Padding (패딩) that keeps the output size equal to the input size at stride 1.

    Inputs:
    - f: filter size, odd, >= 1

    Returns an int: P = (f - 1) // 2, from N - F + 2P + 1 = N.

    Raise ValueError if f < 1 or f is even (no symmetric "same" padding exists).

    Hint (lecture): same_padding(3) == 1, same_padding(5) == 2.
    """
    raise NotImplementedError("same_padding: compute (f - 1) // 2 for an odd filter size f")


def conv_param_count(f: int, c_in: int, c_out: int, bias: bool = True) -> int:
    """Parameter 개수 (learnable parameters) of a conv layer.

    Inputs:
    - f: filter size; each filter is f x f x c_in, f >= 1
    - c_in: input channels, >= 1
    - c_out: output channels = number of filters (필터 개수), >= 1
    - bias: whether each filter has one bias

    Returns an int: (f * f * c_in + (1 if bias else 0)) * c_out.

    Raise ValueError on any size < 1.

    Hint (lecture): conv_param_count(3, 1, 1) == 10 (3x3 dot product + bias).
    """
    raise NotImplementedError("conv_param_count: count f*f*c_in weights (+1 bias) per filter, times c_out")
