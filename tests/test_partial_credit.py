"""Partial credit (``scoring: cases`` in a spec): the spec keys, the split, and the reports."""
import dataclasses
import json
from pathlib import Path

import pytest
import yaml

from grader.engine import report, runner, scoring
from grader.engine.spec import load_spec, load_spec_file
from grader.errors import SpecError

from helpers import PAD2_BUG  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SPECS = ROOT / "grader" / "content" / "specs"



def _spec_file(tmp_path, **extra):
    data = yaml.safe_load((SPECS / "exercise2.yaml").read_text(encoding="utf-8"))
    data.update(extra)
    path = tmp_path / "exercise2.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_default_is_all_or_nothing():
    spec = load_spec("exercise2")
    assert spec.scoring == "functions" and spec.weights == () and spec.visibility("generated") == "visible"


def test_spec_keys_are_read(tmp_path):
    spec = load_spec_file(_spec_file(tmp_path, scoring="cases", weights={"lecture": 1, "edge": 2, "generated": 2},
                                     gradescope={"visibility": "visible",
                                                 "generated_visibility": "after_published"}))
    assert spec.scoring == "cases"
    assert [spec.weight(g) for g in scoring.GROUPS] == [1.0, 2.0, 2.0]
    assert spec.visibility("lecture") == spec.visibility("edge") == spec.visibility() == "visible"
    assert spec.visibility("generated") == "after_published"


@pytest.mark.parametrize("extra, where", [
    ({"scoring": "per_case"}, "scoring: expected one of functions, cases"),
    ({"scoring": 3}, "scoring: expected a string"),
    ({"weights": {"lecture": 1}}, "weights: only with scoring: cases"),
    ({"scoring": "cases", "weights": {"lectures": 1}}, "weights.lectures: unknown key"),
    ({"scoring": "cases", "weights": {"edge": "two"}}, "weights.edge: expected a number"),
    ({"scoring": "cases", "weights": {"edge": -1}}, "weights.edge: must be at least 0"),
    ({"scoring": "cases", "weights": [1, 2, 2]}, "weights: expected a mapping"),
    ({"gradescope": {"visibility": "public"}}, "gradescope.visibility: expected one of hidden"),
    ({"gradescope": {"hidden": True}}, "gradescope.hidden: unknown key"),
])
def test_bad_keys_are_one_line_errors_naming_file_and_key(tmp_path, extra, where):
    path = _spec_file(tmp_path, **extra)
    with pytest.raises(SpecError) as err:
        load_spec_file(path)
    message = str(err.value)
    assert message.startswith(f"{path}: ") and where in message and "\n" not in message


def test_split_gives_a_missing_groups_weight_to_the_others():
    weight = {"lecture": 1, "edge": 2, "generated": 2}.get
    groups = scoring.split(6, {"edge": [3, 4], "generated": [50, 50]}, weight)
    assert [(g["group"], g["max_score"], g["score"]) for g in groups] == [("edge", 3.0, 0.0),
                                                                         ("generated", 3.0, 3.0)]
    assert scoring.score(6, groups) == 3.0
    every = scoring.split(10, {"lecture": [1, 1], "edge": [4, 4], "generated": [9, 9]}, lambda g: 1)
    assert scoring.score(10, every) == 10.0      # exactly the points, not a sum of thirds
    assert scoring.split(4, {"lecture": [1, 1], "edge": [0, 2]}, lambda g: 0)[0]["max_score"] == 2.0


def _grade(tmp_path, spec, exercise2):
    (tmp_path / "exercise1.py").write_text((ROOT / "solutions" / "exercise1.py").read_text())
    (tmp_path / "exercise2.py").write_text(exercise2)
    return runner.grade(spec, tmp_path)


def _ref2():
    return (ROOT / "solutions" / "exercise2.py").read_text().replace("from .exercise", "from exercises.exercise")


def test_a_generated_only_bug_keeps_the_lecture_and_edge_shares(tmp_path):
    spec = dataclasses.replace(load_spec("exercise2"), scoring="cases",
                               weights=(("lecture", 1.0), ("edge", 2.0), ("generated", 2.0)))
    result = _grade(tmp_path, spec, _ref2().replace(*PAD2_BUG))
    fn = {f.name: f for f in result.functions}
    conv = fn["conv_forward"]
    assert not conv.passed
    assert [(g["group"], g["passed"] == g["cases"]) for g in conv.groups] == [
        ("lecture", True), ("edge", True), ("generated", False)]
    assert conv.score == pytest.approx(6 * 3 / 5)
    assert sum(g["cases"] for g in conv.groups) == conv.cases_run
    assert fn["conv1x1_forward"].score == 4 and fn["conv1x1_forward"].passed
    assert result.score == pytest.approx(4 + 6 * 3 / 5)
    text = report.render_text(result)
    assert "generated inputs: " in text and "edge cases: " in text and ", 2.4/2.4 points" in text
    md = report.render_markdown(result, "ko")
    assert "- 강의 예제: " in md and "0/2.4점" in md
    doc = json.loads(report.render_json(result))
    assert [g["group"] for g in doc["functions"][0]["groups"]] == ["lecture", "edge", "generated"]
    feedback = report.group_feedback(conv, "exercise2", "generated", "en")
    assert "padding=2" in feedback
    assert report.group_feedback(conv, "exercise2", "edge", "en") == ""

    # the same submission, all-or-nothing (the spec as shipped): exactly as before
    plain = _grade(tmp_path, load_spec("exercise2"), _ref2().replace(*PAD2_BUG))
    assert plain.functions[0].score == 0 and plain.functions[0].groups is None
    assert "generated inputs: " not in report.render_text(plain)


def test_a_stub_scores_nothing_with_partial_credit(tmp_path):
    spec = dataclasses.replace(load_spec("exercise2"), scoring="cases")
    result = _grade(tmp_path, spec, (ROOT / "exercises" / "exercise2.py").read_text())
    assert all(f.not_implemented and f.score == 0 for f in result.functions)
    broken = _grade(tmp_path, spec, "import no_such_module\n")
    assert broken.load is not None and broken.score == 0
