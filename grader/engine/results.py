"""Result dataclasses: plain data (kinds, keys, numbers), never sentences.

``report`` turns them into words in the reader's language, so a stored result
can be rendered in Korean or English later (``report.document``).
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields


@dataclass
class FunctionResult:
    """How one function of a submission did.

    misconception: the key of the misconception that reproduces the output, or None.
    failure: the failing case shown, as data: ``case_kind``, ``case_label`` (the
    English label, a key into the exercise's content), ``code`` of the check that
    failed, ``inputs`` (shapes and dtypes), ``params`` (the check's numbers),
    ``grids`` (small arrays drawn as the lecture does: ``args``, ``expected``,
    ``got``; language-neutral text or None) and ``printed`` (what the call printed).
    depends_on_failing: "exercise.function" of a failing function this one uses.
    not_implemented: every case raised NotImplementedError (an untouched stub):
    reported as "not implemented yet", counted apart from the failures.

    ``failure`` may also hold ``cause`` and ``cause_params`` (why the code raised,
    a key of ``grader.engine.causes.CAUSES``), ``defaults`` (the parameters the
    case left out, with the contract's defaults) and ``others`` (the first
    failing case of every other failing group, as the same data plus ``count``).

    groups: with ``scoring: cases`` in the spec, one entry per case group the
    function has (``grader.engine.scoring.split``): ``group`` (lecture, edge,
    generated), ``passed``, ``cases``, ``weight``, ``max_score``, ``score``;
    None when the function is scored all-or-nothing (the default).
    """

    name: str
    passed: bool
    score: float
    max_score: float
    misconception: str | None = None
    cases_passed: int = 0
    cases_run: int = 0
    failure: dict | None = None
    depends_on_failing: str | None = None
    not_implemented: bool = False
    elapsed_s: float = 0.0
    groups: list[dict] | None = None


@dataclass
class ExerciseResult:
    """A whole exercise for one submission.

    load: why the module could not be imported, as data (``kind``: timeout,
    died or error; ``type``, ``message``, ``traceback``), or None.
    source: the file graded (``file``, ``kind`` py or notebook, what a notebook's
    loading ``skipped``, how many statements were ``not_run``).
    expected_from: None when graded against the reference solutions; for a case
    bank, its file, sha256, seed and number of public cases.
    """

    exercise: str
    submission: str
    score: float
    max_score: float
    seed: int
    functions: list[FunctionResult] = field(default_factory=list)
    versions: dict = field(default_factory=dict)
    protections: list[str] = field(default_factory=list)
    load: dict | None = None
    output: str = ""
    source: dict | None = None      # the file graded: {"file", "kind": "py"/"notebook", "skipped": [...], "not_run"}
    expected_from: dict | None = None   # a case bank's provenance (``BankReference.describe``)
    elapsed_s: float = 0.0

    @property
    def passed(self) -> bool:
        return all(f.passed for f in self.functions)

    @classmethod
    def from_dict(cls, data: dict) -> "ExerciseResult":
        """The result back from a ``report.document`` (rendered keys are ignored)."""
        names = {f.name for f in fields(FunctionResult)}
        functions = [FunctionResult(**{k: v for k, v in fr.items() if k in names}) for fr in data["functions"]]
        own = {f.name for f in fields(cls)} - {"functions"}
        return cls(functions=functions, **{k: v for k, v in data.items() if k in own})


TIMING_KEYS = ("elapsed_s",)


def without_timings(data):
    """A copy of a result dict without the keys that vary from run to run."""
    if isinstance(data, dict):
        return {k: without_timings(v) for k, v in data.items() if k not in TIMING_KEYS}
    if isinstance(data, list):
        return [without_timings(v) for v in data]
    return data
