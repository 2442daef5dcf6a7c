"""Exercise 6 (FC layer and FC-as-conv) end to end: the reference against the
lecture and PyTorch, the content module's cases and misconceptions, the engine
on the corpus's one-bug students, and the commands (grade, batch, gradebook,
quiz) that pick the exercise up from its four files alone."""
from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import given, seed, settings
from hypothesis import strategies as st

from grader import content
from grader.engine.cases import draw_examples, edge_cases, lecture_cases
from grader.engine.identify import identify
from solutions.exercise2 import conv_forward
from solutions.exercise6 import fc_forward, fc_score_map, fc_to_conv

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "fixtures" / "submissions"
MANIFEST = yaml.safe_load((ROOT / "tests" / "corpus_manifest.yaml").read_text(encoding="utf-8"))["submissions"]
FUNCTIONS = ("fc_forward", "fc_to_conv", "fc_score_map")
REFERENCE = {"fc_forward": fc_forward, "fc_to_conv": fc_to_conv, "fc_score_map": fc_score_map}
GRID = np.array([[1, 2, 3, 4, 5], [2, 1, 0, 1, 2], [3, 0, 1, 1, 0], [1, 4, 1, 1, 2], [2, 1, 1, 0, 0]])[None, None]
FILTER = np.array([[1, 0, 1], [1, 0, 1], [0, 1, 0]])


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def _copy(args: dict) -> dict:
    return {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in args.items()}


def _same(a, b) -> bool:
    if isinstance(a, tuple) or isinstance(b, tuple):
        return (isinstance(a, tuple) and isinstance(b, tuple) and len(a) == len(b)
                and all(_same(x, y) for x, y in zip(a, b)))
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-5, atol=1e-6))


# ------------------------------------------------------------- the lecture ---

def test_lecture_grid_as_an_fc_layer():
    row = FILTER.reshape(1, 9)
    assert fc_forward(GRID[:, :, :3, :3], row, np.zeros(1)).tolist() == [[6.0]]
    w_conv, b_conv = fc_to_conv(row, np.zeros(1), (1, 3, 3))
    assert w_conv.tolist() == [[FILTER.tolist()]] and b_conv.tolist() == [0.0]
    assert fc_score_map(GRID, row, np.zeros(1), (3, 3))[0, 0].tolist() == [[6, 9, 11], [10, 4, 4], [7, 7, 4]]
    assert fc_score_map(GRID, row, np.zeros(1), (3, 3), stride=2)[0, 0].tolist() == [[6, 11], [7, 4]]


def test_fc_to_conv_returns_new_arrays_and_keeps_dtypes():
    w, b = np.arange(24).reshape(2, 12), np.array([1, 2])
    w_conv, b_conv = fc_to_conv(w, b, (3, 2, 2))
    assert not np.shares_memory(w_conv, w) and not np.shares_memory(b_conv, b)
    assert w_conv.dtype == w.dtype and b_conv.dtype == b.dtype
    w_conv[...] = 0
    assert w.sum() == 276


# ------------------------------------------------------------- PyTorch ---

@st.composite
def fc_layers(draw):
    """An FC layer over (C, H, W) inputs, a batch for it, and a larger image to slide it over."""
    n, m, c = draw(st.integers(1, 3)), draw(st.integers(1, 4)), draw(st.integers(1, 3))
    h, w = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    h2, w2 = h + draw(st.integers(0, 5)), w + draw(st.integers(0, 5))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    return dict(x=rng.normal(size=(n, c, h, w)), big=rng.normal(size=(n, c, h2, w2)),
                w=rng.normal(size=(m, c * h * w)), b=rng.normal(size=m), stride=draw(st.integers(1, 3)))


