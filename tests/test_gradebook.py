"""grader.batch.gradebook: grades.csv, feedback, Gradescope JSON, summary, roster, atomic writes."""

import csv
import io
import json
import os

import pytest

from grader.batch import gradebook
from grader.batch.archive import Problem
from grader.batch.gradebook import ClassResults, Column, Student


def _fn(name, passed, score, max_score, misconception=None, code=None):
    return {"name": name, "passed": passed, "score": score, "max_score": max_score,
            "feedback": "" if passed else f"{name} is wrong", "misconception": misconception,
            "misconception_text": "padding on one side" if misconception else None,
            "failure": {"code": code} if code else None}


@pytest.fixture
def results():
    columns = [Column("exercise1", "conv_output_size", 4), Column("exercise1", "same_padding", 2.5),
               Column("exercise2", "conv_forward", 6)]
    res = {
        ("alice", "exercise1"): {"score": 6.5, "max_score": 6.5, "load_error": None,
                                 "functions": [_fn("conv_output_size", True, 4, 4), _fn("same_padding", True, 2.5, 2.5)]},
        ("alice", "exercise2"): {"score": 0, "max_score": 6, "load_error": None,
                                 "functions": [_fn("conv_forward", False, 0, 6, "conv_forward.pad_one_side")]},
        ("박지민", "exercise1"): {"score": 2.5, "max_score": 6.5, "load_error": None,
                               "functions": [_fn("conv_output_size", False, 0, 4, code="timeout"),
                                             _fn("same_padding", True, 2.5, 2.5)]},
        ("../evil", "exercise2"): {"score": 0, "max_score": 6, "load_error": None,
                                   "functions": [_fn("conv_forward", False, 0, 6, "conv_forward.pad_one_side", "died")]},
    }
    students = [Student("../evil", submitted=True, status="not_on_roster"),
                Student("alice", "Alice Kim", "a@x.org", True, True, status="graded"),
                Student("zoe", "Zoe", "z@x.org", True, False, status="absent"),
                Student("박지민", submitted=True, status="not_on_roster")]
    reports = {k: f"# {k[1]}\n\nreport of {k[0]}\n" for k in res}
    problems = [Problem("zoe", "/class/zoe.zip", "not a valid zip file (corrupt or truncated)")]
    return ClassResults(columns=columns, students=students, results=res, reports=reports, problems=problems,
                        notes={"alice": ["exercise2.py was taken from the notebook hw.ipynb"]})


def test_grades_csv(results):
    rows = list(csv.reader(io.StringIO(gradebook.grades_csv(results))))
    assert rows[0] == ["student", "name", "email", "status", "exercise1.conv_output_size", "exercise1.same_padding",
                       "exercise1 total", "exercise2.conv_forward", "exercise2 total", "total"]
    assert rows[1] == ["Points Possible", "", "", "", "4", "2.5", "6.5", "6", "6", "12.5"]
    table = {r[0]: r for r in rows[2:]}
    assert table["alice"] == ["alice", "Alice Kim", "a@x.org", "graded", "4", "2.5", "6.5", "0", "0", "6.5"]
    assert table["zoe"] == ["zoe", "Zoe", "z@x.org", "absent", "0", "0", "0", "0", "0", "0"]   # submitted nothing
    assert table["박지민"][1:] == ["", "", "not_on_roster", "0", "2.5", "2.5", "0", "0", "2.5"]  # exercise2 missing


def test_feedback_has_reports_notes_problems_and_missing(results):
    text = gradebook.feedback_markdown(results, results.students[1])
    assert text.startswith("# Feedback for alice (Alice Kim)")
    assert "**Total: 6.5 / 12.5**" in text
    assert "report of alice" in text and "taken from the notebook" in text
    zoe = gradebook.feedback_markdown(results, results.students[2])
    assert "zoe.zip: not a valid zip file" in zoe and "exercise1: nothing submitted" in zoe


def test_gradescope_schema(results):
    doc = json.loads(gradebook.gradescope_json(results, results.students[1]))
    assert doc["score"] == 6.5
    assert [t["status"] for t in doc["tests"]] == ["passed", "passed", "failed"]
    assert doc["tests"][2]["output"] == "conv_forward is wrong"
    for t in doc["tests"]:
        assert {"name", "score", "max_score", "status", "output", "visibility"} <= set(t)
        assert t["status"] in ("passed", "failed") and 0 <= t["score"] <= t["max_score"]


def test_summary(results):
    text = gradebook.summary_markdown(results)
    assert "| 2 | exercise2.conv_forward | `conv_forward.pad_one_side` | padding on one side |" in text
    assert "| 1 | exercise1.conv_output_size | `timeout` |  |" in text
    assert "- 박지민: exercise1.conv_output_size: timed out" in text
    assert "- ../evil: exercise2.conv_forward: crashed" in text
    assert "- zoe (Zoe)" in text.split("## No submission")[1]
    assert "zoe.zip: not a valid zip file" in text
    assert "| exercise1.same_padding | 2 | 0 | 100 % |" in text


def test_write_gradebook_is_deterministic_atomic_and_stays_inside(tmp_path, results):
    first = gradebook.write_gradebook(tmp_path / "a", results)
    gradebook.write_gradebook(tmp_path / "b", results)
    for path in first:
        rel = path.relative_to(tmp_path / "a")
        assert (tmp_path / "b" / rel).read_bytes() == path.read_bytes(), rel
        assert (tmp_path / "a") in path.resolve().parents
    names = sorted(p.name for p in (tmp_path / "a" / "feedback").iterdir())
    assert "alice.md" in names and not any(n.startswith(".") for n in names)
    assert any(n.startswith("evil-") for n in names)           # '../evil' cleaned, hash added
    assert not list(tmp_path.rglob(".*.tmp*")) and not list(tmp_path.parent.glob("evil*"))


def test_write_atomic_keeps_the_old_file_on_failure(tmp_path, monkeypatch):
    target = tmp_path / "grades.csv"
    gradebook.write_atomic(target, "old")

    def boom(*a):
        raise OSError("disk full")
    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        gradebook.write_atomic(target, "new")
    assert target.read_text() == "old" and os.listdir(tmp_path) == ["grades.csv"]


@pytest.mark.parametrize("student, expected", [("alice", "alice"), ("박지민", "박지민"),
                                               ("a b", "a_b-"), ("..", "student-")])
def test_safe_filename(student, expected):
    name = gradebook.safe_filename(student)
    assert name.startswith(expected) and "/" not in name and not name.startswith(".")


def test_roster_rows_and_problems(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes("\ufeffid,name,email\nalice,Alice,alice@x.org\nbob,Bob\n,Nobody,n@x.org\n"
                     "alice,Again,a2@x.org\ncarl,Carl,not-an-email\n\n박지민,박지민,p@x.org\n".encode())
    students, problems = gradebook.read_roster(path)
    assert [s.id for s in students] == ["alice", "bob", "박지민"] and students[0].name == "Alice"
    assert students[1].email == ""                           # the email is optional
    assert [str(p).split(": ", 1)[0].rsplit(":", 1)[1] for p in problems] == ["4", "5", "6"]
    assert all(str(p).startswith(str(path)) for p in problems)


@pytest.mark.parametrize("data, message", [(None, "no such roster file"), (b"\xff\xfe\x00", "not UTF-8")])
def test_unreadable_roster(tmp_path, data, message):
    path = tmp_path / "roster.csv"
    if data is not None:
        path.write_bytes(data)
    with pytest.raises(ValueError, match=message):
        gradebook.read_roster(path)
