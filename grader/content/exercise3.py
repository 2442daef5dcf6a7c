"""Exercise 3: pooling (lecture: Pooling layer, Max Pooling, Global Average Pooling).

max_pool_forward, avg_pool_forward: x (N, C, H, W) -> (N, C, H', W'), each channel on its own, no padding.
global_avg_pool: x (N, C, H, W) -> (N, C), the mean of each activation map.
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from grader.content import kit
from grader.content.kit import Example, floats, grid, ints

FUNCTIONS = (
    kit.Function("max_pool_forward", ("x", "size", "stride"), ("x",), "array", keeps_int_dtype=True,
                 defaults=(("size", 2), ("stride", 2))),
    kit.Function("avg_pool_forward", ("x", "size", "stride"), ("x",), "array", defaults=(("size", 2), ("stride", 2))),
    kit.Function("global_avg_pool", ("x",), ("x",), "array"),
)

LECTURE = {
    "max_pool_forward": [
        Example("4x4 grid, 2x2 max pool, stride 2", "4x4 격자, 2x2 max pooling, stride 2",
                dict(x=grid(kit.LECTURE_POOL), size=2, stride=2)),
    ],
    "avg_pool_forward": [
        Example("4x4 grid, 2x2 average pool, stride 2", "4x4 격자, 2x2 average pooling, stride 2",
                dict(x=grid(kit.LECTURE_POOL), size=2, stride=2)),
    ],
    "global_avg_pool": [
        Example("4x4 grid, global average", "4x4 격자, global average", dict(x=grid(kit.LECTURE_POOL))),
    ],
}


def _pool_edges(mean: bool) -> list[Example]:
    """The edge cases of max pooling, and of average pooling (mean=True: one more)."""
    x = floats("pool", 2, 3, 5, 7)
    e = [
        Example("N=2, C=3, non-square 5x7 input, 2x2 stride 2 (a row and a column left over)",
                "N=2, C=3, 정사각형이 아닌 5x7 입력, 2x2 stride 2 (행과 열이 하나씩 남음)",
                dict(x=x, size=2, stride=2)),
        Example("overlapping 3x3 windows, stride 1", "겹치는 3x3 window, stride 1",
                dict(x=floats("a", 1, 2, 5, 4), size=3, stride=1)),
        Example("3x3 windows, stride 2", "3x3 window, stride 2", dict(x=floats("b", 2, 1, 7, 7), size=3, stride=2)),
        Example("all values negative", "모든 값이 음수", dict(x=-np.abs(floats("c", 1, 2, 4, 4)) - 1, size=2, stride=2)),
        Example("integer input", "정수 입력", dict(x=ints("d", 2, 2, 4, 6), size=2, stride=2)),
        Example("window as large as the input", "입력만큼 큰 window", dict(x=floats("e", 1, 2, 3, 3), size=3, stride=1)),
        Example("size and stride left out (defaults size=2, stride=2)", "size와 stride 생략 (기본값 size=2, stride=2)",
                dict(x=floats("f", 2, 2, 5, 7))),
        Example("stride left out (default stride=2)", "stride 생략 (기본값 stride=2)",
                dict(x=floats("h", 1, 2, 7, 6), size=3)),
        Example("window does not fit (size 6 over a 5x7 input)", "window가 들어가지 않음 (5x7 입력에 size 6)",
                dict(x=x, size=6, stride=1)),
        Example("stride 0", "stride 0", dict(x=x, size=2, stride=0)),
        Example("size 0", "size 0", dict(x=x, size=0, stride=1)),
        Example("x is not 4-D", "x가 4차원이 아님", dict(x=x[0], size=2, stride=2)),
        Example("x is 5-D", "x가 5차원", dict(x=x[None], size=2, stride=2)),
        Example("stride -1", "stride -1", dict(x=x, size=2, stride=-1)),
        Example("size -2", "size -2", dict(x=x, size=-2, stride=1)),
        Example("window does not fit in one direction only (size 6 over a 7x5 input)",
                "한 방향으로만 window가 들어가지 않음 (7x5 입력에 size 6)",
                dict(x=floats("pool", 1, 1, 7, 5), size=6, stride=1)),
    ]
    if mean:
        e.insert(5, Example("integer input whose averages are not integers", "평균이 정수가 아닌 정수 입력",
                            dict(x=ints("g", 1, 1, 2, 4) * 2 + 1, size=2, stride=2)))
    return e


def _global_pool_edges() -> list[Example]:
    return [
        Example("N=2, C=3, non-square 4x6", "N=2, C=3, 정사각형이 아닌 4x6", dict(x=floats("a", 2, 3, 4, 6))),
        Example("integer input", "정수 입력", dict(x=ints("b", 2, 2, 3, 3))),
        Example("1x1 activation maps", "1x1 activation map", dict(x=floats("c", 3, 4, 1, 1))),
        Example("x is not 4-D", "x가 4차원이 아님", dict(x=floats("d", 3, 4, 4))),
        Example("x is 5-D", "x가 5차원", dict(x=floats("d", 1, 2, 3, 4, 5))),
        Example("x is 2-D", "x가 2차원", dict(x=floats("d", 4, 5))),
    ]


EDGES = {
    "max_pool_forward": lambda: _pool_edges(mean=False),
    "avg_pool_forward": lambda: _pool_edges(mean=True),
    "global_avg_pool": _global_pool_edges,
}


@st.composite
def pool_args(draw):
    """A window that fits: H and W are at least size."""
    size, stride = draw(kit.dims(1, 4)), draw(kit.dims(1, 3))
    n, c = draw(kit.dims(1, 3)), draw(kit.dims(1, 3))
    h, w = draw(kit.dims(size, 10)), draw(kit.dims(size, 10))
    return dict(x=draw(kit.tensor((n, c, h, w))), size=size, stride=stride)


@st.composite
def global_pool_args(draw):
    return dict(x=draw(kit.tensor(tuple(draw(kit.dims(1, 5)) for _ in range(4)))))


STRATEGIES = {
    "max_pool_forward": pool_args(),
    "avg_pool_forward": pool_args(),
    "global_avg_pool": global_pool_args(),
}


VARIANTS = kit.Variants()


@VARIANTS.add("max_pool_forward.output_size_rounded",
              en="Rounded the output size instead of flooring it, so a window cut short at the border was pooled; "
                 "H' = (H - size) // stride + 1 and the pixels left over are not covered.",
              ko="H' = (H - size) // stride + 1이고 남는 픽셀은 덮지 않는데, 출력 크기를 반올림해서 가장자리에서 "
                 "잘린 window까지 pooling했습니다.")
def _mp_output_size_rounded(x, size=2, stride=2):
    x = kit.as_float(x)
    hw = (kit.rounded_size(x.shape[2], size, stride), kit.rounded_size(x.shape[3], size, stride))
    return kit.partial_windows(x, size, stride, hw, np.max)


@VARIANTS.add("max_pool_forward.output_size_ceil",
              en="Rounded the output size up (ceil mode), so a window cut short at the border was pooled; "
                 "H' = (H - size) // stride + 1 and the pixels left over are not covered.",
              ko="H' = (H - size) // stride + 1이고 남는 픽셀은 덮지 않는데, 출력 크기를 올림(ceil 모드)해서 "
                 "가장자리에서 잘린 window까지 pooling했습니다.")
def _mp_output_size_ceil(x, size=2, stride=2):
    x = kit.as_float(x)
    hw = (kit.rounded_size(x.shape[2], size, stride, how=kit.math.ceil),
          kit.rounded_size(x.shape[3], size, stride, how=kit.math.ceil))
    return kit.partial_windows(x, size, stride, hw, np.max)


@VARIANTS.add("max_pool_forward.size_stride_swapped",
              en="Swapped the window size and the stride.",
              ko="pooling window 크기와 stride를 서로 바꿔 썼습니다.")
def _mp_size_stride_swapped(x, size=2, stride=2):
    return kit.pool(x, stride, size, np.max)


@VARIANTS.add("max_pool_forward.window_not_strided",
              en="Sized the output for the stride but moved the pooling window one pixel at a time.",
              ko="출력 크기는 stride에 맞췄지만 pooling window를 한 칸씩 움직였습니다.")
def _mp_window_not_strided(x, size=2, stride=2):
    x = np.asarray(x)
    full = kit.pool(x, size, 1, np.max)
    return kit.crop_to_stride(full, x.shape[2:], (size, size), stride)


@VARIANTS.add("max_pool_forward.stride_ignored",
              en="Ignored the stride and moved the pooling window one pixel at a time, so nothing was downsampled.",
              ko="stride를 무시하고 pooling window를 한 칸씩 움직여서 다운샘플링이 되지 않았습니다.")
def _mp_stride_ignored(x, size=2, stride=2):
    return kit.pool(x, size, 1, np.max)


@VARIANTS.add("max_pool_forward.window_stepped_by_size",
              en="Sized the output for the stride but moved the pooling window by size; window (i, j) starts at "
                 "row i * stride and column j * stride.",
              ko="출력 크기는 stride에 맞췄지만 pooling window를 size만큼 옮겼습니다((i, j)번째 window는 "
                 "i * stride행, j * stride열에서 시작합니다).")
def _mp_window_stepped_by_size(x, size=2, stride=2):
    # x[i * size:i * size + size]: windows past the border are cut short, and an empty one leaves the 0 of np.zeros
    x = kit.as_float(x)
    hw = ((x.shape[2] - size) // stride + 1, (x.shape[3] - size) // stride + 1)
    out = kit.partial_windows(x, size, size, hw, np.max)
    return np.where(np.isnan(out), 0.0, out)


@VARIANTS.add("max_pool_forward.pooled_over_channels",
              en="Pooled over the channel and height axes as if the layout were NHWC; pooling acts on each activation map independently, over H and W, and the depth stays the same.",
              ko="pooling은 각 activation map에 독립적으로 H, W 방향으로 작용하고 depth는 불변인데 배열을 NHWC 순서로 보고 채널과 높이 축에서 pooling했습니다.")
def _mp_pooled_over_channels(x, size=2, stride=2):
    # windows over axes 1 and 2, as if the layout were NHWC
    return kit.pool(x, size, stride, np.max, axes=(1, 2))


@VARIANTS.add("max_pool_forward.running_max_from_zero",
              en="Started the running maximum at 0, so a window of negative values gave 0 instead of its "
                 "largest value (start from the window's first value, or use np.max).",
              ko="최댓값을 0에서 시작해서 음수만 있는 window의 결과가 0이 되었습니다(window의 첫 값에서 시작하거나 "
                 "np.max를 쓰세요).")
def _mp_running_max_from_zero(x, size=2, stride=2):
    return np.maximum(kit.pool(x, size, stride, np.max), 0.0)


@VARIANTS.add("max_pool_forward.max_over_channels_too",
              en="Took the maximum over the channels as well, but each channel's activation map is pooled on its own.",
              ko="채널마다 activation map을 따로 pooling해야 하는데 채널까지 포함해서 최댓값을 구했습니다.")
def _mp_max_over_channels_too(x, size=2, stride=2):
    out = kit.pool(x, size, stride, np.max)
    return np.broadcast_to(out.max(axis=1, keepdims=True), out.shape)


@VARIANTS.add("max_pool_forward.mean_instead_of_max",
              en="Took the mean of each window; max pooling keeps only the maximum.",
              ko="max pooling은 최댓값만 쓰는데 window의 평균을 구했습니다.")
def _mp_mean_instead_of_max(x, size=2, stride=2):
    return kit.pool(x, size, stride, np.mean)


@VARIANTS.add("max_pool_forward.min_instead_of_max",
              en="Took the minimum of each window; max pooling keeps the maximum.",
              ko="max pooling은 최댓값만 쓰는데 window의 최솟값을 구했습니다.")
def _mp_min_instead_of_max(x, size=2, stride=2):
    return kit.pool(x, size, stride, np.min)


@VARIANTS.add("avg_pool_forward.integer_accumulator",
              en="Stored the averages in an array with the input's integer dtype, so the fractional parts were cut off.",
              ko="평균을 입력과 같은 정수 dtype 배열에 저장해서 소수 부분이 잘렸습니다.")
def _ap_integer_accumulator(x, size=2, stride=2):
    return kit.truncated_like(kit.pool(x, size, stride, np.mean), x)


@VARIANTS.add("avg_pool_forward.max_instead_of_mean",
              en="Took the maximum of each window (max pooling); average pooling takes the mean.",
              ko="average pooling은 평균을 구하는데 window의 최댓값을 구했습니다(max pooling).")
def _ap_max_instead_of_mean(x, size=2, stride=2):
    return kit.pool(x, size, stride, np.max)


@VARIANTS.add("avg_pool_forward.sum_instead_of_mean",
              en="Summed each window without dividing by the number of cells (size x size).",
              ko="window의 합을 칸 수(size x size)로 나누지 않았습니다.")
def _ap_sum_instead_of_mean(x, size=2, stride=2):
    return kit.pool(x, size, stride, np.sum)


@VARIANTS.add("avg_pool_forward.divided_by_size",
              en="Divided each window's sum by size instead of by its size x size cells.",
              ko="window의 합을 size x size 칸 수가 아닌 size로 나눴습니다.")
def _ap_divided_by_size(x, size=2, stride=2):
    return kit.pool(x, size, stride, np.sum) / size


@VARIANTS.add("avg_pool_forward.size_stride_swapped",
              en="Swapped the window size and the stride.",
              ko="pooling window 크기와 stride를 서로 바꿔 썼습니다.")
def _ap_size_stride_swapped(x, size=2, stride=2):
    return kit.pool(x, stride, size, np.mean)


@VARIANTS.add("avg_pool_forward.stride_ignored",
              en="Ignored the stride and moved the pooling window one pixel at a time, so nothing was downsampled.",
              ko="stride를 무시하고 pooling window를 한 칸씩 움직여서 다운샘플링이 되지 않았습니다.")
def _ap_stride_ignored(x, size=2, stride=2):
    return kit.pool(x, size, 1, np.mean)


@VARIANTS.add("global_avg_pool.integer_accumulator",
              en="Stored the averages in an array with the input's integer dtype, so the fractional parts were cut off.",
              ko="평균을 입력과 같은 정수 dtype 배열에 저장해서 소수 부분이 잘렸습니다.")
def _gap_integer_accumulator(x):
    return kit.truncated_like(kit.as_float(x).mean(axis=(2, 3)), x)


@VARIANTS.add("global_avg_pool.keepdims",
              en="Returned shape (N, C, 1, 1); global average pooling turns the features into a vector of shape (N, C).",
              ko="global average pooling은 특징을 (N, C) 벡터로 만드는데 (N, C, 1, 1) shape를 반환했습니다.")
def _gap_keepdims(x):
    return kit.as_float(x).mean(axis=(2, 3), keepdims=True)


@VARIANTS.add("global_avg_pool.mean_over_channels_too",
              en="Averaged over the channels as well; each channel's activation map gets its own mean.",
              ko="각 채널의 activation map마다 평균을 따로 구해야 하는데 채널까지 평균을 냈습니다.")
def _gap_mean_over_channels_too(x):
    return kit.as_float(x).mean(axis=(1, 2, 3))


@VARIANTS.add("global_avg_pool.mean_over_batch_too",
              en="Averaged over the batch as well; each image n keeps its own vector.",
              ko="이미지 n마다 자기 벡터를 가져야 하는데 배치까지 평균을 냈습니다.")
def _gap_mean_over_batch_too(x):
    return kit.as_float(x).mean(axis=(0, 2, 3))


@VARIANTS.add("global_avg_pool.width_only",
              en="Averaged along the width only; the mean is over the whole H x W activation map.",
              ko="평균은 H x W activation map 전체에 대해 구하는데 너비 방향으로만 평균을 냈습니다.")
def _gap_width_only(x):
    return kit.as_float(x).mean(axis=3)


@VARIANTS.add("global_avg_pool.max_instead_of_mean",
              en="Took the maximum of each activation map (global max pooling) instead of the mean.",
              ko="각 activation map의 평균 대신 최댓값을 구했습니다(global max pooling).")
def _gap_max_instead_of_mean(x):
    return kit.as_float(x).max(axis=(2, 3))


@VARIANTS.add("global_avg_pool.divided_by_h_squared",
              en="Divided each map's sum by H x H (as if the maps were square) instead of H x W.",
              ko="각 map의 합을 H x W가 아니라 H x H로 나눴습니다(정사각형이라고 가정).")
def _gap_divided_by_h_squared(x):
    x = kit.as_float(x)
    return x.sum(axis=(2, 3)) / (x.shape[2] * x.shape[2])


@VARIANTS.add("global_avg_pool.sum_instead_of_mean",
              en="Summed each activation map without dividing by H x W.",
              ko="각 activation map의 합을 H x W로 나누지 않았습니다.")
def _gap_sum_instead_of_mean(x):
    return kit.as_float(x).sum(axis=(2, 3))
