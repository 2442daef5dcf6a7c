"""Issue 12's quiz rules: questions without ambiguity, sheets as printed, keys that agree
across formats, and sheets whose key cannot be rebuilt without the instructor secret."""
from __future__ import annotations

import io
import json
from html import escape
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.quiz.bank import load_bank
from grader.quiz.cli import quiz
from grader.quiz.formats import FORMATS
from grader.quiz.generate import QuizRequest, generate_roster, generate_sheet
from grader.quiz.keyrows import wrong_rows
from grader.quiz.kinds import KINDS
from grader.quiz.model import format_value
from grader.quiz.secret import Secret, load_secret


@pytest.fixture(autouse=True)
def _instructor_secret(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("EURON_GRADE_SECRET_FILE", str(tmp_path_factory.getbasetemp() / "quiz-secret"))


@pytest.fixture(scope="module")
def bank():
    return load_bank()


@pytest.fixture(scope="module")
def questions(bank):
    """60 seeds x all kinds (1,080 questions), in English (the parameters are the same in both languages)."""
    out = []
    for seed in range(60):
        out += generate_sheet(bank, QuizRequest(seed=30_000 + seed, count=len(KINDS), lang="en")).questions
    return out


# ------------------------------------------------------------------ no ambiguity

def test_pooling_windows_tile_exactly(questions):
    for q in questions:
        if q.kind in ("pool_output", "pool_params"):
            assert (q.params["N"] - q.params["F"]) % q.params["S"] == 0, q.params


def test_conv_fits_counts_padding_pixels_and_the_key_shows_it(bank, questions):
    assert "padding으로 붙인 0도 픽셀로 센다" in bank.kinds["conv_fits"].text["ko"]
    assert "Zero-padding pixels count" in bank.kinds["conv_fits"].text["en"]
    for q in questions:
        if q.kind == "conv_fits":
            p = q.params
            span = p["N"] + 2 * p["P"]
            out = (p["N"] - p["F"] + 2 * p["P"]) // p["S"] + 1
            covered = (out - 1) * p["S"] + p["F"]
            assert q.answer == span - covered
            assert f"{span} - {covered} = {q.answer}" in q.solution


def test_grid_options_have_the_size_the_question_states(questions):
    for q in questions:
        if q.is_grid:
            size = f"{len(q.answer)}×{len(q.answer[0])}"
            assert size in q.text
            for c in q.choices:
                assert (len(c.value), len(c.value[0])) == (len(q.answer), len(q.answer[0])), (q.kind, c.tag)


def test_resnet_key_shows_its_reasoning(questions):
    seen = set()
    for q in questions:
        if q.kind == "resnet_shortcut":
            if q.answer == 0:
                assert "1·1·" not in q.solution and "identity" in q.solution
            else:
                assert f"= {q.answer}" in q.solution and "1·1·C_in·C_out" in q.solution
            seen.add(q.answer == 0)
    assert seen == {True, False}


def test_small_kinds_have_more_variants(bank):
    for name in ("vgg_receptive_field", "vgg_stack_params", "fc_as_conv", "fc_as_conv_larger"):
        assert KINDS[name].space_size(bank.kinds[name].params) >= 10, name


def test_every_lms_question_carries_the_rounding_convention(bank):
    for style in ("choice", "open"):
        sheet = generate_sheet(bank, QuizRequest(seed=5, count=len(KINDS), lang="ko", style=style))
        conv = sheet.convention.replace("(", "\\(").replace(")", "\\)")
        moodle = FORMATS["moodle"].render([sheet]).decode("utf-8")
        assert moodle.count("floor((N - F + 2P) / S) + 1") == len(KINDS)
        gift = FORMATS["gift"].render([sheet]).decode("utf-8")
        assert gift.count("floor((N - F + 2P) / S) + 1") == len(KINDS), conv
        z = zipfile.ZipFile(io.BytesIO(FORMATS["qti"].render([sheet])))
        qti = "".join(z.read(n).decode("utf-8") for n in z.namelist())
        assert qti.count("floor((N - F + 2P) / S) + 1") == len(KINDS)


# ------------------------------------------------------------------ sheets as printed

class _NoTableInParagraph(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.bad = [], []

    def handle_starttag(self, tag, attrs):
        if tag in ("table", "div", "ul", "ol") and "p" in self.stack:
            self.bad.append(tag)
        if tag not in ("br", "meta", "img"):
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack.pop() != tag:
                pass


@pytest.mark.parametrize("style", ["choice", "open"])
def test_html_keeps_block_elements_out_of_paragraphs(bank, style):
    sheet = generate_sheet(bank, QuizRequest(seed=9, count=len(KINDS), lang="ko", style=style))
    for key in (False, True):
        parser = _NoTableInParagraph()
        parser.feed(FORMATS["html"].render([sheet], key=key).decode("utf-8"))
        assert parser.bad == []


def test_question_numbers_stand_apart_from_the_text(bank):
    sheet = generate_sheet(bank, QuizRequest(seed=4, count=len(KINDS), lang="en"))
    md = FORMATS["md"].render([sheet]).decode("utf-8")
    starts_with_digit = [q for q in sheet.questions if q.text[0].isdigit()]
    assert starts_with_digit  # "5 conv layers ...", "224×224×3 ..." would read as "10.5", "3.224"
    for q in sheet.questions:
        assert f"**Q{q.number}.** {q.text}" in md
        assert not re.search(rf"(?m)^\*\*{q.number}\.\*\*", md)


def test_negative_numbers_print_with_a_real_minus(bank):
    sheet = next(s for seed in range(40)
                 for s in [generate_sheet(bank, QuizRequest(seed=seed, count=1, kinds=("conv_grid",)))]
                 if any(v < 0 for row in s.questions[0].answer for v in row))
    q = sheet.questions[0]
    for fmt in ("md", "html"):
        text = FORMATS[fmt].render([sheet], key=True).decode("utf-8")
        assert "\u2212" in text
        assert not re.search(r"(?<![\w(])-\d", re.sub(r"<[^>]+>|`[^`]*`", "", text)), fmt
    assert "\u2212" in format_value(q.answer)


@pytest.mark.parametrize("style", ["choice", "open"])
def test_every_format_key_lists_the_same_rows(bank, style):
    from grader.quiz.render_pdf import _sheet_data

    sheet = generate_sheet(bank, QuizRequest(seed=12, count=len(KINDS), lang="en", style=style))
    md = FORMATS["md"].render([sheet], key=True).decode("utf-8")
    html = FORMATS["html"].render([sheet], key=True).decode("utf-8")
    pdf = _sheet_data(sheet, key=True)["questions"]
    for q, pq in zip(sheet.questions, pdf):
        rows = wrong_rows(q, sheet)
        assert len(rows) == (len(q.choices) - 1 if style == "choice" else len(q.misconceptions))
        for r in rows:
            letter = f"{r.letter}. " if r.letter else ""
            assert f"- {letter}{r.text} — {r.label} (`{r.tag}`)" in md
            assert f"<li>{letter}{r.text} — {escape(r.label)} <code>{r.tag}</code></li>" in html
        assert [(w["value"], w["tag"]) for w in pq["wrong"]] == [(r.text, r.tag) for r in rows]
        assert pq["letter"] == (q.correct_letter if style == "choice" else None)


# ------------------------------------------------------------------ exam integrity

def _roster(tmp_path: Path) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text("student_id,name\n2024001,김지인\n2024002,강다연\n2024003,Lee\n", encoding="utf-8")
    return path


def test_a_roster_sheet_cannot_be_rebuilt_without_the_secret(tmp_path, bank, monkeypatch):
    instructor = tmp_path / "instructor" / "quiz-secret"
    seed, count = 5417, 10
    r = CliRunner().invoke(quiz, ["--count", str(count), "--seed", str(seed), "--lang", "ko", "--roster",
                                  str(_roster(tmp_path)), "--format", "md", "-o", str(tmp_path / "sheets"),
                                  "--answers", str(tmp_path / "key.md"), "--secret-file", str(instructor)])
    assert r.exit_code == 0, r.output
    assert instructor.is_file() and oct(instructor.stat().st_mode & 0o777) == "0o600"
    assert str(instructor) in r.output  # the new file is announced by its path ...
    secret_text = instructor.read_text(encoding="utf-8").strip()
    assert secret_text not in r.output  # ... never by its content
    for path in tmp_path.rglob("*"):
        if path.is_file() and path != instructor:
            assert secret_text not in path.read_text(encoding="utf-8", errors="replace"), path

    # everything a student has: the printed sheet (code, id, name, the questions), the course seed, the tool
    printed = (tmp_path / "sheets" / "2024001.md").read_text(encoding="utf-8")
    code = re.search(r"문제지 코드 (\S+)\)", printed).group(1)
    header = printed.split("> ")[0]
    assert "시드" not in header and str(seed) not in header
    real = [line for line in printed.splitlines() if line.startswith("**Q")]
    real_sheet = generate_roster(bank, QuizRequest(seed=seed, count=count, lang="ko"),
                                 [("2024001", "김지인")], secret=load_secret(instructor))[0]
    assert real_sheet.code == code and [f"**Q{q.number}.** {q.text}" for q in real_sheet.questions] == real

    # the attack: the same command without the instructor's secret (a fresh one, or none), over every seed
    # a student might try: the course seed, small seeds, and every number printed on the sheet
    guesses = set(range(100)) | {seed} | {int(n) for n in re.findall(r"\d+", printed) if len(n) < 19}
    student = Secret(b"a student's own fresh secret file", None)
    best = 0
    for guess in sorted(guesses):
        for secret in (None, student):
            sheet = generate_sheet(bank, QuizRequest(seed=guess, count=count, lang="ko"), secret=secret,
                                   student_id="2024001")
            same = sum(f"**Q{q.number}.** {q.text}" == line for q, line in zip(sheet.questions, real))
            best = max(best, same)
    print("most questions matched by a guess:", best, "of", count, "over", 2 * len(guesses), "tries")
    assert best < count // 2, best  # a few small-kind questions may coincide by chance; the sheet never does

    # and through the CLI: the student's run makes its own secret and other sheets
    monkeypatch.setenv("EURON_GRADE_SECRET_FILE", str(tmp_path / "student" / "quiz-secret"))
    r = CliRunner().invoke(quiz, ["--count", str(count), "--seed", str(seed), "--lang", "ko", "--roster",
                                  str(_roster(tmp_path)), "--format", "md", "-o", str(tmp_path / "theirs")])
    assert r.exit_code == 0, r.output
    theirs = (tmp_path / "theirs" / "2024001.md").read_text(encoding="utf-8")
    assert theirs != printed and code not in theirs

    # the instructor, with the secret, regenerates the same bytes
    r = CliRunner().invoke(quiz, ["--count", str(count), "--seed", str(seed), "--lang", "ko", "--roster",
                                  str(_roster(tmp_path)), "--format", "md", "-o", str(tmp_path / "again"),
                                  "--secret-file", str(instructor)])
    assert r.exit_code == 0 and (tmp_path / "again" / "2024001.md").read_text(encoding="utf-8") == printed


def test_grading_needs_the_secret_the_sheets_were_made_with(tmp_path, monkeypatch):
    instructor = tmp_path / "instructor-secret"
    r = CliRunner().invoke(quiz, ["--count", "3", "--seed", "8", "--roster", str(_roster(tmp_path)), "--format",
                                  "json", "-o", str(tmp_path / "sheets"), "--secret-file", str(instructor)])
    assert r.exit_code == 0, r.output
    manifest = tmp_path / "sheets" / "quiz-manifest.json"
    doc = json.loads(manifest.read_text(encoding="utf-8"))
    assert doc["secret_fingerprint"] == load_secret(instructor).fingerprint
    (tmp_path / "r.csv").write_text("student_id,question,answer\n2024001,1,A\n", encoding="utf-8")

    missing = tmp_path / "nowhere" / "quiz-secret"
    r = CliRunner().invoke(quiz, ["grade", str(tmp_path / "r.csv"), "--manifest", str(manifest),
                                  "--secret-file", str(missing)])
    assert r.exit_code == 2 and "no instructor secret" in r.output and not missing.exists()

    other = tmp_path / "other-secret"
    other.write_text("another instructor's secret, long enough\n", encoding="utf-8")
    r = CliRunner().invoke(quiz, ["grade", str(tmp_path / "r.csv"), "--manifest", str(manifest),
                                  "--secret-file", str(other)])
    assert r.exit_code == 2 and "not the one these sheets were made with" in r.output

    r = CliRunner().invoke(quiz, ["grade", str(tmp_path / "r.csv"), "--manifest", str(manifest),
                                  "--secret-file", str(instructor)])
    assert r.exit_code == 0, r.output


def test_no_output_format_prints_the_sheet_seed(bank):
    secret = Secret(b"0123456789abcdef0123456789abcdef")
    sheet = generate_roster(bank, QuizRequest(seed=77, count=len(KINDS)), [("2024009", "")], secret=secret)[0]
    for name, f in FORMATS.items():
        if name == "pdf":
            continue
        for key in ((False, True) if f.key else (False,)):
            data = f.render([sheet], key=key)
            if name == "qti":
                z = zipfile.ZipFile(io.BytesIO(data))
                data = b"".join(z.read(n) for n in z.namelist())
            text = data.decode("utf-8")
            assert str(sheet.seed) not in text and secret.key.decode() not in text, name
            assert sheet.code in text, name
