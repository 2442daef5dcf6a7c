"""Grading one exercise of one submission: cases -> sandbox -> compare -> shrink -> result."""
from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
import time
from pathlib import Path

import hypothesis
import numpy as np

import grader
from grader.content import FUNCTIONS
from grader.engine import identify, report
from grader.engine.cases import Case, CaseBook, build_casebook, edge_cases, lecture_cases, make_case, shrink_failure
from grader.engine.compare import check
from grader.errors import UsageError
from grader.engine.results import ExerciseResult, FunctionResult
from grader.sandbox import Outcome, Worker, WorkerJob, Zygote
from grader.engine.spec import FunctionSpec, Spec

DEFAULT_SEED = grader.DEFAULT_SEED
NOBODY = 65534
MAX_STAGED_FILES = 64
MAX_STAGED_BYTES = 4 << 20


def versions() -> dict:
    return {"grader": grader.__version__, "hypothesis": hypothesis.__version__, "numpy": np.__version__}


def resolve_submission(path: str | os.PathLike, spec: Spec) -> tuple[str, str]:
    """(folder, module name) for a submission given as a folder or as a .py file."""
    p = Path(path)
    if p.is_dir():
        return str(p.resolve()), spec.name
    if p.is_file() and p.suffix == ".py":
        return str(p.resolve().parent), p.stem
    raise UsageError(f"{path}: no such submission (give a folder holding {spec.name}.py, a .py file "
                     f"or a notebook)")


def _notebook_folder(path: Path, spec: Spec) -> str:
    """A private folder holding the notebook's imports and definitions as ``<exercise>.py``."""
    from grader.batch.archive import ArchiveError, notebook_source
    try:
        source, _notes = notebook_source(path.read_bytes(), path.name)
    except (ArchiveError, OSError) as exc:
        raise UsageError(f"{path}: {exc}") from None
    folder = tempfile.mkdtemp(prefix="euron-grade-nb-")
    Path(folder, f"{spec.name}.py").write_text(source, encoding="utf-8")
    return folder


def _requests(cases: list[Case]) -> list[dict]:
    return [{"function": c.function, "args": dict(c.args),
             "positional": list(FUNCTIONS[c.function].required), "module": None,
             "warnings": FUNCTIONS[c.function].warnings_checked}
            for c in cases]


class Session:
    """The student's process, restarted when a call kills it. One exercise after
    another may be graded in it (``use``); never another student's."""

    def __init__(self, zygote: Zygote, job: WorkerJob) -> None:
        self.zygote, self.job = zygote, job
        self.worker: Worker | None = None
        self.first_hello: dict | None = None

    def use(self, module: str, limits) -> dict:
        """Serve ``module`` (the same student's next exercise) from now on; returns
        the report on loading it. The live process loads it in place of the last
        one; a lost process is replaced."""
        self.job = dataclasses.replace(self.job, module=module, limits=limits)
        if self.worker is not None and self.worker.alive:
            self.first_hello = self.worker.load(module, limits)
            return self.first_hello
        self.first_hello = None
        return self.get().hello

    def get(self) -> Worker:
        if self.worker is not None:
            self.worker.drain()     # replies left over may reveal that the process died since
        if self.worker is None or not self.worker.alive:
            if self.worker is not None:
                self.worker.close()
            self.worker = self.zygote.spawn(self.job)
            if self.first_hello is None:
                self.first_hello = self.worker.hello
        return self.worker

    def call(self, case: Case) -> Outcome:
        for _, outcome in self.call_cases([case]):
            return outcome
        return Outcome(status="died", detail=self.exit_detail() or "the process is gone")

    def exit_detail(self) -> str:
        """How the current student process ended (without starting a new one)."""
        return self.worker.exit_detail if self.worker is not None else ""

    def call_cases(self, cases: list[Case]):
        """Yield (case, outcome) for ``cases`` in order, pipelined (see ``Worker.call_many``);
        stops after the case that loses the student's process."""
        yield from zip(cases, self.get().call_many(_requests(cases)))

    def close(self) -> None:
        if self.worker is not None:
            self.worker.close()


EXTRA_FAILURES = 4   # failing outputs collected after the first, to tell misconceptions apart
MAX_FAILURES = 25    # ... looking at no more failing cases than this


