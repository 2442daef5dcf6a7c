"""Every Korean message of the grader, the batch and the CLI, as KOREAN.md asks (issue 12).

Each template of report, causes, the notebook loader, the gradebook (feedback,
summary, HTML, Gradescope), the batch and exercise commands and the content
modules is rendered in Korean with sample values (numbers 0-20, 25, 100,
identifiers, Hangul words), and the text is scanned with the quiz's scanner
(tests/test_quiz_korean.py): a particle that disagrees with the word before it,
or an ASCII word that is not an identifier, a number, a unit or a lecture term,
fails. Then the Korean text of a few graded buggy submissions and of a batch
feedback file and summary is scanned the same way.
"""
from __future__ import annotations

import itertools
import keyword
import re
import string
from pathlib import Path

import pytest

from grader.batch import cli as batch_cli
from grader.batch import gradebook, run as batch_run
from grader.batch.archive import Problem
from grader.batch.gradebook import ClassResults, Column, Student
from grader import cli as grader_cli
from grader import notebook as check_cell
from grader.content import kit  # noqa: F401 - the content modules' building blocks
from grader.engine import causes, notebook as nb_engine, report
from grader.engine.spec import all_specs
from grader.korean import PAIRS, kformat
from test_quiz_korean import particle_errors, stray_english

HERE = Path(__file__).parent
BUGGY = HERE / "fixtures" / "submissions" / "buggy"

ALLOWED = {
    # identifiers and names of Python, NumPy and the tools a student runs
    *keyword.kwlist, "python", "numpy", "hypothesis", "jupyter", "colab", "shape", "dtype", "reshape", "ndarray",
    "int", "float", "tuple", "list", "exp", "tanh", "softmax", "sum", "min", "abs", "zeros", "like", "seccomp",
    "rlimits", "netns", "sha256", "grader", "euron-grade", "resume", "force", "lang", "submission", "all",
    "help", "json", "ipynb", "py", "zip", "md", "html", "csv", "import", "im2col", "leaky", "ceil", "round",
    "cross-correlation", "convolution", "feature", "overflow", "ok", "assert", "main", "path", "traceback",
    "os", "sys", "exit", "np", "where", "maximum", "nan", "inf", "none", "true", "false", "check", "out", "size", "mount", "ns", "uid", "ws", "bs", "nn", "linear", "flat", "score", "class", "range", "squeeze-and-excitation", "senet", "resnet",
    # lecture terms KOREAN.md keeps in English (the quiz's list has the rest)
    "bias", "stride", "padding", "window", "activation", "map", "layer", "block", "residual", "squeeze",
    "excitation", "projection", "shortcut", "sigmoid", "relu", "pooling", "average", "global", "max", "dot",
    "product", "depth", "identity", "scalar",
}
"""Beyond the quiz scanner's identifiers (``x``, ``conv_forward``, ``int64``, ``CNN``) and lecture terms."""

NUMBERS = [*range(21), 25, 100, 1000, 1729]
IDENTIFIERS = ["x", "conv_forward", "global_avg_pool", "int64", "float32", "AssertionError", "list", "relu",
               "same_padding", "max_pool_forward", "w1", "ValueError", "exercise3", "b_conv"]
HANGUL = ["패딩", "필터", "채널", "입력", "출력 크기"]
POOL = [*NUMBERS, *IDENTIFIERS, *HANGUL]


def stray(text: str) -> list[str]:
    text = re.sub(r"[\w.\-]*(?:/[\w.\-]+)+/?", "", text)      # paths
    text = re.sub(r"[\w\-]+\.(?:py|ipynb|zip|md|html|csv|json|png|txt|yaml)(?![A-Za-z0-9_])", "", text)   # file names
    return [w for w in stray_english(text)
            if w.lower() not in ALLOWED and not re.search(r"[a-z][A-Z]", w)]   # CamelCase: an identifier


def check_text(text: str, where: str) -> None:
    errors = particle_errors(text)
    assert errors == [], f"{where}: {errors[:5]}"
    assert stray(text) == [], f"{where}: stray English {stray(text)} in {text[:200]!r}"


# ----------------------------------------------------------------- the templates

_PARTICLE_START = re.compile(r"(으로|로|을|를|은|는|과|와|이|가)(?![다고며면므었ㄴ]|인|라|나|에|어|지|므)")


def unruled_fields(template: str) -> list[str]:
    """Fields followed directly by a particle without choosing it by rule (``{x}를`` instead of ``{x:@을/를}``)."""
    bad = []
    parts = list(string.Formatter().parse(template))
    for (_, field, spec, _), (after, *_rest) in zip(parts, parts[1:]):
        if field is None or "@" in (spec or ""):
            continue
        m = _PARTICLE_START.match(after)
        if m and not re.match(r"(이[다고며면므었]|인|입니|이므|이며|이고|이라|이어|이나 )", after):
            bad.append(f"{{{field}}}{after[:4]}")
    return bad


