"""Every format: deterministic bytes per seed, and the structure each consumer expects."""
from __future__ import annotations

import io
import json
import sys
import types
import xml.etree.ElementTree as ET
import zipfile

import pytest

from grader.quiz.bank import load_bank
from grader.quiz.formats import FORMATS
from grader.quiz.generate import QuizRequest, format_value, generate_roster, generate_sheet


@pytest.fixture(autouse=True)
def _instructor_secret(tmp_path_factory, monkeypatch):
    """Every test's instructor secret lives in the session's temporary folder, never in ~/.config."""
    monkeypatch.setenv("EURON_GRADE_SECRET_FILE", str(tmp_path_factory.getbasetemp() / "quiz-secret"))

TEXT_FORMATS = ["md", "html", "moodle", "gift", "qti", "json"]


@pytest.fixture(scope="module")
def bank():
    return load_bank()


def sheet(bank, seed=7, style="choice", lang="ko", count=18):
    return generate_sheet(bank, QuizRequest(seed=seed, count=count, lang=lang, style=style))


@pytest.mark.parametrize("fmt", TEXT_FORMATS)
@pytest.mark.parametrize("style", ["choice", "open"])
def test_same_seed_same_bytes_other_seed_other_bytes(bank, fmt, style):
    f = FORMATS[fmt]
    a = f.render([sheet(bank, 7, style)])
    b = f.render([generate_sheet(load_bank(), QuizRequest(seed=7, count=18, style=style))])
    c = f.render([sheet(bank, 8, style)])
    assert a == b
    assert a != c


def test_languages_share_the_questions(bank):
    ko, en = sheet(bank, lang="ko"), sheet(bank, lang="en")
    assert [(q.kind, q.params, q.answer) for q in ko.questions] == [(q.kind, q.params, q.answer) for q in en.questions]
    assert ko.questions[0].text != en.questions[0].text


def _import_pygiftparser():
    # pygiftparser imports Markdown 3.0, which imports pkg_resources (gone from new setuptools);
    # it only looks up extensions there, which the parser never uses.
    if "pkg_resources" not in sys.modules:
        try:
            import pkg_resources  # noqa: F401
        except ImportError:
            shim = types.ModuleType("pkg_resources")
            shim.iter_entry_points = lambda *a, **k: iter(())
            sys.modules["pkg_resources"] = shim
    return pytest.importorskip("pygiftparser.parser")


@pytest.mark.parametrize("style", ["choice", "open"])
def test_gift_parses_into_real_questions_with_answers(bank, style):
    parser = _import_pygiftparser()
    s = sheet(bank, 11, style)
    text = FORMATS["gift"].render([s]).decode("utf-8")
    parsed = parser.parseFile(io.StringIO(text))
    assert len(parsed) == len(s.questions)
    for q, g in zip(s.questions, parsed):
        assert g.valid
        assert type(g.answers).__name__ != "Description"
        assert g.title == f"Q{q.number:02d} {q.kind}"
        answers = g.answers.answers
        if style == "open" and not q.is_grid:
            assert type(g.answers).__name__ == "NumericAnswerSet"
            assert len(answers) == 1 + len(q.misconceptions)
            full = [a for a in answers if float(a.fraction) == 100]
            assert len(full) == 1 and float(full[0].value) == q.answer
        else:
            assert type(g.answers).__name__ == "SelectSet"
            assert len(answers) == len(q.choices)
            right = [a for a in answers if a.select]
            assert len(right) == 1
            if not q.is_grid:
                assert right[0].answer.strip() == str(q.answer)


def test_gift_escapes_special_characters():
    from grader.quiz.render_gift import gift_escape

    assert gift_escape("a=b: {c} ~d #e \\") == "a\\=b\\: \\{c\\} \\~d \\#e \\\\"


@pytest.mark.parametrize("style", ["choice", "open"])
def test_moodle_xml_has_moodles_import_structure(bank, style):
    s = sheet(bank, 5, style)
    root = ET.fromstring(FORMATS["moodle"].render([s]))
    assert root.tag == "quiz"
    qs = root.findall("question")
    assert qs[0].get("type") == "category"
    assert qs[0].find("category/text").text.startswith("$course$/")
    items = qs[1:]
    assert len(items) == len(s.questions)
    for q, el in zip(s.questions, items):
        want = "numerical" if style == "open" and not q.is_grid else "multichoice"
        assert el.get("type") == want
        for tag in ("name/text", "questiontext/text", "generalfeedback/text", "defaultgrade", "penalty", "hidden"):
            assert el.find(tag) is not None, tag
        assert el.find("questiontext").get("format") == "html"
        answers = el.findall("answer")
        full = [a for a in answers if a.get("fraction") == "100"]
        assert len(full) == 1
        assert all(a.get("fraction") in ("0", "100") for a in answers)
        assert all(a.find("feedback/text") is not None for a in answers)
        if want == "multichoice":
            assert el.find("single").text == "true"
            assert len(answers) == len(q.choices)
            if not q.is_grid:
                assert full[0].find("text").text == str(q.answer)
            else:
                assert "<table" in full[0].find("text").text
        else:
            assert full[0].find("text").text == str(q.answer)
            assert full[0].find("tolerance").text == "0"
            wrong = {a.find("text").text: a.find("feedback/text").text for a in answers if a is not full[0]}
            for tag, value in q.misconceptions.items():
                assert wrong[str(value)] == q.labels[tag]