def _run_cases(session: Session, spec: Spec, cases: list[Case]) -> tuple[int, int, list]:
    """Run ``cases`` in order, stopping a few failures after the first (or when the
    student's process is lost); returns (passed, run, [(case, finding, outcome), ...])."""
    passed, failures, run = 0, [], 0
    for case, outcome in session.call_cases(cases):
        run += 1
        finding = check(case, outcome, spec.tolerance)
        if finding is None:
            passed += 1
            continue
        failures.append((case, finding, outcome))
        with_output = sum(f.got is not None for _, f, _ in failures)
        if outcome.worker_lost or with_output > EXTRA_FAILURES or len(failures) >= MAX_FAILURES:
            return passed, run, failures
    if run < len(cases):    # the process vanished between calls: never a pass on fewer cases
        case = cases[run]
        outcome = Outcome(status="died", detail=session.exit_detail() or "ended unexpectedly")
        failures.append((case, check(case, outcome, spec.tolerance), outcome))
    return passed, run, failures


def _shrink(session: Session, spec: Spec, book: CaseBook, function: str):
    """The smallest generated input on which the student's function still fails."""
    deadline = time.monotonic() + max(3.0, 2 * spec.limits.time_s)

    def fails(args: dict) -> bool:
        if time.monotonic() > deadline:
            return False
        case = make_case(function, "generated", "", args)
        outcome = session.call(case)
        if outcome.worker_lost:
            return False      # crashes and hangs are reported as found, not shrunk
        return check(case, outcome, spec.tolerance) is not None

    args = shrink_failure(function, book.examples, book.seed, fails)
    if args is None:
        return None
    case = make_case(function, "shrunk", "", args)
    outcome = session.call(case)
    finding = check(case, outcome, spec.tolerance)
    return (case, finding, outcome) if finding is not None else None


def _dependency_failing(session: Session, spec: Spec, function: str) -> tuple[str, str] | None:
    """(exercise, function) of an earlier exercise's function that this one imports and that fails."""
    siblings = set((session.first_hello or {}).get("siblings", []))
    for exercise, dep in FUNCTIONS[function].depends_on:
        if exercise not in siblings:
            continue
        cases = lecture_cases(dep) + edge_cases(dep)
        for case in cases:
            outcome = session.get().call(dep, dict(case.args), list(FUNCTIONS[dep].required),
                                         module=exercise)
            if check(case, outcome, spec.tolerance) is not None:
                return exercise, dep
    return None


def _identify(failures: list):
    """The misconception that reproduces the most failing outputs (the first case's first on ties)."""
    votes: dict[str, list] = {}
    for case, finding, _ in failures:
        if finding.got is None or case.raises is not None:
            continue
        for m in identify.matching(case.function, case.args, finding.got, case.expected):  # copies per variant
            votes.setdefault(m.key, [m, 0])[1] += 1
    if not votes:
        return None
    return max(votes.values(), key=lambda mv: mv[1])[0]    # max keeps the first of equal counts


def _failure_data(case: Case, finding, outcome) -> dict:
    """The failing case shown, as data (``FunctionResult.failure``)."""
    grids = {}
    if finding.code in ("values", "shape", "nonfinite"):
        small = all(v.size <= report.SMALL_ARRAY for v in case.args.values() if isinstance(v, np.ndarray))
        if case.kind in ("shrunk", "generated") and small:
            grids["args"] = report.format_args_whole(case.args)
        drawn = report.comparison_grids(case.expected, finding.got)
        if drawn is not None:
            grids["expected"], grids["got"] = drawn
    printed = getattr(outcome, "output", "") if outcome is not None else ""
    return {"case_kind": case.kind, "case_label": case.label, "code": finding.code,
            "inputs": report.format_inputs(case.args),
            "params": {k: (list(v) if isinstance(v, tuple) else v) for k, v in finding.params.items()},
            "grids": grids, "printed": printed or ""}


