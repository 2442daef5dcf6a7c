"""The grading engine on small purpose-built submissions: shrinking, misconceptions, dependencies."""
import json
from pathlib import Path

import pytest

from helpers import grade
from grader.engine.spec import load_spec

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"


def submission(tmp_path, **files):
    for name, text in files.items():
        (tmp_path / f"{name}.py").write_text(text)
    return tmp_path


def ref(name, relative_to_absolute=True):
    text = (SOLUTIONS / f"{name}.py").read_text()
    return text.replace("from .exercise", "from exercises.exercise") if relative_to_absolute else text


def by_name(result):
    return {f.name: f for f in result.functions}


def test_kernel_flip_is_named_as_a_misconception(tmp_path):
    flipped = ref("exercise2").replace("def conv_forward(x, w, b, stride=1, padding=0):",
                                       "def conv_forward(x, w, b, stride=1, padding=0):\n"
                                       "    w = np.asarray(w)[:, :, ::-1, ::-1]")
    sub = submission(tmp_path, exercise1=ref("exercise1"), exercise2=flipped)
    fns = by_name(grade(load_spec("exercise2"), sub))
    assert not fns["conv_forward"].passed
    assert fns["conv_forward"].misconception == "conv_forward.kernel_flipped"
    assert "flip" in fns["conv_forward"].feedback.lower()
    assert fns["conv1x1_forward"].passed


def test_korean_feedback(tmp_path):
    flipped = ref("exercise2").replace("def conv_forward(x, w, b, stride=1, padding=0):",
                                       "def conv_forward(x, w, b, stride=1, padding=0):\n"
                                       "    w = np.asarray(w)[:, :, ::-1, ::-1]")
    sub = submission(tmp_path, exercise1=ref("exercise1"), exercise2=flipped)
    result = grade(load_spec("exercise2"), sub, "ko")
    fb = by_name(result)["conv_forward"].feedback
    assert "추정되는 오개념" in fb and "힌트" in fb
    assert result.title == "합성곱(convolution) 순전파"


def test_generated_failure_is_shrunk_to_a_small_input(tmp_path):
    # Wrong only when padding == 2 at stride 2: no lecture or edge case uses that, generated inputs do.
    buggy = ref("exercise2").replace("def conv_forward(x, w, b, stride=1, padding=0):\n",
                                     "def conv_forward(x, w, b, stride=1, padding=0):\n"
                                     "    if padding == 2 and stride == 2:\n"
                                     "        return _conv_forward(x, w, b, stride, padding) + 1.0\n"
                                     "    return _conv_forward(x, w, b, stride, padding)\n\n\n"
                                     "def _conv_forward(x, w, b, stride=1, padding=0):\n")
    sub = submission(tmp_path, exercise1=ref("exercise1"), exercise2=buggy)
    result = grade(load_spec("exercise2"), sub)
    fn = by_name(result)["conv_forward"]
    assert not fn.passed
    assert fn.failure["case_kind"] == "shrunk"
    assert fn.failure["params"]["index"] == [0, 0, 0, 0]
    assert "padding=2" in fn.failure["inputs"]
    # shrinking reaches a single image, channel and filter with a 1x1 kernel
    assert fn.failure["inputs"].startswith("x (1, 1, ")
    assert "w (1, 1, 1, 1)" in fn.failure["inputs"]


def test_failing_dependency_is_named(tmp_path):
    bad_conv = ref("exercise2").replace("out += b[:, None]", "out -= b[:, None]")
    assert bad_conv != ref("exercise2")
    sub = submission(tmp_path, exercise1=ref("exercise1"), exercise2=bad_conv, exercise4=ref("exercise4"))
    fns = by_name(grade(load_spec("exercise4"), sub))
    assert fns["relu"].passed
    res = fns["residual_block_forward"]
    assert not res.passed
    assert res.depends_on_failing == "exercise2.conv_forward"
    assert "fix conv_forward in exercise2 first" in res.feedback