@pytest.mark.parametrize("style", ["choice", "open"])
def test_qti_zip_has_manifest_and_one_assessment(bank, style):
    s = sheet(bank, 9, style)
    data = FORMATS["qti"].render([s])
    z = zipfile.ZipFile(io.BytesIO(data))
    names = z.namelist()
    assert "imsmanifest.xml" in names
    assessments = [n for n in names if n != "imsmanifest.xml"]
    assert len(assessments) == 1
    ns = {"q": "http://www.imsglobal.org/xsd/ims_qtiasiv1p2",
          "m": "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"}
    manifest = ET.fromstring(z.read("imsmanifest.xml"))
    res = manifest.findall("m:resources/m:resource", ns)
    assert len(res) == 1 and res[0].get("type") == "imsqti_xmlv1p2"
    assert res[0].find("m:file", ns).get("href") == assessments[0]
    root = ET.fromstring(z.read(assessments[0]))
    items = root.findall("q:assessment/q:section/q:item", ns)
    assert len(items) == len(s.questions)
    for q, item in zip(s.questions, items):
        fields = {f.find("q:fieldlabel", ns).text: f.find("q:fieldentry", ns).text
                  for f in item.findall("q:itemmetadata/q:qtimetadata/q:qtimetadatafield", ns)}
        numerical = style == "open" and not q.is_grid
        assert fields["question_type"] == ("numerical_question" if numerical else "multiple_choice_question")
        assert fields["points_possible"] == "1.0"
        scoring = [c for c in item.findall("q:resprocessing/q:respcondition", ns)
                   if c.find("q:setvar", ns) is not None]
        assert len(scoring) == 1 and scoring[0].find("q:setvar", ns).text == "100"
        if numerical:
            assert item.find("q:presentation/q:response_str/q:render_fib", ns).get("fibtype") == "Decimal"
            assert scoring[0].find(".//q:varequal", ns).text == str(q.answer)
        else:
            labels = item.findall("q:presentation/q:response_lid/q:render_choice/q:response_label", ns)
            assert len(labels) == len(q.choices)
            correct_id = scoring[0].find("q:conditionvar/q:varequal", ns).text
            assert correct_id.endswith("_" + q.correct_letter)
    assert data == FORMATS["qti"].render([s])


def test_json_holds_every_question_as_data(bank):
    s = sheet(bank, 4)
    doc = json.loads(FORMATS["json"].render([s]))
    qs = doc["sheets"][0]["questions"]
    assert len(qs) == 18
    for q, d in zip(s.questions, qs):
        assert d["kind"] == q.kind and d["text"] == q.text
        assert d["answer_text"] == format_value(q.answer)
        assert sum(c["correct"] for c in d["choices"]) == 1
        for c in d["choices"]:
            assert (c["misconception"] is None) == c["correct"]


def test_markdown_and_html_show_numbered_questions_and_bordered_grids(bank):
    s = sheet(bank, 2)
    md = FORMATS["md"].render([s]).decode("utf-8")
    html = FORMATS["html"].render([s]).decode("utf-8")
    for q in s.questions:
        assert f"**Q{q.number}.** " in md
        assert f'<span class="num">Q{q.number}.</span>' in html
    assert "table.grid td { border: 1.5px solid #000" in html
    grid_q = next(q for q in s.questions if q.kind == "conv_grid")
    first_row = "| " + " | ".join(format_value(v) for v in grid_q.figures[0].grid[0]) + " |"
    assert first_row in md
    assert "<table class=\"grid\">" in html
    assert s.convention in md and "floor" in s.convention


def test_answer_key_holds_worked_solutions_with_numbers(bank):
    s = sheet(bank, 2, lang="en")
    key = FORMATS["md"].render([s], key=True).decode("utf-8")
    q = next(q for q in s.questions if q.kind == "conv_output")
    p = q.params
    assert f"({p['N']} - {p['F']} + 2·{p['P']})/{p['S']} + 1 = {q.answer}" in key
    for c in q.choices:
        if c.tag:
            assert f"{c.letter}. {format_value(c.value)} — {q.labels[c.tag]} (`{c.tag}`)" in key
    assert "Choose one" not in key


def test_roster_sheets_are_all_different(bank):
    roster = [(f"2024{i:04d}", f"Student {i}") for i in range(60)]
    sheets = generate_roster(bank, QuizRequest(seed=5, count=10), roster)
    assert len({s.signature for s in sheets}) == 60
    assert {tuple(q.kind for q in s.questions) for s in sheets} == {tuple(q.kind for q in sheets[0].questions)}
    again = generate_roster(bank, QuizRequest(seed=5, count=10), roster[:5])
    assert [s.signature for s in again] == [s.signature for s in sheets[:5]]


def test_roster_with_a_tiny_bank_still_gives_distinct_sheets_when_possible(bank):
    # vgg_receptive_field has 10 questions: 10 different one-question sheets exist, no more.
    roster = [(str(i), "") for i in range(10)]
    sheets = generate_roster(bank, QuizRequest(seed=1, count=1, kinds=("vgg_receptive_field",)), roster)
    assert len({s.signature for s in sheets}) == 10


def test_roster_spreads_the_few_variants_of_small_kinds(bank):
    # 60 students: no question of a kind with v variants goes to more than ceil(60 / v) of them
    import math
    from collections import Counter

    from grader.quiz.kinds import KINDS

    roster = [(f"2024{i:04d}", "") for i in range(60)]
    small = ("vgg_receptive_field", "vgg_stack_params", "fc_as_conv", "same_padding")
    sheets = generate_roster(bank, QuizRequest(seed=3, count=4, kinds=small), roster)
    for number, name in enumerate((q.kind for q in sheets[0].questions), start=1):
        given = Counter(repr(s.questions[number - 1].params) for s in sheets)
        share = math.ceil(60 / KINDS[name].space_size(bank.kinds[name].params))
        assert max(given.values()) <= share, (name, given.most_common(3))
