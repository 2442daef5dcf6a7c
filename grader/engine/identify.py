"""Known-wrong variants of every exercise function, and which one explains a wrong output.

When a student's output is wrong on a case, the grader asks :func:`identify`
whether one of the mistakes below reproduces it. Each :class:`Misconception`
pairs a wrong computation (``variant``, called exactly like the exercise
function) with one sentence in English and in Korean that names the mistake in
the lecture's own terms (필터 / filter, 패딩 / padding, stride, activation map,
bias, 지름길 / shortcut, ...).

Rules the table follows:

- Variants are self-contained NumPy: they never import the reference
  solutions, and they never modify their inputs (``identify`` hands them
  copies anyway).
- A variant that coincides with the reference on a case is not diagnostic
  there and is skipped.
- Order matters: ``identify`` returns the first match, so where two variants
  can produce the same output, the more specific one comes first.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = ["Misconception", "MISCONCEPTIONS", "for_function", "identify", "matching"]


@dataclass(frozen=True)
class Misconception:
    key: str  # stable id, "<function>.<mistake>"
    function: str  # the API function it belongs to
    en: str  # one sentence, English
    ko: str  # one sentence, Korean
    variant: Callable[..., object]  # the wrong computation; called as variant(**args)


# --------------------------------------------------------------------------
# Small building blocks (float64 throughout; the reference's rules, written once)
# --------------------------------------------------------------------------

def _f(a) -> np.ndarray:
    return np.asarray(a, dtype=np.float64)


def _relu(a: np.ndarray) -> np.ndarray:
    return np.maximum(a, 0.0)


def _sigmoid(a: np.ndarray) -> np.ndarray:
    # 1 / (1 + exp(-a)) without overflow: exp only ever sees a non-positive number.
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _pad(x: np.ndarray, before: int, after: int | None = None) -> np.ndarray:
    """Zero padding of the two spatial axes of an NCHW array."""
    after = before if after is None else after
    return np.pad(x, ((0, 0), (0, 0), (before, after), (before, after)))


def _windows(x: np.ndarray, size, stride: int, axes=(2, 3)) -> np.ndarray:
    """Sliding windows over two axes, stepped by stride; the window axes go last."""
    if isinstance(size, int):
        size = (size, size)
    view = sliding_window_view(x, size, axis=axes)
    index = [slice(None)] * x.ndim
    for axis in axes:
        index[axis] = slice(None, None, stride)
    return view[tuple(index)]


def _correlate(x: np.ndarray, w: np.ndarray, stride: int = 1) -> np.ndarray:
    """Cross-correlation of an already padded x (N, C, H, W) with w (F, C, HH, WW)."""
    return np.einsum("nchwij,fcij->nfhw", _windows(x, w.shape[2:], stride), w)


def _conv(x, w, b, stride: int = 1, padding: int = 0) -> np.ndarray:
    out = _correlate(_pad(_f(x), padding), _f(w), stride)
    return out + _f(b)[None, :, None, None]


def _crop_to_stride(full: np.ndarray, n: int, f: int, stride: int, padding: int = 0):
    """The top-left H' x W' corner of a stride-1 result: the window never moved by stride."""
    h = (n[0] - f[0] + 2 * padding) // stride + 1
    w = (n[1] - f[1] + 2 * padding) // stride + 1
    return full[:, :, :h, :w]


def _pool(x, size: int, stride: int, reduce, axes=(2, 3)) -> np.ndarray:
    return reduce(_windows(_f(x), size, stride, axes), axis=(-2, -1))


def _truncated_like(out: np.ndarray, x) -> np.ndarray:
    """out stored into an array of x's dtype: an integer x cuts the fractions off."""
    return out.astype(np.asarray(x).dtype)


# --------------------------------------------------------------------------
# exercise1 — output size, same padding, parameter count
# --------------------------------------------------------------------------

def _cos_missing_plus_one(n, f, stride=1, padding=0):
    return (n - f + 2 * padding) // stride


def _cos_single_padding(n, f, stride=1, padding=0):
    return (n - f + padding) // stride + 1


def _cos_padding_ignored(n, f, stride=1, padding=0):
    return (n - f) // stride + 1


def _cos_stride_ignored(n, f, stride=1, padding=0):
    return n - f + 2 * padding + 1


def _cos_true_division(n, f, stride=1, padding=0):
    return (n - f + 2 * padding) / stride + 1


def _cos_rounded_division(n, f, stride=1, padding=0):
    return round((n - f + 2 * padding) / stride) + 1


def _cos_ceil_division(n, f, stride=1, padding=0):
    return math.ceil((n - f + 2 * padding) / stride) + 1


def _sp_f_minus_one(f):
    return f - 1


def _sp_half_rounded_up(f):
    return (f + 1) // 2


def _sp_half_filter(f):
    return f / 2


def _pc_bias_forgotten(f, c_in, c_out, bias=True):
    return f * f * c_in * c_out


def _pc_bias_flag_ignored(f, c_in, c_out, bias=True):
    return (f * f * c_in + 1) * c_out


def _pc_bias_once(f, c_in, c_out, bias=True):
    return f * f * c_in * c_out + int(bool(bias))


def _pc_bias_per_input_channel(f, c_in, c_out, bias=True):
    return (f * f + int(bool(bias))) * c_in * c_out


def _pc_c_in_ignored(f, c_in, c_out, bias=True):
    return (f * f + int(bool(bias))) * c_out


def _pc_c_out_ignored(f, c_in, c_out, bias=True):
    return f * f * c_in + int(bool(bias))


def _pc_linear_filter_size(f, c_in, c_out, bias=True):
    return (f * c_in + int(bool(bias))) * c_out


# --------------------------------------------------------------------------
# exercise2 — convolution
# --------------------------------------------------------------------------

def _conv_integer_accumulator(x, w, b, stride=1, padding=0):
    return _truncated_like(_conv(x, w, b, stride, padding), x)


