"""Exercise 4: residual block (lecture: ResNet, Residual Block).

relu: elementwise max(x, 0), any shape.
residual_block_forward: x (N, C, H, W), w1 (F, C, 3, 3), b1 (F,), w2 (F, F, 3, 3), b2 (F,),
optional projection ws (F, C, 1, 1), bs (F,) -> relu(y + shortcut) (N, F, H', W'), where
y = conv(relu(conv(x, w1, b1, stride)), w2, b2) and the shortcut is x or the projection of x.
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from grader.content import kit
from grader.content.kit import Example, floats, ints

FUNCTIONS = (
    kit.Function("relu", ("x",), ("x",), "array", keeps_int_dtype=True, magnitude=kit.X_ABS),
    kit.Function("residual_block_forward", ("x", "w1", "b1", "w2", "b2", "stride", "ws", "bs"),
                 ("x", "w1", "b1", "w2", "b2"), "array",
                 depends_on=(("exercise2", "conv_forward"),), defaults=(("stride", 1), ("ws", None), ("bs", None))),
)

LECTURE: dict[str, list[Example]] = {}   # the lecture has no worked example of these


def _relu_edges() -> list[Example]:
    return [
        Example("4-D input with negative values", "음수가 있는 4차원 입력", dict(x=floats("a", 2, 3, 4, 5))),
        Example("1-D input", "1차원 입력", dict(x=np.array([-2.0, -0.5, 0.0, 0.5, 2.0]))),
        Example("integer input", "정수 입력", dict(x=ints("b", 3, 4))),
        Example("all negative", "모두 음수", dict(x=-np.abs(floats("c", 2, 2)) - 0.1)),
    ]


def _residual_edges() -> list[Example]:
    def weights(tag, f, c, proj=False, bias_proj=True):
        """w1, b1, w2, b2 of a block from C to F channels, with ws, bs (None unless proj)."""
        d = dict(w1=floats(tag + "1", f, c, 3, 3) / 3, b1=floats(tag + "2", f) / 3,
                 w2=floats(tag + "3", f, f, 3, 3) / 3, b2=floats(tag + "4", f) / 3)
        if proj:
            d["ws"] = floats(tag + "5", f, c, 1, 1)
            d["bs"] = floats(tag + "6", f) if bias_proj else None
        else:
            d["ws"], d["bs"] = None, None
        return d

    x = floats("x", 2, 3, 5, 6)
    e = [
        Example("identity shortcut, N=2, C=F=3, non-square 5x6", "항등 shortcut, N=2, C=F=3, 정사각형이 아닌 5x6",
                dict(x=x, stride=1, **weights("a", 3, 3))),
        Example("projection shortcut with stride 2 (3 -> 4 channels)", "stride 2의 projection shortcut (채널 3 -> 4)",
                dict(x=x, stride=2, **weights("b", 4, 3, proj=True))),
        Example("projection shortcut without its bias (bs=None means zeros)",
                "bias 없는 projection shortcut (bs=None은 0)",
                dict(x=x, stride=1, **weights("c", 4, 3, proj=True, bias_proj=False))),
        Example("projection given although F == C and stride 1", "F == C이고 stride 1이지만 projection이 주어짐",
                dict(x=x, stride=1, **weights("d", 3, 3, proj=True))),
        Example("stride, ws and bs left out (defaults stride=1, ws=None, bs=None)",
                "stride, ws, bs 생략 (기본값 stride=1, ws=None, bs=None)",
                {"x": x, **{k: v for k, v in weights("t", 3, 3).items() if v is not None}}),
        Example("bs left out with a projection (default bs=None: a zero bias)",
                "projection이 있고 bs 생략 (기본값 bs=None: bias 0)",
                {"x": x, "stride": 2, **{k: v for k, v in weights("u", 4, 3, proj=True).items() if k != "bs"}}),
        Example("integer inputs", "정수 입력",
                dict(x=ints("e", 1, 2, 4, 4), stride=1,
                     **{k: (v.round().astype(np.int64) if isinstance(v, np.ndarray) else v)
                        for k, v in weights("e", 2, 2).items()})),
    ]
    bad = weights("f", 4, 3)
    e += [
        Example("identity shortcut but F=4 != C=3 (a projection is needed)", "항등 shortcut인데 F=4 != C=3 (projection 필요)",
                dict(x=x, stride=1, **bad)),
        Example("identity shortcut but stride 2 (a projection is needed)", "항등 shortcut인데 stride 2 (projection 필요)",
                dict(x=x, stride=2, **weights("g", 3, 3))),
        Example("w1 is 5x5, not 3x3", "w1이 3x3이 아니라 5x5",
                dict(x=x, stride=1, **{**weights("h", 3, 3), "w1": floats("h9", 3, 3, 5, 5)})),
        Example("w2 has the wrong number of input channels", "w2의 입력 채널 수가 틀림",
                dict(x=x, stride=1, **{**weights("i", 3, 3), "w2": floats("i9", 3, 2, 3, 3)})),
        Example("ws is 3x3, not 1x1", "ws가 1x1이 아니라 3x3",
                dict(x=x, stride=2, **{**weights("j", 4, 3, proj=True), "ws": floats("j9", 4, 3, 3, 3)})),
        Example("b1 has shape (3, 1)", "b1의 shape가 (3, 1)",
                dict(x=x, stride=1, **{**weights("k", 3, 3), "b1": floats("k9", 3, 1)})),
        Example("bs has the wrong length", "bs의 길이가 틀림",
                dict(x=x, stride=2, **{**weights("l", 4, 3, proj=True), "bs": floats("l9", 3)})),
        Example("x is not 4-D", "x가 4차원이 아님", dict(x=x[0], stride=1, **weights("m", 3, 3))),
        Example("x is 5-D", "x가 5차원", dict(x=x[None], stride=1, **weights("m", 3, 3))),
        Example("stride 0", "stride 0", dict(x=x, stride=0, **weights("n", 3, 3))),
        Example("stride -1", "stride -1", dict(x=x, stride=-1, **weights("n", 3, 3))),
        Example("identity shortcut but C=1 < F=3 (NumPy would broadcast x)",
                "항등 shortcut인데 C=1 < F=3 (NumPy라면 x가 브로드캐스트됨)",
                dict(x=floats("x1", 2, 1, 5, 6), stride=1, **weights("o", 3, 1))),
        Example("1x1 main path (w1 and w2 are 1x1, not 3x3)", "1x1 주 경로 (w1과 w2가 3x3이 아니라 1x1)",
                dict(x=x, stride=1, **{**weights("p", 3, 3), "w1": floats("p7", 3, 3, 1, 1),
                                       "w2": floats("p8", 3, 3, 1, 1)})),
        Example("w2 is 1x1, not 3x3", "w2가 3x3이 아니라 1x1",
                dict(x=x, stride=1, **{**weights("p", 3, 3), "w2": floats("p8", 3, 3, 1, 1)})),
        Example("w2 is 5x5 over a 3x3 input (its 1x1 output would broadcast)",
                "3x3 입력에 w2가 5x5 (1x1 출력이 브로드캐스트됨)",
                dict(x=floats("x3", 2, 3, 3, 3), stride=1, **{**weights("t", 3, 3), "w2": floats("t8", 3, 3, 5, 5)})),
        Example("b1 has 1 entry for 3 filters (NumPy would broadcast it)", "필터 3개에 b1 원소가 1개 (NumPy라면 브로드캐스트됨)",
                dict(x=x, stride=1, **{**weights("q", 3, 3), "b1": floats("q9", 1)})),
        Example("b2 is 0-d (a scalar array)", "b2가 0차원 (스칼라 배열)",
                dict(x=x, stride=1, **{**weights("q", 3, 3), "b2": floats("q8", 1)[0]})),
        Example("ws has 1 input channel but x has 3 (NumPy would broadcast it)",
                "ws의 입력 채널은 1개인데 x의 채널은 3개 (NumPy라면 브로드캐스트됨)",
                dict(x=x, stride=2, **{**weights("r", 4, 3, proj=True), "ws": floats("r9", 4, 1, 1, 1)})),
        Example("bs has 1 entry for 4 filters (NumPy would broadcast it)", "필터 4개에 bs 원소가 1개 (NumPy라면 브로드캐스트됨)",
                dict(x=x, stride=2, **{**weights("s", 4, 3, proj=True), "bs": floats("s9", 1)})),
    ]
    return e


EDGES = {
    "relu": _relu_edges,
    "residual_block_forward": _residual_edges,
}


@st.composite
def elementwise_args(draw):
    """x of 1 to 4 dimensions."""
    ndim = draw(kit.dims(1, 4))
    return dict(x=draw(kit.tensor(tuple(draw(kit.dims(1, 4)) for _ in range(ndim)))))


@st.composite
def residual_args(draw):
    """An identity shortcut (F == C, stride 1) or a projection, whose bias bs may be None."""
    n, c = draw(kit.dims(1, 2)), draw(kit.dims(1, 3))
    stride = draw(kit.dims(1, 2))
    identity = draw(st.booleans()) and stride == 1
    f = c if identity else draw(kit.dims(1, 3))
    h, w = draw(kit.dims(1, 7)), draw(kit.dims(1, 7))
    args = dict(x=draw(kit.tensor((n, c, h, w))), w1=draw(kit.tensor((f, c, 3, 3))), b1=draw(kit.tensor((f,))),
                w2=draw(kit.tensor((f, f, 3, 3))), b2=draw(kit.tensor((f,))), stride=stride, ws=None, bs=None)
    if not identity:
        args["ws"] = draw(kit.tensor((f, c, 1, 1)))
        args["bs"] = draw(st.one_of(st.none(), kit.tensor((f,))))
    return args


STRATEGIES = {
    "relu": elementwise_args(),
    "residual_block_forward": residual_args(),
}


VARIANTS = kit.Variants()


@VARIANTS.add("relu.abs",
              en="Took the absolute value; ReLU is max(x, 0), so negative inputs become 0.",
              ko="ReLU는 max(x, 0)이라 음수 입력은 0이 되는데 절댓값을 구했습니다.")
def _relu_abs(x):
    return np.abs(kit.as_float(x))


@VARIANTS.add("relu.leaky",
              en="Kept a small slope for negative inputs (leaky ReLU); ReLU sets them to 0.",
              ko="ReLU는 음수를 0으로 만드는데 음수 입력에 작은 기울기를 남겼습니다(leaky ReLU).")
def _relu_leaky(x):
    x = kit.as_float(x)
    return np.where(x > 0, x, 0.01 * x)


@VARIANTS.add("relu.min_instead_of_max",
              en="Took min(x, 0); ReLU is max(x, 0).",
              ko="ReLU는 max(x, 0)인데 min(x, 0)을 구했습니다.")
def _relu_min_instead_of_max(x):
    return np.minimum(kit.as_float(x), 0.0)


@VARIANTS.add("relu.step",
              en="Returned 1 where x > 0 (the step, ReLU's slope) instead of x itself.",
              ko="x > 0인 곳에서 x 대신 1을 반환했습니다(계단 함수, ReLU의 기울기).")
def _relu_step(x):
    return (kit.as_float(x) > 0).astype(np.float64)


def _shortcut(x, stride, ws, bs, use_bias=True):
    """x itself, or its 1x1 projection by ws (bias bs, zeros when None or use_bias is False)."""
    if ws is None:
        return kit.as_float(x)
    ws = kit.as_float(ws)
    bias = np.zeros(ws.shape[0]) if bs is None or not use_bias else bs
    return kit.conv(x, ws, bias, stride, 0)


def _branch(x, w1, b1, w2, b2, s1, s2=1, relu1=True):
    """y = conv(relu(conv(x, w1, b1, stride s1)), w2, b2, stride s2), both with padding 1."""
    h = kit.conv(x, w1, b1, s1, 1)
    if relu1:
        h = kit.relu(h)
    return kit.conv(h, w2, b2, s2, 1)


@VARIANTS.add("residual_block_forward.projection_ignored",
              en="Added x itself although a projection shortcut ws was given; with ws the shortcut is the 1x1 convolution of x.",
              ko="ws가 있으면 shortcut은 x의 1x1 convolution인데 x를 그대로 더했습니다.")
def _rb_projection_ignored(x, w1, b1, w2, b2, stride=1, ws=None, bs=None):
    return kit.relu(_branch(x, w1, b1, w2, b2, stride) + kit.as_float(x))


@VARIANTS.add("residual_block_forward.projection_bias_ignored",
              en="Left out the projection shortcut's bias bs.",
              ko="projection shortcut의 bias bs를 빠뜨렸습니다.")
def _rb_projection_bias_ignored(x, w1, b1, w2, b2, stride=1, ws=None, bs=None):
    y = _branch(x, w1, b1, w2, b2, stride)
    return kit.relu(y + _shortcut(x, stride, ws, bs, use_bias=False))


@VARIANTS.add("residual_block_forward.biases_forgotten",
              en="Left out the biases of the block's convolutions (b1, b2 and bs); ResNet code often has none because "
                 "batch normalization follows each convolution, but this block has no batch normalization.",
              ko="블록의 convolution에 bias(b1, b2, bs)를 더하지 않았습니다(ResNet 코드는 convolution 뒤에 배치 "
                 "정규화가 있어 bias를 두지 않곤 하지만, 이 블록에는 배치 정규화가 없습니다).")
def _rb_biases_forgotten(x, w1, b1, w2, b2, stride=1, ws=None, bs=None):
    f = np.asarray(w1).shape[0]
    y = _branch(x, w1, np.zeros(f), w2, np.zeros(f), stride)
    return kit.relu(y + _shortcut(x, stride, ws, bs, use_bias=False))


@VARIANTS.add("residual_block_forward.final_relu_forgotten",
              en="Forgot the ReLU after adding the shortcut: out = relu(y + shortcut).",
              ko="shortcut을 더한 뒤의 ReLU를 빠뜨렸습니다: out = relu(y + shortcut).")
def _rb_final_relu_forgotten(x, w1, b1, w2, b2, stride=1, ws=None, bs=None):
    return _branch(x, w1, b1, w2, b2, stride) + _shortcut(x, stride, ws, bs)


@VARIANTS.add("residual_block_forward.added_after_relu",
              en="Applied the final ReLU before adding the shortcut instead of after: out = relu(y + shortcut).",
              ko="마지막 ReLU를 shortcut을 더한 뒤가 아니라 더하기 전에 적용했습니다: out = relu(y + shortcut).")
def _rb_added_after_relu(x, w1, b1, w2, b2, stride=1, ws=None, bs=None):
    return kit.relu(_branch(x, w1, b1, w2, b2, stride)) + _shortcut(x, stride, ws, bs)


@VARIANTS.add("residual_block_forward.second_conv_relu",
              en="Applied a ReLU to the second convolution's output before adding the shortcut; y goes into the sum as it is.",
              ko="두 번째 convolution의 출력 y는 그대로 더해야 하는데 shortcut을 더하기 전에 y에 ReLU를 적용했습니다.")
def _rb_second_conv_relu(x, w1, b1, w2, b2, stride=1, ws=None, bs=None):
    y = kit.relu(_branch(x, w1, b1, w2, b2, stride))
    return kit.relu(y + _shortcut(x, stride, ws, bs))


@VARIANTS.add("residual_block_forward.shortcut_relu",
              en="Applied a ReLU to the shortcut before the addition; the shortcut carries the input unchanged.",
              ko="shortcut은 입력을 그대로 전달하는데 더하기 전에 shortcut에 ReLU를 적용했습니다.")
def _rb_shortcut_relu(x, w1, b1, w2, b2, stride=1, ws=None, bs=None):
    y = _branch(x, w1, b1, w2, b2, stride)
    return kit.relu(y + kit.relu(_shortcut(x, stride, ws, bs)))


@VARIANTS.add("residual_block_forward.shortcut_missing",
              en="Left out the shortcut: the residual block adds its input to the output of the two convolutions.",
              ko="shortcut을 빠뜨렸습니다: residual block은 두 convolution의 출력에 입력을 더합니다.")
def _rb_shortcut_missing(x, w1, b1, w2, b2, stride=1, ws=None, bs=None):
    return kit.relu(_branch(x, w1, b1, w2, b2, stride))


@VARIANTS.add("residual_block_forward.first_relu_forgotten",
              en="Forgot the ReLU between the two convolutions.",
              ko="두 convolution 사이의 ReLU를 빠뜨렸습니다.")
def _rb_first_relu_forgotten(x, w1, b1, w2, b2, stride=1, ws=None, bs=None):
    y = _branch(x, w1, b1, w2, b2, stride, relu1=False)
    return kit.relu(y + _shortcut(x, stride, ws, bs))


@VARIANTS.add("residual_block_forward.stride_on_second_conv",
              en="Applied the stride in the second convolution instead of the first.",
              ko="stride를 첫 번째가 아니라 두 번째 convolution에 적용했습니다.")
def _rb_stride_on_second_conv(x, w1, b1, w2, b2, stride=1, ws=None, bs=None):
    y = _branch(x, w1, b1, w2, b2, 1, stride)
    return kit.relu(y + _shortcut(x, stride, ws, bs))


@VARIANTS.add("residual_block_forward.stride_on_both_convs",
              en="Applied the stride in both convolutions; only the first one downsamples, the second uses stride 1.",
              ko="첫 번째 convolution만 다운샘플링하고 두 번째는 stride 1인데 stride를 두 convolution 모두에 적용했습니다.")
def _rb_stride_on_both_convs(x, w1, b1, w2, b2, stride=1, ws=None, bs=None):
    y = _branch(x, w1, b1, w2, b2, stride, stride)
    return kit.relu(y + _shortcut(x, stride * stride, ws, bs))