def test_reference_with_relative_imports_is_gradable_as_a_folder():
    result = grade(load_spec("exercise5"), SOLUTIONS)
    assert result.passed, [f.feedback for f in result.functions if not f.passed]


def test_integer_truncation_shows_grids(tmp_path):
    trunc = ref("exercise3").replace("def avg_pool_forward(x, size=2, stride=2):\n",
                                     "def avg_pool_forward(x, size=2, stride=2):\n"
                                     "    return _avg(x, size, stride).astype(np.asarray(x).dtype)\n\n\n"
                                     "def _avg(x, size=2, stride=2):\n")
    sub = submission(tmp_path, exercise1=ref("exercise1"), exercise3=trunc)
    fn = by_name(grade(load_spec("exercise3"), sub))["avg_pool_forward"]
    assert not fn.passed
    assert fn.failure["code"] == "dtype_int_input"


def _fingerprint_source(function):
    return (
        "import hashlib\n"
        "from grader.engine.cases import draw_examples\n"
        f"ex = draw_examples({function!r}, 40, 20261129)\n"
        "h = hashlib.sha256()\n"
        "for a in ex:\n"
        "    for k, v in a.items():\n"
        "        h.update(repr(v.tolist() if hasattr(v, 'tolist') else v).encode())\n"
        "print(h.hexdigest())\n")


@pytest.mark.parametrize("function", ["conv_forward", "residual_block_forward"])
def test_generated_cases_do_not_depend_on_loaded_modules(function):
    """Hypothesis draws constants from loaded local modules; the grader must not let that
    change its cases (the CLI, a batch and this test process load different modules)."""
    import subprocess
    import sys
    fresh = subprocess.run([sys.executable, "-c", _fingerprint_source(function)], capture_output=True,
                           text=True, check=True).stdout.strip()
    here = {}
    exec(_fingerprint_source(function).replace("print(h.hexdigest())", "out = h.hexdigest()"), here)
    assert here["out"] == fresh


def test_every_case_label_has_a_korean_name():
    from grader import content
    examples = [e for f in content.FUNCTIONS for e in content.lecture(f) + content.edges(f)]
    untranslated = [e.en for e in examples if not e.ko.strip()]
    assert examples and not untranslated


def test_plain_sibling_imports_work_and_dependencies_are_named(tmp_path):
    # `from exercise2 import conv_forward`, as a student running scripts in the folder writes it
    bad_conv = ref("exercise2").replace("out += b[:, None]", "out -= b[:, None]")
    plain = ref("exercise4").replace("from exercises.exercise2 import", "from exercise2 import") \
                            .replace("from exercises.exercise1 import", "from exercise1 import")
    assert "from exercise2 import" in plain
    sub = submission(tmp_path, exercise1=ref("exercise1"), exercise2=bad_conv, exercise4=plain)
    fns = by_name(grade(load_spec("exercise4"), sub))
    assert fns["relu"].passed
    assert fns["residual_block_forward"].depends_on_failing == "exercise2.conv_forward"


def test_a_notebook_can_be_graded(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# 풀링"),
                nbformat.v4.new_code_cell("%matplotlib inline\nimport numpy as np"),
                nbformat.v4.new_code_cell(ref("exercise3").replace("from exercises.exercise1 import _require_int",
                                                                   "") + "\n" +
                                          ref("exercise1").split("def conv_output_size")[0].split("import numpy as np")[-1]),
                nbformat.v4.new_code_cell("print(max_pool_forward(np.ones((1, 1, 4, 4))))")]
    path = tmp_path / "pooling.ipynb"
    nbformat.write(nb, str(path))
    result = grade(load_spec("exercise3"), path)
    assert result.passed, [f.feedback for f in result.functions if not f.passed]


def test_a_broken_notebook_is_a_one_line_usage_error(tmp_path):
    from grader.errors import UsageError
    path = tmp_path / "broken.ipynb"
    path.write_text("{not json")
    with pytest.raises(UsageError, match="broken.ipynb: not a valid notebook"):
        grade(load_spec("exercise3"), path)
