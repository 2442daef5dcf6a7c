"""The misconception library: every known-wrong variant is diagnostic and identified.

The table CASES gives, for every key, an input on which that variant differs
from the reference; the parametrised test then feeds the variant's output to
`identify` as if a student had returned it and expects exactly that key back.
"""
from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, seed, settings
from hypothesis import strategies as st

from grader.content import all_variants
from grader.engine.identify import Misconception, for_function, identify

from solutions import exercise1, exercise2, exercise3, exercise4, exercise5, exercise6

REFERENCE = {
    "conv_output_size": exercise1.conv_output_size,
    "same_padding": exercise1.same_padding,
    "conv_param_count": exercise1.conv_param_count,
    "conv_forward": exercise2.conv_forward,
    "conv1x1_forward": exercise2.conv1x1_forward,
    "max_pool_forward": exercise3.max_pool_forward,
    "avg_pool_forward": exercise3.avg_pool_forward,
    "global_avg_pool": exercise3.global_avg_pool,
    "relu": exercise4.relu,
    "residual_block_forward": exercise4.residual_block_forward,
    "sigmoid": exercise5.sigmoid,
    "se_block_forward": exercise5.se_block_forward,
    "fc_forward": exercise6.fc_forward,
    "fc_score_map": exercise6.fc_score_map,
}
# fc_to_conv returns a tuple of arrays: its variants are checked in tests/test_exercise6.py.
MISCONCEPTIONS = tuple(m for m in all_variants() if m.function in REFERENCE)
BY_KEY = {m.key: m for m in MISCONCEPTIONS}
HANGUL = re.compile("[\uac00-\ud7a3]")


def _rng(salt: int = 0) -> np.random.Generator:
    return np.random.default_rng(20240 + salt)


def _ints(shape, salt=0, low=-3, high=4) -> np.ndarray:
    """Small integer values stored as float64, like the lecture's grids."""
    return _rng(salt).integers(low, high, size=shape).astype(np.float64)


def _normal(shape, salt=0) -> np.ndarray:
    return np.round(_rng(salt).standard_normal(shape), 3)


# --------------------------------------------------------------------------
# One default input per function, and per-key inputs where a variant needs one
# --------------------------------------------------------------------------

def _conv_args(stride=2, padding=1, x_shape=(2, 3, 5, 6), w_shape=(4, 3, 3, 2)):
    return {"x": _ints(x_shape, 1), "w": _ints(w_shape, 2), "b": _ints((w_shape[0],), 3) + 0.5,
            "stride": stride, "padding": padding}


def _conv1x1_args(x_shape=(2, 3, 2, 3), f=3):
    return {"x": _ints(x_shape, 4), "w": _normal((f, x_shape[1]), 5), "b": _normal((f,), 6)}


def _pool_args(size=3, stride=2, x_shape=(2, 3, 6, 6)):
    return {"x": _normal(x_shape, 7), "size": size, "stride": stride}


def _residual_args(stride=2, c=2, f=3, projection=True):
    args = {"x": _normal((2, c, 5, 5), 8), "w1": _normal((f, c, 3, 3), 9) / 2, "b1": _normal((f,), 10),
            "w2": _normal((f, f, 3, 3), 11) / 2, "b2": _normal((f,), 12), "stride": stride,
            "ws": None, "bs": None}
    if projection:
        args["ws"] = _normal((f, c, 1, 1), 13)
        args["bs"] = _normal((f,), 14)
    return args


def _se_args(x_shape=(2, 4, 2, 4), c_r=2):
    c = x_shape[1]
    return {"x": _normal(x_shape, 15), "w1": _normal((c_r, c), 16), "b1": _normal((c_r,), 17),
            "w2": _normal((c, c_r), 18), "b2": _normal((c,), 19)}


def _int_input(args, name="x"):
    args[name] = args[name].astype(np.int64)
    return args


def _fractional_weights(args, name="w"):
    args[name] = args[name] / 3.0
    return args


