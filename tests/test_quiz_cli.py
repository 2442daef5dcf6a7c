"""`euron-grade quiz`: generation, `kinds`, and one-line errors with exit code 2."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from grader.quiz.cli import quiz
from grader.quiz.kinds import KINDS


@pytest.fixture(autouse=True)
def _instructor_secret(tmp_path_factory, monkeypatch):
    """Every test's instructor secret lives in the session's temporary folder, never in ~/.config."""
    monkeypatch.setenv("EURON_GRADE_SECRET_FILE", str(tmp_path_factory.getbasetemp() / "quiz-secret"))


def run(*args):
    return CliRunner().invoke(quiz, list(args))


ERRORS = [
    (["--seed", "1", "--kinds", "conv_output,se_parms"], "unknown question kind 'se_parms'"),
    (["--seed", "1", "--bogus"], "No such option"),
    (["--seed", "1", "--lang", "fr"], "Invalid value for '--lang'"),
    (["--seed", "1", "--format", "docx"], "Invalid value for '--format'"),
    (["--seed", "x"], "Invalid value for '--seed'"),
    (["--seed", "1", "--count", "0"], "--count must be at least 1"),
    (["--seed", "1", "--count", "25", "--kinds", "fc_as_conv"], "bank allows at most"),
    (["--count", "3"], "give --seed N"),
    (["--seed", "1", "--format", "pdf"], "binary: give -o FILE"),
    (["--seed", "1", "--answers", "key.xml"], "answer key format"),
    (["--seed", "1", "-o", "sheet.docx"], "cannot tell the output format"),
    (["--seed", "1", "--roster", "missing.csv", "-o", "out"], "missing.csv: no such roster file"),
    (["nosuchcommand"], "No such command"),
    (["grade"], "Missing argument"),
    (["grade", "nothere.csv"], "give --manifest"),
]


@pytest.mark.parametrize("args,message", ERRORS, ids=[m for _, m in ERRORS])
def test_errors_are_one_line_with_exit_code_2(args, message):
    r = run(*args)
    assert r.exit_code == 2, r.output
    lines = r.output.strip().splitlines()
    assert len(lines) == 1, r.output
    assert lines[0].startswith("Error: ") and message in lines[0]
    assert "Traceback" not in r.output


def test_kinds_lists_every_kind():
    r = run("kinds", "--lang", "en")
    assert r.exit_code == 0
    names = [line.split()[0] for line in r.output.strip().splitlines()]
    assert names == list(KINDS)
    assert "SE block parameters" in r.output
    ko = run("kinds", "--lang", "ko")
    assert "SE block의 파라미터 수" in ko.output and "오개념 5개" in ko.output and "misconceptions" not in ko.output


def test_language_comes_from_the_environment_else_korean(monkeypatch):
    for env, want in (({"LC_ALL": "", "LANG": "en_US.UTF-8"}, "SE block parameters"),
                      ({"LC_ALL": "", "LANG": "C"}, "SE block의 파라미터 수"),
                      ({"LC_ALL": "ko_KR.UTF-8", "LANG": "en_US.UTF-8"}, "SE block의 파라미터 수")):
        for k, v in env.items():
            monkeypatch.setenv(k, v)
        monkeypatch.delenv("LC_MESSAGES", raising=False)
        assert want in run("kinds").output


@pytest.mark.parametrize("fmt,suffix", [("md", ".md"), ("html", ".html"), ("moodle", ".xml"), ("gift", ".gift"),
                                        ("qti", ".zip"), ("json", ".json")])
def test_every_format_is_identical_across_runs(tmp_path, fmt, suffix):
    a, b = tmp_path / f"a{suffix}", tmp_path / f"b{suffix}"
    for out in (a, b):
        r = run("--count", "10", "--seed", "7", "--lang", "ko", "--format", fmt, "-o", str(out))
        assert r.exit_code == 0, r.output
    assert a.read_bytes() == b.read_bytes() and a.stat().st_size > 500
    # the format also follows from the suffix
    c = tmp_path / f"c{suffix}"
    assert run("--count", "10", "--seed", "7", "-o", str(c)).exit_code == 0
    assert c.read_bytes() == a.read_bytes()


def test_kinds_option_picks_kinds_in_lecture_order():
    import json

    r = run("--count", "4", "--seed", "3", "--kinds", "se_params,conv_output", "--format", "json")
    assert r.exit_code == 0, r.output
    kinds = [q["kind"] for q in json.loads(r.output)["sheets"][0]["questions"]]
    assert kinds == ["conv_output", "conv_output", "se_params", "se_params"]


def test_answers_file_is_separate_and_holds_solutions(tmp_path):
    r = run("--count", "5", "--seed", "9", "--lang", "en", "-o", str(tmp_path / "s.html"),
            "--answers", str(tmp_path / "key.md"), "--manifest", str(tmp_path / "m.json"))
    assert r.exit_code == 0, r.output
    sheet, key = (tmp_path / "s.html").read_text(encoding="utf-8"), (tmp_path / "key.md").read_text(encoding="utf-8")
    assert "Answer key" in key and "Solution:" in key
    assert "Solution:" not in sheet
    assert '"seed": 9' in (tmp_path / "m.json").read_text(encoding="utf-8")


@pytest.mark.parametrize("text", ["id,name,email\ns1,Kim,kim@example.com\ns2,Lee,lee@example.com\n",
                                  "s1,Kim,kim@example.com\ns2,Lee\n",
                                  "학번,이름\ns1,Kim\ns2,Lee\n"])
def test_the_batch_roster_serves_the_quiz(tmp_path, text):
    from grader.batch.roster import read_roster as read_class_roster
    roster = tmp_path / "roster.csv"
    roster.write_text(text, encoding="utf-8")
    students, problems = read_class_roster(roster)
    assert [s.id for s in students] == ["s1", "s2"] and not problems
    out = tmp_path / "sheets"
    result = run("--seed", "3", "--count", "2", "--roster", str(roster), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert sorted(p.stem for p in out.glob("*.md") if "key" not in p.stem)[:2] == ["s1", "s2"]


def test_a_bad_roster_row_is_one_line_for_the_quiz(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name\ns1,Kim\n,NoId\n", encoding="utf-8")
    result = run("--seed", "3", "--count", "2", "--roster", str(roster), "-o", str(tmp_path / "sheets"))
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1 and "roster.csv:3" in result.output