CODES = set(report.MESSAGES["en"]) - {"item", "defaults", "not_implemented", "others"}
"""Templates of findings, rendered through ``report.describe`` (which puts the sandbox's details into Korean)."""


def templates() -> list[tuple[str, str]]:
    """(where, Korean template) of every message the grader, the batch and the CLI render."""
    found = [(f"report.MESSAGES[{k}]", v) for k, v in report.MESSAGES["ko"].items()]
    found += [(f"report.WORDS[{k}]", v) for k, v in report.WORDS["ko"].items()]
    found += [(f"causes.CAUSES[{k}]", ko) for k, (_, ko) in causes.CAUSES.items()]
    found += [("causes.LINE", causes.LINE["ko"]), ("causes.WORD", causes.WORD["ko"])]
    found += [(f"engine.notebook.MESSAGES[{k}]", v) for k, v in nb_engine.MESSAGES["ko"].items()]
    found += [(f"gradebook.TEXT[{k}]", v) for k, v in gradebook.TEXT["ko"].items() if isinstance(v, str)]
    found += [(f"gradebook.TEXT[{k}]", " | ".join(v)) for k, v in gradebook.TEXT["ko"].items() if isinstance(v, tuple)]
    found += [(f"batch.cli.SAY[{k}]", v) for k, v in batch_cli.SAY["ko"].items()]
    found += [(f"cli.SAY[{k}]", v) for k, v in grader_cli.SAY["ko"].items()]
    found += [("cli.MAIN_HELP_KO", grader_cli.MAIN_HELP_KO)]
    found += [(f"notebook.CHECK_ERRORS[{k}]", v) for k, v in check_cell.CHECK_ERRORS["ko"].items()]
    found += [("batch.run.NOT_GRADED_TEXT", batch_run.NOT_GRADED_TEXT["ko"])]
    return found


def content_texts() -> list[tuple[str, str]]:
    """The content modules' Korean labels and misconceptions, and the specs' titles and hints."""
    import importlib
    found = []
    for spec in all_specs():
        found.append((f"{spec.name} title", spec.title("ko")))
        found += [(f"{spec.name}.{f.name} hint", f.hint("ko")) for f in spec.functions if f.hint("ko")]
        module = importlib.import_module(f"grader.content.{spec.name}")
        for m in module.VARIANTS.table:
            found.append((m.key, m.ko))
        for name, examples in module.LECTURE.items():
            found += [(f"{name} lecture label", e.ko) for e in examples]
        for name, make in module.EDGES.items():
            found += [(f"{name} edge label", e.ko) for e in make()]
    return found


def _fields(template: str) -> list[tuple[str, str]]:
    return [(name, spec or "") for _, name, spec, _ in string.Formatter().parse(template) if name]


def renderings(template: str):
    """``template`` rendered with each sample value in turn in every field (numbers where a
    field's format needs one)."""
    fields = _fields(template)
    if not fields:
        yield template
        return
    names = list(dict.fromkeys(n for n, _ in fields))
    numeric = {n for n, spec in fields if re.search(r"[gdfe%]$|^[.,]", spec.split("@")[0] or "")}
    for i in range(len(POOL)):
        values = {}
        for k, name in enumerate(names):
            pool = NUMBERS if name in numeric else POOL
            values[name] = pool[(i + k) % len(pool)]
        yield kformat(template, **values)


def test_there_are_many_templates_and_each_field_takes_its_particle_by_rule():
    found = templates()
    assert len(found) >= 150, len(found)
    bad = [(where, f) for where, t in found for f in unruled_fields(t)]
    assert bad == [], bad


@pytest.mark.parametrize("where, template", templates(), ids=lambda v: v if isinstance(v, str) and "[" in v else None)
def test_every_template_renders_korean_with_agreeing_particles(where, template):
    code = where[len("report.MESSAGES["):-1] if where.startswith("report.MESSAGES[") else None
    if code in CODES:
        names = [n for n, _ in _fields(template) if n not in ("function", "module")]
        for i, function in enumerate(IDENTIFIERS + HANGUL):
            values = {n: POOL[(i + k) % len(POOL)] for k, n in enumerate(names)}
            for n, spec in _fields(template):
                if re.search(r"[gdfe]$", spec.split("@")[0]):
                    values[n] = NUMBERS[i % len(NUMBERS)]
            check_text(report.describe(code, values, function, "exercise1", "ko"), where)
        return
    for text in itertools.islice(renderings(template), 40):
        check_text(text, where)