@seed(6)
@settings(database=None, deadline=None, max_examples=60)
@given(fc_layers())
def test_reference_agrees_with_pytorch(torch, layer):
    nn, F = torch.nn, torch.nn.functional
    x, big, w, b, stride = layer["x"], layer["big"], layer["w"], layer["b"], layer["stride"]
    (n, c, h, wd), m = x.shape, w.shape[0]
    t = lambda a: torch.from_numpy(np.ascontiguousarray(a))  # noqa: E731
    linear = nn.Linear(c * h * wd, m, dtype=torch.float64)
    conv = nn.Conv2d(c, m, (h, wd), dtype=torch.float64)
    w_conv, b_conv = fc_to_conv(w, b, (c, h, wd))
    with torch.no_grad():
        linear.weight.copy_(t(w))
        linear.bias.copy_(t(b))
        conv.weight.copy_(t(w_conv))
        conv.bias.copy_(t(b_conv))
        by_linear = linear(torch.flatten(t(x), 1)).numpy()
        by_conv = conv(t(x)).numpy()
        by_conv2d = F.conv2d(t(big), t(w_conv), t(b_conv), stride=stride).numpy()
    np.testing.assert_allclose(fc_forward(x, w, b), by_linear, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(fc_forward(x.reshape(n, -1), w, b), by_linear, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(by_conv, by_linear[:, :, None, None], rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(conv_forward(x, w_conv, b_conv), by_linear[:, :, None, None], rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(fc_score_map(big, w, b, (h, wd), stride=stride), by_conv2d, rtol=1e-10, atol=1e-10)


@seed(60)
@settings(database=None, deadline=None, max_examples=40)
@given(fc_layers())
def test_score_map_is_the_fc_layer_on_every_window(layer):
    big, w, b, s = layer["big"], layer["w"], layer["b"], layer["stride"]
    _, c, h, wd = layer["x"].shape
    out = fc_score_map(big, w, b, (h, wd), stride=s)
    assert out.shape[2:] == ((big.shape[2] - h) // s + 1, (big.shape[3] - wd) // s + 1)
    for i in range(out.shape[2]):
        for j in range(out.shape[3]):
            window = big[:, :, i * s:i * s + h, j * s:j * s + wd]
            np.testing.assert_allclose(out[:, :, i, j], fc_forward(window, w, b), rtol=1e-12, atol=1e-12)


# ------------------------------------------------------- the content module ---

INVALID_WORDS = ("not", "has", "is 3-D", "is 5-D", "does not fit", "stride 0", "stride -1", "0-d", "but")


@pytest.mark.parametrize("function", FUNCTIONS)
def test_edge_cases_cover_the_contract(function):
    cases = lecture_cases(function) + edge_cases(function)
    valid = [c for c in cases if c.raises is None]
    invalid = [c for c in cases if c.raises is not None]
    assert len(valid) >= 5 and len(invalid) >= 8, (len(valid), len(invalid))
    for c in invalid:     # every ValueError case says so in its label, and only those
        assert any(word in c.label for word in INVALID_WORDS), c.label
    labels = " | ".join(c.label for c in cases)
    for needed in {"fc_forward": ("N=2, C=3", "2-D x", "4-D x", "x is 3-D", "x is 5-D", "23 columns", "0-d",
                                  "1 entry for 5"),
                   "fc_to_conv": ("two sizes", "four sizes", "has a 0", "negative", "24 columns", "0-d",
                                  "1 entry for 5", "non-square"),
                   "fc_score_map": ("N=2, C=3", "non-square", "stride 2", "as large as the input", "does not fit",
                                    "stride 0", "stride -1", "one size", "three sizes", "has a 0", "0-d",
                                    "1 entry for 4", "12 columns")}[function]:
        assert needed in labels, needed


@pytest.mark.parametrize("function", FUNCTIONS)
def test_every_label_has_korean(function):
    for e in content.lecture(function) + content.edges(function):
        assert e.ko and e.ko != e.en and any("\uac00" <= ch <= "\ud7a3" for ch in e.ko), e.en
        assert "스트라이드" not in e.ko and "패딩" not in e.ko and "창" not in e.ko, e.ko   # KOREAN.md's terms


def _typical_cases(function):
    """The lecture examples, valid edge cases and generated inputs of ``function``."""
    cases = [c.args for c in lecture_cases(function) + edge_cases(function) if c.raises is None]
    return cases + draw_examples(function, 50, 20261129)


VARIANTS = [m for m in content.all_variants() if m.function in FUNCTIONS]


def test_at_least_six_misconceptions_with_the_required_ones():
    keys = {m.key for m in VARIANTS}
    assert len(keys) >= 6
    assert {"fc_forward.flatten_hwc", "fc_forward.weights_not_transposed", "fc_to_conv.filters_hwc_shape",
            "fc_forward.bias_forgotten", "fc_forward.bias_first_value_only", "fc_score_map.stride_ignored",
            "fc_score_map.windows_off_by_one"} <= keys


@pytest.mark.parametrize("m", VARIANTS, ids=lambda m: m.key)
def test_variant_differs_from_the_reference_and_is_named(m):
    """On typical inputs the variant is wrong, and its own output is identified as itself."""
    differs = named = total = 0
    for args in _typical_cases(m.function):
        expected = REFERENCE[m.function](**_copy(args))
        try:
            with np.errstate(all="ignore"):
                got = m.variant(**_copy(args))
        except Exception:  # noqa: BLE001 - shapes this mistake cannot take (w untransposed, not square)
            continue
        total += 1
        if not _same(got, expected):
            differs += 1
            found = identify(m.function, args, got, expected)
            named += found is not None and found.key == m.key
    assert differs >= 3, (differs, total)
    assert named >= 1, (named, differs)
    # at least a fifth of the inputs it runs on (flatten_hwc: every 4-D x with C > 1 and H*W > 1, ~26%;
    # weights_not_transposed runs only on square w, and differs on all of those)
    assert differs >= total / 5, (differs, total)


@pytest.mark.parametrize("m", VARIANTS, ids=lambda m: m.key)
def test_misconception_sentences(m):
    for text in (m.en, m.ko):
        assert text.endswith(".") and ". " not in text
    assert m.en.isascii() and any("\uac00" <= ch <= "\ud7a3" for ch in m.ko)
    assert "필터 / filter" not in m.ko and "스트라이드" not in m.ko


# ------------------------------------------------------------- the engine ---

BUGGY = [e for e in MANIFEST if e["path"].startswith("buggy/fc_")]


def test_every_misconception_has_its_own_buggy_student():
    assert {e.get("misconception") or e["variant"] for e in BUGGY} == {m.key for m in VARIANTS}


@pytest.fixture(scope="module")
def graded():
    """report.document of every exercise6 corpus folder, graded once."""
    from grader.engine import report
    from grader.engine.runner import grade
    from grader.engine.spec import load_spec
    spec = load_spec("fc")
    paths = [e["path"] for e in MANIFEST if "exercise6" in e["exercises"]]
    return {p: report.document(grade(spec, str(CORPUS / p)), "en") for p in paths}


@pytest.mark.parametrize("entry", BUGGY, ids=lambda e: e["path"])
def test_buggy_student_is_named_by_the_engine(graded, entry):
    (function,) = entry["fail"]["exercise6"]
    by_name = {f["name"]: f for f in graded[entry["path"]]["functions"]}
    assert not by_name[function]["passed"]
    assert by_name[function]["misconception"] == entry.get("misconception")
    if "cause" in entry:
        assert by_name[function]["failure"].get("cause") == entry["cause"]
    assert all(f["passed"] for name, f in by_name.items() if name != function)


def test_correct_students_get_full_marks(graded):
    correct = [p for p in graded if p.startswith("correct/")]
    assert len(correct) >= 2
    for p in correct:
        assert graded[p]["score"] == graded[p]["max_score"] == 10, p


def test_a_tuple_item_is_named_in_the_feedback(graded):
    fr = next(f for f in graded["buggy/fc_to_conv_bias_dropped"]["functions"] if f["name"] == "fc_to_conv")
    assert fr["failure"]["params"]["output"] == "b_conv"
    assert "In b_conv (index 1 of the returned tuple)" in fr["feedback"]


# ------------------------------------------------------------- commands ---

def _run(*args, cwd=ROOT, timeout=300):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LC_ALL": "en_US.UTF-8"}   # English unless --lang ko
    return subprocess.run([sys.executable, "-m", "grader", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)


@pytest.mark.parametrize("name", ["exercise6", "fc", "fc-as-conv"])
def test_cli_grades_the_solutions_with_full_marks(name):
    done = _run(name, "--submission", "solutions", "--json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["exercise"] == "exercise6" and doc["score"] == doc["max_score"] == 10
    assert [f["name"] for f in doc["functions"]] == list(FUNCTIONS)


def test_cli_lists_exercise6():
    done = _run("list")
    assert done.returncode == 0 and "exercise6" in done.stdout


def test_the_stub_scores_zero_in_korean():
    done = _run("fc", "--lang", "ko")
    assert done.returncode == 1 and "점수: 0/10" in done.stdout


def test_batch_and_gradebook_pick_exercise6_up(tmp_path):
    klass = tmp_path / "class"
    for student, folder in (("alice", "correct/fc_loops"), ("bob", "buggy/fc_score_map_stride_ignored")):
        (klass / student).mkdir(parents=True)
        shutil.copy(CORPUS / folder / "exercise6.py", klass / student / "exercise6.py")
    out = tmp_path / "out"
    done = _run("batch", str(klass), "--out", str(out), "--jobs", "1", timeout=600)
    assert done.returncode == 0, done.stderr
    with open(out / "grades.csv", encoding="utf-8") as f:
        rows = {r["student"]: r for r in csv.DictReader(f)}
    assert set(rows) == {"Points Possible", "alice", "bob"}
    assert [rows["Points Possible"][f"exercise6.{name}"] for name in FUNCTIONS] == ["3", "3", "4"]
    assert [rows["alice"][f"exercise6.{name}"] for name in FUNCTIONS] == ["3", "3", "4"]
    assert [rows["bob"][f"exercise6.{name}"] for name in FUNCTIONS] == ["3", "3", "0"]
    summary = (out / "summary.md").read_text(encoding="utf-8")
    assert "exercise6" in summary and "fc_score_map.stride_ignored" in summary


def test_quiz_fc_as_conv_answers_agree_with_the_reference():
    """The quiz's FC-as-conv questions (filter size, score map size) are what exercise 6 computes."""
    from grader.quiz.bank import load_bank
    from grader.quiz.generate import QuizRequest, generate_sheet
    bank = load_bank()
    sheet = generate_sheet(bank, QuizRequest(seed=6, count=8, kinds=("fc_as_conv", "fc_as_conv_larger"), lang="en"))
    assert {q.kind for q in sheet.questions} == {"fc_as_conv", "fc_as_conv_larger"}
    for q in sheet.questions:
        p = q.params
        w, b = np.zeros((1, p["C"] * p["V"] * p["V"])), np.zeros(1)    # one output unit is enough for sizes
        if q.kind == "fc_as_conv":
            w_conv, _ = fc_to_conv(w, b, (p["C"], p["V"], p["V"]))
            assert w_conv.shape[-1] == q.answer
        else:
            out = fc_score_map(np.zeros((1, p["C"], p["M"], p["M"])), w, b, (p["V"], p["V"]))
            assert out.shape[-1] == q.answer