def _conv_kernel_flipped(x, w, b, stride=1, padding=0):
    return _conv(x, _f(w)[:, :, ::-1, ::-1], b, stride, padding)


def _conv_bias_forgotten(x, w, b, stride=1, padding=0):
    return _correlate(_pad(_f(x), padding), _f(w), stride)


def _conv_bias_per_channel(x, w, b, stride=1, padding=0):
    # bias added inside the loop over channels: C copies of b[f]
    channels = np.asarray(x).shape[1]
    return _conv(x, w, _f(b) * channels, stride, padding)


def _conv_bias_first_value_only(x, w, b, stride=1, padding=0):
    return _conv_bias_forgotten(x, w, b, stride, padding) + _f(b)[0]


def _conv_bias_wrong_axis(x, w, b, stride=1, padding=0):
    # `out + b` broadcasts b along the last (width) axis, not along the filters
    return _conv_bias_forgotten(x, w, b, stride, padding) + _f(b)


def _conv_padding_ignored(x, w, b, stride=1, padding=0):
    return _conv(x, w, b, stride, 0)


def _conv_padding_before_only(x, w, b, stride=1, padding=0):
    return _correlate(_pad(_f(x), padding, 0), _f(w), stride) + _f(b)[None, :, None, None]


def _conv_padding_after_only(x, w, b, stride=1, padding=0):
    return _correlate(_pad(_f(x), 0, padding), _f(w), stride) + _f(b)[None, :, None, None]


def _conv_window_not_strided(x, w, b, stride=1, padding=0):
    x, w = np.asarray(x), np.asarray(w)
    full = _conv(x, w, b, 1, padding)
    return _crop_to_stride(full, x.shape[2:], w.shape[2:], stride, padding)


def _conv_stride_ignored(x, w, b, stride=1, padding=0):
    return _conv(x, w, b, 1, padding)


def _conv_channels_not_summed(x, w, b, stride=1, padding=0):
    win = _windows(_pad(_f(x), padding), np.asarray(w).shape[2:], stride)
    out = np.einsum("nchwij,fcij->nfchw", win, _f(w))
    return out + _f(b)[None, :, None, None, None]


def _conv_first_channel_only(x, w, b, stride=1, padding=0):
    return _conv(_f(x)[:, :1], _f(w)[:, :1], b, stride, padding)


def _conv_first_batch_item_only(x, w, b, stride=1, padding=0):
    x = _f(x)
    first = _conv(x[:1], w, b, stride, padding)
    return np.repeat(first, x.shape[0], axis=0)


def _conv_height_width_swapped(x, w, b, stride=1, padding=0):
    return _conv(x, w, b, stride, padding).swapaxes(2, 3)


def _c1_integer_accumulator(x, w, b):
    return _truncated_like(_conv(x, _f(w)[:, :, None, None], b), x)


def _c1_weights_transposed(x, w, b):
    return _conv(x, _f(w).T[:, :, None, None], b)


def _c1_bias_forgotten(x, w, b):
    return np.einsum("nchw,fc->nfhw", _f(x), _f(w))


def _c1_bias_wrong_axis(x, w, b):
    return np.einsum("nchw,fc->nfhw", _f(x), _f(w)) + _f(b)


def _c1_reshape_without_transpose(x, w, b):
    # x.reshape(-1, C) without first moving C last mixes pixels into "channels"
    x, w = _f(x), _f(w)
    n, c, h, wd = x.shape
    rows = x.reshape(-1, c) @ w.T + _f(b)
    return rows.reshape(n, w.shape[0], h, wd)


# --------------------------------------------------------------------------
# exercise3 — pooling
# --------------------------------------------------------------------------

def _mp_size_stride_swapped(x, size=2, stride=2):
    return _pool(x, stride, size, np.max)


def _mp_window_not_strided(x, size=2, stride=2):
    x = np.asarray(x)
    full = _pool(x, size, 1, np.max)
    return _crop_to_stride(full, x.shape[2:], (size, size), stride)


def _mp_stride_ignored(x, size=2, stride=2):
    return _pool(x, size, 1, np.max)


def _mp_pooled_over_channels(x, size=2, stride=2):
    # windows over axes 1 and 2, as if the layout were NHWC
    return _pool(x, size, stride, np.max, axes=(1, 2))


def _mp_mean_instead_of_max(x, size=2, stride=2):
    return _pool(x, size, stride, np.mean)


def _mp_min_instead_of_max(x, size=2, stride=2):
    return _pool(x, size, stride, np.min)


def _ap_integer_accumulator(x, size=2, stride=2):
    return _truncated_like(_pool(x, size, stride, np.mean), x)


def _ap_max_instead_of_mean(x, size=2, stride=2):
    return _pool(x, size, stride, np.max)


def _ap_sum_instead_of_mean(x, size=2, stride=2):
    return _pool(x, size, stride, np.sum)


def _ap_divided_by_size(x, size=2, stride=2):
    return _pool(x, size, stride, np.sum) / size


def _ap_size_stride_swapped(x, size=2, stride=2):
    return _pool(x, stride, size, np.mean)


def _ap_stride_ignored(x, size=2, stride=2):
    return _pool(x, size, 1, np.mean)


def _gap_integer_accumulator(x):
    return _truncated_like(_f(x).mean(axis=(2, 3)), x)


def _gap_keepdims(x):
    return _f(x).mean(axis=(2, 3), keepdims=True)


def _gap_mean_over_channels_too(x):
    return _f(x).mean(axis=(1, 2, 3))


def _gap_mean_over_batch_too(x):
    return _f(x).mean(axis=(0, 2, 3))


def _gap_width_only(x):
    return _f(x).mean(axis=3)


def _gap_max_instead_of_mean(x):
    return _f(x).max(axis=(2, 3))


def _gap_sum_instead_of_mean(x):
    return _f(x).sum(axis=(2, 3))


# --------------------------------------------------------------------------
# exercise4 — ReLU and the residual block
# --------------------------------------------------------------------------