def _grade_function(session: Session, spec: Spec, book: CaseBook, fspec: FunctionSpec) -> FunctionResult:
    started = time.monotonic()
    cases = book.cases[fspec.name]
    passed, run, failures = _run_cases(session, spec, cases)
    if not failures:
        return FunctionResult(fspec.name, True, fspec.points, fspec.points, cases_passed=passed,
                              cases_run=run, elapsed_s=time.monotonic() - started)
    case, finding, outcome = failures[0]
    if case.kind == "generated" and not outcome.worker_lost:
        smaller = _shrink(session, spec, book, fspec.name)
        if smaller is not None:
            case, finding, outcome = smaller
            failures.insert(0, smaller)
    found = _identify(failures)
    dependency = _dependency_failing(session, spec, fspec.name)
    return FunctionResult(
        fspec.name, False, 0.0, fspec.points,
        misconception=found.key if found else None,
        cases_passed=passed, cases_run=run, failure=_failure_data(case, finding, outcome),
        depends_on_failing=f"{dependency[0]}.{dependency[1]}" if dependency else None,
        elapsed_s=time.monotonic() - started)


def _load_failure(spec: Spec, hello: dict) -> dict:
    """Why the module could not be imported, as data (``ExerciseResult.load``)."""
    if hello.get("timeout"):
        return {"kind": "timeout", "limit_s": spec.limits.import_time_s}
    if hello.get("died"):
        return {"kind": "died"}
    error = hello.get("error") or {}
    return {"kind": "error", "type": error.get("type"), "message": error.get("message"),
            "traceback": error.get("traceback") or ""}


def _stage(folder: str) -> str:
    """A private copy of the submission's top-level .py files, outside the project tree,
    so that the confined student process can read them and nothing else of ours."""
    stage = tempfile.mkdtemp(prefix="euron-grade-sub-")
    for path in sorted(Path(folder).glob("*.py"))[:MAX_STAGED_FILES]:
        if path.is_file() and path.stat().st_size <= MAX_STAGED_BYTES:
            shutil.copyfile(path, os.path.join(stage, path.name))
    return stage


def default_confinement(stage: str):
    """The confinement of a single-student run: everything ``hardening`` can do here.

    As root: namespaces hide the project (``solutions/`` included) and the homes,
    no network, uid nobody. Otherwise: a scrubbed environment and the seccomp filter.
    """
    from grader.sandbox import hardening
    return hardening.standard_confinement(uid=NOBODY if os.geteuid() == 0 else None, writable=[stage])


def grade(spec: Spec, submission, *, casebook: CaseBook | None = None, seed: int = DEFAULT_SEED,
          zygote: Zygote | None = None, confinement=None, confine: bool = True,
          session: Session | None = None) -> ExerciseResult:
    """Grade ``spec``'s functions in ``submission`` (a folder or a .py file).

    ``confinement``: the sandbox's hardening settings; when None and ``confine``
    is true, the submission is staged in a private folder and confined by
    ``default_confinement``. ``session``: the student's process, already set
    up on ``submission`` (a staged folder) and shared with their other
    exercises; ``zygote``, ``confinement`` and ``confine`` are then unused."""
    started = time.monotonic()
    notebook = None
    if Path(submission).suffix == ".ipynb" and Path(submission).is_file():
        submission = notebook = _notebook_folder(Path(submission), spec)
    folder, module = resolve_submission(submission, spec)
    own_session = session is None
    own_zygote = own_session and zygote is None
    if own_zygote:
        zygote = Zygote()      # before the reference is imported by the case book
    stage = None
    if own_session:
        load_from = folder
        if confinement is None and confine:
            stage = load_from = _stage(folder)
            confinement = default_confinement(stage)
        session = Session(zygote, WorkerJob(load_from, module, spec.limits, confinement))
    try:
        book = casebook if casebook is not None else build_casebook(spec, seed)
        hello = session.get().hello if own_session else session.use(module, spec.limits)
        result = ExerciseResult(exercise=spec.name, submission=folder, score=0.0,
                                max_score=spec.max_score, seed=book.seed, versions=versions(),
                                protections=list(hello.get("protections", [])),
                                output=str(hello.get("output", ""))[:2048])
        if not hello.get("loaded"):
            result.load = _load_failure(spec, hello)
            result.functions = [FunctionResult(f.name, False, 0.0, f.points) for f in spec.functions]
        else:
            result.functions = [_grade_function(session, spec, book, f) for f in spec.functions]
        result.score = sum(f.score for f in result.functions)
        result.elapsed_s = time.monotonic() - started
        return result
    finally:
        if own_session:
            session.close()
        for temporary in (stage, notebook):
            if temporary is not None:
                shutil.rmtree(temporary, ignore_errors=True)
        if own_zygote:
            zygote.close()
