"""Korean quiz text as KOREAN.md asks: particles that agree with the word before them,
no stray English, one register.

The scanner is built on grader.korean.josa: wherever a particle follows a number, an
identifier, a Latin word or a parenthetical gloss (``3으로``, ``x를``, ``높이(=너비)는``),
it must be the one ``josa`` picks for that word. It reads every Korean question,
worked solution, misconception label, sheet and key (both styles) of 60 seeds x all
kinds, the grading feedback and the terminal messages.
"""
from __future__ import annotations

import csv
import io
import re
import string

import pytest
from click.testing import CliRunner

from grader.korean import josa
from grader.quiz.bank import load_bank
from grader.quiz.cli import quiz
from grader.quiz.formats import FORMATS
from grader.quiz.generate import QuizRequest, generate_sheet
from grader.quiz.grade import Problem, StudentResult, feedback_markdown, mark, problem_text
from grader.quiz.kinds import KINDS
from grader.quiz.labels import LABELS, MESSAGES, message


@pytest.fixture(autouse=True)
def _instructor_secret(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("EURON_GRADE_SECRET_FILE", str(tmp_path_factory.getbasetemp() / "quiz-secret"))


# ------------------------------------------------------------------ the scanner

_HANGUL = "\uac00-\ud7a3"
_RUN = re.compile(rf"(?<=[^\s{_HANGUL}])[{_HANGUL}]+")
# particle at the start of a Hangul run -> (pair, whether the run must be the particle alone)
_PARTICLES = [("으로", "으로/로", False), ("로", "으로/로", False), ("을", "을/를", False), ("를", "을/를", False),
              ("은", "은/는", False), ("는", "은/는", False), ("과", "과/와", False), ("와", "과/와", False),
              ("이에요", "이에요/예요", False), ("예요", "이에요/예요", False),
              ("이나", "이나/나", True), ("나", "이나/나", True), ("이", "이/가", True), ("가", "이/가", True)]


def _word_before(text: str, end: int) -> str:
    """The word ending at ``end``: back to a space outside parentheses (``수(64 → 128)``)."""
    start, depth = end, 0
    while start > 0:
        ch = text[start - 1]
        if ch == ")":
            depth += 1
        elif ch == "(":
            depth -= 1
        elif ch.isspace() and depth <= 0:
            break
        start -= 1
    return text[start:end]


def particle_errors(text: str) -> list[str]:
    """Every particle in ``text`` that disagrees with the non-Hangul word (or gloss) before it.

    ``이``/``가``/``이나``/``나`` count only when nothing Hangul follows them (``64이고``,
    ``N이므로`` are the copula, which agrees with both; ``3가지`` is not a particle).
    """
    errors = []
    for m in _RUN.finditer(text):
        run, word = m.group(0), _word_before(text, m.start())
        for particle, pair, alone in _PARTICLES:
            if run.startswith(particle) and (not alone or run == particle):
                want = josa(word, pair)
                if want != particle:
                    errors.append(f"{word}{particle} (want {word}{want}) in: {text[:120]}")
                break
    return errors


def test_the_scanner_finds_what_issue_12_found():
    assert particle_errors("conv_output_size가 25을 반환했습니다") == [
        "25을 (want 25를) in: conv_output_size가 25을 반환했습니다"]
    bad = ["padding 3로", "bias 0로", "64×64으로", "dtype int64을", "same_padding가", "global_avg_pool가",
           "1729을", "AssertionError이 발생", "높이(=너비)은?"]
    for text in bad:
        assert particle_errors(text), text
    good = ["padding 3으로", "bias 0으로", "64×64로", "int64를", "same_padding이", "global_avg_pool이", "1729를",
            "AssertionError가 발생", "높이(=너비)는?", "N - F + 2P + 1 = N이므로", "16×16×512가 된다", "3가지",
            "64이고", "C_in을", "C·r을", "(C_in 무시)", "x를"]
    for text in good:
        assert particle_errors(text) == [], text


# ------------------------------------------------------------------ stray English

LECTURE_TERMS = {
    # KOREAN.md keeps these in English as the lecture does
    "activation", "map", "bias", "dot", "product", "cross-correlation", "relu", "sigmoid", "stride", "padding",
    "zero", "window",
    # the lecture's (CS231n's) names for layers, shapes and architectures
    "same", "conv", "convolution", "layer", "volume", "pooling", "max", "average", "global", "receptive", "field",
    "squeeze", "excitation", "reduction", "ratio", "block", "basic", "shortcut", "projection", "identity",
    "depth", "slice", "forward", "pass", "resnet", "pytorch",
    # math
    "floor", "mod",
}
NAMES = {"markdown", "moodle", "canvas", "euron", "pytorch", "typst"}
"""Names of products and formats, like identifiers."""
_ASCII_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_'-]*")


def stray_english(text: str) -> list[str]:
    """ASCII words of a Korean text that are not identifiers, numbers, variables, acronyms or lecture terms."""
    text = re.sub(r"`[^`]*`|'[^']*'", "", text).replace("&nbsp;", " ")  # code and quoted input aside
    out = []
    for w in _ASCII_WORD.findall(text):
        w = w.strip("'-")
        if (len(w) <= 1 or any(ch.isdigit() or ch == "_" for ch in w) or w.isupper()
                or w.lower() in LECTURE_TERMS | NAMES):
            continue
        out.append(w)
    return out


def test_stray_english_scanner():
    assert stray_english("필터 / filter마다") == ["filter"]
    assert stray_english("importing it took longer than 10 s") == ["importing", "it", "took", "longer", "than"]
    assert stray_english("bias를 빼먹음; conv_forward가 F×F, `forgot_bias`, ReLU, VGG, 3x3") == []


# ------------------------------------------------------------------ what is scanned

SEEDS = range(60)


@pytest.fixture(scope="module")
def bank():
    return load_bank()


@pytest.fixture(scope="module")
def sheets(bank):
    """60 seeds x all 18 kinds, in both styles: 2,160 Korean questions."""
    out = []
    for style in ("choice", "open"):
        for seed in SEEDS:
            out.append(generate_sheet(bank, QuizRequest(seed=20_000 + seed, count=len(KINDS), lang="ko", style=style)))
    return out


def _texts(sheets):
    for sheet in sheets:
        yield sheet.title
        yield sheet.convention
        for q in sheet.questions:
            yield q.text
            yield q.solution
            yield from q.labels.values()
            yield from (f.caption for f in q.figures)


def test_every_question_solution_and_label_has_agreeing_particles(sheets):
    texts = list(_texts(sheets))
    assert sum(len(s.questions) for s in sheets) == 2 * len(SEEDS) * len(KINDS)
    errors = [e for t in texts for e in particle_errors(t)]
    assert errors == [], errors[:20]


def test_every_sheet_and_key_has_agreeing_particles_and_no_stray_english(sheets):
    md = FORMATS["md"]
    for sheet in sheets:
        for text in (md.render([sheet]).decode("utf-8"), md.render([sheet], key=True).decode("utf-8")):
            assert particle_errors(text) == [], particle_errors(text)[:10]
            assert stray_english(text) == [], (stray_english(text), sheet.questions[0].text)


def test_questions_are_handa_style_and_never_say_choose_themselves(sheets):
    for sheet in sheets:
        for q in sheet.questions:
            assert "고르시오" not in q.text and "고르" not in q.text, q.text
            assert "?" in q.text or q.text.endswith("답하시오."), q.text  # asks; the sheet says how to answer
            assert "습니다" not in q.text and "세요" not in q.text, q.text  # 한다체, not 합니다체
    open_md = FORMATS["md"].render([s for s in sheets if s.style == "open"][:5]).decode("utf-8")
    assert "고르시오" not in open_md
    en = generate_sheet(load_bank(), QuizRequest(seed=1, count=len(KINDS), lang="en", style="open"))
    assert not any("choose" in q.text.lower() for q in en.questions)


def test_bank_templates_put_particles_after_fields_by_rule(bank):
    """A field followed directly by a particle must choose it with @ (``{P:@으로/로}``)."""
    particles = tuple(p for p, _, _ in _PARTICLES)
    templates = [bank.title["ko"], bank.convention["ko"]]
    for spec in bank.kinds.values():
        templates += [spec.text["ko"], spec.solution["ko"], *(m["ko"] for m in spec.misconceptions.values())]
        templates += [t for w in spec.words.values() for t in w.texts["ko"]]
    for t in templates:
        parts = list(string.Formatter().parse(t))
        for (_, field, spec_, _), (after, *_rest) in zip(parts, parts[1:]):
            if field is not None and "@" not in (spec_ or "") and after.startswith(particles):
                # the copula (이다, 이고, 이므로) agrees with both; a particle must not be fixed
                if not re.match(r"(이[다고며면므]|이었|인)", after):
                    raise AssertionError(f"{{{field}}}{after[:3]} in {t!r}: use {{{field}:@...}}")


def test_labels_and_messages_are_korean(tmp_path):
    for text in LABELS["ko"].values():
        assert stray_english(text) == [] and particle_errors(text) == []
    samples = dict(sheets=3, count=10, fmt="Moodle XML", out=tmp_path / "week5.pdf", path=tmp_path / "quiz-secret",
                   students=24, mean=7.25, feedback=tmp_path / "responses-feedback", tags="forgot_padding (3)",
                   text="2행: 학번이 비어 있어 이 답은 채점하지 않았습니다.", student="2024001")
    for key in MESSAGES["ko"]:
        text = message("ko", key, **samples)
        assert particle_errors(text) == [], text
        assert stray_english(re.sub(r"/\S+", "", text)) == [], text  # paths aside
    for kind, values in (("no_student_id", {}), ("bad_question", {"question": "first"}),
                         ("bad_question", {"question": "3번"}), ("bad_question", {"question": "Q1a"}),
                         ("conflict", {"question": 12}), ("not_on_sheet", {"questions": [11, 12]}),
                         ("not_in_roster", {})):
        text = problem_text(Problem(kind, 7, "s", values), "ko")
        assert particle_errors(text) == [] and stray_english(text) == [], text


def test_feedback_is_korean_with_agreeing_particles(sheets):
    for sheet in sheets[:30]:
        marks = []
        for q in sheet.questions:
            wrong = next(iter(q.misconceptions.values()))
            given = {0: q.correct_letter, 1: "", 2: "모름"}.get(q.number % 4)
            if given is None:
                given = " / ".join(" ".join(str(v) for v in r) for r in wrong) if q.is_grid else str(wrong)
            marks.append(mark(q, given, sheet.style))
        r = StudentResult("2024001", "김지인", tuple(marks), (Problem("not_on_sheet", None, "2024001", {"questions": [19]}),))
        text = feedback_markdown(r, sheet, "ko")
        assert particle_errors(text) == [], particle_errors(text)[:5]
        assert stray_english(text) == [], stray_english(text)


def test_grading_terminal_output_is_korean(tmp_path):
    r = CliRunner().invoke(quiz, ["--count", "4", "--seed", "3", "--lang", "ko", "--format", "json",
                                  "-o", str(tmp_path / "q.json")])
    assert r.exit_code == 0, r.output
    buf = io.StringIO()
    csv.writer(buf).writerows([["student_id", "question", "answer"], ["a", "1", "A"], ["", "2", "B"]])
    (tmp_path / "resp.csv").write_text(buf.getvalue(), encoding="utf-8")
    r = CliRunner().invoke(quiz, ["grade", str(tmp_path / "resp.csv"), "--seed", "3", "--count", "4", "--lang", "ko"])
    assert r.exit_code == 0, r.output
    for line in r.output.splitlines():
        assert particle_errors(line) == [] and stray_english(re.sub(r"/\S+", "", line)) == [], line
    assert "채점했습니다" in r.output and "학번이 비어" in r.output