def _relu_abs(x):
    return np.abs(_f(x))


def _relu_leaky(x):
    x = _f(x)
    return np.where(x > 0, x, 0.01 * x)


def _relu_min_instead_of_max(x):
    return np.minimum(_f(x), 0.0)


def _relu_step(x):
    return (_f(x) > 0).astype(np.float64)


def _shortcut(x, stride, ws, bs, use_bias=True):
    if ws is None:
        return _f(x)
    ws = _f(ws)
    bias = np.zeros(ws.shape[0]) if bs is None or not use_bias else bs
    return _conv(x, ws, bias, stride, 0)


def _branch(x, w1, b1, w2, b2, s1, s2=1, relu1=True):
    h = _conv(x, w1, b1, s1, 1)
    if relu1:
        h = _relu(h)
    return _conv(h, w2, b2, s2, 1)


def _rb_final_relu_forgotten(x, w1, b1, w2, b2, stride=1, ws=None, bs=None):
    return _branch(x, w1, b1, w2, b2, stride) + _shortcut(x, stride, ws, bs)


def _rb_added_after_relu(x, w1, b1, w2, b2, stride=1, ws=None, bs=None):
    return _relu(_branch(x, w1, b1, w2, b2, stride)) + _shortcut(x, stride, ws, bs)


def _rb_second_conv_relu(x, w1, b1, w2, b2, stride=1, ws=None, bs=None):
    y = _relu(_branch(x, w1, b1, w2, b2, stride))
    return _relu(y + _shortcut(x, stride, ws, bs))


def _rb_shortcut_relu(x, w1, b1, w2, b2, stride=1, ws=None, bs=None):
    y = _branch(x, w1, b1, w2, b2, stride)
    return _relu(y + _relu(_shortcut(x, stride, ws, bs)))


def _rb_shortcut_missing(x, w1, b1, w2, b2, stride=1, ws=None, bs=None):
    return _relu(_branch(x, w1, b1, w2, b2, stride))


def _rb_first_relu_forgotten(x, w1, b1, w2, b2, stride=1, ws=None, bs=None):
    y = _branch(x, w1, b1, w2, b2, stride, relu1=False)
    return _relu(y + _shortcut(x, stride, ws, bs))


def _rb_stride_on_second_conv(x, w1, b1, w2, b2, stride=1, ws=None, bs=None):
    y = _branch(x, w1, b1, w2, b2, 1, stride)
    return _relu(y + _shortcut(x, stride, ws, bs))


def _rb_stride_on_both_convs(x, w1, b1, w2, b2, stride=1, ws=None, bs=None):
    y = _branch(x, w1, b1, w2, b2, stride, stride)
    return _relu(y + _shortcut(x, stride * stride, ws, bs))


def _rb_projection_bias_ignored(x, w1, b1, w2, b2, stride=1, ws=None, bs=None):
    y = _branch(x, w1, b1, w2, b2, stride)
    return _relu(y + _shortcut(x, stride, ws, bs, use_bias=False))


def _rb_projection_ignored(x, w1, b1, w2, b2, stride=1, ws=None, bs=None):
    return _relu(_branch(x, w1, b1, w2, b2, stride) + _f(x))


# --------------------------------------------------------------------------
# exercise5 — sigmoid and the squeeze-and-excitation block
# --------------------------------------------------------------------------

def _sig_sign_error(x):
    return 1.0 / (1.0 + np.exp(_f(x)))


def _sig_exp_ratio(x):
    # exp(x) / (1 + exp(x)) is inf / inf = NaN once exp overflows
    e = np.exp(_f(x))
    return e / (1.0 + e)


def _sig_tanh(x):
    return np.tanh(_f(x))


def _se_parts(x, w1, b1, w2, b2, squeeze=np.mean, act=_relu, gate=_sigmoid, transpose=True):
    x, w1, w2 = _f(x), _f(w1), _f(w2)
    s = squeeze(x, axis=(2, 3))
    if transpose:
        w1, w2 = w1.T, w2.T
    z = act(s @ w1 + _f(b1))
    e = gate(z @ w2 + _f(b2))
    return x, s, e


def _se_squeeze_max(x, w1, b1, w2, b2):
    x, _, e = _se_parts(x, w1, b1, w2, b2, squeeze=np.max)
    return x * e[:, :, None, None]


def _se_squeeze_sum(x, w1, b1, w2, b2):
    x, _, e = _se_parts(x, w1, b1, w2, b2, squeeze=np.sum)
    return x * e[:, :, None, None]


def _se_relu_forgotten(x, w1, b1, w2, b2):
    x, _, e = _se_parts(x, w1, b1, w2, b2, act=lambda a: a)
    return x * e[:, :, None, None]


def _se_sigmoid_forgotten(x, w1, b1, w2, b2):
    x, _, e = _se_parts(x, w1, b1, w2, b2, gate=lambda a: a)
    return x * e[:, :, None, None]


def _softmax_channels(a):
    a = a - a.max(axis=1, keepdims=True)
    e = np.exp(a)
    return e / e.sum(axis=1, keepdims=True)


def _se_softmax_gates(x, w1, b1, w2, b2):
    x, _, e = _se_parts(x, w1, b1, w2, b2, gate=_softmax_channels)
    return x * e[:, :, None, None]


def _se_weights_not_transposed(x, w1, b1, w2, b2):
    x, _, e = _se_parts(x, w1, b1, w2, b2, transpose=False)
    return x * e[:, :, None, None]


def _se_gates_not_reshaped(x, w1, b1, w2, b2):
    x, _, e = _se_parts(x, w1, b1, w2, b2)
    return x * e  # (N, C) lines up with (H, W), not with (N, C)


def _se_added_gates(x, w1, b1, w2, b2):
    x, _, e = _se_parts(x, w1, b1, w2, b2)
    return x + e[:, :, None, None]


def _se_scaled_squeeze(x, w1, b1, w2, b2):
    _, s, e = _se_parts(x, w1, b1, w2, b2)
    return s * e