DEFAULTS = {
    "conv_output_size": lambda: {"n": 7, "f": 3, "stride": 1, "padding": 2},
    "same_padding": lambda: {"f": 5},
    "conv_param_count": lambda: {"f": 3, "c_in": 4, "c_out": 5, "bias": True},
    "conv_forward": _conv_args,
    "conv1x1_forward": _conv1x1_args,
    "max_pool_forward": _pool_args,
    "avg_pool_forward": _pool_args,
    "global_avg_pool": lambda: {"x": _normal((2, 3, 4, 5), 20)},
    "relu": lambda: {"x": _normal((3, 4), 21)},
    "residual_block_forward": _residual_args,
    "sigmoid": lambda: {"x": np.array([[-800.0, -3.0, -0.5, 0.0], [0.25, 2.0, 7.5, 800.0]])},
    "se_block_forward": _se_args,
    "fc_forward": lambda: {"x": _ints((2, 3, 2, 2), 24), "w": _normal((4, 12), 25), "b": _normal((4,), 26)},
    "fc_score_map": lambda: {"x": _normal((2, 3, 6, 7), 27), "w": _normal((3, 18), 28), "b": _normal((3,), 29),
                             "window": (2, 3), "stride": 2},
}

# Keys whose variant is only diagnostic on a particular input.
SPECIAL = {
    "conv_output_size.stride_ignored": lambda: {"n": 10, "f": 3, "stride": 2, "padding": 1},
    "conv_output_size.true_division": lambda: {"n": 10, "f": 3, "stride": 2, "padding": 0},
    "conv_output_size.rounded_division": lambda: {"n": 10, "f": 3, "stride": 4, "padding": 0},
    "conv_output_size.ceil_division": lambda: {"n": 8, "f": 3, "stride": 4, "padding": 0},
    "conv_param_count.bias_flag_ignored": lambda: {"f": 3, "c_in": 4, "c_out": 5, "bias": False},
    # at stride 2 the bottom/right padding row is never reached, which is "padding ignored"
    "conv_forward.padding_after_only": lambda: _conv_args(stride=1),
    "conv_forward.integer_accumulator": lambda: _fractional_weights(_int_input(_conv_args())),
    "conv1x1_forward.integer_accumulator": lambda: _int_input(_conv1x1_args()),
    "avg_pool_forward.integer_accumulator": lambda: _int_input({"x": _ints((2, 3, 6, 6), 22), "size": 3, "stride": 2}),
    "global_avg_pool.integer_accumulator": lambda: _int_input({"x": _ints((2, 3, 4, 5), 23)}),
    "residual_block_forward.projection_ignored": lambda: _residual_args(stride=1, c=3, f=3),
    "se_block_forward.weights_not_transposed": lambda: _se_args(c_r=4),
    "fc_forward.weights_not_transposed": lambda: {"x": _ints((2, 1, 2, 2), 24), "w": _normal((4, 4), 25),
                                                  "b": _normal((4,), 26)},
    "conv_forward.padding_fixed_one": lambda: _conv_args(stride=1, padding=2),
    # (6 - 3) / 2 = 1.5 rounds to 2, floors to 1
    "conv_forward.output_size_rounded": lambda: _conv_args(stride=2, padding=0, x_shape=(2, 3, 6, 6),
                                                           w_shape=(4, 3, 3, 3)),
    # (6 - 3) // 4 + 2 // 4 + 1 = 1 row, (6 + 2 - 3) // 4 + 1 = 2: the split floor loses one (padding on one
    # side only keeps it, (6 + 1 - 3) // 4 + 1 = 2; with stride 3 and padding 1 the two coincide)
    "conv_forward.output_size_split": lambda: _conv_args(stride=4, padding=1, x_shape=(2, 3, 6, 6),
                                                         w_shape=(4, 3, 3, 3)),
    # (7 - 2) / 2 = 2.5: round() gives 2 (to even), ceil 3
    "max_pool_forward.output_size_ceil": lambda: _pool_args(size=2, stride=2, x_shape=(2, 3, 7, 7)),
    "max_pool_forward.running_max_from_zero": lambda: {"x": -np.abs(_normal((2, 3, 6, 6), 7)) - 0.1,
                                                       "size": 3, "stride": 2},
}


