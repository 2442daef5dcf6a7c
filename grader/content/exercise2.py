"""Exercise 2: convolution forward pass (lecture: Convolution Layer, 1x1 convolution).

conv_forward: x (N, C, H, W), w (F, C, HH, WW), b (F,) -> (N, F, H', W'), cross-correlation.
conv1x1_forward: x (N, C, H, W), w (F, C), b (F,) -> (N, F, H, W), channel mixing.
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from grader.content import kit
from grader.content.kit import Example, floats, grid, ints

FUNCTIONS = (
    kit.Function("conv_forward", ("x", "w", "b", "stride", "padding"), ("x", "w", "b"), "array",
                 defaults=(("stride", 1), ("padding", 0))),
    kit.Function("conv1x1_forward", ("x", "w", "b"), ("x", "w", "b"), "array"),
)

LECTURE = {
    "conv_forward": [
        Example("5x5 grid * 3x3 filter, stride 1", "5x5 격자 * 3x3 필터, stride 1",
                dict(x=grid(kit.LECTURE_X), w=grid(kit.LECTURE_W), b=np.zeros(1), stride=1, padding=0)),
        Example("5x5 grid * 3x3 filter, stride 2", "5x5 격자 * 3x3 필터, stride 2",
                dict(x=grid(kit.LECTURE_X), w=grid(kit.LECTURE_W), b=np.zeros(1), stride=2, padding=0)),
    ],
}


def _conv_edges() -> list[Example]:
    e = [
        Example("stride 2 with padding 1, N=2, C=3, non-square 7x5, 4 filters",
                "stride 2와 padding 1, N=2, C=3, 정사각형이 아닌 7x5, 필터 4개",
                dict(x=floats("a", 2, 3, 7, 5), w=floats("b", 4, 3, 3, 3), b=floats("c", 4), stride=2, padding=1)),
        Example("N=3, C=2, non-square 6x4 input, non-square 3x2 filter", "N=3, C=2, 정사각형이 아닌 6x4 입력과 3x2 필터",
                dict(x=floats("d", 3, 2, 6, 4), w=floats("e", 2, 2, 3, 2), b=floats("f", 2), stride=1, padding=0)),
        Example("1x1 filters over 3 channels", "채널 3개에 대한 1x1 필터",
                dict(x=floats("g", 2, 3, 4, 5), w=floats("h", 2, 3, 1, 1), b=floats("i", 2), stride=1, padding=0)),
        Example("filter as large as the padded input (3x4 input, padding 1, 5x6 filter)",
                "padding된 입력만큼 큰 필터 (3x4 입력, padding 1, 5x6 필터)",
                dict(x=floats("j", 1, 2, 3, 4), w=floats("k", 2, 2, 5, 6), b=floats("l", 2), stride=1, padding=1)),
        Example("integer inputs (int64 x, w and b)", "정수 입력 (int64 x, w, b)",
                dict(x=ints("m", 2, 2, 5, 6), w=ints("n", 3, 2, 3, 3), b=ints("o", 3), stride=1, padding=1)),
        Example("stride 3 with padding 2 leaves pixels over (8x9 input)", "stride 3과 padding 2에서 픽셀이 남음 (8x9 입력)",
                dict(x=floats("p", 1, 2, 8, 9), w=floats("q", 2, 2, 3, 3), b=floats("r", 2), stride=3, padding=2)),
        Example("stride 2 on the lecture grid with padding 1", "강의 격자에 stride 2와 padding 1",
                dict(x=grid(kit.LECTURE_X).astype(float), w=grid(kit.LECTURE_W).astype(float), b=np.array([1.0]),
                     stride=2, padding=1)),
        Example("5x5 filter over a 2x3 input: fits only thanks to padding 2",
                "2x3 입력에 5x5 필터: padding 2 덕분에만 들어감",
                dict(x=floats("pa", 2, 2, 2, 3), w=floats("pb", 3, 2, 5, 5), b=floats("pc", 3), stride=1, padding=2)),
        Example("integer x with float filters (int64 x, float64 w and b)",
                "정수 x와 실수 필터 (int64 x, float64 w와 b)",
                dict(x=ints("mx", 1, 2, 4, 5), w=floats("mw", 2, 2, 3, 3), b=floats("mb", 2), stride=1, padding=1)),
        Example("stride and padding left out (defaults stride=1, padding=0)",
                "stride와 padding 생략 (기본값 stride=1, padding=0)",
                dict(x=floats("da", 2, 2, 6, 5), w=floats("db", 3, 2, 3, 2), b=floats("dc", 3))),
    ]
    # invalid inputs, around x (1, 2, 5, 5), w (3, 2, 3, 3), b (3,)
    x, w, b = floats("s", 1, 2, 5, 5), floats("t", 3, 2, 3, 3), floats("u", 3)
    e += [
        Example("x is not 4-D", "x가 4차원이 아님", dict(x=x[0], w=w, b=b, stride=1, padding=0)),
        Example("w is not 4-D", "w가 4차원이 아님", dict(x=x, w=w[0], b=b, stride=1, padding=0)),
        Example("channel counts differ (x has 2, w has 1)", "채널 수가 다름 (x는 2, w는 1)",
                dict(x=x, w=w[:, :1], b=b, stride=1, padding=0)),
        Example("b has shape (3, 1), not (3,)", "b의 shape가 (3,)이 아니라 (3, 1)",
                dict(x=x, w=w, b=b[:, None], stride=1, padding=0)),
        Example("b has 2 entries for 3 filters", "필터 3개에 b 원소가 2개", dict(x=x, w=w, b=b[:2], stride=1, padding=0)),
        Example("the filter does not fit (5x5 input, 7x7 filter, padding 0)", "필터가 들어가지 않음 (5x5 입력, 7x7 필터, padding 0)",
                dict(x=x, w=floats("v", 3, 2, 7, 7), b=b, stride=1, padding=0)),
        Example("stride 0", "stride 0", dict(x=x, w=w, b=b, stride=0, padding=0)),
        Example("padding -1", "padding -1", dict(x=x, w=w, b=b, stride=1, padding=-1)),
        Example("x is 5-D", "x가 5차원", dict(x=x[None], w=w, b=b, stride=1, padding=0)),
        Example("w is 5-D", "w가 5차원", dict(x=x, w=w[None], b=b, stride=1, padding=0)),
        Example("stride -1", "stride -1", dict(x=x, w=w, b=b, stride=-1, padding=0)),
        Example("b has 1 entry for 3 filters (NumPy would broadcast it)", "필터 3개에 b 원소가 1개 (NumPy라면 브로드캐스트됨)",
                dict(x=x, w=w, b=b[:1], stride=1, padding=0)),
        Example("b is 0-d (a scalar array)", "b가 0차원 (스칼라 배열)", dict(x=x, w=w, b=b[0], stride=1, padding=0)),
        Example("b has shape (1, 3), not (3,)", "b의 shape가 (3,)이 아니라 (1, 3)",
                dict(x=x, w=w, b=b[None], stride=1, padding=0)),
        Example("the filter does not fit in one direction only (5x5 input, 3x8 filter, padding 1)",
                "한 방향으로만 필터가 들어가지 않음 (5x5 입력, 3x8 필터, padding 1)",
                dict(x=x, w=floats("v2", 3, 2, 3, 8), b=b, stride=1, padding=1)),
    ]
    return e


def _conv1x1_edges() -> list[Example]:
    x = floats("a", 2, 3, 4, 5)
    return [
        Example("N=2, C=3, non-square 4x5, 2 output channels", "N=2, C=3, 정사각형이 아닌 4x5, 출력 채널 2개",
                dict(x=x, w=floats("b", 2, 3), b=floats("c", 2))),
        Example("more output channels than input channels (3 -> 5)", "출력 채널이 입력 채널보다 많음 (3 -> 5)",
                dict(x=x, w=floats("d", 5, 3), b=floats("e", 5))),
        Example("integer x with float weights (int64 x, float64 w and b)", "정수 x와 실수 가중치 (int64 x, float64 w와 b)",
                dict(x=ints("k", 2, 2, 3, 3), w=floats("l", 3, 2), b=floats("m", 3))),
        Example("integer inputs", "정수 입력", dict(x=ints("f", 1, 2, 3, 3), w=ints("g", 4, 2), b=ints("h", 4))),
        Example("x is not 4-D", "x가 4차원이 아님", dict(x=x[0], w=floats("b", 2, 3), b=floats("c", 2))),
        Example("w is 4-D (F, C, 1, 1) instead of 2-D", "w가 2차원이 아니라 4차원 (F, C, 1, 1)",
                dict(x=x, w=floats("b", 2, 3)[:, :, None, None], b=floats("c", 2))),
        Example("w has 2 columns but x has 3 channels", "w의 열은 2개인데 x의 채널은 3개",
                dict(x=x, w=floats("i", 2, 2), b=floats("c", 2))),
        Example("b has shape (2, 1)", "b의 shape가 (2, 1)", dict(x=x, w=floats("b", 2, 3), b=floats("c", 2)[:, None])),
        Example("x is 5-D", "x가 5차원", dict(x=x[None], w=floats("b", 2, 3), b=floats("c", 2))),
        Example("w is 1-D", "w가 1차원", dict(x=x, w=floats("b", 2, 3)[0], b=floats("c", 3))),
        Example("w has 1 column but x has 3 channels (NumPy would broadcast it)",
                "w의 열은 1개인데 x의 채널은 3개 (NumPy라면 브로드캐스트됨)",
                dict(x=x, w=floats("j", 2, 1), b=floats("c", 2))),
        Example("b has 1 entry for 2 filters (NumPy would broadcast it)", "필터 2개에 b 원소가 1개 (NumPy라면 브로드캐스트됨)",
                dict(x=x, w=floats("b", 2, 3), b=floats("c", 2)[:1])),
        Example("b is 0-d (a scalar array)", "b가 0차원 (스칼라 배열)",
                dict(x=x, w=floats("b", 2, 3), b=floats("c", 2)[0])),
    ]


EDGES = {
    "conv_forward": _conv_edges,
    "conv1x1_forward": _conv1x1_edges,
}


@st.composite
def conv_args(draw):
    """Any shapes where the filter fits the padded input."""
    n, c, f = draw(kit.dims(1, 3)), draw(kit.dims(1, 3)), draw(kit.dims(1, 3))
    hh, ww = draw(kit.dims(1, 4)), draw(kit.dims(1, 4))
    padding, stride = draw(kit.dims(0, 2)), draw(kit.dims(1, 3))
    h = draw(kit.dims(max(1, hh - 2 * padding), 9))
    w = draw(kit.dims(max(1, ww - 2 * padding), 9))
    return dict(x=draw(kit.tensor((n, c, h, w))), w=draw(kit.tensor((f, c, hh, ww))), b=draw(kit.tensor((f,))),
                stride=stride, padding=padding)


@st.composite
def conv1x1_args(draw):
    n, c, f, h, w = (draw(kit.dims(1, 4)) for _ in range(5))
    return dict(x=draw(kit.tensor((n, c, h, w))), w=draw(kit.tensor((f, c))), b=draw(kit.tensor((f,))))


STRATEGIES = {
    "conv_forward": conv_args(),
    "conv1x1_forward": conv1x1_args(),
}


VARIANTS = kit.Variants()


@VARIANTS.add("conv_forward.integer_accumulator",
              en="Stored the result in an array with the input's integer dtype, so the fractional parts were cut off.",
              ko="결과를 입력과 같은 정수 dtype 배열에 저장해서 소수 부분이 잘렸습니다.")
def _conv_integer_accumulator(x, w, b, stride=1, padding=0):
    return kit.truncated_like(kit.conv(x, w, b, stride, padding), x)


@VARIANTS.add("conv_forward.kernel_flipped",
              en="Flipped the filter (true convolution); the lecture's convolution layer takes the dot product with the filter as it is (cross-correlation).",
              ko="강의의 convolution layer는 필터를 그대로 두고 dot product를 하는데(cross-correlation) 필터를 뒤집었습니다(수학적 convolution).")
def _conv_kernel_flipped(x, w, b, stride=1, padding=0):
    return kit.conv(x, kit.as_float(w)[:, :, ::-1, ::-1], b, stride, padding)


@VARIANTS.add("conv_forward.bias_forgotten",
              en="Forgot to add the bias b[f] to every value of filter f's activation map.",
              ko="필터 f의 activation map 모든 값에 bias b[f]를 더하는 것을 빠뜨렸습니다.")
def _conv_bias_forgotten(x, w, b, stride=1, padding=0):
    return kit.correlate(kit.pad(kit.as_float(x), padding), kit.as_float(w), stride)


@VARIANTS.add("conv_forward.bias_per_channel",
              en="Added the bias once per input channel; it is added once, after the dot product over all channels.",
              ko="bias는 모든 채널에 대한 dot product 뒤에 한 번만 더하는데 입력 채널마다 더했습니다.")
def _conv_bias_per_channel(x, w, b, stride=1, padding=0):
    # bias added inside the loop over channels: C copies of b[f]
    channels = np.asarray(x).shape[1]
    return kit.conv(x, w, kit.as_float(b) * channels, stride, padding)


@VARIANTS.add("conv_forward.bias_first_value_only",
              en="Added b[0] to every filter's map; filter f gets its own bias b[f].",
              ko="필터 f에는 자기 bias b[f]를 더해야 하는데 모든 필터의 map에 b[0]을 더했습니다.")
def _conv_bias_first_value_only(x, w, b, stride=1, padding=0):
    return _conv_bias_forgotten(x, w, b, stride, padding) + kit.as_float(b)[0]


@VARIANTS.add("conv_forward.bias_wrong_axis",
              en="Broadcast the bias along the width axis (out + b) instead of along the filter axis (b[None, :, None, None]).",
              ko="bias를 필터 축이 아닌 너비 축으로 브로드캐스트했습니다(out + b 대신 b[None, :, None, None]).")
def _conv_bias_wrong_axis(x, w, b, stride=1, padding=0):
    # `out + b` broadcasts b along the last (width) axis, not along the filters
    return _conv_bias_forgotten(x, w, b, stride, padding) + kit.as_float(b)


@VARIANTS.add("conv_forward.padding_ignored",
              en="Ignored the padding: the input gets P rows and columns of zeros on every side before the filter slides.",
              ko="padding을 무시했습니다: 필터를 움직이기 전에 입력의 네 변 모두에 0을 P줄씩 붙여야 합니다.")
def _conv_padding_ignored(x, w, b, stride=1, padding=0):
    return kit.conv(x, w, b, stride, 0)


@VARIANTS.add("conv_forward.padding_before_only",
              en="Applied the padding on one side only (top and left); zero padding goes on all four sides.",
              ko="zero padding은 네 변 모두에 붙이는데 padding을 한쪽(위, 왼쪽)에만 적용했습니다.")
def _conv_padding_before_only(x, w, b, stride=1, padding=0):
    out = kit.correlate(kit.pad(kit.as_float(x), padding, 0), kit.as_float(w), stride)
    return out + kit.as_float(b)[None, :, None, None]


@VARIANTS.add("conv_forward.padding_after_only",
              en="Applied the padding on one side only (bottom and right); zero padding goes on all four sides.",
              ko="zero padding은 네 변 모두에 붙이는데 padding을 한쪽(아래, 오른쪽)에만 적용했습니다.")
def _conv_padding_after_only(x, w, b, stride=1, padding=0):
    out = kit.correlate(kit.pad(kit.as_float(x), 0, padding), kit.as_float(w), stride)
    return out + kit.as_float(b)[None, :, None, None]


@VARIANTS.add("conv_forward.padding_fixed_one",
              en="Padded by 1 whatever the padding argument; pad by P = padding on every side.",
              ko="네 변 모두에 padding 값 P만큼 붙여야 하는데 padding 인자와 상관없이 항상 1만큼 padding했습니다.")
def _conv_padding_fixed_one(x, w, b, stride=1, padding=0):
    x, w = np.asarray(x), np.asarray(w)
    h = (x.shape[2] + 2 - w.shape[2]) // stride + 1
    wd = (x.shape[3] + 2 - w.shape[3]) // stride + 1
    if h < 1 or wd < 1:    # the filter needed more padding than 1: an empty output
        return np.zeros((x.shape[0], w.shape[0], max(h, 0), max(wd, 0)))
    return kit.conv(x, w, b, stride, 1)


@VARIANTS.add("conv_forward.output_size_rounded",
              en="Rounded the output size instead of flooring it: H' = (H + 2P - HH) // S + 1, and a window "
                 "that would run past the padded input is not computed.",
              ko="출력 크기를 내림하지 않고 반올림했는데, H' = (H + 2P - HH) // S + 1이고 padding된 입력 밖으로 "
                 "나가는 window는 계산하지 않습니다.")
def _conv_output_size_rounded(x, w, b, stride=1, padding=0):
    # windows past the border read zeros (an output buffer sized by round(), zero-extended input)
    x, w = kit.as_float(x), kit.as_float(w)
    h = kit.rounded_size(x.shape[2], w.shape[2], stride, padding)
    wd = kit.rounded_size(x.shape[3], w.shape[3], stride, padding)
    xp = kit.pad(x, padding)
    extra_h = max(0, (h - 1) * stride + w.shape[2] - xp.shape[2])
    extra_w = max(0, (wd - 1) * stride + w.shape[3] - xp.shape[3])
    xp = np.pad(xp, ((0, 0), (0, 0), (0, extra_h), (0, extra_w)))
    out = kit.correlate(xp, w, stride)[:, :, :h, :wd]
    return out + kit.as_float(b)[None, :, None, None]


@VARIANTS.add("conv_forward.output_size_split",
              en="Split the floor of the output size into (H - HH) // S + 2P // S + 1, which loses a row or column "
                 "when the two remainders add up to S; floor the whole: H' = (H + 2P - HH) // S + 1.",
              ko="출력 크기를 (H - HH) // S + 2P // S + 1로 나누어 내림해서, 두 나머지의 합이 S 이상이면 행이나 "
                 "열이 하나 빠졌습니다(전체를 한 번에 내림하세요: H' = (H + 2P - HH) // S + 1).")
def _conv_output_size_split(x, w, b, stride=1, padding=0):
    # floor(a / S) + floor(b / S) <= floor((a + b) / S): the correct output, its last row or column cut off
    x, w = np.asarray(x), np.asarray(w)
    h = (x.shape[2] - w.shape[2]) // stride + (2 * padding) // stride + 1
    wd = (x.shape[3] - w.shape[3]) // stride + (2 * padding) // stride + 1
    return kit.conv(x, w, b, stride, padding)[:, :, :max(h, 0), :max(wd, 0)]


@VARIANTS.add("conv_forward.padding_all_after",
              en="Put all 2P rows and columns of zeros after the input (bottom and right); zero padding puts P on "
                 "every side.",
              ko="zero padding은 네 변에 P줄씩 붙이는데 2P줄을 모두 입력의 뒤쪽(아래, 오른쪽)에 붙였습니다.")
def _conv_padding_all_after(x, w, b, stride=1, padding=0):
    out = kit.correlate(kit.pad(kit.as_float(x), 0, 2 * padding), kit.as_float(w), stride)
    return out + kit.as_float(b)[None, :, None, None]


@VARIANTS.add("conv_forward.batch_summed",
              en="Summed over the whole batch as well, but each image n gets its own output out[n].",
              ko="이미지 n마다 자기 출력 out[n]을 따로 계산해야 하는데 배치 전체까지 더했습니다.")
def _conv_batch_summed(x, w, b, stride=1, padding=0):
    plain = _conv_bias_forgotten(x, w, b, stride, padding)
    return np.broadcast_to(plain.sum(axis=0, keepdims=True), plain.shape) + kit.as_float(b)[None, :, None, None]


@VARIANTS.add("conv_forward.last_channel_only",
              en="Only the last input channel counted (assigned instead of accumulating over the channels); the "
                 "filter's dot product sums over every channel.",
              ko="필터의 dot product는 모든 채널을 더하는데 채널마다 더하지 않고 덮어써서 마지막 입력 채널만 남았습니다.")
def _conv_last_channel_only(x, w, b, stride=1, padding=0):
    return kit.conv(kit.as_float(x)[:, -1:], kit.as_float(w)[:, -1:], b, stride, padding)


@VARIANTS.add("conv_forward.window_not_strided",
              en="Sized the output for the stride but moved the window one pixel at a time; window (i, j) starts at (i * stride, j * stride).",
              ko="출력 크기는 stride에 맞췄지만 (i * stride, j * stride)에서 시작해야 할 (i, j)번째 window를 한 칸씩만 움직였습니다.")
def _conv_window_not_strided(x, w, b, stride=1, padding=0):
    x, w = np.asarray(x), np.asarray(w)
    full = kit.conv(x, w, b, 1, padding)
    return kit.crop_to_stride(full, x.shape[2:], w.shape[2:], stride, padding)


@VARIANTS.add("conv_forward.stride_ignored",
              en="Ignored the stride and slid the filter one pixel at a time.",
              ko="stride를 무시하고 필터를 한 칸씩 움직였습니다.")
def _conv_stride_ignored(x, w, b, stride=1, padding=0):
    return kit.conv(x, w, b, 1, padding)


@VARIANTS.add("conv_forward.channels_not_summed",
              en="Kept one map per input channel; a filter's dot product sums over all input channels into a single activation map.",
              ko="필터의 dot product는 모든 채널을 더해 activation map 하나를 만드는데 입력 채널마다 map을 따로 남겼습니다.")
def _conv_channels_not_summed(x, w, b, stride=1, padding=0):
    """(N, F, C, H', W'): one map per filter and input channel."""
    win = kit.windows(kit.pad(kit.as_float(x), padding), np.asarray(w).shape[2:], stride)
    out = np.einsum("nchwij,fcij->nfchw", win, kit.as_float(w))
    return out + kit.as_float(b)[None, :, None, None, None]


@VARIANTS.add("conv_forward.first_channel_only",
              en="Used only the first input channel; the filter covers the full depth of the input.",
              ko="필터는 입력의 depth 전체를 덮는데 첫 번째 입력 채널만 사용했습니다.")
def _conv_first_channel_only(x, w, b, stride=1, padding=0):
    return kit.conv(kit.as_float(x)[:, :1], kit.as_float(w)[:, :1], b, stride, padding)


@VARIANTS.add("conv_forward.first_batch_item_only",
              en="Used the first image of the batch (x[0]) for every output n.",
              ko="배치의 모든 출력 n에 첫 번째 이미지 x[0]을 사용했습니다.")
def _conv_first_batch_item_only(x, w, b, stride=1, padding=0):
    x = kit.as_float(x)
    first = kit.conv(x[:1], w, b, stride, padding)
    return np.repeat(first, x.shape[0], axis=0)


@VARIANTS.add("conv_forward.height_width_swapped",
              en="Swapped height and width: the layout is NCHW, so axis 2 is the height and axis 3 the width.",
              ko="높이와 너비를 바꿨습니다: 배열이 NCHW 순서이므로 축 2가 높이, 축 3이 너비입니다.")
def _conv_height_width_swapped(x, w, b, stride=1, padding=0):
    return kit.conv(x, w, b, stride, padding).swapaxes(2, 3)


@VARIANTS.add("conv1x1_forward.integer_accumulator",
              en="Made the output array with dtype=x.dtype, so for an integer x the result was stored as "
                 "integers and the fractional parts were cut off.",
              ko="출력 배열을 dtype=x.dtype으로 만들어서 x가 정수이면 결과도 정수로 저장되어 소수 부분이 잘립니다.")
def _c1_integer_accumulator(x, w, b):
    return kit.truncated_like(kit.conv(x, kit.as_float(w)[:, :, None, None], b), x)


@VARIANTS.add("conv1x1_forward.weights_transposed",
              en="Mixed the channels with w.T; row f of w (F, C) holds filter f's weight for each input channel.",
              ko="w (F, C)의 f번째 행이 필터 f의 채널별 가중치인데 w.T로 채널을 섞었습니다.")
def _c1_weights_transposed(x, w, b):
    return kit.conv(x, kit.as_float(w).T[:, :, None, None], b)


@VARIANTS.add("conv1x1_forward.bias_first_value_only",
              en="Added b[0] to every output channel; output channel f gets its own bias b[f].",
              ko="출력 채널 f에는 자기 bias b[f]를 더해야 하는데 모든 출력 채널에 b[0]을 더했습니다.")
def _c1_bias_first_value_only(x, w, b):
    return np.einsum("nchw,fc->nfhw", kit.as_float(x), kit.as_float(w)) + kit.as_float(b).reshape(-1)[0]


@VARIANTS.add("conv1x1_forward.bias_forgotten",
              en="Forgot to add the bias b[f] to output channel f of the 1x1 convolution.",
              ko="1x1 convolution의 출력 채널 f에 bias b[f]를 더하는 것을 빠뜨렸습니다.")
def _c1_bias_forgotten(x, w, b):
    return np.einsum("nchw,fc->nfhw", kit.as_float(x), kit.as_float(w))


@VARIANTS.add("conv1x1_forward.bias_wrong_axis",
              en="Broadcast the bias along the width axis (out + b) instead of along the channel axis.",
              ko="bias를 채널 축이 아닌 너비 축으로 브로드캐스트했습니다(out + b).")
def _c1_bias_wrong_axis(x, w, b):
    return np.einsum("nchw,fc->nfhw", kit.as_float(x), kit.as_float(w)) + kit.as_float(b)


@VARIANTS.add("conv1x1_forward.reshape_without_transpose",
              en="Reshaped the NCHW input to (pixels, channels) without first moving the channel axis last, which mixes pixels into channels.",
              ko="NCHW 입력을 채널 축을 마지막으로 옮기지 않고 (픽셀, 채널)로 reshape해서 픽셀과 채널이 섞였습니다.")
def _c1_reshape_without_transpose(x, w, b):
    # x.reshape(-1, C) without first moving C last mixes pixels into "channels"
    x, w = kit.as_float(x), kit.as_float(w)
    n, c, h, wd = x.shape
    rows = x.reshape(-1, c) @ w.T + kit.as_float(b)
    return rows.reshape(n, w.shape[0], h, wd)