def _se_returns_gates(x, w1, b1, w2, b2):
    return _se_parts(x, w1, b1, w2, b2)[2]


# --------------------------------------------------------------------------
# The table. Within a function, more specific variants come first.
# --------------------------------------------------------------------------

_M = Misconception

MISCONCEPTIONS: tuple[Misconception, ...] = (
    # conv_output_size
    _M("conv_output_size.missing_plus_one", "conv_output_size",
       "Forgot the +1 in the output size formula (N - F + 2P) / stride + 1, which counts the filter's first position.",
       "Output size 공식 (N - F + 2P) / stride + 1에서 필터 / filter의 첫 위치를 세는 +1을 빠뜨렸습니다.",
       _cos_missing_plus_one),
    _M("conv_output_size.single_padding", "conv_output_size",
       "Added the padding P only once, but zero padding goes on both sides, so the formula has 2P.",
       "0 padding은 양쪽에 붙으므로 공식에는 2P가 들어가는데 패딩 / padding P를 한 번만 더했습니다.",
       _cos_single_padding),
    _M("conv_output_size.padding_ignored", "conv_output_size",
       "Left the padding out of the output size: use (N - F + 2P) / stride + 1.",
       "Output size를 계산할 때 패딩 / padding을 빠뜨렸습니다: (N - F + 2P) / stride + 1을 쓰세요.",
       _cos_padding_ignored),
    _M("conv_output_size.stride_ignored", "conv_output_size",
       "Did not divide by the stride: the filter moves stride pixels at a time, so (N - F + 2P) is divided by the stride before adding 1.",
       "Stride로 나누지 않았습니다: 필터 / filter는 한 번에 stride칸씩 움직이므로 (N - F + 2P)를 stride로 나눈 뒤 1을 더합니다.",
       _cos_stride_ignored),
    _M("conv_output_size.true_division", "conv_output_size",
       "Used true division, so the output size is a fraction; a window that does not fit is dropped, so use floor division (//).",
       "나눗셈 결과를 그대로 써서 output size가 소수가 되었으니, 들어가지 않는 마지막 window는 버리도록 몫 (//)을 쓰세요.",
       _cos_true_division),
    _M("conv_output_size.rounded_division", "conv_output_size",
       "Rounded the division by the stride to the nearest integer instead of rounding down (floor).",
       "Stride로 나눈 값을 내림(floor)하지 않고 반올림했습니다.",
       _cos_rounded_division),
    _M("conv_output_size.ceil_division", "conv_output_size",
       "Rounded the division by the stride up (ceil); a partial window at the edge is dropped, so round down (floor).",
       "가장자리에서 다 들어가지 않는 window는 버리므로 내림(floor)해야 하는데 stride로 나눈 값을 올림(ceil)했습니다.",
       _cos_ceil_division),
    # same_padding
    _M("same_padding.f_minus_one", "same_padding",
       "Returned F - 1, the total padding of both sides; the padding per side is P = (F - 1) / 2.",
       "한쪽의 패딩 / padding은 P = (F - 1) / 2인데 양쪽 padding의 합인 F - 1을 반환했습니다.",
       _sp_f_minus_one),
    _M("same_padding.half_rounded_up", "same_padding",
       "Rounded F / 2 up; the padding that keeps the map size is P = (F - 1) / 2.",
       "Map size를 동일하게 유지하는 패딩 / padding은 P = (F - 1) / 2인데 F / 2를 올림했습니다.",
       _sp_half_rounded_up),
    _M("same_padding.half_filter", "same_padding",
       "Used F / 2 instead of P = (F - 1) / 2, which gives a fraction for odd F.",
       "P = (F - 1) / 2 대신 F / 2를 써서 홀수 F에서 소수가 나왔습니다.",
       _sp_half_filter),
    # conv_param_count
    _M("conv_param_count.bias_forgotten", "conv_param_count",
       "Forgot the bias: each filter has F x F x C_in weights plus one bias.",
       "Bias를 빠뜨렸습니다: 필터 / filter 하나는 F x F x C_in개의 가중치와 bias 1개를 가집니다.",
       _pc_bias_forgotten),
    _M("conv_param_count.bias_flag_ignored", "conv_param_count",
       "Counted a bias even though bias=False.",
       "bias=False인데도 bias를 세었습니다.",
       _pc_bias_flag_ignored),
    _M("conv_param_count.bias_once", "conv_param_count",
       "Counted the bias once for the whole layer; every filter has its own bias.",
       "필터 / filter마다 bias가 하나씩 있는데 bias를 layer 전체에 한 번만 세었습니다.",
       _pc_bias_once),
    _M("conv_param_count.bias_per_input_channel", "conv_param_count",
       "Counted one bias per input channel of each filter; a filter has a single bias after its dot product over all channels.",
       "모든 channel에 대한 dot product 뒤에 bias는 하나만 있는데 필터 / filter의 입력 channel마다 bias를 세었습니다.",
       _pc_bias_per_input_channel),
    _M("conv_param_count.c_in_ignored", "conv_param_count",
       "Ignored the input channels: a filter extends through the full depth of the input, F x F x C_in.",
       "입력 channel 수를 빠뜨렸습니다: 필터 / filter는 입력의 depth 전체에 걸쳐 F x F x C_in 크기입니다.",
       _pc_c_in_ignored),
    _M("conv_param_count.c_out_ignored", "conv_param_count",
       "Counted a single filter; the layer has C_out filters, each with its own weights and bias.",
       "Layer에는 각자 가중치와 bias를 가진 C_out개의 필터 / filter가 있는데 filter 하나만 세었습니다.",
       _pc_c_out_ignored),
    _M("conv_param_count.linear_filter_size", "conv_param_count",
       "Counted F weights per channel instead of F x F: the filter is square.",
       "Channel마다 F x F가 아닌 F개의 가중치를 세었습니다: 필터 / filter는 정사각형입니다.",
       _pc_linear_filter_size),
    # conv_forward
    _M("conv_forward.integer_accumulator", "conv_forward",
       "Stored the result in an array with the input's integer dtype, so the fractional parts were cut off.",
       "결과를 입력과 같은 정수 dtype 배열에 저장해서 소수 부분이 잘렸습니다.",
       _conv_integer_accumulator),
    _M("conv_forward.kernel_flipped", "conv_forward",
       "Flipped the filter (true convolution); the lecture's convolution layer takes the dot product with the filter as it is (cross-correlation).",
       "강의의 Convolution Layer는 필터 / filter를 그대로 두고 dot product를 하는데(cross-correlation) filter를 뒤집었습니다(수학적 convolution).",
       _conv_kernel_flipped),
    _M("conv_forward.bias_forgotten", "conv_forward",
       "Forgot to add the bias b[f] to every value of filter f's activation map.",
       "필터 / filter f의 activation map 모든 값에 bias b[f]를 더하는 것을 빠뜨렸습니다.",
       _conv_bias_forgotten),
    _M("conv_forward.bias_per_channel", "conv_forward",
       "Added the bias once per input channel; it is added once, after the dot product over all channels.",
       "Bias는 모든 channel에 대한 dot product 뒤에 한 번만 더하는데 입력 channel마다 더했습니다.",
       _conv_bias_per_channel),
    _M("conv_forward.bias_first_value_only", "conv_forward",
       "Added b[0] to every filter's map; filter f gets its own bias b[f].",
       "필터 / filter f에는 자기 bias b[f]를 더해야 하는데 모든 filter의 map에 b[0]을 더했습니다.",
       _conv_bias_first_value_only),
    _M("conv_forward.bias_wrong_axis", "conv_forward",
       "Broadcast the bias along the width axis (out + b) instead of along the filter axis (b[None, :, None, None]).",
       "Bias를 filter 축이 아닌 width 축으로 broadcast했습니다(out + b 대신 b[None, :, None, None]).",
       _conv_bias_wrong_axis),
    _M("conv_forward.padding_ignored", "conv_forward",
       "Ignored the padding: the input gets P rows and columns of zeros on every side before the filter slides.",
       "패딩 / padding을 무시했습니다: 필터 / filter를 움직이기 전에 입력의 네 변 모두에 0을 P줄씩 붙여야 합니다.",
       _conv_padding_ignored),
    _M("conv_forward.padding_before_only", "conv_forward",
       "Applied the padding on one side only (top and left); zero padding goes on all four sides.",
       "0 padding은 네 변 모두에 붙이는데 패딩 / padding을 한쪽(위, 왼쪽)에만 적용했습니다.",
       _conv_padding_before_only),
    _M("conv_forward.padding_after_only", "conv_forward",
       "Applied the padding on one side only (bottom and right); zero padding goes on all four sides.",
       "0 padding은 네 변 모두에 붙이는데 패딩 / padding을 한쪽(아래, 오른쪽)에만 적용했습니다.",
       _conv_padding_after_only),
    _M("conv_forward.window_not_strided", "conv_forward",
       "Sized the output for the stride but moved the window one pixel at a time; window (i, j) starts at (i * stride, j * stride).",
       "Output size는 stride에 맞췄지만 (i * stride, j * stride)에서 시작해야 할 (i, j)번째 window를 한 칸씩만 움직였습니다.",
       _conv_window_not_strided),
    _M("conv_forward.stride_ignored", "conv_forward",
       "Ignored the stride and slid the filter one pixel at a time.",
       "Stride를 무시하고 필터 / filter를 한 칸씩 움직였습니다.",
       _conv_stride_ignored),
    _M("conv_forward.channels_not_summed", "conv_forward",
       "Kept one map per input channel; a filter's dot product sums over all input channels into a single activation map.",
       "필터 / filter의 dot product는 모든 channel을 더해 activation map 하나를 만드는데 입력 channel마다 map을 따로 남겼습니다.",
       _conv_channels_not_summed),
    _M("conv_forward.first_channel_only", "conv_forward",
       "Used only the first input channel; the filter covers the full depth of the input.",
       "필터 / filter는 입력의 depth 전체를 덮는데 첫 번째 입력 channel만 사용했습니다.",
       _conv_first_channel_only),
    _M("conv_forward.first_batch_item_only", "conv_forward",
       "Used the first image of the batch (x[0]) for every output n.",
       "Batch의 모든 출력 n에 첫 번째 이미지 x[0]을 사용했습니다.",
       _conv_first_batch_item_only),
    _M("conv_forward.height_width_swapped", "conv_forward",
       "Swapped height and width: the layout is NCHW, so axis 2 is the height and axis 3 the width.",
       "Height와 width를 바꿨습니다: layout이 NCHW이므로 축 2가 height, 축 3이 width입니다.",
       _conv_height_width_swapped),
    # conv1x1_forward
    _M("conv1x1_forward.integer_accumulator", "conv1x1_forward",
       "Stored the result in an array with the input's integer dtype, so the fractional parts were cut off.",
       "결과를 입력과 같은 정수 dtype 배열에 저장해서 소수 부분이 잘렸습니다.",
       _c1_integer_accumulator),
    _M("conv1x1_forward.weights_transposed", "conv1x1_forward",
       "Mixed the channels with w.T; row f of w (F, C) holds filter f's weight for each input channel.",
       "w (F, C)의 f번째 행이 필터 / filter f의 channel별 가중치인데 w.T로 channel을 섞었습니다.",
       _c1_weights_transposed),
    _M("conv1x1_forward.bias_forgotten", "conv1x1_forward",
       "Forgot to add the bias b[f] to output channel f of the 1x1 convolution.",
       "1x1 convolution의 출력 channel f에 bias b[f]를 더하는 것을 빠뜨렸습니다.",
       _c1_bias_forgotten),
    _M("conv1x1_forward.bias_wrong_axis", "conv1x1_forward",
       "Broadcast the bias along the width axis (out + b) instead of along the channel axis.",
       "Bias를 channel 축이 아닌 width 축으로 broadcast했습니다(out + b).",
       _c1_bias_wrong_axis),
    _M("conv1x1_forward.reshape_without_transpose", "conv1x1_forward",
       "Reshaped the NCHW input to (pixels, channels) without first moving the channel axis last, which mixes pixels into channels.",
       "NCHW 입력을 channel 축을 마지막으로 옮기지 않고 (pixel, channel)로 reshape해서 pixel과 channel이 섞였습니다.",
       _c1_reshape_without_transpose),
    # max_pool_forward
    _M("max_pool_forward.size_stride_swapped", "max_pool_forward",
       "Swapped the window size and the stride.",
       "Pooling window 크기와 stride를 서로 바꿔 썼습니다.",
       _mp_size_stride_swapped),
    _M("max_pool_forward.window_not_strided", "max_pool_forward",
       "Sized the output for the stride but moved the pooling window one pixel at a time.",
       "Output size는 stride에 맞췄지만 pooling window를 한 칸씩 움직였습니다.",
       _mp_window_not_strided),
    _M("max_pool_forward.stride_ignored", "max_pool_forward",
       "Ignored the stride and moved the pooling window one pixel at a time, so nothing was downsampled.",
       "Stride를 무시하고 pooling window를 한 칸씩 움직여서 downsampling이 되지 않았습니다.",
       _mp_stride_ignored),
    _M("max_pool_forward.pooled_over_channels", "max_pool_forward",
       "Pooled over the channel and height axes as if the layout were NHWC; pooling acts on each activation map independently, over H and W, and the depth stays the same.",
       "Pooling은 각 activation map에 독립적으로 H, W 방향으로 작용하고 depth는 불변인데 layout을 NHWC처럼 보고 channel과 height 축에서 pooling했습니다.",
       _mp_pooled_over_channels),
    _M("max_pool_forward.mean_instead_of_max", "max_pool_forward",
       "Took the mean of each window; max pooling keeps only the maximum.",
       "Max Pooling은 Max값만 이용하는데 window의 평균을 구했습니다.",
       _mp_mean_instead_of_max),
    _M("max_pool_forward.min_instead_of_max", "max_pool_forward",
       "Took the minimum of each window; max pooling keeps the maximum.",
       "Max Pooling은 Max값만 이용하는데 window의 최솟값을 구했습니다.",
       _mp_min_instead_of_max),
    # avg_pool_forward
    _M("avg_pool_forward.integer_accumulator", "avg_pool_forward",
       "Stored the averages in an array with the input's integer dtype, so the fractional parts were cut off.",
       "평균을 입력과 같은 정수 dtype 배열에 저장해서 소수 부분이 잘렸습니다.",
       _ap_integer_accumulator),
    _M("avg_pool_forward.max_instead_of_mean", "avg_pool_forward",
       "Took the maximum of each window (max pooling); average pooling takes the mean.",
       "Average pooling은 평균을 구하는데 window의 최댓값을 구했습니다(Max Pooling).",
       _ap_max_instead_of_mean),
    _M("avg_pool_forward.sum_instead_of_mean", "avg_pool_forward",
       "Summed each window without dividing by the number of cells (size x size).",
       "Window의 합을 칸 수(size x size)로 나누지 않았습니다.",
       _ap_sum_instead_of_mean),
    _M("avg_pool_forward.divided_by_size", "avg_pool_forward",
       "Divided each window's sum by size instead of by its size x size cells.",
       "Window의 합을 size x size 칸 수가 아닌 size로 나눴습니다.",
       _ap_divided_by_size),
    _M("avg_pool_forward.size_stride_swapped", "avg_pool_forward",
       "Swapped the window size and the stride.",
       "Pooling window 크기와 stride를 서로 바꿔 썼습니다.",
       _ap_size_stride_swapped),
    _M("avg_pool_forward.stride_ignored", "avg_pool_forward",
       "Ignored the stride and moved the pooling window one pixel at a time, so nothing was downsampled.",
       "Stride를 무시하고 pooling window를 한 칸씩 움직여서 downsampling이 되지 않았습니다.",
       _ap_stride_ignored),
    # global_avg_pool
    _M("global_avg_pool.integer_accumulator", "global_avg_pool",
       "Stored the averages in an array with the input's integer dtype, so the fractional parts were cut off.",
       "평균을 입력과 같은 정수 dtype 배열에 저장해서 소수 부분이 잘렸습니다.",
       _gap_integer_accumulator),
    _M("global_avg_pool.keepdims", "global_avg_pool",
       "Returned shape (N, C, 1, 1); global average pooling turns the features into a vector of shape (N, C).",
       "Global Average Pooling은 feature를 (N, C) 벡터로 만드는데 (N, C, 1, 1) shape를 반환했습니다.",
       _gap_keepdims),
    _M("global_avg_pool.mean_over_channels_too", "global_avg_pool",
       "Averaged over the channels as well; each channel's activation map gets its own mean.",
       "각 channel의 activation map마다 평균을 따로 구해야 하는데 channel까지 평균을 냈습니다.",
       _gap_mean_over_channels_too),
    _M("global_avg_pool.mean_over_batch_too", "global_avg_pool",
       "Averaged over the batch as well; each image n keeps its own vector.",
       "이미지 n마다 자기 벡터를 가져야 하는데 batch까지 평균을 냈습니다.",
       _gap_mean_over_batch_too),
    _M("global_avg_pool.width_only", "global_avg_pool",
       "Averaged along the width only; the mean is over the whole H x W activation map.",
       "평균은 H x W activation map 전체에 대해 구하는데 width 방향으로만 평균을 냈습니다.",
       _gap_width_only),
    _M("global_avg_pool.max_instead_of_mean", "global_avg_pool",
       "Took the maximum of each activation map (global max pooling) instead of the mean.",
       "각 activation map의 평균 대신 최댓값을 구했습니다(global max pooling).",
       _gap_max_instead_of_mean),
    _M("global_avg_pool.sum_instead_of_mean", "global_avg_pool",
       "Summed each activation map without dividing by H x W.",
       "각 activation map의 합을 H x W로 나누지 않았습니다.",
       _gap_sum_instead_of_mean),
    # relu
    _M("relu.abs", "relu",
       "Took the absolute value; ReLU is max(x, 0), so negative inputs become 0.",
       "ReLU는 max(x, 0)이라 음수 입력은 0이 되는데 절댓값을 구했습니다.",
       _relu_abs),
    _M("relu.leaky", "relu",
       "Kept a small slope for negative inputs (leaky ReLU); ReLU sets them to 0.",
       "ReLU는 음수를 0으로 만드는데 음수 입력에 작은 기울기를 남겼습니다(leaky ReLU).",
       _relu_leaky),
    _M("relu.min_instead_of_max", "relu",
       "Took min(x, 0); ReLU is max(x, 0).",
       "ReLU는 max(x, 0)인데 min(x, 0)을 구했습니다.",
       _relu_min_instead_of_max),
    _M("relu.step", "relu",
       "Returned 1 where x > 0 (the step, ReLU's slope) instead of x itself.",
       "x > 0인 곳에서 x 대신 1(계단 함수, ReLU의 기울기)을 반환했습니다.",
       _relu_step),
    # residual_block_forward
    _M("residual_block_forward.projection_ignored", "residual_block_forward",
       "Added x itself although a projection shortcut ws was given; with ws the shortcut is the 1x1 convolution of x.",
       "ws가 있으면 지름길 / shortcut은 x의 1x1 convolution인데 x를 그대로 더했습니다.",
       _rb_projection_ignored),
    _M("residual_block_forward.projection_bias_ignored", "residual_block_forward",
       "Left out the projection shortcut's bias bs.",
       "Projection 지름길 / shortcut의 bias bs를 빠뜨렸습니다.",
       _rb_projection_bias_ignored),
    _M("residual_block_forward.final_relu_forgotten", "residual_block_forward",
       "Forgot the ReLU after adding the shortcut: out = relu(y + shortcut).",
       "지름길 / shortcut을 더한 뒤의 ReLU를 빠뜨렸습니다: out = relu(y + shortcut).",
       _rb_final_relu_forgotten),
    _M("residual_block_forward.added_after_relu", "residual_block_forward",
       "Applied the final ReLU before adding the shortcut instead of after: out = relu(y + shortcut).",
       "마지막 ReLU를 지름길 / shortcut을 더한 뒤가 아니라 더하기 전에 적용했습니다: out = relu(y + shortcut).",
       _rb_added_after_relu),
    _M("residual_block_forward.second_conv_relu", "residual_block_forward",
       "Applied a ReLU to the second convolution's output before adding the shortcut; y goes into the sum as it is.",
       "두 번째 convolution의 출력 y는 그대로 더해야 하는데 지름길 / shortcut을 더하기 전에 y에 ReLU를 적용했습니다.",
       _rb_second_conv_relu),
    _M("residual_block_forward.shortcut_relu", "residual_block_forward",
       "Applied a ReLU to the shortcut before the addition; the shortcut carries the input unchanged.",
       "지름길 / shortcut은 input을 그대로 전달하는데 더하기 전에 지름길에 ReLU를 적용했습니다.",
       _rb_shortcut_relu),
    _M("residual_block_forward.shortcut_missing", "residual_block_forward",
       "Left out the shortcut: the residual block adds its input to the output of the two convolutions.",
       "지름길 / shortcut을 빠뜨렸습니다: Residual block은 두 convolution의 output에 input을 더해 줍니다.",
       _rb_shortcut_missing),
    _M("residual_block_forward.first_relu_forgotten", "residual_block_forward",
       "Forgot the ReLU between the two convolutions.",
       "두 convolution 사이의 ReLU를 빠뜨렸습니다.",
       _rb_first_relu_forgotten),
    _M("residual_block_forward.stride_on_second_conv", "residual_block_forward",
       "Applied the stride in the second convolution instead of the first.",
       "Stride를 첫 번째가 아니라 두 번째 convolution에 적용했습니다.",
       _rb_stride_on_second_conv),
    _M("residual_block_forward.stride_on_both_convs", "residual_block_forward",
       "Applied the stride in both convolutions; only the first one downsamples, the second uses stride 1.",
       "첫 번째 convolution만 downsampling하고 두 번째는 stride 1인데 stride를 두 convolution 모두에 적용했습니다.",
       _rb_stride_on_both_convs),
    # sigmoid
    _M("sigmoid.sign_error", "sigmoid",
       "Wrote 1 / (1 + exp(x)); the sigmoid is 1 / (1 + exp(-x)).",
       "Sigmoid는 1 / (1 + exp(-x))인데 1 / (1 + exp(x))로 썼습니다.",
       _sig_sign_error),
    _M("sigmoid.exp_ratio_overflow", "sigmoid",
       "Computed exp(x) / (1 + exp(x)), which overflows to inf / inf = NaN for large x.",
       "exp(x) / (1 + exp(x))로 계산해서 큰 x에서 inf / inf = NaN이 되었습니다.",
       _sig_exp_ratio),
    _M("sigmoid.tanh", "sigmoid",
       "Used tanh, whose values lie in [-1, 1]; the sigmoid 1 / (1 + exp(-x)) lies in [0, 1].",
       "Sigmoid 1 / (1 + exp(-x))의 값은 [0, 1]인데 값이 [-1, 1]인 tanh를 썼습니다.",
       _sig_tanh),
    # se_block_forward
    _M("se_block_forward.squeeze_max", "se_block_forward",
       "Squeezed with the maximum of each map; the squeeze is global average pooling.",
       "Squeeze는 Global Average Pooling인데 각 map의 최댓값을 썼습니다.",
       _se_squeeze_max),
    _M("se_block_forward.squeeze_sum", "se_block_forward",
       "Squeezed with the sum of each map without dividing by H x W; the squeeze is global average pooling.",
       "Squeeze는 Global Average Pooling인데 각 map의 합을 H x W로 나누지 않았습니다.",
       _se_squeeze_sum),
    _M("se_block_forward.relu_forgotten", "se_block_forward",
       "Forgot the ReLU after the first fully connected layer of the excitation.",
       "Excitation의 첫 번째 FC layer 뒤의 ReLU를 빠뜨렸습니다.",
       _se_relu_forgotten),
    _M("se_block_forward.sigmoid_forgotten", "se_block_forward",
       "Forgot the sigmoid, so the channel gates are not squashed into [0, 1].",
       "Sigmoid를 빠뜨려서 channel별 가중치가 [0, 1]로 눌리지 않았습니다.",
       _se_sigmoid_forgotten),
    _M("se_block_forward.softmax_gates", "se_block_forward",
       "Used a softmax over the channels; each channel gate is its own sigmoid.",
       "각 channel의 가중치는 각자 sigmoid를 거치는데 channel에 대해 softmax를 썼습니다.",
       _se_softmax_gates),
    _M("se_block_forward.weights_not_transposed", "se_block_forward",
       "Multiplied by w1 and w2 without transposing; like PyTorch's Linear they are (out_features, in_features), so use s @ w1.T.",
       "w1, w2는 PyTorch의 Linear처럼 (out_features, in_features)라서 s @ w1.T로 곱해야 하는데 전치하지 않고 곱했습니다.",
       _se_weights_not_transposed),
    _M("se_block_forward.gates_not_reshaped", "se_block_forward",
       "Multiplied x by the (N, C) gates directly, which broadcasts them over the H and W axes; reshape them to (N, C, 1, 1).",
       "(N, C) 가중치를 (N, C, 1, 1)로 바꾸지 않고 x에 곱해서 H, W 축으로 broadcast되었습니다.",
       _se_gates_not_reshaped),
    _M("se_block_forward.added_gates", "se_block_forward",
       "Added the channel gates to x; recalibration multiplies each channel by its gate.",
       "재보정은 각 channel에 가중치를 곱하는데 channel별 가중치를 x에 더했습니다.",
       _se_added_gates),
    _M("se_block_forward.scaled_squeeze", "se_block_forward",
       "Scaled the squeezed vector instead of x; the gates recalibrate the feature maps x.",
       "가중치는 feature map x를 재보정하는데 x 대신 squeeze한 벡터에 곱했습니다.",
       _se_scaled_squeeze),
    _M("se_block_forward.returns_gates", "se_block_forward",
       "Returned the channel gates without recalibrating x with them.",
       "Channel별 가중치만 반환하고 x를 재보정하지 않았습니다.",
       _se_returns_gates),
)