def case(key: str) -> tuple[str, dict]:
    function = BY_KEY[key].function
    return function, (SPECIAL.get(key) or DEFAULTS[function])()


def _copy(args: dict) -> dict:
    return {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in args.items()}


def _matches(a, b) -> bool:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-5, atol=1e-6, equal_nan=True))


# --------------------------------------------------------------------------
# The table itself
# --------------------------------------------------------------------------

def test_at_least_25_distinct_keys_named_after_their_function():
    keys = [m.key for m in MISCONCEPTIONS]
    assert len(keys) >= 25
    assert len(set(keys)) == len(keys)
    for m in MISCONCEPTIONS:
        assert isinstance(m, Misconception)
        assert m.function in REFERENCE
        assert m.key.startswith(m.function + ".")
        assert callable(m.variant)


def test_every_function_has_misconceptions():
    for function in REFERENCE:
        assert len(for_function(function)) >= 3, function


def test_for_function_keeps_table_order_and_knows_no_strangers():
    for function in REFERENCE:
        chosen = for_function(function)
        assert chosen == tuple(m for m in MISCONCEPTIONS if m.function == function)
    assert for_function("conv_backward") == ()


def test_misconceptions_are_frozen():
    with pytest.raises(AttributeError):
        MISCONCEPTIONS[0].key = "something.else"


@pytest.mark.parametrize("m", MISCONCEPTIONS, ids=lambda m: m.key)
def test_messages_are_one_sentence_in_each_language(m):
    for text in (m.en, m.ko):
        assert text.strip() == text and text.endswith(".")
        assert re.search(r"[.!?]\s", text) is None, text  # one sentence
    assert HANGUL.search(m.ko), m.ko
    assert not HANGUL.search(m.en), m.en
    assert m.en.isascii()


def test_every_key_has_a_case():
    assert set(BY_KEY) <= set(SPECIAL) | {k for k in BY_KEY if BY_KEY[k].function in DEFAULTS}
    assert set(SPECIAL) <= set(BY_KEY), set(SPECIAL) - set(BY_KEY)


# --------------------------------------------------------------------------
# Each variant is diagnostic and identified as itself
# --------------------------------------------------------------------------

@pytest.mark.parametrize("key", [m.key for m in MISCONCEPTIONS])
def test_variant_output_is_identified_as_its_own_key(key):
    function, args = case(key)
    expected = REFERENCE[function](**_copy(args))
    with np.errstate(all="ignore"):
        got = BY_KEY[key].variant(**_copy(args))
    assert not _matches(got, expected), f"{key} coincides with the reference on its case"
    before = _copy(args)
    found = identify(function, args, got, expected)
    assert found is not None and found.key == key, (key, found and found.key)
    for name, value in before.items():  # identify never modifies the grader's arguments
        if isinstance(value, np.ndarray):
            np.testing.assert_array_equal(args[name], value)


@pytest.mark.parametrize("key", ["conv_forward.bias_forgotten", "max_pool_forward.mean_instead_of_max",
                                 "se_block_forward.sigmoid_forgotten", "relu.leaky"])
def test_float32_output_of_a_variant_is_still_identified(key):
    function, args = case(key)
    expected = REFERENCE[function](**_copy(args))
    got = np.asarray(BY_KEY[key].variant(**_copy(args)), dtype=np.float32)
    assert identify(function, args, got, expected).key == key


def test_tolerance_scales_with_the_variant_magnitude():
    key = "conv_forward.bias_forgotten"
    function, args = case(key)
    args["x"] = args["x"] * 1000.0
    expected = REFERENCE[function](**_copy(args))
    v = BY_KEY[key].variant(**_copy(args))
    assert np.abs(v).max() > 1000
    slack = 1e-6 + 1e-5 * np.maximum(np.abs(v), 1.0)
    assert identify(function, args, v + 0.9 * slack, expected).key == key
    assert identify(function, args, v + 3.0 * slack, expected) is None
    assert identify(function, args, v + 3.0 * slack, expected, rtol=1e-4).key == key


