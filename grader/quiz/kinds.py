"""Question kinds: how each samples parameters, solves and goes wrong.

A kind is a small class with:

- ``params``: the parameter ranges the bank must give (name -> allowed ints);
- ``tags``: the misconceptions it knows how to compute;
- ``sample(rng, ranges)``: parameters, or ``None`` when the draw is not a
  valid question (non-integer size, filter larger than the input, ...);
- ``solve(p)``: the answer, computed by running the reference layers
  (:mod:`grader.quiz.layers`);
- ``formula(p)``: the same answer from the lecture's closed-form formula
  (worked solutions and the tests' cross-check use it);
- ``wrong(p)``: the value each misconception yields (``None`` where it
  does not apply or is not a whole number);
- ``fields(p)``: extra values the YAML templates may use besides ``p``;
- ``index_fields``: extra fields that are small indices (name -> how many
  values), which the bank's ``words`` may be chosen by;
- ``figures(p)``: grids shown with the question, as (caption key, grid).

The wording lives in the bank YAML; nothing here is read by a person.
"""
from __future__ import annotations

import random
from fractions import Fraction
from typing import Any

from . import layers
from .model import Grid, Value, format_number

Ranges = dict[str, list[int]]


def _exact(num: int, den: int) -> int | None:
    """num / den if it is a whole number, else None."""
    if den == 0:
        return None
    q = Fraction(num, den)
    return int(q) if q.denominator == 1 else None


def _fits(n: int, f: int, pad: int) -> bool:
    """An F filter fits an N input, with padding P at most F // 2."""
    return f <= n and pad <= f // 2


def _out(n: int, f: int, s: int, pad: int = 0) -> int:
    """The lecture's output size (N - F + 2P)/S + 1, rounded down."""
    return (n - f + 2 * pad) // s + 1


def _size(num: int, den: int, plus: int = 1) -> int | None:
    """The lecture's (num)/den + plus, only when it is a whole positive number."""
    q = _exact(num, den)
    if q is None or q + plus < 1:
        return None
    return q + plus


class Kind:
    """Base class of a question kind (see the module docstring)."""

    name = ""
    params: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    grid = False
    extra_fields: tuple[str, ...] = ()
    index_fields: dict[str, int] = {}

    def sample(self, rng: random.Random, ranges: Ranges) -> dict[str, Any] | None:
        """Draw each parameter uniformly from its range; subclasses add constraints."""
        return {name: rng.choice(ranges[name]) for name in self.params}

    def solve(self, p: dict[str, Any]) -> Value | None:
        raise NotImplementedError

    def formula(self, p: dict[str, Any]) -> Value | None:
        raise NotImplementedError

    def wrong(self, p: dict[str, Any]) -> dict[str, Value | None]:
        raise NotImplementedError

    def fields(self, p: dict[str, Any]) -> dict[str, Any]:
        return {}

    def figures(self, p: dict[str, Any]) -> list[tuple[str, Grid]]:
        return []

    def space_size(self, ranges: Ranges) -> int:
        """An upper bound on the number of distinct questions of this kind."""
        n = 1
        for name in self.params:
            n *= len(ranges[name])
        return n


class ConvOutput(Kind):
    """Conv output size (N - F + 2P)/S + 1, with an exact division."""

    name = "conv_output"
    params = ("N", "C", "K", "F", "S", "P")
    tags = ("forgot_padding", "p_not_2p", "forgot_plus_one", "ignored_stride",
            "forgot_minus_filter")

    def sample(self, rng, ranges):
        p = super().sample(rng, ranges)
        if not _fits(p["N"], p["F"], p["P"]) or (p["N"] - p["F"] + 2 * p["P"]) % p["S"]:
            return None
        return p

    def solve(self, p):
        return layers.conv_width(p["N"], p["F"], p["S"], p["P"])

    def formula(self, p):
        return _out(p["N"], p["F"], p["S"], p["P"])

    def wrong(self, p):
        n, f, s, pad = p["N"], p["F"], p["S"], p["P"]
        return {
            "forgot_padding": _size(n - f, s),
            "p_not_2p": _size(n - f + pad, s),
            "forgot_plus_one": _size(n - f + 2 * pad, s, 0),
            "ignored_stride": n - f + 2 * pad + 1,
            "forgot_minus_filter": _size(n + 2 * pad, s),
        }


