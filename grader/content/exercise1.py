"""Exercise 1: output size and padding (lecture: "Activation map의 size", Padding).

conv_output_size, same_padding and conv_param_count return integers, compared exactly.
"""
from __future__ import annotations

import math

from hypothesis import strategies as st

from grader.content import kit
from grader.content.kit import Example

FUNCTIONS = (
    kit.Function("conv_output_size", ("n", "f", "stride", "padding"), ("n", "f"), "int", magnitude=kit.EXACT,
                 defaults=(("stride", 1), ("padding", 0))),
    kit.Function("same_padding", ("f",), ("f",), "int", magnitude=kit.EXACT),
    kit.Function("conv_param_count", ("f", "c_in", "c_out", "bias"), ("f", "c_in", "c_out"), "int",
                 magnitude=kit.EXACT, defaults=(("bias", True),)),
)

LECTURE = {
    "conv_output_size": [
        Example("32x32x3 input, 7x7 filter", "32x32x3 입력, 7x7 필터", dict(n=32, f=7, stride=1, padding=0)),
        Example("7x7 input, 3x3 filter, padding 1", "7x7 입력, 3x3 필터, padding 1", dict(n=7, f=3, stride=1, padding=1)),
        Example("5x5 input, 3x3 filter, stride 2", "5x5 입력, 3x3 필터, stride 2",
                dict(n=5, f=3, stride=2, padding=0)),
    ],
    "same_padding": [
        Example("3x3 filter", "3x3 필터", dict(f=3)),
        Example("5x5 filter", "5x5 필터", dict(f=5)),
    ],
    "conv_param_count": [
        Example("one 3x3 filter: 9 weights + bias", "3x3 필터 하나: 가중치 9개 + bias",
                dict(f=3, c_in=1, c_out=1, bias=True)),
    ],
}


def _conv_output_size_edges() -> list[Example]:
    return [
        Example("stride 2 with padding 1", "stride 2와 padding 1", dict(n=7, f=3, stride=2, padding=1)),
        Example("stride 2 leaves a pixel over: floor", "stride 2에서 픽셀 하나가 남음: 내림(floor)",
                dict(n=8, f=3, stride=2, padding=0)),
        Example("filter as wide as the input", "입력과 같은 너비의 필터", dict(n=5, f=5, stride=1, padding=0)),
        Example("filter as wide as the padded input", "padding된 입력과 같은 너비의 필터",
                dict(n=5, f=7, stride=1, padding=1)),
        Example("224 input, 7x7 stride 2 padding 3", "224 입력, 7x7 필터, stride 2, padding 3",
                dict(n=224, f=7, stride=2, padding=3)),
        Example("stride larger than the filter", "필터보다 큰 stride", dict(n=10, f=2, stride=4, padding=1)),
        Example("n = 0", "n = 0", dict(n=0, f=1, stride=1, padding=0)),
        Example("f = 0", "f = 0", dict(n=5, f=0, stride=1, padding=0)),
        Example("stride 0", "stride 0", dict(n=5, f=3, stride=0, padding=0)),
        Example("padding -1", "padding -1", dict(n=5, f=3, stride=1, padding=-1)),
        Example("filter larger than the padded input", "padding된 입력보다 큰 필터",
                dict(n=5, f=8, stride=1, padding=1)),
        Example("stride -1", "stride -1", dict(n=5, f=3, stride=-1, padding=0)),
        Example("filter that fits only thanks to padding 2 (n=2, f=5)",
                "padding 2 덕분에만 들어가는 필터 (n=2, f=5)", dict(n=2, f=5, stride=1, padding=2)),
        Example("stride and padding left out (defaults stride=1, padding=0)",
                "stride와 padding 생략 (기본값 stride=1, padding=0)", dict(n=9, f=4)),
    ]


def _same_padding_edges() -> list[Example]:
    return [
        Example("1x1 filter", "1x1 필터", dict(f=1)),
        Example("7x7 filter", "7x7 필터", dict(f=7)),
        Example("11x11 filter", "11x11 필터", dict(f=11)),
        Example("even filter 4 (no symmetric same padding)", "짝수 필터 4 (대칭 same padding 없음)", dict(f=4)),
        Example("even filter 2", "짝수 필터 2", dict(f=2)),
        Example("f = 0", "f = 0", dict(f=0)),
        Example("f = -3", "f = -3", dict(f=-3)),
    ]


