"""Grading responses: each student's variant is regenerated, scored, and wrong answers
are traced to their misconception."""
from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from grader.quiz.bank import load_bank
from grader.quiz.cli import quiz
from grader.quiz.generate import QuizRequest, format_value, generate_roster
from grader.quiz.grade import mark, parse_answer
from grader.quiz.secret import load_secret


@pytest.fixture(autouse=True)
def _instructor_secret(tmp_path_factory, monkeypatch):
    """Every test's instructor secret lives in the session's temporary folder, never in ~/.config."""
    monkeypatch.setenv("EURON_GRADE_SECRET_FILE", str(tmp_path_factory.getbasetemp() / "quiz-secret"))

ROSTER = [("2024001", "김지인"), ("2024002", "강다연"), ("2024003", "Lee")]
KINDS = "conv_output,conv_params,pool_params,se_params,conv_grid,maxpool_grid"


@pytest.fixture()
def quiz_dir(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,name\n" + "".join(f"{s},{n}\n" for s, n in ROSTER), encoding="utf-8")
    out = tmp_path / "sheets"
    r = CliRunner().invoke(quiz, ["--count", "6", "--seed", "42", "--kinds", KINDS, "--roster", str(roster),
                                  "--format", "md", "--lang", "ko", "-o", str(out)])
    assert r.exit_code == 0, r.output
    return tmp_path, out


def _sheets():
    return generate_roster(load_bank(), QuizRequest(seed=42, count=6, kinds=tuple(KINDS.split(","))), ROSTER,
                           secret=load_secret())


def _write_responses(path, rows):
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["student_id", "question", "answer"])
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def test_roster_generation_writes_one_sheet_per_student_and_a_manifest(quiz_dir):
    _, out = quiz_dir
    assert sorted(p.name for p in out.glob("*.md")) == [f"{s}.md" for s, _ in ROSTER]
    texts = {p.read_text(encoding="utf-8") for p in out.glob("*.md")}
    assert len(texts) == 3
    assert "김지인" in (out / "2024001.md").read_text(encoding="utf-8")
    m = json.loads((out / "quiz-manifest.json").read_text(encoding="utf-8"))
    assert m["seed"] == 42 and m["count"] == 6 and [r["student_id"] for r in m["roster"]] == [s for s, _ in ROSTER]


def test_grade_scores_and_names_misconceptions(quiz_dir):
    tmp, out = quiz_dir
    s1, s2, s3 = _sheets()
    rows = [(s1.student_id, q.number, q.correct_letter) for q in s1.questions]  # all right, by letter
    wrong_q = s2.questions[0]  # conv_output: answer with a misconception's value, typed as a number
    tag, value = next(iter(wrong_q.misconceptions.items()))
    rows.append((s2.student_id, 1, str(value)))
    rows.append((s2.student_id, 2, str(s2.questions[1].answer)))  # right, by value
    grid_q = next(q for q in s2.questions if q.kind == "conv_grid")
    rows.append((s2.student_id, grid_q.number, format_value(grid_q.answer)))  # grid typed row by row
    rows.append((s3.student_id, 1, "banana"))
    rows.append(("9999999", 1, "A"))
    _write_responses(tmp / "responses.csv", rows)

    r = CliRunner().invoke(quiz, ["grade", str(tmp / "responses.csv"), "--manifest", str(out / "quiz-manifest.json")])
    assert r.exit_code == 0, r.output
    assert "3명을 채점했습니다" in r.output
    grades = list(csv.DictReader((tmp / "responses-grades.csv").open(encoding="utf-8")))
    by_id = {g["student_id"]: g for g in grades}
    assert [g["student_id"] for g in grades] == [s for s, _ in ROSTER] + ["9999999"]
    assert by_id["2024001"]["total"] == "6" and by_id["2024001"]["max"] == "6"  # total: points earned, as in batch
    assert by_id["2024002"]["total"] == "2" and by_id["2024002"]["q1"] == "0"
    assert by_id["2024002"]["misconceptions"] == f"q1:{tag}"
    assert by_id["2024003"]["total"] == "0"
    assert by_id["9999999"]["total"] == "" and "명단에 없는 학번" in by_id["9999999"]["problems"]
    fb = (tmp / "responses-feedback" / "2024002.md").read_text(encoding="utf-8")
    assert wrong_q.labels[tag] in fb and "2 / 6" in fb
    # the feedback names the letter as well as the value
    letter = next(c.letter for c in wrong_q.choices if c.correct)
    assert f"정답 {letter} ({wrong_q.answer})" in fb
    fb3 = (tmp / "responses-feedback" / "2024003.md").read_text(encoding="utf-8")
    assert "읽을 수 없는 답" in fb3


def test_grade_refuses_a_changed_bank(quiz_dir):
    tmp, out = quiz_dir
    _write_responses(tmp / "r.csv", [("2024001", 1, "A")])
    m = json.loads((out / "quiz-manifest.json").read_text(encoding="utf-8"))
    m["bank_sha256"] = "0" * 64
    (out / "quiz-manifest.json").write_text(json.dumps(m), encoding="utf-8")
    r = CliRunner().invoke(quiz, ["grade", str(tmp / "r.csv"), "--manifest", str(out / "quiz-manifest.json")])
    assert r.exit_code == 2 and "question bank changed" in r.output