def test_content_labels_misconceptions_titles_and_hints():
    texts = content_texts()
    assert len(texts) > 150
    for where, text in texts:
        check_text(text, where)
        assert " / " not in re.sub(r"[\w)]+ / [\w(]+", "", text) or "/ filter" not in text, where
        for pair in ("필터 / filter", "패딩 / padding", "지름길", "스트라이드", "기대값", "경계 사례", "예상되는 오개념"):
            assert pair not in text, (where, text)
        assert not re.search(r"(^|[\s(])창([\s,을이의)]|$)", text), (where, text)


def test_described_findings_with_sandbox_details_are_korean():
    """What the sandbox and the reference report in English is put into Korean words."""
    cases = [("timeout", {"detail": "took longer than 5 s"}), ("died", {"detail": "exited with code 3"}),
             ("died", {"detail": "was killed by signal 11 (segmentation fault)"}), ("died", {"detail": "ended"}),
             ("died", {"detail": "sent an invalid reply"}),
             ("no_value_error", {"case": "f = 0", "reason": "f must be >= 1, got 0."}),
             ("wrong_exception", {"type": "AssertionError", "message": "", "reason": "stride must be >= 1"}),
             ("int_value", {"got": 25, "expected": 10}), ("not_int", {"value": 2.5, "type": "float"}),
             ("modified_input", {"name": "x"}), ("dtype_float64", {"got": "float32"}),
             ("values", {"count": 3, "total": 16, "index": [0, 0, 1, 2], "expected": 1.5, "got": 0.0,
                         "max_error": 1.5})]
    for function in ("conv_output_size", "global_avg_pool", "relu", "conv_forward", "x"):
        for code, params in cases:
            text = report.describe(code, params, function, "exercise1", "ko")
            check_text(text, code)
            assert "took longer" not in text and "exited with" not in text and "must be" not in text.replace(
                "`f must be >= 1, got 0.`", "").replace("`stride must be >= 1`", ""), text
    assert "시간 제한(5초)" in report.describe("timeout", {"detail": "took longer than 5 s"}, "f", "m", "ko")
    ko = report.describe("no_value_error", {"case": "f = 0", "reason": "f must be >= 1, got 0."},
                         "conv_output_size", "exercise1", "ko")
    assert ko == ("conv_output_size는 이 입력(f = 0)에서 ValueError를 발생시켜야 하는데 값을 반환했습니다. "
                  "정답 코드의 메시지: `f must be >= 1, got 0.`")
    assert report.describe("int_value", {"got": 25, "expected": 3}, "conv_output_size", "e", "ko") == \
        "conv_output_size가 25를 반환했습니다. 정답은 3입니다."


def test_archive_notes_and_problems_are_korean():
    notes = ["exercise2.py was taken from the notebook hw.ipynb",
             "exercise1.py and exercise2.py were taken from the notebook hw.ipynb",
             "hw.ipynb: exercise2.py is graded from the file exercise2.py, not from this notebook",
             "lab.ipynb defines none of the graded functions; it was not graded",
             "is 99999999 bytes, over the limit; not graded", "is a symbolic link; links are not followed, not graded",
             "ignored: not a folder, a .zip or a notebook", "not a valid zip file (corrupt or truncated)",
             "not on the roster (graded anyway)", "more than 200 files; the rest were ignored",
             "the submission could not be read (see the summary)",
             "the grader failed on every exercise (run again with --resume)"]
    for note in notes:
        check_text(gradebook.note_text(note, "ko"), note)
        assert gradebook.note_text(note, "en") == note


# ----------------------------------------------------------------- graded text

CORPUS = [("cos_missing_plus_one", "exercise1"), ("cos_no_fit_check", "exercise1"),
          ("conv_bias_forgotten", "exercise2"), ("conv_wrong_exception_type", "exercise2"),
          ("avgpool_in_place", "exercise3"), ("conv_int_accumulator", "exercise2")]


def _prose(text: str) -> str:
    """The report's own sentences: arrays, inputs, code and what the student's code printed aside."""
    out, skip = [], False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("```"):
            continue                                    # a fence around a report
        if stripped.startswith(("입력:", "오류 추적", "코드가 출력한 내용", "File \"", "Traceback")):
            skip = stripped.startswith(("오류 추적", "코드가 출력한 내용"))
            continue
        if skip and (line.startswith("        ") or not stripped):
            continue
        skip = False
        if re.fullmatch(r"[\d\s.*\-+e,:\[\]naif]+", stripped) or re.match(r"^(정답|반환값):$", stripped):
            continue                                    # a drawn grid
        out.append(re.sub(r"\b\w+\s*=\s*[^\s`]+", "", line))  # arguments (stride=1)
    return "\n".join(out)


