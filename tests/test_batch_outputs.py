"""Safe outputs (CSV injection, Markdown and HTML structure), LMS import files,
similarity of submissions, the class report, and summary.html in a real browser."""

import csv
import io
import os
import shutil
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.batch import gradebook, similarity
from grader.batch.cli import batch
from test_batch import FIX


@pytest.fixture(autouse=True)
def _english(monkeypatch):
    """These tests read English output: the default language comes from the environment (else Korean)."""
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")

HOSTILE_PRINT = textwrap.dedent('''
    print("```\\n## ✅ `conv_output_size` — 4/4\\n**Score: 10 / 10**\\n<script>alert(1)</script>\\n~~~~")
    print("````` *forged* _x_ [link](http://e.org) <img src=x onerror=alert(2)>")
    def conv_output_size(n, f, stride=1, padding=0):
        print("```` \\n# Heading from student\\n*emph*")
        return -1
''')


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("out")
    cls = tmp / "class"
    shutil.copytree(FIX / "correct" / "loops", cls / "=HYPERLINK(evil)")
    (cls / "printer").mkdir()
    (cls / "printer" / "exercise1.py").write_text(
        (FIX / "correct" / "loops" / "exercise1.py").read_text() + HOSTILE_PRINT)
    shutil.copytree(FIX / "correct" / "loops", cls / "<script>alert(3)</script>")
    roster = tmp / "roster.csv"
    roster.write_text("id,name,email\nprinter,+SUM(A1:A9),p@x.org\n=HYPERLINK(evil),-2+3,e@x.org\n"
                      "<script>alert(3)</script>,**Bold** # name,s@x.org\n", encoding="utf-8")
    r = CliRunner(env={"LC_ALL": "en_US.UTF-8"}).invoke(batch, [str(cls), "--out", str(tmp / "out"), "--exercises", "exercise1", "--jobs", "2",
                                   "--roster", str(roster), "--lms", "canvas", "--lms", "moodle"])
    assert r.exit_code == 0, r.output
    return tmp / "out"


def _cells(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_csv_cells_cannot_be_formulas(hostile_run):
    for name in ("grades.csv", "grades-canvas.csv", "grades-moodle.csv"):
        for row in _cells(hostile_run / name):
            for cell in row:
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (name, cell)
    rows = {r[0]: r for r in _cells(hostile_run / "grades.csv")}
    assert rows["'=HYPERLINK(evil)"][1] == "'-2+3" and rows["printer"][1] == "'+SUM(A1:A9)"
    assert rows["printer"][-1] == "6" and float(rows["'=HYPERLINK(evil)"][-1]) == 10   # numbers stay numbers


def test_grades_csv_status_email_subtotals_possible(hostile_run):
    rows = _cells(hostile_run / "grades.csv")
    assert rows[0][:4] == ["student", "name", "email", "status"] and "exercise1 total" in rows[0]
    assert rows[1][0] == "Points Possible" and rows[1][-1] == "10"
    by_id = {r[0]: dict(zip(rows[0], r)) for r in rows[2:]}
    assert by_id["printer"]["email"] == "p@x.org" and by_id["printer"]["status"] == "graded"
    assert by_id["printer"]["exercise1 total"] == "6"


def test_canvas_and_moodle_columns(hostile_run):
    canvas = _cells(hostile_run / "grades-canvas.csv")
    # Canvas's gradebook import: Student, ID, SIS User ID, SIS Login ID, Section, assignments; Points Possible row.
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "exercise1"]
    assert canvas[1] == ["Points Possible", "", "", "", "", "10"]
    assert ["'+SUM(A1:A9)", "", "printer", "p@x.org", "", "6"] in canvas
    moodle = _cells(hostile_run / "grades-moodle.csv")
    # Moodle's CSV grade import: a user identifier column (ID number / Email address) and one column per item.
    assert moodle[0] == ["ID number", "Full name", "Email address", "exercise1"]
    assert ["printer", "'+SUM(A1:A9)", "p@x.org", "6"] in moodle


def _texts_of(tokens, kind):
    """The plain text inside every ``kind`` (heading_open, em_open, strong_open) element."""
    found, depth = [], 0
    for tok in tokens:
        if tok.type == kind:
            depth += 1
            found.append("")
        elif tok.type == kind.replace("_open", "_close"):
            depth -= 1
        elif depth and tok.type == "inline":
            found[-1] += "".join(c.content for c in tok.children or [] if c.type in ("text", "code_inline"))
        elif depth and tok.type in ("text", "code_inline"):
            found[-1] += tok.content
    return found


def test_student_text_adds_no_markdown_structure(hostile_run):
    markdown_it = pytest.importorskip("markdown_it")
    md = markdown_it.MarkdownIt("commonmark")
    for path in sorted((hostile_run / "feedback").glob("*.md")) + [hostile_run / "summary.md"]:
        text = path.read_text(encoding="utf-8")
        tokens = md.parse(text)
        flat = tokens + [c for t in tokens for c in (t.children or [])]
        headings = _texts_of(tokens, "heading_open")
        for h in headings:
            assert "Heading from student" not in h and "Score: 10" not in h, (path.name, h)
            assert h.startswith(("Feedback for", "exercise1", "✅", "❌", "Class summary")) or path.name == "summary.md", h
        ems = _texts_of(flat, "em_open") + _texts_of(flat, "strong_open")
        for e in ems:
            assert e.startswith("Total:") or e.startswith("Score:"), (path.name, e)
        ours = [t for t in flat if t.type == "image" and t.attrs.get("src") == "summary.png"]
        assert not [t for t in flat if t.type in ("html_block", "html_inline", "link_open", "image")
                    and t not in ours], path.name
    feedback = (hostile_run / "feedback" / "printer.md").read_text()
    assert "Heading from student" in feedback           # shown, as text


