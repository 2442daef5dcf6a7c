"""Result dataclasses: plain data, no rendering (``report`` does the words)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class FunctionResult:
    """How one function of a submission did.

    feedback: the readable explanation (already in the report's language).
    failure: the first failing case as data (kind, label, code, inputs), or None.
    """

    name: str
    passed: bool
    score: float
    max_score: float
    feedback: str
    misconception: str | None = None
    misconception_text: str | None = None
    cases_passed: int = 0
    cases_run: int = 0
    failure: dict | None = None
    depends_on_failing: str | None = None
    elapsed_s: float = 0.0


@dataclass
class ExerciseResult:
    """A whole exercise for one submission; ``to_dict`` is the ``--json`` document."""

    exercise: str
    title: str
    submission: str
    score: float
    max_score: float
    seed: int
    lang: str
    functions: list[FunctionResult] = field(default_factory=list)
    versions: dict = field(default_factory=dict)
    protections: list[str] = field(default_factory=list)
    load_error: str | None = None
    output: str = ""
    source: dict | None = None      # the file graded: {"file", "kind": "py"/"notebook", "skipped": [...], "not_run"}
    elapsed_s: float = 0.0

    @property
    def passed(self) -> bool:
        return all(f.passed for f in self.functions)

    def to_dict(self) -> dict:
        return asdict(self)


TIMING_KEYS = ("elapsed_s",)


def without_timings(data):
    """A copy of a result dict without the keys that vary from run to run."""
    if isinstance(data, dict):
        return {k: without_timings(v) for k, v in data.items() if k not in TIMING_KEYS}
    if isinstance(data, list):
        return [without_timings(v) for v in data]
    return data
