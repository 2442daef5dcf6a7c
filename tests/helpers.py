"""Small helpers shared by tests (importable because pytest puts tests/ on sys.path)."""
from types import SimpleNamespace

from grader.engine import report, runner


def view(result, lang: str = "en") -> SimpleNamespace:
    """A graded result as its rendered ``report.document``, with attribute access."""
    doc = report.document(result, lang)
    functions = [SimpleNamespace(**f) for f in doc["functions"]]
    return SimpleNamespace(**{**doc, "functions": functions, "passed": all(f.passed for f in functions)})


def grade(spec, submission, lang: str = "en", **kwargs) -> SimpleNamespace:
    """``runner.grade`` seen through ``view``."""
    return view(runner.grade(spec, submission, **kwargs), lang)