class ConvFits(Kind):
    """Does an F-filter with stride S fit exactly? Answer: pixels left over (0 = fits)."""

    name = "conv_fits"
    params = ("N", "F", "S", "P")
    tags = ("forgot_padding", "p_not_2p", "forgot_minus_filter", "counted_missing")
    extra_fields = ("out", "covered", "span")

    def sample(self, rng, ranges):
        p = super().sample(rng, ranges)
        if not _fits(p["N"], p["F"], p["P"]):
            return None
        return p

    def solve(self, p):
        out = layers.conv_width(p["N"], p["F"], p["S"], p["P"])
        if out is None:
            return None
        return p["N"] + 2 * p["P"] - ((out - 1) * p["S"] + p["F"])

    def formula(self, p):
        return (p["N"] - p["F"] + 2 * p["P"]) % p["S"]

    def wrong(self, p):
        n, f, s, pad = p["N"], p["F"], p["S"], p["P"]
        r = self.formula(p)
        return {
            "forgot_padding": (n - f) % s,
            "p_not_2p": (n - f + pad) % s,
            "forgot_minus_filter": (n + 2 * pad) % s,
            "counted_missing": (s - r) % s if r else None,
        }

    def fields(self, p):
        out = _out(p["N"], p["F"], p["S"], p["P"])
        return {"out": out, "covered": (out - 1) * p["S"] + p["F"], "span": p["N"] + 2 * p["P"]}