def _conv_param_count_edges() -> list[Example]:
    return [
        Example("VGG 3x3 conv, 3 -> 64", "VGG 3x3 conv, 3 -> 64", dict(f=3, c_in=3, c_out=64, bias=True)),
        Example("1x1 conv, 64 -> 32", "1x1 conv, 64 -> 32", dict(f=1, c_in=64, c_out=32, bias=True)),
        Example("without bias", "bias 없음", dict(f=3, c_in=64, c_out=64, bias=False)),
        Example("5x5 conv, 3 -> 6", "5x5 conv, 3 -> 6", dict(f=5, c_in=3, c_out=6, bias=True)),
        Example("f = 0", "f = 0", dict(f=0, c_in=3, c_out=6, bias=True)),
        Example("c_in = 0", "c_in = 0", dict(f=3, c_in=0, c_out=6, bias=True)),
        Example("c_out = 0", "c_out = 0", dict(f=3, c_in=3, c_out=0, bias=True)),
        Example("bias left out (default bias=True)", "bias 생략 (기본값 bias=True)", dict(f=3, c_in=2, c_out=5)),
    ]


EDGES = {
    "conv_output_size": _conv_output_size_edges,
    "same_padding": _same_padding_edges,
    "conv_param_count": _conv_param_count_edges,
}


@st.composite
def conv_output_size_args(draw):
    n, f, stride, padding = draw(kit.dims(1, 64)), draw(kit.dims(1, 11)), draw(kit.dims(1, 4)), draw(kit.dims(0, 5))
    return dict(n=n, f=f, stride=stride, padding=padding)


STRATEGIES = {
    "conv_output_size": conv_output_size_args(),
    "same_padding": st.builds(lambda f: dict(f=f), st.integers(-3, 25)),
    "conv_param_count": st.builds(lambda f, ci, co, b: dict(f=f, c_in=ci, c_out=co, bias=b),
                                  kit.dims(1, 11), kit.dims(1, 512), kit.dims(1, 512), st.booleans()),
}


VARIANTS = kit.Variants()


@VARIANTS.add("conv_output_size.missing_plus_one",
              en="Forgot the +1 in the output size formula (N - F + 2P) / stride + 1, which counts the filter's first position.",
              ko="출력 크기 공식 (N - F + 2P) / stride + 1에서 필터의 첫 위치를 세는 +1을 빠뜨렸습니다.")
def _cos_missing_plus_one(n, f, stride=1, padding=0):
    return (n - f + 2 * padding) // stride


@VARIANTS.add("conv_output_size.single_padding",
              en="Added the padding P only once, but zero padding goes on both sides, so the formula has 2P.",
              ko="zero padding은 양쪽에 붙으므로 공식에는 2P가 들어가는데 padding P를 한 번만 더했습니다.")
def _cos_single_padding(n, f, stride=1, padding=0):
    return (n - f + padding) // stride + 1


@VARIANTS.add("conv_output_size.padding_ignored",
              en="Left the padding out of the output size: use (N - F + 2P) / stride + 1.",
              ko="출력 크기를 계산할 때 padding을 빠뜨렸습니다: (N - F + 2P) / stride + 1을 쓰세요.")
def _cos_padding_ignored(n, f, stride=1, padding=0):
    return (n - f) // stride + 1


@VARIANTS.add("conv_output_size.stride_ignored",
              en="Did not divide by the stride: the filter moves stride pixels at a time, so (N - F + 2P) is divided by the stride before adding 1.",
              ko="stride로 나누지 않았습니다: 필터는 한 번에 stride칸씩 움직이므로 (N - F + 2P)를 stride로 나눈 뒤 1을 더합니다.")
def _cos_stride_ignored(n, f, stride=1, padding=0):
    return n - f + 2 * padding + 1


@VARIANTS.add("conv_output_size.true_division",
              en="Used true division, so the output size is a fraction; a window that does not fit is dropped, so use floor division (//).",
              ko="나눗셈 결과를 그대로 써서 출력 크기가 소수가 되었으니, 들어가지 않는 마지막 window는 버리도록 몫(//)을 쓰세요.")
def _cos_true_division(n, f, stride=1, padding=0):
    return (n - f + 2 * padding) / stride + 1


@VARIANTS.add("conv_output_size.rounded_division",
              en="Rounded the division by the stride to the nearest integer instead of rounding down (floor).",
              ko="stride로 나눈 값을 내림(floor)하지 않고 반올림했습니다.")