def test_lecture_example_stride_ignored():
    x = np.array([[1, 2, 3, 4, 5], [2, 1, 0, 1, 2], [3, 0, 1, 1, 0], [1, 4, 1, 1, 2], [2, 1, 1, 0, 0]],
                 dtype=np.float64)[None, None]
    w = np.array([[1, 0, 1], [1, 0, 1], [0, 1, 0]], dtype=np.float64)[None, None]
    args = {"x": x, "w": w, "b": np.zeros(1), "stride": 2, "padding": 0}
    got = np.array([[6, 9, 11], [10, 4, 4], [7, 7, 4]], dtype=np.float64)[None, None]
    expected = np.array([[6, 11], [7, 4]], dtype=np.float64)[None, None]
    assert identify("conv_forward", args, got, expected).key == "conv_forward.stride_ignored"
    # the window moved one pixel at a time into a correctly sized 2x2 output
    got_cropped = got[:, :, :2, :2]
    assert identify("conv_forward", args, got_cropped, expected).key == "conv_forward.window_not_strided"


def test_lecture_example_max_pool_mean():
    x = np.array([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]], dtype=np.int64)[None, None]
    args = {"x": x, "size": 2, "stride": 2}
    expected = np.array([[6, 8], [3, 4]])[None, None]
    got = np.array([[3.25, 5.25], [2.0, 2.0]])[None, None]
    assert identify("max_pool_forward", args, got, expected).key == "max_pool_forward.mean_instead_of_max"


def test_lecture_example_output_size_without_plus_one():
    args = {"n": 32, "f": 7, "stride": 1, "padding": 0}
    found = identify("conv_output_size", args, 25, 26)
    assert found.key == "conv_output_size.missing_plus_one"
    assert identify("conv_output_size", args, np.int64(25), 26).key == "conv_output_size.missing_plus_one"


def test_param_count_lecture_example_without_bias():
    args = {"f": 3, "c_in": 1, "c_out": 1, "bias": True}
    assert identify("conv_param_count", args, 9, 10).key == "conv_param_count.bias_forgotten"


# --------------------------------------------------------------------------
# Nothing is named when nothing explains the output
# --------------------------------------------------------------------------

@pytest.mark.parametrize("function", sorted(REFERENCE))
def test_correct_output_names_nothing(function):
    args = DEFAULTS[function]()
    expected = REFERENCE[function](**_copy(args))
    assert identify(function, args, expected, expected) is None
    assert identify(function, args, _copy({"e": expected})["e"], expected) is None


def test_variant_coinciding_with_the_reference_is_not_named():
    # without padding, "padding ignored" computes the reference itself
    args = _conv_args(padding=0)
    expected = REFERENCE["conv_forward"](**_copy(args))
    got = BY_KEY["conv_forward.padding_ignored"].variant(**_copy(args))
    assert _matches(got, expected)
    assert identify("conv_forward", args, got, expected) is None


def test_variant_within_tolerance_of_the_reference_is_not_diagnostic():
    # With atol = 1, "bias forgotten" (off by 0.75) reproduces got (off by 1.5) but is
    # itself indistinguishable from the reference, so it must not be named; the
    # symmetric filter makes "kernel flipped" coincide with the reference too.
    args = {"x": _ints((1, 1, 4, 4), 30), "w": np.array([[[[1.0, 2, 1], [2, 3, 2], [1, 2, 1]]]]),
            "b": np.array([0.75]), "stride": 1, "padding": 0}
    expected = REFERENCE["conv_forward"](**_copy(args))
    no_bias = BY_KEY["conv_forward.bias_forgotten"].variant(**_copy(args))
    got = expected - 1.5
    assert _matches(no_bias, expected - 0.75)
    assert identify("conv_forward", args, got, expected, rtol=0.0, atol=1.0) is None
    # with the default tolerance the same variant is diagnostic and named
    assert identify("conv_forward", args, no_bias, expected).key == "conv_forward.bias_forgotten"