class SamePadding(Kind):
    """Same padding P = (F - 1)/2 at stride 1."""

    name = "same_padding"
    params = ("N", "F")
    tags = ("p_is_f_minus_1", "plus_one", "no_padding", "p_is_f")

    def sample(self, rng, ranges):
        p = super().sample(rng, ranges)
        return p if p["F"] % 2 == 1 and p["F"] <= p["N"] else None

    def solve(self, p):
        # The padding that the reference keeps the size with, searched from 0 up.
        for pad in range(p["F"] + 1):
            if layers.conv_width(p["N"], p["F"], 1, pad) == p["N"]:
                return pad
        return None

    def formula(self, p):
        return (p["F"] - 1) // 2

    def wrong(self, p):
        f = p["F"]
        return {"p_is_f_minus_1": f - 1, "plus_one": (f + 1) // 2, "no_padding": 0, "p_is_f": f}


class ConvParams(Kind):
    """Conv parameter count (F*F*C_in + 1)*C_out."""

    name = "conv_params"
    params = ("F", "C_in", "C_out")
    tags = ("forgot_bias", "ignored_c_in", "one_bias_per_layer", "ignored_c_out", "bias_per_weight")
    extra_fields = ("per_filter",)

    def solve(self, p):
        return layers.conv_params(p["F"], p["C_in"], p["C_out"])

    def formula(self, p):
        return (p["F"] ** 2 * p["C_in"] + 1) * p["C_out"]

    def wrong(self, p):
        f2, ci, co = p["F"] ** 2, p["C_in"], p["C_out"]
        return {
            "forgot_bias": f2 * ci * co,
            "ignored_c_in": (f2 + 1) * co,
            "one_bias_per_layer": f2 * ci * co + 1,
            "ignored_c_out": f2 * ci + 1,
            "bias_per_weight": 2 * f2 * ci * co,
        }

    def fields(self, p):
        return {"per_filter": p["F"] ** 2 * p["C_in"] + 1}


class ConvDepth(Kind):
    """Output depth of a conv layer = number of filters."""

    name = "conv_depth"
    params = ("N", "C_in", "K", "F", "P")
    tags = ("depth_unchanged", "depth_is_filter_size", "depth_is_spatial", "depth_multiplied")
    extra_fields = ("out",)

    def sample(self, rng, ranges):
        p = super().sample(rng, ranges)
        if not _fits(p["N"], p["F"], p["P"]):
            return None
        return p

    def solve(self, p):
        return layers.conv_depth(p["N"], p["F"], p["C_in"], p["K"], 1, p["P"])

    def formula(self, p):
        return p["K"]

    def wrong(self, p):
        return {
            "depth_unchanged": p["C_in"],
            "depth_is_filter_size": p["F"],
            "depth_is_spatial": self.fields(p)["out"],
            "depth_multiplied": p["C_in"] * p["K"],
        }

    def fields(self, p):
        return {"out": _out(p["N"], p["F"], 1, p["P"])}


class _PoolKind(Kind):
    """A max pool over an N x N x C volume whose windows tile it exactly.

    Only exact tilings are asked: with (N - F) mod S != 0 the answer would
    depend on floor vs ceil mode, which the question would have to settle.
    """

    params = ("N", "C", "F", "S")

    def sample(self, rng, ranges):
        p = super().sample(rng, ranges)
        if p["F"] > p["N"] or (p["N"] - p["F"]) % p["S"]:
            return None
        return p


class PoolOutput(_PoolKind):
    """Pooling output size (N - F)/S + 1, no padding."""

    name = "pool_output"
    tags = ("ignored_stride", "forgot_plus_one", "pool_keeps_size", "padded_pooling", "depth_as_size")

    def solve(self, p):
        return layers.pool_width(p["N"], p["F"], p["S"])

    def formula(self, p):
        return _out(p["N"], p["F"], p["S"])

    def wrong(self, p):
        n, f, s = p["N"], p["F"], p["S"]
        return {
            "ignored_stride": n - f + 1,
            "forgot_plus_one": _size(n - f, s, 0),
            "pool_keeps_size": n,
            "padded_pooling": _size(n - f + 2 * ((f - 1) // 2), s) if f > 2 else None,
            "depth_as_size": p["C"],
        }


class PoolParams(_PoolKind):
    """Learnable parameters of a pooling layer: 0."""

    name = "pool_params"
    tags = ("pooling_has_weights", "pooling_has_filter", "pooling_weights_and_bias", "pooling_bias_only")

    def solve(self, p):
        return layers.pool_params(p["N"], p["F"], p["S"])

    def formula(self, p):
        return 0

    def wrong(self, p):
        f2, c = p["F"] ** 2, p["C"]
        return {
            "pooling_has_weights": f2 * c,
            "pooling_has_filter": f2,
            "pooling_weights_and_bias": (f2 + 1) * c,
            "pooling_bias_only": c,
        }


class Conv1x1Channels(Kind):
    """Channels out of a 1x1 convolution = number of filters."""

    name = "conv1x1_channels"
    params = ("H", "C_in", "K")
    tags = ("depth_unchanged", "depth_is_spatial", "depth_multiplied", "depth_summed")

    def sample(self, rng, ranges):
        p = super().sample(rng, ranges)
        return p if p["K"] != p["C_in"] else None

    def solve(self, p):
        return layers.conv1x1_channels(p["H"], p["C_in"], p["K"])

    def formula(self, p):
        return p["K"]

    def wrong(self, p):
        return {
            "depth_unchanged": p["C_in"],
            "depth_is_spatial": p["H"],
            "depth_multiplied": p["C_in"] * p["K"],
            "depth_summed": p["C_in"] + p["K"],
        }


class Conv1x1Params(Kind):
    """Parameters of a 1x1 convolution (C_in + 1)*K."""

    name = "conv1x1_params"
    params = ("H", "C_in", "K")
    tags = ("forgot_bias", "ignored_c_in", "as_3x3", "filter_covers_image")

    def solve(self, p):
        return layers.conv1x1_params(p["C_in"], p["K"])

    def formula(self, p):
        return (p["C_in"] + 1) * p["K"]

    def wrong(self, p):
        ci, k, h = p["C_in"], p["K"], p["H"]
        return {
            "forgot_bias": ci * k,
            "ignored_c_in": 2 * k,
            "as_3x3": (9 * ci + 1) * k,
            "filter_covers_image": (h * h * ci + 1) * k,
        }


class VggReceptiveField(Kind):
    """Receptive field of n stacked F x F convs (stride 1): (F - 1)·n + 1 (VGG: F = 3, 2n + 1)."""

    name = "vgg_receptive_field"
    params = ("n", "F")
    tags = ("added_sizes", "multiplied_sizes", "one_layer", "forgot_plus_one")
    extra_fields = ("grow",)

    def solve(self, p):
        return layers.stacked_receptive_field(p["n"], p["F"])

    def formula(self, p):
        return (p["F"] - 1) * p["n"] + 1

    def wrong(self, p):
        n, f = p["n"], p["F"]
        return {"added_sizes": f * n, "multiplied_sizes": f ** n, "one_layer": f, "forgot_plus_one": (f - 1) * n}

    def fields(self, p):
        return {"grow": p["F"] - 1}


class VggStackParams(Kind):
    """Parameters of n stacked 3x3 convs (C -> C, with biases) vs one big filter."""

    name = "vgg_stack_params"
    params = ("n", "C")
    tags = ("one_large_filter", "forgot_bias", "one_layer_only", "ignored_c_in")
    extra_fields = ("R", "large", "per_layer")

    def solve(self, p):
        return p["n"] * layers.conv_params(3, p["C"], p["C"])

    def formula(self, p):
        return p["n"] * (9 * p["C"] ** 2 + p["C"])

    def wrong(self, p):
        n, c = p["n"], p["C"]
        return {
            "one_large_filter": self.fields(p)["large"],
            "forgot_bias": 9 * n * c * c,
            "one_layer_only": 9 * c * c + c,
            "ignored_c_in": n * (9 + 1) * c,
        }

    def fields(self, p):
        r = 2 * p["n"] + 1
        c = p["C"]
        return {"R": r, "large": r * r * c * c + c, "per_layer": 9 * c * c + c}


_TRACE_OPS = (
    ("conv", 3, 1, 1), ("conv", 3, 1, 1), ("conv", 3, 1, 0), ("conv", 5, 1, 2),
    ("conv", 1, 1, 0), ("conv", 3, 2, 1), ("pool", 2, 2, 0), ("pool", 2, 2, 0), ("pool", 3, 2, 0),
)


def _trace_formula(n: int, layer_list, mode: str = "") -> int | None:
    """Closed-form trace; ``mode`` applies one misconception to every layer."""
    for op, f, s, p, _c in layer_list:
        if op == "pool":
            if mode == "ignored_pooling":
                continue
            s_eff = 1 if mode == "pool_ignored_stride" else s
            n = _size(n - f, s_eff)
        else:
            p_eff = 0 if mode == "forgot_padding" else p
            s_eff = 1 if mode == "ignored_stride" else s
            n = _size(n - f + 2 * p_eff, s_eff)
        if n is None:
            return None
    return n


class VggTrace(Kind):
    """Spatial size after a VGG-style sequence of conv and pool layers."""

    name = "vgg_trace"
    params = ("N", "L")
    tags = ("ignored_pooling", "forgot_padding", "ignored_stride", "pool_ignored_stride")
    extra_fields = ("layers", "steps")

    def sample(self, rng, ranges):
        n = rng.choice(ranges["N"])
        count = rng.choice(ranges["L"])
        chans = [64, 128, 256, 512]
        ci = 0
        seq = []
        for _ in range(count):
            op, f, s, pad = rng.choice(_TRACE_OPS)
            c = 0
            if op == "conv":
                ci = min(ci + rng.choice((0, 0, 1)), len(chans) - 1)
                c = chans[ci]
            seq.append([op, f, s, pad, c])
        ops = {layer[0] for layer in seq}
        if ops != {"conv", "pool"} or seq[0][0] != "conv" or _trace_formula(n, seq) is None:
            return None
        return {"N": n, "L": count, "seq": seq}

    def solve(self, p):
        return layers.trace(p["N"], p["seq"])

    def formula(self, p):
        return _trace_formula(p["N"], p["seq"])

    def wrong(self, p):
        return {tag: _trace_formula(p["N"], p["seq"], tag) for tag in self.tags}

    def fields(self, p):
        parts, steps, n = [], [], p["N"]
        for op, f, s, pad, c in p["seq"]:
            if op == "conv":
                parts.append(f"CONV {f}×{f}×{c} (S={s}, P={pad})")
                m = _out(n, f, s, pad)
                steps.append(f"({n} - {f} + 2·{pad})/{s} + 1 = {m}")
            else:
                parts.append(f"POOL {f}×{f} (S={s})")
                m = _out(n, f, s)
                steps.append(f"({n} - {f})/{s} + 1 = {m}")
            n = m
        return {"layers": " → ".join(parts), "steps": "; ".join(steps)}

    def space_size(self, ranges):
        return len(ranges["N"]) * sum(len(_TRACE_OPS) ** k for k in ranges["L"])


class FcAsConv(Kind):
    """The conv filter that replaces an FC layer over a V x V x C volume: F = V."""

    name = "fc_as_conv"
    params = ("V", "C", "U")
    tags = ("one_by_one", "vgg_3x3", "flattened_length", "depth_as_size")

    def solve(self, p):
        # The filter size that maps the whole V x V volume to a single output pixel.
        for f in range(1, p["V"] + 1):
            if layers.conv_width(p["V"], f) == 1:
                return f
        return None

    def formula(self, p):
        return p["V"]

    def wrong(self, p):
        return {"one_by_one": 1, "vgg_3x3": 3, "flattened_length": p["V"] ** 2, "depth_as_size": p["C"]}


class FcAsConvLarger(Kind):
    """FC converted to conv, applied to a larger feature map M x M: M - V + 1."""

    name = "fc_as_conv_larger"
    params = ("V", "C", "U", "M")
    tags = ("fc_always_one", "size_kept", "forgot_plus_one", "tiled")
    extra_fields = ("image",)

    def sample(self, rng, ranges):
        p = super().sample(rng, ranges)
        return p if p["M"] > p["V"] + 1 else None

    def solve(self, p):
        return layers.conv_width(p["M"], p["V"])

    def formula(self, p):
        return p["M"] - p["V"] + 1

    def wrong(self, p):
        m, v = p["M"], p["V"]
        return {"fc_always_one": 1, "size_kept": m, "forgot_plus_one": m - v, "tiled": _exact(m, v)}

    def fields(self, p):
        return {"image": 32 * p["M"]}


class SeParams(Kind):
    """SE block parameters: two FC layers C -> C/r -> C, with or without biases."""

    name = "se_params"
    params = ("C", "r", "bias")
    tags = ("forgot_bias", "counted_bias", "one_fc_only", "multiplied_by_r", "no_reduction")
    extra_fields = ("C_r", "weights", "bias_term")

    def sample(self, rng, ranges):
        p = super().sample(rng, ranges)
        if p["C"] % p["r"] or p["C"] // p["r"] < 2:
            return None
        p["bias"] = bool(p["bias"])
        return p

    def solve(self, p):
        return layers.se_params(p["C"], p["r"], p["bias"])

    def formula(self, p):
        c, cr = p["C"], p["C"] // p["r"]
        return 2 * c * cr + ((cr + c) if p["bias"] else 0)

    def wrong(self, p):
        c, r, cr, b = p["C"], p["r"], p["C"] // p["r"], p["bias"]
        return {
            "forgot_bias": 2 * c * cr if b else None,
            "counted_bias": 2 * c * cr + cr + c if not b else None,
            "one_fc_only": c * cr + (cr if b else 0),
            "multiplied_by_r": 2 * c * c * r + ((c * r + c) if b else 0),
            "no_reduction": 2 * c * c + (2 * c if b else 0),
        }

    def fields(self, p):
        c, cr = p["C"], p["C"] // p["r"]
        bias_term = f"; bias: {cr} + {c} = {cr + c}" if p["bias"] else ""
        return {"C_r": cr, "weights": 2 * c * cr, "bias_term": bias_term}


class ResnetShortcut(Kind):
    """ResNet shortcut: identity (0 parameters) or a 1x1 projection (C_in*C_out)."""

    name = "resnet_shortcut"
    params = ("H", "C_in", "C_out", "S")
    tags = ("projection_always", "identity_enough", "projection_3x3", "projection_with_bias")
    extra_fields = ("H_out", "projection")
    index_fields = {"projection": 4}

    def sample(self, rng, ranges):
        p = super().sample(rng, ranges)
        if p["C_out"] < p["C_in"] or (p["S"] > 1 and p["C_out"] == p["C_in"] and rng.random() < 0.5):
            return None
        if p["H"] % p["S"]:
            return None
        return p

    def solve(self, p):
        return layers.shortcut_params(p["C_in"], p["C_out"], p["S"])

    def formula(self, p):
        return 0 if p["C_in"] == p["C_out"] and p["S"] == 1 else p["C_in"] * p["C_out"]

    def wrong(self, p):
        ci, co = p["C_in"], p["C_out"]
        identity = ci == co and p["S"] == 1
        return {
            "projection_always": ci * co if identity else None,
            "identity_enough": 0 if not identity else None,
            "projection_3x3": 9 * ci * co,
            "projection_with_bias": ci * co + co,
        }

    def fields(self, p):
        # 0: identity; 1: the channels change; 2: the size changes; 3: both
        change = int(p["C_in"] != p["C_out"]) + 2 * int(p["S"] != 1)
        return {"H_out": p["H"] // p["S"], "projection": change}


def _random_grid(rng: random.Random, rows: int, cols: int, values: list[int]) -> Grid:
    return tuple(tuple(rng.choice(values) for _ in range(cols)) for _ in range(rows))


def _flip(g: Grid) -> Grid:
    return tuple(tuple(reversed(row)) for row in reversed(g))


def _transpose(g: Grid) -> Grid:
    return tuple(zip(*g))


def _relu(g: Grid | None) -> Grid | None:
    """The grid with negatives set to 0; None when it has no negative (no distinct value)."""
    if g is None or all(v >= 0 for row in g for v in row):
        return None
    return tuple(tuple(max(v, 0) for v in row) for row in g)


class ConvGrid(Kind):
    """The activation map of a small integer image and filter (lecture's slides)."""

    name = "conv_grid"
    params = ("N", "F", "S", "P", "b", "pixel", "weight")
    tags = ("kernel_flipped", "ignored_stride", "forgot_padding", "forgot_bias", "filter_transposed",
            "relu_applied")
    grid = True
    extra_fields = ("out", "first_window", "first_cell")

    def sample(self, rng, ranges):
        n, f = rng.choice(ranges["N"]), rng.choice(ranges["F"])
        s, pad, b = rng.choice(ranges["S"]), rng.choice(ranges["P"]), rng.choice(ranges["b"])
        if not _fits(n, f, pad):
            return None
        out = (n - f + 2 * pad) / s + 1
        if out != int(out) or not 2 <= out <= 4:
            return None
        image = _random_grid(rng, n, n, ranges["pixel"])
        kernel = _random_grid(rng, f, f, ranges["weight"])
        if all(v == 0 for row in kernel for v in row):
            return None
        return {"N": n, "F": f, "S": s, "P": pad, "b": b,
                "image": [list(r) for r in image], "kernel": [list(r) for r in kernel]}

    @staticmethod
    def _run(p, **change):
        q = {**p, **change}
        image = tuple(tuple(r) for r in q["image"])
        kernel = tuple(tuple(r) for r in q["kernel"])
        return layers.conv_grid(image, kernel, q["S"], q["P"], q["b"])

    def solve(self, p):
        return self._run(p)

    def formula(self, p):
        n, f, s, pad = p["N"], p["F"], p["S"], p["P"]
        x = [[0] * (n + 2 * pad) for _ in range(n + 2 * pad)]
        for i in range(n):
            for j in range(n):
                x[i + pad][j + pad] = p["image"][i][j]
        out = _out(n, f, s, pad)
        return tuple(
            tuple(sum(x[i * s + a][j * s + c] * p["kernel"][a][c] for a in range(f) for c in range(f)) + p["b"]
                  for j in range(out))
            for i in range(out))

    def wrong(self, p):
        kernel = tuple(tuple(r) for r in p["kernel"])
        return {
            "kernel_flipped": self._run(p, kernel=[list(r) for r in _flip(kernel)]),
            "ignored_stride": self._run(p, S=1) if p["S"] > 1 else None,
            "forgot_padding": self._run(p, P=0) if p["P"] > 0 else None,
            "forgot_bias": self._run(p, b=0) if p["b"] else None,
            "filter_transposed": self._run(p, kernel=[list(r) for r in _transpose(kernel)]),
            "relu_applied": _relu(self._run(p)),
        }

    def fields(self, p):
        f, pad = p["F"], p["P"]
        terms = []
        for a in range(f):
            for c in range(f):
                i, j = a - pad, c - pad
                v = p["image"][i][j] if 0 <= i < p["N"] and 0 <= j < p["N"] else 0
                w = p["kernel"][a][c]
                terms.append(f"{v}·{w}" if w >= 0 else f"{v}·({format_number(w)})")
        first = " + ".join(terms) + (f" + {p['b']}" if p["b"] else "")
        return {"out": _out(p["N"], f, p["S"], pad), "first_window": first,
                "first_cell": format_number(self.formula(p)[0][0])}

    def figures(self, p):
        return [("image", tuple(tuple(r) for r in p["image"])),
                ("filter", tuple(tuple(r) for r in p["kernel"]))]

    def space_size(self, ranges):
        return 10 ** 9


class MaxPoolGrid(Kind):
    """Max pool (2x2, stride 2) of a small grid, like the lecture's 4x4 example."""

    name = "maxpool_grid"
    params = ("N", "F", "pixel")
    tags = ("average_pooling", "min_pooling", "ignored_stride", "top_left", "sum_pooling")
    grid = True
    extra_fields = ("out",)

    def sample(self, rng, ranges):
        n, f = rng.choice(ranges["N"]), rng.choice(ranges["F"])
        if n % f:
            return None
        return {"N": n, "F": f, "image": [list(r) for r in _random_grid(rng, n, n, ranges["pixel"])]}

    def _windows(self, p):
        f = s = p["F"]
        out = _out(p["N"], f, s)
        return [[[p["image"][i * s + a][j * s + c] for a in range(f) for c in range(f)]
                 for j in range(out)] for i in range(out)]

    def solve(self, p):
        return layers.pool_grid(tuple(tuple(r) for r in p["image"]), p["F"], p["F"])

    def formula(self, p):
        return tuple(tuple(max(w) for w in row) for row in self._windows(p))

    def wrong(self, p):
        image = tuple(tuple(r) for r in p["image"])
        f = p["F"]
        return {
            "average_pooling": layers.pool_grid(image, f, f, mode="avg"),
            "min_pooling": tuple(tuple(min(w) for w in row) for row in self._windows(p)),
            "ignored_stride": layers.pool_grid(image, f, 1),
            "top_left": tuple(tuple(w[0] for w in row) for row in self._windows(p)),
            "sum_pooling": tuple(tuple(sum(w) for w in row) for row in self._windows(p)),
        }

    def fields(self, p):
        return {"out": p["N"] // p["F"]}

    def figures(self, p):
        return [("map", tuple(tuple(r) for r in p["image"]))]

    def space_size(self, ranges):
        return 10 ** 9


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (ConvOutput(), ConvFits(), SamePadding(), ConvParams(), ConvDepth(), PoolOutput(),
              PoolParams(), Conv1x1Channels(), Conv1x1Params(), VggReceptiveField(),
              VggStackParams(), VggTrace(), FcAsConv(), FcAsConvLarger(), SeParams(),
              ResnetShortcut(), ConvGrid(), MaxPoolGrid())
}
"""Every kind the code knows, by name, in the lecture's order."""