def _cos_rounded_division(n, f, stride=1, padding=0):
    return round((n - f + 2 * padding) / stride) + 1


@VARIANTS.add("conv_output_size.ceil_division",
              en="Rounded the division by the stride up (ceil); a partial window at the edge is dropped, so round down (floor).",
              ko="가장자리에서 다 들어가지 않는 window는 버리므로 내림(floor)해야 하는데 stride로 나눈 값을 올림(ceil)했습니다.")
def _cos_ceil_division(n, f, stride=1, padding=0):
    return math.ceil((n - f + 2 * padding) / stride) + 1


@VARIANTS.add("same_padding.f_minus_one",
              en="Returned F - 1, the total padding of both sides; the padding per side is P = (F - 1) / 2.",
              ko="한쪽의 padding은 P = (F - 1) / 2인데 양쪽 padding의 합인 F - 1을 반환했습니다.")
def _sp_f_minus_one(f):
    return f - 1


@VARIANTS.add("same_padding.half_rounded_up",
              en="Rounded F / 2 up; the padding that keeps the map size is P = (F - 1) / 2.",
              ko="map 크기를 동일하게 유지하는 padding은 P = (F - 1) / 2인데 F / 2를 올림했습니다.")
def _sp_half_rounded_up(f):
    return (f + 1) // 2


@VARIANTS.add("same_padding.half_filter",
              en="Used F / 2 instead of P = (F - 1) / 2, which gives a fraction for odd F.",
              ko="P = (F - 1) / 2 대신 F / 2를 써서 홀수 F에서 소수가 나왔습니다.")
def _sp_half_filter(f):
    return f / 2


@VARIANTS.add("conv_param_count.bias_forgotten",
              en="Forgot the bias: each filter has F x F x C_in weights plus one bias.",
              ko="bias를 빠뜨렸습니다: 필터 하나는 F x F x C_in개의 가중치와 bias 1개를 가집니다.")
def _pc_bias_forgotten(f, c_in, c_out, bias=True):
    return f * f * c_in * c_out


@VARIANTS.add("conv_param_count.bias_flag_ignored",
              en="Counted a bias even though bias=False.",
              ko="bias=False인데도 bias를 세었습니다.")
def _pc_bias_flag_ignored(f, c_in, c_out, bias=True):
    return (f * f * c_in + 1) * c_out


@VARIANTS.add("conv_param_count.bias_once",
              en="Counted the bias once for the whole layer; every filter has its own bias.",
              ko="필터마다 bias가 하나씩 있는데 bias를 layer 전체에 한 번만 세었습니다.")
def _pc_bias_once(f, c_in, c_out, bias=True):
    return f * f * c_in * c_out + int(bool(bias))


@VARIANTS.add("conv_param_count.bias_per_input_channel",
              en="Counted one bias per input channel of each filter; a filter has a single bias after its dot product over all channels.",
              ko="모든 채널에 대한 dot product 뒤에 bias는 하나만 있는데 필터의 입력 채널마다 bias를 세었습니다.")
def _pc_bias_per_input_channel(f, c_in, c_out, bias=True):
    return (f * f + int(bool(bias))) * c_in * c_out


@VARIANTS.add("conv_param_count.c_in_ignored",
              en="Ignored the input channels: a filter extends through the full depth of the input, F x F x C_in.",
              ko="입력 채널 수를 빠뜨렸습니다: 필터는 입력의 depth 전체에 걸쳐 F x F x C_in 크기입니다.")
def _pc_c_in_ignored(f, c_in, c_out, bias=True):
    return (f * f + int(bool(bias))) * c_out


@VARIANTS.add("conv_param_count.c_out_ignored",
              en="Counted a single filter; the layer has C_out filters, each with its own weights and bias.",
              ko="layer에는 각자 가중치와 bias를 가진 C_out개의 필터가 있는데 필터 하나만 세었습니다.")
def _pc_c_out_ignored(f, c_in, c_out, bias=True):
    return f * f * c_in + int(bool(bias))


@VARIANTS.add("conv_param_count.linear_filter_size",
              en="Counted F weights per channel instead of F x F: the filter is square.",
              ko="채널마다 F x F가 아닌 F개의 가중치를 세었습니다: 필터는 정사각형입니다.")
def _pc_linear_filter_size(f, c_in, c_out, bias=True):
    return (f * c_in + int(bool(bias))) * c_out
