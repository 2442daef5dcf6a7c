"""Every generated answer is right: checked against formulas written here, the
reference layers, and (on a sample) PyTorch.

The 10,000-question check recomputes each answer from the question's
parameters with the lecture's formulas (independent of grader/quiz/kinds.py)
and re-runs the reference layers; the PyTorch check rebuilds the layers in
torch (on the meta device where they would be large) for a few hundred.
"""
from __future__ import annotations

import pytest

from grader.quiz.bank import load_bank
from grader.quiz.generate import QuizRequest, generate_sheet
from grader.quiz.kinds import KINDS


def _grid(rows):
    return tuple(tuple(int(v) for v in r) for r in rows)


def _conv2d_lists(image, kernel, s, p, b):
    n, f = len(image), len(kernel)
    x = [[0] * (n + 2 * p) for _ in range(n + 2 * p)]
    for i in range(n):
        for j in range(n):
            x[i + p][j + p] = image[i][j]
    out = (n - f + 2 * p) // s + 1
    return tuple(tuple(sum(x[i * s + a][j * s + c] * kernel[a][c] for a in range(f) for c in range(f)) + b
                       for j in range(out)) for i in range(out))


def _trace(n, seq):
    for op, f, s, p, _c in seq:
        n = (n - f + 2 * p) // s + 1 if op == "conv" else (n - f) // s + 1
    return n