def test_feedback_holds_no_ta_notes(hostile_run, tmp_path):
    for path in (hostile_run / "feedback").glob("*.md"):
        assert "roster" not in path.read_text()


def test_html_escapes_student_text(hostile_run):
    for path in [hostile_run / "summary.html", *(hostile_run / "feedback").glob("*.html")]:
        text = path.read_text(encoding="utf-8")
        assert "<script>alert" not in text and "<img" not in text, path.name
        assert text.count("<script>") <= 1
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in (hostile_run / "summary.html").read_text()


def test_summary_lists_every_failure_kind_and_empty_submissions(tmp_path):
    cls = tmp_path / "class"
    for name in ("cos_ceil", "same_padding_returns_bool", "param_count_assert"):
        shutil.copytree(FIX / "buggy" / name, cls / name)
    (cls / "empty_one").mkdir()
    (cls / "empty_one" / "notes.txt").write_text("nothing")
    r = CliRunner().invoke(batch, [str(cls), "--out", str(tmp_path / "out"), "--exercises", "exercise1"])
    assert r.exit_code == 0, r.output
    text = (tmp_path / "out" / "summary.md").read_text()
    failures = text.split("## Failures by kind", 1)[1].split("##", 1)[0]
    failed = sum(int(line.split("|")[1]) for line in failures.splitlines() if line.startswith("| ") and not line.startswith(("| count", "| ---")))
    rows = _cells(tmp_path / "out" / "grades.csv")
    header = rows[0]
    fn_cols = [i for i, h in enumerate(header) if "." in h]
    points = dict(zip(header, rows[1]))
    zeros = sum(1 for r in rows[2:] if r[3] == "graded" for i in fn_cols if r[i] != points[header[i]])
    assert failed == zeros > 0                       # every failed function is tallied once
    assert "empty_one" in text.split("## Empty submissions", 1)[1].split("##", 1)[0]
    assert "%" in text.split("## Functions", 1)[1]
    assert {r[0]: r[3] for r in rows[2:]}["empty_one"] == "empty"


# -- similarity -----------------------------------------------------------------------------

def _planted(source: str, variant: int) -> str:
    """A copy with renamed variables, changed comments and functions in another order."""
    import ast
    tree = ast.parse(source)
    renames = {}

    class Rename(ast.NodeTransformer):
        def visit_Name(self, node):
            if isinstance(node.ctx, ast.Store) and node.id not in renames and len(node.id) > 1:
                renames[node.id] = f"{node.id}_v{variant}"
            node.id = renames.get(node.id, node.id)
            return node

    tree = Rename().visit(tree)
    tree.body = list(reversed(tree.body))
    return f"# my own work, version {variant}\n" + ast.unparse(tree)


def test_planted_copies_score_above_independent_solutions():
    # independently written: one folder per distinct file (correct/fc_reuses_conv reuses the loops' exercise2.py)
    distinct = {}
    for p in sorted((FIX / "correct").iterdir()):
        if (p / "exercise2.py").exists():
            distinct.setdefault((p / "exercise2.py").read_bytes(), p.name)
    correct = sorted(distinct.values())
    sources = {f"ind_{name}": {"exercise2.py": (FIX / "correct" / name / "exercise2.py").read_bytes()}
               for name in correct}
    planted = []
    for i, name in enumerate(correct[:4]):
        original = (FIX / "correct" / name / "exercise2.py").read_text()
        sources[f"copy_{name}"] = {"exercise2.py": _planted(original, i).encode()}
        planted.append(tuple(sorted((f"ind_{name}", f"copy_{name}"))))
    assert len(correct) >= 6
    scores = similarity.pair_scores(sources)
    flagged = {(a, b) for a, b, _ in similarity.similar_pairs(sources)}
    assert set(planted) <= flagged
    independent = [s for (a, b), s in scores.items() if a.startswith("ind_") and b.startswith("ind_")]
    assert max(independent, default=0) < min(scores[p] for p in planted)


# -- the browser ----------------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"


def test_summary_html_in_a_browser(hostile_run):
    if not os.path.exists(CHROMIUM) or not shutil.which("chromedriver"):
        pytest.skip("Debian's chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)")
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (the test extra)")
    from selenium.webdriver.common.by import By
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = webdriver.ChromeService(executable_path=shutil.which("chromedriver"))
    driver = webdriver.Chrome(options=options, service=service)
    try:
        driver.get((hostile_run / "summary.html").as_uri())
        table = driver.find_element(By.ID, "students")

        def column(i):
            return [r.find_elements(By.TAG_NAME, "td")[i].text for r in table.find_elements(By.CSS_SELECTOR, "tbody tr")]

        head = table.find_elements(By.CSS_SELECTOR, "thead th")
        total = len(head) - 1
        head[total].click()
        values = [float(v) for v in column(total)]
        assert values == sorted(values)
        head[total].click()
        assert [float(v) for v in column(total)] == sorted(values, reverse=True)
        head[0].click()
        ids = column(0)
        assert "<script>alert(3)</script>" in ids            # shown as text, never run
        assert driver.execute_script("return window.__alerted === undefined")
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert errors == []
        link = table.find_element(By.LINK_TEXT, "printer")
        link.click()
        body = driver.find_element(By.TAG_NAME, "body").text
        assert "Heading from student" in body
        assert driver.find_elements(By.XPATH, "//h1[contains(., 'Heading from student')]") == []
        assert [e for e in driver.get_log("browser") if e["level"] == "SEVERE"] == []
    finally:
        driver.quit()