@pytest.mark.parametrize("function", sorted(REFERENCE))
def test_random_garbage_names_nothing(function):
    args = DEFAULTS[function]()
    expected = REFERENCE[function](**_copy(args))
    if isinstance(expected, np.ndarray):
        garbage = _rng(99).standard_normal(expected.shape) * 100
    else:
        garbage = 12345
    assert identify(function, args, garbage, expected) is None


def _weird_values(expected):
    shape = np.shape(expected) or (1,)
    return [
        None, "abc", b"bytes", [1, 2, 3], (1.0,), {"a": 1}, object(), True, np.bool_(False), 3 + 4j,
        np.full(shape, np.nan), np.full(shape, np.inf), np.zeros((0,)), np.zeros(()),
        np.zeros(shape, dtype=object), np.zeros(shape, dtype=np.complex128), np.full(shape, "x"),
        np.ones(shape, dtype=bool), np.ones(shape, dtype=np.float16), np.ones(shape, dtype=np.uint8),
        np.ma.masked_array(np.ones(shape)), np.ones((7, 7, 7)),
    ]


@pytest.mark.parametrize("function", sorted(REFERENCE))
def test_identify_never_raises_on_weird_output(function):
    args = DEFAULTS[function]()
    expected = REFERENCE[function](**_copy(args))
    for weird in _weird_values(expected):
        assert identify(function, args, weird, expected) is None, repr(weird)[:80]


@pytest.mark.parametrize("function", sorted(REFERENCE))
def test_identify_never_raises_on_weird_arguments(function):
    args = DEFAULTS[function]()
    expected = REFERENCE[function](**_copy(args))
    got = expected + 1 if isinstance(expected, np.ndarray) else expected + 1
    for bad_args in ({}, {"x": "no"}, None, [1, 2], {**args, "unexpected": 1}):
        assert identify(function, bad_args, got, expected) is None
    assert identify(function, args, got, None) in (None, *for_function(function))
    assert identify("no_such_function", args, got, expected) is None


# --------------------------------------------------------------------------
# Property: whatever is named really reproduces the output, and nothing earlier did
# --------------------------------------------------------------------------

CONV_KEYS = [m.key for m in for_function("conv_forward")]


@st.composite
def conv_cases(draw):
    n, c, f = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    hh, ww = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    padding, stride = draw(st.integers(0, 2)), draw(st.integers(1, 3))
    h = draw(st.integers(max(1, hh - 2 * padding), 6))
    w = draw(st.integers(max(1, ww - 2 * padding), 6))
    values = st.integers(-3, 3)
    x = np.array(draw(st.lists(values, min_size=n * c * h * w, max_size=n * c * h * w)), dtype=np.float64)
    wt = np.array(draw(st.lists(values, min_size=f * c * hh * ww, max_size=f * c * hh * ww)), dtype=np.float64)
    b = np.array(draw(st.lists(values, min_size=f, max_size=f)), dtype=np.float64)
    args = {"x": x.reshape(n, c, h, w), "w": wt.reshape(f, c, hh, ww), "b": b, "stride": stride, "padding": padding}
    return args, draw(st.sampled_from(CONV_KEYS))


@seed(5)
@settings(database=None, deadline=None, max_examples=150)
@given(conv_cases())
def test_named_misconception_reproduces_the_output(case_and_key):
    args, key = case_and_key
    expected = REFERENCE["conv_forward"](**_copy(args))
    try:
        with np.errstate(all="ignore"):
            got = BY_KEY[key].variant(**_copy(args))
    except ValueError:  # shapes that this mistake cannot produce (e.g. b broadcast on width)
        return
    found = identify("conv_forward", args, got, expected)
    if _matches(got, expected):
        assert found is None
        return
    assert found is not None  # the variant itself reproduces got, so something is named
    order = [m.key for m in for_function("conv_forward")]
    assert order.index(found.key) <= order.index(key)
    named = found.variant(**_copy(args))
    assert _matches(named, got) and not _matches(named, expected)