def test_grade_without_roster_uses_the_shared_sheet(tmp_path):
    r = CliRunner().invoke(quiz, ["--count", "3", "--seed", "5", "--kinds", "conv_output,pool_output,fc_as_conv",
                                  "--style", "open", "--lang", "en", "--format", "json", "-o", str(tmp_path / "q.json")])
    assert r.exit_code == 0, r.output
    q = json.loads((tmp_path / "q.json").read_text(encoding="utf-8"))["sheets"][0]["questions"]
    _write_responses(tmp_path / "resp.csv", [("a", 1, q[0]["answer"]), ("a", 2, q[1]["answer"]),
                                             ("b", 1, q[0]["misconceptions"][0]["value"])])
    r = CliRunner().invoke(quiz, ["grade", str(tmp_path / "resp.csv"), "--seed", "5", "--count", "3",
                                  "--kinds", "conv_output,pool_output,fc_as_conv", "--style", "open", "--lang", "en",
                                  "-o", str(tmp_path / "g.csv"), "--feedback", str(tmp_path / "fb")])
    assert r.exit_code == 0, r.output
    rows = {g["student_id"]: g for g in csv.DictReader((tmp_path / "g.csv").open(encoding="utf-8"))}
    assert rows["a"]["total"] == "2" and rows["b"]["total"] == "0"
    assert q[0]["misconceptions"][0]["label"] in (tmp_path / "fb" / "b.md").read_text(encoding="utf-8")


def test_parse_answer_forms():
    sheet = _sheets()[0]
    num = sheet.questions[0]
    letter = num.choices[2]
    assert parse_answer(letter.letter.lower() + ")", num, "choice") == letter.value
    assert parse_answer(f"{num.answer:,}", num, "open") == num.answer
    assert parse_answer("twelve", num, "open") is None
    grid = next(q for q in sheet.questions if q.kind == "maxpool_grid")
    flat = " ".join(str(v) for row in grid.answer for v in row)
    assert parse_answer(flat, grid, "choice") == grid.answer
    assert parse_answer(format_value(grid.answer).replace(" / ", ";"), grid, "choice") == grid.answer
    assert mark(grid, "", "choice").status == "blank"
    assert mark(grid, flat, "choice").correct


def test_responses_without_required_columns_are_an_error(tmp_path):
    (tmp_path / "r.csv").write_text("who,what\n1,2\n", encoding="utf-8")
    r = CliRunner().invoke(quiz, ["grade", str(tmp_path / "r.csv"), "--seed", "1"])
    assert r.exit_code == 2 and "student_id, question and answer" in r.output
    assert len(r.output.strip().splitlines()) == 1


def test_grade_reports_bad_rows_and_grades_everyone_else(quiz_dir):
    tmp, out = quiz_dir
    s1, s2, s3 = _sheets()
    rows = [(s1.student_id, q.number, q.correct_letter) for q in s1.questions]  # all right
    rows += [("", 1, "A"),                                        # no student id
             (s2.student_id, "first", "A"),                       # question is not a number
             (s2.student_id, 1, s2.questions[0].correct_letter),  # right ...
             (s2.student_id, "Q2", "A"), (s2.student_id, "2", "B"),  # two different answers to Q2
             (s2.student_id, 3, "C"), (s2.student_id, 3, "C"),    # the same answer twice: fine
             (s3.student_id, 9, "A")]                             # a question not on the sheet
    _write_responses(tmp / "bad.csv", rows)
    r = CliRunner().invoke(quiz, ["grade", str(tmp / "bad.csv"), "--manifest", str(out / "quiz-manifest.json")])
    assert r.exit_code == 0, r.output
    grades = {g["student_id"]: g for g in csv.DictReader((tmp / "bad-grades.csv").open(encoding="utf-8"))}
    assert grades["2024001"]["total"] == "6" and grades["2024001"]["problems"] == ""
    assert grades["2024002"]["q1"] == "1" and grades["2024002"]["q2"] == "0"
    assert grades["2024002"]["q3"] == str(int(s2.questions[2].correct_letter == "C"))
    problems, line = grades["2024002"]["problems"], 2 + len(s1.questions)  # CSV line of the first bad row
    assert f"{line + 1}행: 문제 번호 'first'가 숫자가 아니어서" in problems
    assert f"{line + 4}행: Q2에 서로 다른 답을 두 번" in problems
    assert "시험지에 없는 문제" in grades["2024003"]["problems"] and "Q9" in grades["2024003"]["problems"]
    assert f"{line}행: 학번이 비어 있어" in r.output  # the row that belongs to nobody is reported on the terminal
    fb = (tmp / "bad-feedback" / "2024002.md").read_text(encoding="utf-8")
    assert "서로 다른 답을 두 번 냄(A | B)" in fb


def test_printed_minus_signs_are_read_back():
    grid = next(q for s in _sheets() for q in s.questions if q.kind == "conv_grid")
    printed = format_value(grid.answer)  # what the sheet and the key print (U+2212 for negatives)
    assert parse_answer(printed, grid, "open") == grid.answer
    assert parse_answer(printed.replace("\u2212", "-"), grid, "open") == grid.answer
    assert parse_answer(printed.replace("\u2212", "\u2013"), grid, "open") == grid.answer
    assert format_value(((-3, 4),)) == "\u22123 4"
