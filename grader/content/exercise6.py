"""Exercise 6: the FC layer and the FC layer as a convolution (lecture: Fully Connected Layer,
"FC layer to Conv layer", "1 forward pass => image sliding").

fc_forward: x (N, C, H, W) or (N, D), w (M, D), b (M,) -> (N, M) = x.reshape(N, -1) @ w.T + b.
fc_to_conv: w (M, D), b (M,), input_shape (C, H, W) -> (w_conv (M, C, H, W), b_conv (M,)), copies.
fc_score_map: x (N, C, H2, W2), w (M, C*H*W), b (M,), window (H, W), stride -> (N, M, H', W'):
the FC layer applied to every window, as one convolution.
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from grader.content import kit
from grader.content.kit import Example, floats, grid, ints

FUNCTIONS = (
    kit.Function("fc_forward", ("x", "w", "b"), ("x", "w", "b"), "array"),
    kit.Function("fc_to_conv", ("w", "b", "input_shape"), ("w", "b", "input_shape"), "tuple",
                 outputs=("w_conv", "b_conv"), keeps_int_dtype=True, magnitude=kit.EXACT),
    kit.Function("fc_score_map", ("x", "w", "b", "window", "stride"), ("x", "w", "b", "window"), "array",
                 depends_on=(("exercise2", "conv_forward"),), defaults=(("stride", 1),)),
)

# The lecture's 3x3 filter as one row of an FC layer over 3x3 inputs: D = 9, M = 1.
LECTURE_ROW = np.array(kit.LECTURE_W, dtype=np.int64).reshape(1, 9)

LECTURE = {
    "fc_forward": [
        Example("top-left 3x3 window of the 5x5 grid, the lecture's filter as one FC row",
                "5x5 격자의 왼쪽 위 3x3 window, 강의의 필터를 FC의 한 행으로",
                dict(x=grid(kit.LECTURE_X)[:, :, :3, :3], w=LECTURE_ROW, b=np.zeros(1))),
        Example("32x32x3 image stretched to 3072, 10 class scores",
                "32x32x3 이미지를 3072로 펼침, class score 10개",
                dict(x=floats("img", 1, 3, 32, 32), w=floats("W", 10, 3072) / 100, b=floats("cls", 10))),
    ],
    "fc_to_conv": [
        Example("the lecture's filter as one FC row, input_shape (1, 3, 3)",
                "강의의 필터를 FC의 한 행으로, input_shape (1, 3, 3)",
                dict(w=LECTURE_ROW, b=np.zeros(1), input_shape=(1, 3, 3))),
        Example("FC over a 7x7x2 volume with 3 outputs: 3 filters of 2x7x7",
                "7x7x2 입력의 FC, 출력 3개: 2x7x7 필터 3개",
                dict(w=floats("fc7", 3, 98), b=floats("fc7b", 3), input_shape=(2, 7, 7))),
    ],
    "fc_score_map": [
        Example("5x5 grid, the lecture's filter as an FC layer on 3x3 windows, stride 1",
                "5x5 격자, 3x3 window의 FC layer가 된 강의의 필터, stride 1",
                dict(x=grid(kit.LECTURE_X), w=LECTURE_ROW, b=np.zeros(1), window=(3, 3), stride=1)),
        Example("5x5 grid, the lecture's filter as an FC layer on 3x3 windows, stride 2",
                "5x5 격자, 3x3 window의 FC layer가 된 강의의 필터, stride 2",
                dict(x=grid(kit.LECTURE_X), w=LECTURE_ROW, b=np.zeros(1), window=(3, 3), stride=2)),
    ],
}


def _i_ga(m: int) -> str:
    """이 or 가 after the number m, by its last digit read aloud (영, 일, 삼, 육, 칠, 팔 end in a consonant)."""
    return "이" if m % 10 in (0, 1, 3, 6, 7, 8) else "가"


def _bias_cases(make, m: int) -> list[Example]:
    """The ValueError cases of a bias that should be (m,): make(b) -> the arguments."""
    b = floats("bias", m)
    return [
        Example(f"b has shape ({m}, 1), not ({m},)", f"b의 shape가 ({m},){_i_ga(m)} 아니라 ({m}, 1)", make(b[:, None])),
        Example(f"b has {m - 1} entries for {m} outputs", f"출력 {m}개에 b 원소 {m - 1}개", make(b[:-1])),
        Example(f"b has 1 entry for {m} outputs", f"출력 {m}개에 b 원소 1개", make(b[:1])),
        Example("b is 0-d (a scalar array)", "b가 0차원 (스칼라 배열)", make(np.array(1.5))),
    ]


def _fc_edges() -> list[Example]:
    x, w, b = floats("a", 2, 3, 2, 4), floats("b", 5, 24), floats("c", 5)
    e = [
        Example("4-D x: N=2, C=3, non-square 2x4 (D = 24), 5 outputs",
                "4차원 x: N=2, C=3, 정사각형이 아닌 2x4 (D = 24), 출력 5개", dict(x=x, w=w, b=b)),
        Example("2-D x: N=3, D=6, 2 outputs", "2차원 x: N=3, D=6, 출력 2개",
                dict(x=floats("d", 3, 6), w=floats("e", 2, 6), b=floats("f", 2))),
        Example("square weight matrix (M = D = 4), 4-D x of 1x2x2", "정사각 가중치 행렬 (M = D = 4), 1x2x2의 4차원 x",
                dict(x=floats("g", 2, 1, 2, 2), w=floats("h", 4, 4), b=floats("i", 4))),
        Example("square weight matrix (M = D = 6), C=2, 1x3", "정사각 가중치 행렬 (M = D = 6), C=2, 1x3",
                dict(x=floats("j", 3, 2, 1, 3), w=floats("k", 6, 6), b=floats("l", 6))),
        Example("1x1 activation maps (N=2, C=5)", "1x1 activation map, 채널 5개 (N=2)",
                dict(x=floats("m", 2, 5, 1, 1), w=floats("n", 3, 5), b=floats("o", 3))),
        Example("integer inputs (int64 x, w and b)", "정수 입력 (int64 x, w, b)",
                dict(x=ints("p", 2, 2, 3, 3), w=ints("q", 4, 18), b=ints("r", 4))),
        Example("x is 3-D", "x가 3차원", dict(x=x[0], w=w, b=b)),
        Example("x is 5-D", "x가 5차원", dict(x=x[None], w=w, b=b)),
        # the same 24 values per example: only a check on x.ndim rejects these
        Example("x is 3-D (N, C, H*W) with C*H*W = D", "x가 3차원 (N, C, H*W), C*H*W = D",
                dict(x=x.reshape(2, 3, 8), w=w, b=b)),
        Example("x is 5-D with D values per example", "x가 5차원, 예제마다 값 D개",
                dict(x=x.reshape(2, 3, 2, 2, 2), w=w, b=b)),
        Example("w is not 2-D", "w가 2차원이 아님", dict(x=x, w=floats("s", 5, 3, 2, 4), b=b)),
        Example("D = 24 but w has 23 columns", "D = 24인데 w의 열이 23개", dict(x=x, w=w[:, :23], b=b)),
    ]
    return e + _bias_cases(lambda bb: dict(x=x, w=w, b=bb), 5)


def _to_conv_edges() -> list[Example]:
    w, b = floats("a", 5, 24), floats("b", 5)
    e = [
        Example("C=3, non-square 2x4 input, 5 output units", "C=3, 정사각형이 아닌 2x4 입력, 출력 유닛 5개",
                dict(w=w, b=b, input_shape=(3, 2, 4))),
        Example("C=2, non-square 3x1 input, a single output unit", "C=2, 정사각형이 아닌 3x1 입력, 출력 유닛 1개",
                dict(w=floats("c", 1, 6), b=floats("d", 1), input_shape=(2, 3, 1))),
        Example("1x1 input with C=6: 1x1 filters", "C=6인 1x1 입력: 1x1 필터",
                dict(w=floats("e", 4, 6), b=floats("f", 4), input_shape=(6, 1, 1))),
        Example("integer w and b (the dtypes may be kept)", "정수 w와 b (dtype을 그대로 둬도 됨)",
                dict(w=ints("g", 3, 12), b=ints("h", 3), input_shape=(3, 2, 2))),
        Example("float w with integer b", "실수 w와 정수 b",
                dict(w=floats("i", 2, 8), b=ints("j", 2), input_shape=(2, 2, 2))),
        Example("w is not 2-D", "w가 2차원이 아님", dict(w=w.reshape(5, 3, 8), b=b, input_shape=(3, 2, 4))),
        Example("input_shape has two sizes (3, 8)", "input_shape의 크기가 2개 (3, 8)",
                dict(w=w, b=b, input_shape=(3, 8))),
        Example("input_shape has four sizes (1, 3, 2, 4)", "input_shape의 크기가 4개 (1, 3, 2, 4)",
                dict(w=w, b=b, input_shape=(1, 3, 2, 4))),
        Example("input_shape has a 0 (3, 0, 4)", "input_shape에 0이 있음 (3, 0, 4)", dict(w=w, b=b, input_shape=(3, 0, 4))),
        Example("input_shape has a negative size (-3, -2, 4)", "input_shape에 음수가 있음 (-3, -2, 4)",
                dict(w=w, b=b, input_shape=(-3, -2, 4))),
        Example("C*H*W = 20 but w has 24 columns", "C*H*W = 20인데 w의 열이 24개", dict(w=w, b=b, input_shape=(5, 2, 2))),
    ]
    return e + _bias_cases(lambda bb: dict(w=w, b=bb, input_shape=(3, 2, 4)), 5)


def _score_map_edges() -> list[Example]:
    x, w, b = floats("a", 2, 3, 6, 7), floats("b", 4, 18), floats("c", 4)
    args = dict(x=x, w=w, b=b, window=(2, 3), stride=1)
    e = [
        Example("N=2, C=3, 6x7 input, non-square 2x3 windows, 4 outputs",
                "N=2, C=3, 6x7 입력, 정사각형이 아닌 2x3 window, 출력 4개", args),
        Example("3x3 windows, stride 2 over a 7x8 input", "7x8 입력에 3x3 window, stride 2",
                dict(x=floats("d", 1, 2, 7, 8), w=floats("e", 3, 18), b=floats("f", 3), window=(3, 3), stride=2)),
        Example("stride 3 leaves pixels over (8x9 input, 2x2 windows)", "stride 3에서 픽셀이 남음 (8x9 입력, 2x2 window)",
                dict(x=floats("g", 2, 1, 8, 9), w=floats("h", 2, 4), b=floats("i", 2), window=(2, 2), stride=3)),
        Example("window as large as the input: one score per output", "입력만큼 큰 window: 출력마다 score 1개",
                dict(x=floats("j", 2, 2, 3, 4), w=floats("k", 3, 24), b=floats("l", 3), window=(3, 4), stride=1)),
        Example("1x1 windows: the FC layer becomes a 1x1 convolution", "1x1 window: FC layer가 1x1 convolution이 됨",
                dict(x=floats("m", 1, 3, 3, 4), w=floats("n", 2, 3), b=floats("o", 2), window=(1, 1), stride=1)),
        Example("integer inputs (int64 x, w and b), stride 2", "정수 입력 (int64 x, w, b), stride 2",
                dict(x=ints("p", 2, 2, 5, 5), w=ints("q", 3, 8), b=ints("r", 3), window=(2, 2), stride=2)),
        Example("stride left out (default stride=1)", "stride 생략 (기본값 stride=1)",
                {k: v for k, v in args.items() if k != "stride"}),
        Example("x is not 4-D", "x가 4차원이 아님", {**args, "x": x[0]}),
        Example("window has one size (2,)", "window의 크기가 1개 (2,)", {**args, "window": (2,)}),
        Example("window has three sizes (3, 2, 3)", "window의 크기가 3개 (3, 2, 3)", {**args, "window": (3, 2, 3)}),
        Example("window has a 0 (0, 3)", "window에 0이 있음 (0, 3)", {**args, "window": (0, 3)}),
        Example("the window does not fit (7x3 window over a 6x7 input)", "window가 들어가지 않음 (6x7 입력에 7x3 window)",
                {**args, "window": (7, 3), "w": floats("s", 4, 63)}),
        Example("stride 0", "stride가 0", {**args, "stride": 0}),
        Example("stride -1", "stride가 -1", {**args, "stride": -1}),
        Example("w has 12 columns but C*H*W = 18", "C*H*W = 18인데 w의 열이 12개", {**args, "w": w[:, :12]}),
    ]
    return e + _bias_cases(lambda bb: {**args, "b": bb}, 4)


EDGES = {
    "fc_forward": _fc_edges,
    "fc_to_conv": _to_conv_edges,
    "fc_score_map": _score_map_edges,
}


@st.composite
def fc_args(draw):
    """x 2-D (N, D) or 4-D (N, C, H, W), w (M, D), b (M,)."""
    n, m = draw(kit.dims(1, 3)), draw(kit.dims(1, 4))
    if draw(st.booleans()):
        shape = (n, draw(kit.dims(1, 3)), draw(kit.dims(1, 3)), draw(kit.dims(1, 3)))
    else:
        shape = (n, draw(kit.dims(1, 8)))
    d = int(np.prod(shape[1:]))
    return dict(x=draw(kit.tensor(shape)), w=draw(kit.tensor((m, d))), b=draw(kit.tensor((m,))))


@st.composite
def to_conv_args(draw):
    m, c, h, w = draw(kit.dims(1, 4)), draw(kit.dims(1, 3)), draw(kit.dims(1, 4)), draw(kit.dims(1, 4))
    return dict(w=draw(kit.tensor((m, c * h * w))), b=draw(kit.tensor((m,))), input_shape=(c, h, w))


@st.composite
def score_map_args(draw):
    """A window that fits: H2 >= H and W2 >= W."""
    n, c, m = draw(kit.dims(1, 2)), draw(kit.dims(1, 3)), draw(kit.dims(1, 3))
    h, w = draw(kit.dims(1, 3)), draw(kit.dims(1, 3))
    h2, w2 = h + draw(kit.dims(0, 4)), w + draw(kit.dims(0, 4))
    return dict(x=draw(kit.tensor((n, c, h2, w2))), w=draw(kit.tensor((m, c * h * w))), b=draw(kit.tensor((m,))),
                window=(h, w), stride=draw(kit.dims(1, 3)))


STRATEGIES = {
    "fc_forward": fc_args(),
    "fc_to_conv": to_conv_args(),
    "fc_score_map": score_map_args(),
}


VARIANTS = kit.Variants()

# ------------------------------------------------------------------ pieces ---


def _flat(x, hwc: bool = False) -> np.ndarray:
    """x as (N, D): C, H, W order (right), or H, W, C order when hwc."""
    x = kit.as_float(x)
    if hwc and x.ndim == 4:
        x = x.transpose(0, 2, 3, 1)
    return x.reshape(x.shape[0], -1)


def _filters(w, c: int, h: int, wd: int, hwc: bool = False) -> np.ndarray:
    """The FC rows as (M, C, H, W) filters; hwc: read each row as H, W, C."""
    w = np.asarray(w)
    if hwc:
        return w.reshape(w.shape[0], h, wd, c).transpose(0, 3, 1, 2)
    return w.reshape(w.shape[0], c, h, wd)


def _score_map(x, w, b, window, stride, *, hwc=False, bias=True, shared_bias=False):
    """The score map with stride ``stride``, each step replaceable."""
    x = kit.as_float(x)
    h, wd = window
    filters = _filters(kit.as_float(w), x.shape[1], h, wd, hwc)
    out = kit.correlate(x, filters, stride)
    b = kit.as_float(b)
    if shared_bias:
        return out + b[0]
    return out + b[None, :, None, None] if bias else out


# -------------------------------------------------------------- fc_forward ---

@VARIANTS.add("fc_forward.flatten_hwc",
              en="Flattened x in H, W, C order (channels last); x.reshape(N, -1) of an NCHW array walks C, then H, then W.",
              ko="NCHW 배열의 x.reshape(N, -1)은 C, H, W 순서로 펼치는데 채널을 마지막에 두고 H, W, C 순서로 펼쳤습니다.")
def _fc_flatten_hwc(x, w, b):
    return _flat(x, hwc=True) @ kit.as_float(w).T + kit.as_float(b)


@VARIANTS.add("fc_forward.weights_not_transposed",
              en="Multiplied by w without transposing; w is (out_features, in_features) like PyTorch's Linear, so the product is flat @ w.T.",
              ko="w는 PyTorch의 Linear처럼 (out_features, in_features)라서 flat @ w.T로 곱해야 하는데 전치하지 않고 w를 곱했습니다.")
def _fc_weights_not_transposed(x, w, b):
    return _flat(x) @ kit.as_float(w) + kit.as_float(b)


@VARIANTS.add("fc_forward.weights_reshaped",
              en="Reshaped w (M, D) to (D, M) instead of transposing it, which scrambles the weights; use w.T.",
              ko="w (M, D)는 w.T로 전치해야 하는데 (D, M)으로 reshape해서 가중치가 뒤섞였습니다.")
def _fc_weights_reshaped(x, w, b):
    w = kit.as_float(w)
    return _flat(x) @ w.reshape(w.shape[1], w.shape[0]) + kit.as_float(b)


@VARIANTS.add("fc_forward.bias_forgotten",
              en="Forgot to add the bias b[m] to output unit m.",
              ko="출력 유닛 m에 bias b[m]을 더하는 것을 빠뜨렸습니다.")
def _fc_bias_forgotten(x, w, b):
    return _flat(x) @ kit.as_float(w).T


@VARIANTS.add("fc_forward.bias_first_value_only",
              en="Added b[0] to every output unit; unit m gets its own bias b[m].",
              ko="출력 유닛 m에는 자기 bias b[m]을 더해야 하는데 모든 유닛에 b[0]을 더했습니다.")
def _fc_bias_first_value_only(x, w, b):
    return _flat(x) @ kit.as_float(w).T + kit.as_float(b)[0]


# -------------------------------------------------------------- fc_to_conv ---

@VARIANTS.add("fc_to_conv.filters_hwc_order",
              en="Read each row of w in H, W, C order (reshaped to (M, H, W, C), then moved the channels); the FC layer flattens its input in C, H, W order, so w.reshape(M, C, H, W) is the filter bank.",
              ko="FC layer는 입력을 C, H, W 순서로 펼치므로 w.reshape(M, C, H, W)가 필터인데 w의 각 행을 H, W, C 순서로 읽었습니다((M, H, W, C)로 reshape한 뒤 채널 축을 옮김).")
def _tc_filters_hwc_order(w, b, input_shape):
    c, h, wd = input_shape
    return _filters(w, c, h, wd, hwc=True).copy(), np.array(b)


@VARIANTS.add("fc_to_conv.filters_hwc_shape",
              en="Returned the filters with shape (M, H, W, C); conv filters are (M, C, H, W), channels first.",
              ko="Conv 필터는 채널이 앞에 오는 (M, C, H, W)인데 필터를 (M, H, W, C) shape로 반환했습니다.")
def _tc_filters_hwc_shape(w, b, input_shape):
    c, h, wd = input_shape
    w = np.asarray(w)
    return w.reshape(w.shape[0], h, wd, c).copy(), np.array(b)


@VARIANTS.add("fc_to_conv.weights_transposed",
              en="Reshaped w.T into the filters; row m of w (M, D) already holds filter m's C*H*W weights.",
              ko="w (M, D)의 m번째 행이 이미 필터 m의 가중치 C*H*W개인데 w.T를 reshape해서 필터를 만들었습니다.")
def _tc_weights_transposed(w, b, input_shape):
    w = np.asarray(w)
    return w.T.reshape(w.shape[0], *input_shape).copy(), np.array(b)


@VARIANTS.add("fc_to_conv.bias_forgotten",
              en="Returned zeros as b_conv; each filter keeps its output unit's bias, b_conv = b.",
              ko="각 필터는 자기 출력 유닛의 bias를 그대로 가지므로 b_conv = b인데 b_conv를 0으로 반환했습니다.")
def _tc_bias_forgotten(w, b, input_shape):
    c, h, wd = input_shape
    return _filters(w, c, h, wd).copy(), np.zeros_like(np.asarray(b))


# ------------------------------------------------------------ fc_score_map ---

@VARIANTS.add("fc_score_map.flatten_hwc",
              en="Read each row of w in H, W, C order when building the filters; the FC layer flattens a window in C, H, W order.",
              ko="FC layer는 window를 C, H, W 순서로 펼치는데 필터를 만들 때 w의 각 행을 H, W, C 순서로 읽었습니다.")
def _sm_flatten_hwc(x, w, b, window, stride=1):
    return _score_map(x, w, b, window, stride, hwc=True)


@VARIANTS.add("fc_score_map.bias_forgotten",
              en="Forgot to add the bias b[m] to every score of output unit m.",
              ko="출력 유닛 m의 모든 score에 bias b[m]을 더하는 것을 빠뜨렸습니다.")
def _sm_bias_forgotten(x, w, b, window, stride=1):
    return _score_map(x, w, b, window, stride, bias=False)


@VARIANTS.add("fc_score_map.bias_first_value_only",
              en="Added b[0] to every output unit's score map; unit m gets its own bias b[m].",
              ko="출력 유닛 m에는 자기 bias b[m]을 더해야 하는데 모든 유닛의 score map에 b[0]을 더했습니다.")
def _sm_bias_first_value_only(x, w, b, window, stride=1):
    return _score_map(x, w, b, window, stride, shared_bias=True)


@VARIANTS.add("fc_score_map.window_not_strided",
              en="Sized the score map for the stride but moved the window one pixel at a time; window (i, j) starts at (i * stride, j * stride).",
              ko="Score map 크기는 stride에 맞췄지만 (i * stride, j * stride)에서 시작해야 할 (i, j)번째 window를 한 칸씩만 움직였습니다.")
def _sm_window_not_strided(x, w, b, window, stride=1):
    full = _score_map(x, w, b, window, 1)
    return kit.crop_to_stride(full, np.asarray(x).shape[2:], window, stride)


@VARIANTS.add("fc_score_map.stride_ignored",
              en="Ignored the stride and scored every window one pixel apart.",
              ko="stride를 무시하고 한 칸씩 떨어진 모든 window의 score를 구했습니다.")
def _sm_stride_ignored(x, w, b, window, stride=1):
    return _score_map(x, w, b, window, 1)


@VARIANTS.add("fc_score_map.windows_off_by_one",
              en="Stopped one window early (range(0, H2 - H, stride)); the last window starts at H2 - H, so there are (H2 - H) // stride + 1 of them.",
              ko="마지막 window는 H2 - H에서 시작하므로 window는 (H2 - H) // stride + 1개인데 한 개 일찍 멈췄습니다(range(0, H2 - H, stride)).")
def _sm_windows_off_by_one(x, w, b, window, stride=1):
    full = _score_map(x, w, b, window, stride)
    x = np.asarray(x)
    rows = len(range(0, x.shape[2] - window[0], stride))
    cols = len(range(0, x.shape[3] - window[1], stride))
    return full[:, :, :rows, :cols]
