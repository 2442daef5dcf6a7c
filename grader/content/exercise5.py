"""Exercise 5: squeeze-and-excitation block (lecture: SENet).

sigmoid: 1 / (1 + exp(-x)) elementwise, any shape, without overflow warnings.
se_block_forward: x (N, C, H, W), w1 (C_r, C), b1 (C_r,), w2 (C, C_r), b2 (C,) -> (N, C, H, W):
x scaled per channel by the gates e = sigmoid(relu(s @ w1.T + b1) @ w2.T + b2), s the mean of each map.
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from grader.content import kit
from grader.content.kit import Example, floats, ints

FUNCTIONS = (
    kit.Function("sigmoid", ("x",), ("x",), "array", magnitude=kit.ONE, warnings_checked=True),
    kit.Function("se_block_forward", ("x", "w1", "b1", "w2", "b2"), ("x", "w1", "b1", "w2", "b2"), "array",
                 magnitude=kit.X_ABS,
                 depends_on=(("exercise3", "global_avg_pool"), ("exercise4", "relu"), ("exercise5", "sigmoid"))),
)

LECTURE: dict[str, list[Example]] = {}   # the lecture has no worked example of these


def _sigmoid_edges() -> list[Example]:
    return [
        Example("large magnitudes (-1000 ... 1000): no overflow warning allowed",
                "큰 값 (-1000 ... 1000): overflow 경고 없어야 함",
                dict(x=np.array([-1000.0, -710.0, -50.0, -1.0, 0.0, 1.0, 50.0, 710.0, 1000.0]))),
        Example("4-D input", "4차원 입력", dict(x=floats("a", 2, 3, 2, 2) * 3)),
        Example("integer input", "정수 입력", dict(x=ints("b", 3, 3) * 100)),
    ]


def _se_edges() -> list[Example]:
    def w(tag, c, r):
        """w1 (r, c), b1 (r,), w2 (c, r), b2 (c,)."""
        return dict(w1=floats(tag + "1", r, c), b1=floats(tag + "2", r), w2=floats(tag + "3", c, r),
                    b2=floats(tag + "4", c))

    x = floats("x", 2, 4, 3, 5)
    return [
        Example("N=2, C=4, reduction to 2, non-square 3x5", "N=2, C=4, 2로 축소, 정사각형이 아닌 3x5",
                dict(x=x, **w("a", 4, 2))),
        Example("reduction to a single unit (C_r = 1)", "유닛 하나로 축소 (C_r = 1)", dict(x=x, **w("b", 4, 1))),
        Example("C_r larger than C (4 -> 6)", "C보다 큰 C_r (4 -> 6)", dict(x=x, **w("c", 4, 6))),
        Example("integer x", "정수 x", dict(x=ints("d", 1, 3, 4, 4), **w("e", 3, 2))),
        Example("x is not 4-D", "x가 4차원이 아님", dict(x=x[0], **w("a", 4, 2))),
        Example("w1 has 3 columns but C = 4", "w1의 열은 3개인데 C = 4",
                dict(x=x, **{**w("a", 4, 2), "w1": floats("f", 2, 3)})),
        Example("b1 has shape (2, 1)", "b1의 shape가 (2, 1)", dict(x=x, **{**w("a", 4, 2), "b1": floats("g", 2, 1)})),
        Example("w2 is (2, 4), not (4, 2)", "w2가 (4, 2)가 아니라 (2, 4)",
                dict(x=x, **{**w("a", 4, 2), "w2": floats("h", 2, 4)})),
        Example("b2 has 3 entries for C = 4", "C = 4인데 b2 원소가 3개",
                dict(x=x, **{**w("a", 4, 2), "b2": floats("i", 3)})),
        Example("x is 5-D", "x가 5차원", dict(x=x[None], **w("a", 4, 2))),
        Example("b1 has 1 entry for C_r = 2 (NumPy would broadcast it)", "C_r = 2인데 b1 원소가 1개 (NumPy라면 브로드캐스트됨)",
                dict(x=x, **{**w("a", 4, 2), "b1": floats("k", 1)})),
        Example("b2 has 1 entry for C = 4 (NumPy would broadcast it)", "C = 4인데 b2 원소가 1개 (NumPy라면 브로드캐스트됨)",
                dict(x=x, **{**w("a", 4, 2), "b2": floats("l", 1)})),
        Example("b1 is 0-d (a scalar array)", "b1이 0차원 (스칼라 배열)",
                dict(x=x, **{**w("a", 4, 2), "b1": floats("m", 1)[0]})),
        Example("w1 is 1-D", "w1이 1차원", dict(x=x, **{**w("a", 4, 2), "w1": floats("n", 4)})),
        # H = N and W = C: without a check on w1 the gates broadcast against x into a 6-D output
        Example("w1 in the 1x1 convolution layout (2, 4, 1, 1)", "w1이 1x1 convolution 필터 모양 (2, 4, 1, 1)",
                dict(x=floats("o", 2, 4, 2, 4), **{**w("a", 4, 2), "w1": floats("p", 2, 4, 1, 1)})),
    ]


EDGES = {
    "sigmoid": _sigmoid_edges,
    "se_block_forward": _se_edges,
}


@st.composite
def elementwise_args(draw):
    """x of 1 to 4 dimensions (the same strategy as exercise4's relu)."""
    ndim = draw(kit.dims(1, 4))
    return dict(x=draw(kit.tensor(tuple(draw(kit.dims(1, 4)) for _ in range(ndim)))))


@st.composite
def sigmoid_args(draw):
    """elementwise_args scaled by 1, 10 or 300."""
    args = draw(elementwise_args())
    scale = draw(st.sampled_from([1, 10, 300]))
    return dict(x=args["x"] * scale)


@st.composite
def se_args(draw):
    n, c, r = draw(kit.dims(1, 3)), draw(kit.dims(1, 5)), draw(kit.dims(1, 3))
    h, w = draw(kit.dims(1, 5)), draw(kit.dims(1, 5))
    return dict(x=draw(kit.tensor((n, c, h, w))), w1=draw(kit.tensor((r, c))), b1=draw(kit.tensor((r,))),
                w2=draw(kit.tensor((c, r))), b2=draw(kit.tensor((c,))))


STRATEGIES = {
    "sigmoid": sigmoid_args(),
    "se_block_forward": se_args(),
}


VARIANTS = kit.Variants()


@VARIANTS.add("sigmoid.sign_error",
              en="Wrote 1 / (1 + exp(x)); the sigmoid is 1 / (1 + exp(-x)).",
              ko="sigmoid는 1 / (1 + exp(-x))인데 1 / (1 + exp(x))로 썼습니다.")
def _sig_sign_error(x):
    return 1.0 / (1.0 + np.exp(kit.as_float(x)))


@VARIANTS.add("sigmoid.input_clipped",
              en="Clipped x to [-10, 10] before the exponential, but sigmoid(20) is not sigmoid(10): avoid the "
                 "overflow with exp(-|x|) instead.",
              ko="지수를 계산하기 전에 x를 [-10, 10]으로 잘랐지만 sigmoid(20)은 sigmoid(10)과 다르므로 "
                 "오버플로는 exp(-|x|)로 피하세요.")
def _sig_input_clipped(x):
    return kit.sigmoid(np.clip(kit.as_float(x), -10.0, 10.0))


@VARIANTS.add("sigmoid.exp_ratio_overflow",
              en="Computed exp(x) / (1 + exp(x)), which overflows to inf / inf = NaN for large x.",
              ko="exp(x) / (1 + exp(x))로 계산해서 큰 x에서 inf / inf = NaN이 되었습니다.")
def _sig_exp_ratio(x):
    # exp(x) / (1 + exp(x)) is inf / inf = NaN once exp overflows
    e = np.exp(kit.as_float(x))
    return e / (1.0 + e)


@VARIANTS.add("sigmoid.tanh",
              en="Used tanh, whose values lie in [-1, 1]; the sigmoid 1 / (1 + exp(-x)) lies in [0, 1].",
              ko="sigmoid 1 / (1 + exp(-x))의 값은 [0, 1]인데 값이 [-1, 1]인 tanh를 썼습니다.")
def _sig_tanh(x):
    return np.tanh(kit.as_float(x))


def _se_parts(x, w1, b1, w2, b2, squeeze=np.mean, act=kit.relu, gate=kit.sigmoid, transpose=True):
    """x (N, C, H, W), the squeezed s (N, C) and the gates e (N, C), each step replaceable."""
    x, w1, w2 = kit.as_float(x), kit.as_float(w1), kit.as_float(w2)
    s = squeeze(x, axis=(2, 3))
    if transpose:
        w1, w2 = w1.T, w2.T
    z = act(s @ w1 + kit.as_float(b1))
    e = gate(z @ w2 + kit.as_float(b2))
    return x, s, e


def _softmax_channels(a):
    a = a - a.max(axis=1, keepdims=True)
    e = np.exp(a)
    return e / e.sum(axis=1, keepdims=True)


@VARIANTS.add("se_block_forward.squeeze_max",
              en="Squeezed with the maximum of each map; the squeeze is global average pooling.",
              ko="squeeze는 global average pooling인데 각 map의 최댓값을 썼습니다.")
def _se_squeeze_max(x, w1, b1, w2, b2):
    x, _, e = _se_parts(x, w1, b1, w2, b2, squeeze=np.max)
    return x * e[:, :, None, None]


@VARIANTS.add("se_block_forward.squeeze_sum",
              en="Squeezed with the sum of each map without dividing by H x W; the squeeze is global average pooling.",
              ko="squeeze는 global average pooling인데 각 map의 합을 H x W로 나누지 않았습니다.")
def _se_squeeze_sum(x, w1, b1, w2, b2):
    x, _, e = _se_parts(x, w1, b1, w2, b2, squeeze=np.sum)
    return x * e[:, :, None, None]


@VARIANTS.add("se_block_forward.relu_forgotten",
              en="Forgot the ReLU after the first fully connected layer of the excitation.",
              ko="excitation의 첫 번째 FC layer 뒤의 ReLU를 빠뜨렸습니다.")
def _se_relu_forgotten(x, w1, b1, w2, b2):
    x, _, e = _se_parts(x, w1, b1, w2, b2, act=lambda a: a)
    return x * e[:, :, None, None]


@VARIANTS.add("se_block_forward.sigmoid_forgotten",
              en="Forgot the sigmoid, so the channel gates are not squashed into [0, 1].",
              ko="sigmoid를 빠뜨려서 채널별 가중치가 [0, 1]로 눌리지 않았습니다.")
def _se_sigmoid_forgotten(x, w1, b1, w2, b2):
    x, _, e = _se_parts(x, w1, b1, w2, b2, gate=lambda a: a)
    return x * e[:, :, None, None]


@VARIANTS.add("se_block_forward.softmax_gates",
              en="Used a softmax over the channels; each channel gate is its own sigmoid.",
              ko="각 채널의 가중치는 각자 sigmoid를 거치는데 채널에 대해 softmax를 썼습니다.")
def _se_softmax_gates(x, w1, b1, w2, b2):
    x, _, e = _se_parts(x, w1, b1, w2, b2, gate=_softmax_channels)
    return x * e[:, :, None, None]


@VARIANTS.add("se_block_forward.weights_not_transposed",
              en="Multiplied by w1 and w2 without transposing; like PyTorch's Linear they are (out_features, in_features), so use s @ w1.T.",
              ko="w1, w2는 PyTorch의 nn.Linear처럼 (out_features, in_features)라서 s @ w1.T로 곱해야 하는데 전치하지 않고 곱했습니다.")
def _se_weights_not_transposed(x, w1, b1, w2, b2):
    x, _, e = _se_parts(x, w1, b1, w2, b2, transpose=False)
    return x * e[:, :, None, None]


@VARIANTS.add("se_block_forward.gates_not_reshaped",
              en="Multiplied x by the (N, C) gates directly, which broadcasts them over the H and W axes; reshape them to (N, C, 1, 1).",
              ko="(N, C) 가중치를 (N, C, 1, 1)로 바꾸지 않고 x에 곱해서 H, W 축으로 브로드캐스트되었습니다.")
def _se_gates_not_reshaped(x, w1, b1, w2, b2):
    x, _, e = _se_parts(x, w1, b1, w2, b2)
    return x * e  # (N, C) lines up with (H, W), not with (N, C)


@VARIANTS.add("se_block_forward.added_gates",
              en="Added the channel gates to x; recalibration multiplies each channel by its gate.",
              ko="재보정은 각 채널에 가중치를 곱하는데 채널별 가중치를 x에 더했습니다.")
def _se_added_gates(x, w1, b1, w2, b2):
    x, _, e = _se_parts(x, w1, b1, w2, b2)
    return x + e[:, :, None, None]


@VARIANTS.add("se_block_forward.scaled_squeeze",
              en="Scaled the squeezed vector instead of x; the gates recalibrate the feature maps x.",
              ko="가중치는 activation map x를 재보정하는데 x 대신 squeeze한 벡터에 곱했습니다.")
def _se_scaled_squeeze(x, w1, b1, w2, b2):
    _, s, e = _se_parts(x, w1, b1, w2, b2)
    return s * e


@VARIANTS.add("se_block_forward.returns_gates",
              en="Returned the channel gates without recalibrating x with them.",
              ko="채널별 가중치만 반환하고 x를 재보정하지 않았습니다.")
def _se_returns_gates(x, w1, b1, w2, b2):
    return _se_parts(x, w1, b1, w2, b2)[2]