def for_function(function: str) -> tuple[Misconception, ...]:
    """The misconceptions of one API function, in identification order."""
    return tuple(m for m in MISCONCEPTIONS if m.function == function)


# --------------------------------------------------------------------------
# Identification
# --------------------------------------------------------------------------

def _numeric(value) -> np.ndarray | None:
    """value as a numeric ndarray, or None when it is not a number or a numeric array."""
    if isinstance(value, np.ndarray):
        arr = value
    elif isinstance(value, (bool, np.bool_)):
        return None
    elif isinstance(value, (int, float, np.integer, np.floating)):
        arr = np.asarray(value)
    else:
        return None
    if arr.dtype.kind not in "biuf":
        return None
    if arr.dtype.kind == "b" and arr.ndim == 0:
        return None
    return arr


def _same(a: np.ndarray, ref: np.ndarray, rtol: float, atol: float) -> bool:
    """a matches ref: same shape, and |a - ref| <= atol + rtol * max(|ref|, 1) everywhere."""
    if a.shape != ref.shape:
        return False
    if a.dtype.kind in "iu" and ref.dtype.kind in "iu":
        return bool(np.array_equal(a, ref))
    a = a.astype(np.float64)
    ref = ref.astype(np.float64)
    with np.errstate(all="ignore"):
        close = np.abs(a - ref) <= atol + rtol * np.maximum(np.abs(ref), 1.0)
        close |= a == ref  # equal infinities
        close |= np.isnan(a) & np.isnan(ref)
    return bool(close.all())


