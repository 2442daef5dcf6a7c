"""Small helpers shared by tests (importable because pytest puts tests/ on sys.path)."""
from types import SimpleNamespace

from grader.engine import report, runner

# conv_forward wrong only when padding == 2 at stride 2: only generated inputs use that (see test_runner)
PAD2_BUG = ("def conv_forward(x, w, b, stride=1, padding=0):\n",
            "def conv_forward(x, w, b, stride=1, padding=0):\n"
            "    if padding == 2 and stride == 2:\n"
            "        return _conv_forward(x, w, b, stride, padding) + 1.0\n"
            "    return _conv_forward(x, w, b, stride, padding)\n\n\n"
            "def _conv_forward(x, w, b, stride=1, padding=0):\n")


def view(result, lang: str = "en") -> SimpleNamespace:
    """A graded result as its rendered ``report.document``, with attribute access."""
    doc = report.document(result, lang)
    functions = [SimpleNamespace(**f) for f in doc["functions"]]
    return SimpleNamespace(**{**doc, "functions": functions, "passed": all(f.passed for f in functions)})


def grade(spec, submission, lang: str = "en", **kwargs) -> SimpleNamespace:
    """``runner.grade`` seen through ``view``."""
    return view(runner.grade(spec, submission, **kwargs), lang)