def expected(kind: str, p: dict):
    """The lecture's formulas, written independently of the generator."""
    if kind == "conv_output":
        assert (p["N"] - p["F"] + 2 * p["P"]) % p["S"] == 0, "conv_output must divide exactly"
        return (p["N"] - p["F"] + 2 * p["P"]) // p["S"] + 1
    if kind == "conv_fits":
        return (p["N"] - p["F"] + 2 * p["P"]) % p["S"]
    if kind == "same_padding":
        return (p["F"] - 1) // 2
    if kind == "conv_params":
        return (p["F"] * p["F"] * p["C_in"] + 1) * p["C_out"]
    if kind in ("conv_depth", "conv1x1_channels"):
        return p["K"]
    if kind == "pool_output":
        return (p["N"] - p["F"]) // p["S"] + 1
    if kind == "pool_params":
        return 0
    if kind == "conv1x1_params":
        return (p["C_in"] + 1) * p["K"]
    if kind == "vgg_receptive_field":
        return 1 + sum(p["F"] - 1 for _ in range(p["n"]))  # each layer widens the field by F - 1
    if kind == "vgg_stack_params":
        return p["n"] * (3 * 3 * p["C"] + 1) * p["C"]
    if kind == "vgg_trace":
        return _trace(p["N"], p["seq"])
    if kind == "fc_as_conv":
        return p["V"]
    if kind == "fc_as_conv_larger":
        return p["M"] - p["V"] + 1
    if kind == "se_params":
        cr = p["C"] // p["r"]
        return p["C"] * cr + p["C"] * cr + ((cr + p["C"]) if p["bias"] else 0)
    if kind == "resnet_shortcut":
        return 0 if (p["C_in"] == p["C_out"] and p["S"] == 1) else p["C_in"] * p["C_out"]
    if kind == "conv_grid":
        return _conv2d_lists(p["image"], p["kernel"], p["S"], p["P"], p["b"])
    if kind == "maxpool_grid":
        f, n = p["F"], p["N"]
        return tuple(tuple(max(p["image"][i * f + a][j * f + c] for a in range(f) for c in range(f))
                           for j in range(n // f)) for i in range(n // f))
    raise AssertionError(f"no expected formula for {kind}")


@pytest.fixture(scope="module")
def bank():
    return load_bank()


@pytest.fixture(scope="module")
def many_questions(bank):
    """10,008 questions: 556 sheets of all 18 kinds, each with its own seed."""
    out = []
    for seed in range(556):
        out += generate_sheet(bank, QuizRequest(seed=seed * 7919 + 1, count=18, lang="en")).questions
    return out


def test_ten_thousand_answers_match_formulas_and_layers(many_questions):
    assert len(many_questions) >= 10_000
    assert {q.kind for q in many_questions} == set(KINDS)
    for q in many_questions:
        want = expected(q.kind, q.params)
        assert q.answer == want, (q.kind, q.params)
        assert KINDS[q.kind].solve(q.params) == want, (q.kind, q.params)  # the reference layers again


def test_answers_are_integers_or_integer_grids(many_questions):
    for q in many_questions:
        if q.is_grid:
            assert all(type(v) is int for row in q.answer for v in row)
            assert len({len(r) for r in q.answer}) == 1
        else:
            assert type(q.answer) is int and q.answer >= 0, (q.kind, q.answer)


def test_distractors_differ_from_answer_and_each_other(many_questions, bank):
    for q in many_questions:
        values = [c.value for c in q.choices]
        assert len(values) == bank.kinds[q.kind].choices
        assert len(set(values)) == len(values), (q.kind, values)
        assert sum(c.correct for c in q.choices) == 1
        correct = next(c for c in q.choices if c.correct)
        assert correct.value == q.answer and correct.tag is None
        for c in q.choices:
            if not c.correct:
                assert c.value != q.answer
                assert c.tag in bank.kinds[q.kind].misconceptions
                assert q.misconceptions[c.tag] == c.value
        assert q.answer not in q.misconceptions.values()


def test_sizes_are_realistic_and_positive(many_questions):
    for q in many_questions:
        p = q.params
        if q.kind in ("conv_output", "pool_output", "vgg_trace", "fc_as_conv_larger"):
            assert q.answer >= 1
        if "F" in p and "N" in p and q.kind not in ("maxpool_grid",):
            assert p["F"] <= p["N"]
        if "P" in p and "F" in p:
            assert p["P"] <= p["F"] // 2


def test_no_duplicate_questions_within_a_sheet(bank):
    for seed in range(30):
        sheet = generate_sheet(bank, QuizRequest(seed=seed, count=40, kinds=("conv_output", "conv_params")))
        keys = [(q.kind, repr(q.params)) for q in sheet.questions]
        assert len(set(keys)) == len(keys)


# ---------------------------------------------------------------- PyTorch

def _torch_answer(kind: str, p: dict):
    torch = pytest.importorskip("torch")
    nn, F = torch.nn, torch.nn.functional
    meta = torch.device("meta")

    def width(layer, n, c=1):
        return layer(torch.zeros(1, c, n, n, device=meta)).shape[-1]

    def numel(module):
        return sum(t.numel() for t in module.parameters())

    if kind == "conv_output":
        return width(nn.Conv2d(p["C"], p["K"], p["F"], p["S"], p["P"], device=meta), p["N"], p["C"])
    if kind == "conv_fits":
        out = width(nn.Conv2d(1, 1, p["F"], p["S"], p["P"], device=meta), p["N"])
        return p["N"] + 2 * p["P"] - ((out - 1) * p["S"] + p["F"])
    if kind == "same_padding":
        return next(pad for pad in range(p["F"])
                    if width(nn.Conv2d(1, 1, p["F"], 1, pad, device=meta), p["N"]) == p["N"])
    if kind == "conv_params":
        return numel(nn.Conv2d(p["C_in"], p["C_out"], p["F"], device=meta))
    if kind == "conv_depth":
        layer = nn.Conv2d(p["C_in"], p["K"], p["F"], 1, p["P"], device=meta)
        return layer(torch.zeros(1, p["C_in"], p["N"], p["N"], device=meta)).shape[1]
    if kind == "pool_output":
        return width(nn.MaxPool2d(p["F"], p["S"]), p["N"])
    if kind == "pool_params":
        return numel(nn.MaxPool2d(p["F"], p["S"]))
    if kind == "conv1x1_channels":
        layer = nn.Conv2d(p["C_in"], p["K"], 1, device=meta)
        return layer(torch.zeros(1, p["C_in"], p["H"], p["H"], device=meta)).shape[1]
    if kind == "conv1x1_params":
        return numel(nn.Conv2d(p["C_in"], p["K"], 1, device=meta))
    if kind == "vgg_receptive_field":
        # the smallest input the stack maps to one pixel: one pixel less and it no longer fits
        stack = nn.Sequential(*[nn.Conv2d(1, 1, p["F"], device=meta) for _ in range(p["n"])])

        def out(r):
            try:
                return width(stack, r)
            except RuntimeError:  # the input is smaller than the stack's filters need
                return 0

        r = next(r for r in range(1, 200) if out(r) == 1)
        assert out(r - 1) == 0
        return r
    if kind == "vgg_stack_params":
        return numel(nn.Sequential(*[nn.Conv2d(p["C"], p["C"], 3, padding=1, device=meta)
                                     for _ in range(p["n"])]))
    if kind == "vgg_trace":
        mods = [nn.Conv2d(1, 1, f, s, pad, device=meta) if op == "conv" else nn.MaxPool2d(f, s)
                for op, f, s, pad, _c in p["seq"]]
        return width(nn.Sequential(*mods), p["N"])
    if kind == "fc_as_conv":
        conv = nn.Conv2d(p["C"], p["U"], p["V"], device=meta)
        fc = nn.Linear(p["V"] * p["V"] * p["C"], p["U"], device=meta)
        assert numel(conv) == numel(fc)  # the same computation, the same parameters
        assert width(conv, p["V"], p["C"]) == 1
        return conv.kernel_size[0]
    if kind == "fc_as_conv_larger":
        return width(nn.Conv2d(p["C"], p["U"], p["V"], device=meta), p["M"], p["C"])
    if kind == "se_params":
        cr = p["C"] // p["r"]
        se = nn.Sequential(nn.Linear(p["C"], cr, bias=p["bias"], device=meta), nn.ReLU(),
                           nn.Linear(cr, p["C"], bias=p["bias"], device=meta), nn.Sigmoid())
        return numel(se)
    if kind == "resnet_shortcut":
        x = torch.zeros(1, p["C_in"], p["H"], p["H"], device=meta)
        body = nn.Sequential(nn.Conv2d(p["C_in"], p["C_out"], 3, p["S"], 1, device=meta),
                             nn.Conv2d(p["C_out"], p["C_out"], 3, 1, 1, device=meta))
        if body(x).shape == x.shape:
            return 0
        proj = nn.Conv2d(p["C_in"], p["C_out"], 1, p["S"], bias=False, device=meta)
        assert proj(x).shape == body(x).shape
        return numel(proj)
    if kind == "conv_grid":
        x = torch.tensor(p["image"], dtype=torch.float64)[None, None]
        w = torch.tensor(p["kernel"], dtype=torch.float64)[None, None]
        out = F.conv2d(x, w, torch.tensor([float(p["b"])], dtype=torch.float64), stride=p["S"], padding=p["P"])
        return _grid(out[0, 0].round().tolist())
    if kind == "maxpool_grid":
        x = torch.tensor(p["image"], dtype=torch.float64)[None, None]
        return _grid(F.max_pool2d(x, p["F"], p["F"])[0, 0].tolist())
    raise AssertionError(kind)


def test_sample_matches_pytorch(bank):
    pytest.importorskip("torch")
    sample = []
    for seed in range(60):  # 60 seeds x all 18 kinds: 1,080 questions
        sample += generate_sheet(bank, QuizRequest(seed=10_000 + seed, count=18)).questions
    assert {q.kind for q in sample} == set(KINDS) and len(sample) == 60 * len(KINDS)
    for q in sample:
        assert _torch_answer(q.kind, q.params) == q.answer, (q.kind, q.params)