def _copy_args(args: dict) -> dict:
    return {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in args.items()}


def identify(function: str, args: dict, got, expected, *, rtol=1e-5, atol=1e-6) -> Misconception | None:
    """The first misconception of `function` whose variant reproduces `got` on `args`.

    A variant counts when its output has got's shape, matches got within
    |got - v| <= atol + rtol * max(|v|, 1) (exactly for integers), and differs
    from `expected` on this case. Returns None when nothing matches, when got
    is already correct, or when got is not a number or a numeric array.
    Never raises.
    """
    found = matching(function, args, got, expected, rtol=rtol, atol=atol)
    return found[0] if found else None


def matching(function: str, args: dict, got, expected, *, rtol=1e-5, atol=1e-6) -> list[Misconception]:
    """Every misconception that reproduces `got` (see `identify`), in table order. Never raises."""
    found: list[Misconception] = []
    try:
        got_arr = _numeric(got)
        if got_arr is None or not isinstance(args, dict):
            return []
        expected_arr = _numeric(expected)
        if expected_arr is not None and _same(got_arr, expected_arr, rtol, atol):
            return []
        for m in for_function(function):
            try:
                with np.errstate(all="ignore"):
                    out = m.variant(**_copy_args(args))
            except Exception:
                continue
            out_arr = _numeric(out)
            if out_arr is None or not _same(got_arr, out_arr, rtol, atol):
                continue
            if expected_arr is not None and _same(expected_arr, out_arr, rtol, atol):
                continue  # coincides with the reference here: not diagnostic
            found.append(m)
    except Exception:
        return found
    return found