@pytest.fixture(scope="module")
def graded():
    from grader.engine.runner import grade
    from grader.engine.spec import load_spec
    found = {}
    for name, exercise in CORPUS:
        folder = BUGGY / name
        assert folder.is_dir(), folder
        found[(name, exercise)] = grade(load_spec(exercise), str(folder))
    return found


def test_graded_corpus_reads_as_korean(graded):
    scanned = 0
    for (name, _exercise), result in graded.items():
        assert not result.passed, name
        for text in (report.render_text(result, "ko"), report.render_markdown(result, "ko")):
            check_text(_prose(text), name)
            scanned += 1
        doc = report.document(result, "ko")
        for fr in doc["functions"]:
            if fr["misconception_text"]:
                check_text(fr["misconception_text"], name)
    assert scanned == 2 * len(CORPUS)


def test_batch_feedback_summary_and_gradescope_in_korean(graded):
    from grader.batch import html
    columns, results, reports = [], {}, {}
    for (name, exercise), result in graded.items():
        doc = report.document(result, "ko")
        student = name.split("_")[0] + "_" + str(len(results))
        results[(student, exercise)] = doc
        reports[(student, exercise)] = report.render_markdown(result, "ko", list_skipped=False)
        columns += [Column(exercise, fr.name, fr.max_score) for fr in result.functions
                    if Column(exercise, fr.name, fr.max_score) not in columns]
    results[("cos_0", "exercise1")]["functions"][0]["failure"] = {"code": "timeout"}
    students = [Student(s, submitted=True, status="graded") for s in sorted({s for s, _ in results})]
    students += [Student("2024009", "김지인", "k@x.org", True, False, status="absent"),
                 Student("2024010", submitted=True, status="unreadable")]
    problems = [Problem("2024010", "/class/2024010.zip", "not a valid zip file (corrupt or truncated)"),
                Problem(None, "/class/notes.txt", "ignored: not a folder, a .zip or a notebook")]
    classres = ClassResults(columns=columns, students=students, results=results, reports=reports,
                            problems=problems, notes={students[0].id: ["exercise2.py was taken from the notebook hw.ipynb"]},
                            ta_notes=[Problem("x", "x", "not on the roster (graded anyway)")], lang="ko")
    for st in students:
        text = gradebook.feedback_markdown(classres, st)
        assert "Feedback for" not in text and "Total" not in text and "nothing submitted" not in text
        head = text.split("\n---\n")[0]
        check_text(head, f"feedback of {st.id}")
        check_text(_prose(text), f"feedback of {st.id}")
        gs = gradebook.gradescope_json(classres, st)
        check_text(re.sub(r'"(name|status|visibility|stdout_visibility|output_format)": "[^"]*"|"\w+":', "", gs),
                   "gradescope")
    assert gradebook.feedback_markdown(classres, students[0]).startswith(f"# 피드백: {students[0].id}")
    summary = gradebook.summary_markdown(classres, "summary.png")
    assert summary.startswith("# 반 전체 요약") and "Class summary" not in summary and "None." not in summary
    check_text(re.sub(r"`[^`]*`", "", summary), "summary.md")
    page = html.summary_html(classres, gradebook.class_stats(classres), gradebook.file_names(classres))
    assert '<html lang="ko">' in page
    body = re.sub(r"<script>.*?</script>|<style>.*?</style>|<[^>]+>", " ", page, flags=re.S)
    check_text(body, "summary.html")


def test_templates_scanned_count():
    """How many Korean templates and texts this file scans (reported with issue 12)."""
    n = len(templates()) + len(content_texts())
    assert n > 300, n
    print(f"\n{len(templates())} message templates, {len(content_texts())} content texts")


def test_every_pair_used_is_known():
    for where, t in templates():
        for _, name, spec, _ in string.Formatter().parse(t):
            if spec and "@" in spec:
                assert spec.rpartition("@")[2] in PAIRS or "/".join(reversed(spec.rpartition("@")[2].split("/"))) in PAIRS, where


def test_korean_readme_has_agreeing_particles():
    text = (HERE.parent / "README.ko.md").read_text(encoding="utf-8")
    prose = re.sub(r"```.*?```", "", text, flags=re.S)
    assert particle_errors(prose) == []
    for word in ("스트라이드", "필터 / filter", "기대값", "경계 사례", "예상되는 오개념"):
        assert word not in text
    assert "README.ko.md" in (HERE.parent / "README.md").read_text(encoding="utf-8").split("\n## ")[0]
