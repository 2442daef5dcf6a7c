"""PDF through Typst: Korean text survives, grids are drawn, the key is on separate pages,
and the same seed gives the same bytes. Skipped where Typst, the Korean font or poppler is missing."""
from __future__ import annotations

import re
import shutil
import subprocess
import zlib

import pytest
from click.testing import CliRunner

from grader.quiz.bank import load_bank
from grader.quiz.cli import quiz
from grader.quiz.generate import QuizRequest, generate_roster, generate_sheet
from grader.quiz.secret import load_secret

typst = pytest.importorskip("typst")

from grader.quiz.render_pdf import find_font_dir, render_pdf, render_pdf_each  # noqa: E402


@pytest.fixture(autouse=True)
def _instructor_secret(tmp_path_factory, monkeypatch):
    """Every test's instructor secret lives in the session's temporary folder, never in ~/.config."""
    monkeypatch.setenv("EURON_GRADE_SECRET_FILE", str(tmp_path_factory.getbasetemp() / "quiz-secret"))

needs_font = pytest.mark.skipif(find_font_dir() is None, reason="no NanumGothic (Debian fonts-nanum)")
needs_poppler = pytest.mark.skipif(not (shutil.which("pdftoppm") and shutil.which("pdftotext")),
                                   reason="poppler-utils not installed")
KINDS = ("conv_output", "conv_params", "se_params", "conv_grid", "maxpool_grid")


def _pdftotext(path, first=None, last=None):
    args = ["pdftotext", "-layout"]
    if first:
        args += ["-f", str(first), "-l", str(last or first)]
    return subprocess.run(args + [str(path), "-"], capture_output=True, check=True, text=True).stdout


def _strokes(pdf: bytes) -> int:
    """Stroke operators (S) in the PDF's compressed content streams."""
    n = 0
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            n += len(re.findall(rb"(?m)^S$|\bS\n", zlib.decompress(m.group(1))))
        except zlib.error:
            continue
    return n


def _pages(path):
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout if shutil.which(
        "pdfinfo") else ""
    for line in info.splitlines():
        if line.startswith("Pages:"):
            return int(line.split()[1])
    return _pdftotext(path).count("\f")


@needs_font
@needs_poppler
def test_first_page_renders_and_its_korean_text_is_extractable(tmp_path):
    pdf, key = tmp_path / "week5.pdf", tmp_path / "key.pdf"
    r = CliRunner().invoke(quiz, ["--count", "5", "--seed", "7", "--lang", "ko", "--kinds", ",".join(KINDS),
                                  "--format", "pdf", "-o", str(pdf), "--answers", str(key)])
    assert r.exit_code == 0, r.output
    assert pdf.read_bytes().startswith(b"%PDF")
    subprocess.run(["pdftoppm", "-r", "60", "-f", "1", "-l", "1", "-png", str(pdf), str(tmp_path / "page")],
                   check=True)
    png = next(tmp_path.glob("page*.png"))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    text = _pdftotext(pdf, 1)
    sheet = generate_sheet(load_bank(), QuizRequest(seed=7, count=5, kinds=KINDS, lang="ko"), secret=load_secret())
    assert "EURON 5주차 퀴즈" in text
    assert "출력 activation map의 높이" in text
    assert "floor((N - F + 2P) / S) + 1" in text
    assert sheet.code in text and str(sheet.seed) not in text
    for q in sheet.questions:
        assert f"Q{q.number}. " in text
    # the key: its own file, with the answers and worked solutions, not on the sheet
    key_text = _pdftotext(key)
    assert "정답 및 풀이" in key_text and "정답 및 풀이" not in _pdftotext(pdf)
    first = sheet.questions[0]
    assert f"답: {first.correct_letter} {first.answer}" in key_text


@needs_font
@needs_poppler
def test_grid_cells_are_laid_out_as_a_table(tmp_path):
    sheet = generate_sheet(load_bank(), QuizRequest(seed=3, count=1, kinds=("maxpool_grid",), lang="en"))
    path = tmp_path / "grid.pdf"
    path.write_bytes(render_pdf([sheet]))
    text = _pdftotext(path)
    q = sheet.questions[0]
    row = " ".join(str(v) for v in q.figures[0].grid[0])
    assert " ".join(text.split()).count(row) >= 1
    # bordered tables are stroked lines in the page content: one per grid line, none without grids
    plain = render_pdf([generate_sheet(load_bank(), QuizRequest(seed=3, count=1, kinds=("conv_output",)))])
    n = len(q.figures[0].grid)
    grid_lines = (n + 1) * 2 + sum((len(c.value) + 1) * 2 for c in q.choices)
    assert _strokes(path.read_bytes()) >= grid_lines > _strokes(plain)


@needs_font
def test_same_seed_same_pdf_bytes_and_other_seed_differs():
    bank = load_bank()
    a = render_pdf([generate_sheet(bank, QuizRequest(seed=11, count=4, kinds=KINDS[:4]))])
    b = render_pdf([generate_sheet(load_bank(), QuizRequest(seed=11, count=4, kinds=KINDS[:4]))])
    c = render_pdf([generate_sheet(bank, QuizRequest(seed=12, count=4, kinds=KINDS[:4]))])
    assert a == b and a != c
    assert b"D:20240101000000" in a  # the fixed creation date, not the clock


@needs_font
@needs_poppler
def test_roster_key_puts_each_student_on_new_pages(tmp_path):
    roster = [("2024001", "김지인"), ("2024002", "강다연"), ("2024003", "Kim")]
    sheets = generate_roster(load_bank(), QuizRequest(seed=2, count=3, kinds=KINDS[:3]), roster)
    key = tmp_path / "key.pdf"
    key.write_bytes(render_pdf(sheets, key=True))
    assert _pages(key) == 3
    for page, (sid, name) in enumerate(roster, start=1):
        text = _pdftotext(key, page)
        assert sid in text and name in text
    each = render_pdf_each(sheets)
    assert len(each) == 3 and len(set(each)) == 3


def test_missing_korean_font_is_a_clear_error(monkeypatch):
    import grader.quiz.render_pdf as rp

    monkeypatch.setattr(rp, "find_font_dir", lambda: None)
    sheet = generate_sheet(load_bank(), QuizRequest(seed=1, count=1, kinds=("conv_output",)))
    with pytest.raises(rp.QuizError, match="fonts-nanum"):
        rp.render_pdf([sheet])


@needs_font
def test_parallel_workers_give_the_same_pdfs_in_order():
    roster = [(f"s{i}", "") for i in range(4)]
    sheets = generate_roster(load_bank(), QuizRequest(seed=8, count=2, kinds=KINDS[:2]), roster)
    serial = render_pdf_each(sheets, jobs=1)
    assert render_pdf_each(sheets, jobs=2) == serial
    assert len(set(serial)) == 4
