"""The question bank: the shipped one is valid; broken ones give one clear error."""
from __future__ import annotations

import copy

import pytest
import yaml
from click.testing import CliRunner

from grader.quiz.bank import BankError, default_bank_path, load_bank, parse_bank
from grader.quiz.cli import quiz
from grader.quiz.kinds import KINDS


@pytest.fixture(autouse=True)
def _instructor_secret(tmp_path_factory, monkeypatch):
    """Every test's instructor secret lives in the session's temporary folder, never in ~/.config."""
    monkeypatch.setenv("EURON_GRADE_SECRET_FILE", str(tmp_path_factory.getbasetemp() / "quiz-secret"))


@pytest.fixture(scope="module")
def raw():
    return yaml.safe_load(default_bank_path().read_text(encoding="utf-8"))


def test_shipped_bank_has_every_kind_in_both_languages():
    bank = load_bank()
    assert list(bank.kinds) == list(KINDS)
    for spec in bank.kinds.values():
        for field in (spec.title, spec.text, spec.solution):
            assert set(field) == {"ko", "en"}
        assert any("\uac00" <= ch <= "\ud7a3" for ch in spec.text["ko"])  # Hangul
        assert len(spec.misconceptions) >= spec.choices - 1
    assert len(bank.digest) == 64


def _set(d, path, value):
    *head, last = path
    for k in head:
        d = d[k]
    if value is _DELETE:
        del d[last]
    else:
        d[last] = value


_DELETE = object()

BROKEN = [
    (("kinds", "conv_magic"), {"title": {"ko": "x", "en": "x"}}, "kinds.conv_magic is not a known kind"),
    (("kinds", "conv_output", "params", "S"), _DELETE, "kinds.conv_output.params is missing S"),
    (("kinds", "conv_output", "params", "Q"), [1], "has unknown parameter(s) Q"),
    (("kinds", "conv_output", "params", "S"), [0, 1], "kinds.conv_output.params.S has 0, below"),
    (("kinds", "conv_output", "params", "N"), {"min": 9, "max": 3}, "is an empty range"),
    (("kinds", "conv_output", "params", "F"), ["three"], "must list integers only"),
    (("kinds", "conv_output", "text", "en"), "Size for {N} and {Z}?", "uses unknown field(s) {Z}"),
    (("kinds", "conv_output", "text", "ko"), _DELETE, "kinds.conv_output.text.ko must be a non-empty string"),
    (("kinds", "conv_output", "misconceptions", "made_up"), {"ko": "x", "en": "x"},
     "misconceptions.made_up is not a misconception conv_output can compute"),
    (("kinds", "pool_params", "choices"), 9, "kinds.pool_params.choices must be an integer from 2 to 6"),
    (("kinds", "vgg_trace", "misconceptions"), {"ignored_pooling": {"ko": "x", "en": "y"}},
     "needs at least 3 entries for 4 choices"),
    (("sheet", "title"), "no languages", "sheet.title must be a mapping"),
    (("kinds",), {}, "kinds has no kinds"),
]


@pytest.mark.parametrize("path,value,message", BROKEN, ids=[m for _, _, m in BROKEN])
def test_broken_bank_names_the_field(raw, path, value, message):
    data = copy.deepcopy(raw)
    _set(data, path, value)
    with pytest.raises(BankError) as e:
        parse_bank(data, source="bank.yaml")
    assert message in str(e.value.message)
    assert str(e.value.message).startswith("bank.yaml: ")
    assert e.value.exit_code == 2


def test_broken_bank_file_on_the_cli_is_one_line_exit_2(tmp_path, raw):
    bad = tmp_path / "bank.yaml"
    bad.write_text("kinds: [unclosed\n", encoding="utf-8")
    r = CliRunner().invoke(quiz, ["--seed", "1", "--bank", str(bad)])
    assert r.exit_code == 2
    assert r.output.startswith("Error: bank.yaml: not valid YAML")
    assert len(r.output.strip().splitlines()) == 1

    data = copy.deepcopy(raw)
    data["kinds"]["se_params"]["params"]["r"] = {"min": 0, "max": 4}
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    r = CliRunner().invoke(quiz, ["kinds", "--bank", str(bad)])
    assert r.exit_code == 2
    assert "kinds.se_params.params.r has 0" in r.output and len(r.output.strip().splitlines()) == 1


def test_instructor_can_narrow_ranges_and_wording(tmp_path, raw):
    data = copy.deepcopy(raw)
    spec = data["kinds"]["conv_output"]
    spec["params"].update({"N": [32], "F": [5], "S": [1], "P": [2], "C": [3], "K": [10]})
    spec["text"]["en"] = "Lecture: {N}x{N}x{C} input, {K} filters {F}x{F}, stride {S}, pad {P}. Output size?"
    path = tmp_path / "bank.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    r = CliRunner().invoke(quiz, ["--seed", "3", "--count", "1", "--kinds", "conv_output", "--lang", "en",
                                  "--format", "json", "--bank", str(path)])
    assert r.exit_code == 0, r.output
    assert "Lecture: 32x32x3 input, 10 filters 5x5, stride 1, pad 2." in r.output
    assert '"answer": 32' in r.output
    # only one such question exists, so two cannot be asked
    r = CliRunner().invoke(quiz, ["--seed", "3", "--count", "2", "--kinds", "conv_output", "--bank", str(path)])
    assert r.exit_code == 2 and "distinct 'conv_output'" in r.output
