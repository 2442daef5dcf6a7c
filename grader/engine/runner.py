"""Grading one exercise of one submission: cases -> sandbox -> compare -> shrink -> result."""
from __future__ import annotations

import dataclasses
import itertools
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import grader
from grader.expected import FUNCTIONS
from grader.engine import causes, identify, notebook, report, scoring
from grader.engine.cases import Case, CaseBook, build_casebook, make_case, shrink_failure
from grader.engine.compare import check
from grader.errors import UsageError
from grader.engine.results import ExerciseResult, FunctionResult
from grader.sandbox import Outcome, Worker, WorkerJob, Zygote, wire
from grader.engine.spec import FunctionSpec, Spec

DEFAULT_SEED = grader.DEFAULT_SEED
NOBODY = 65534
MAX_STAGED_FILES = 64
MAX_STAGED_BYTES = 4 << 20


def versions() -> dict:
    found = {"grader": grader.__version__, "numpy": np.__version__}
    hypothesis = sys.modules.get("hypothesis")     # imported by the case book when it generated cases
    if hypothesis is not None:
        found["hypothesis"] = hypothesis.__version__
    return found


def resolve_submission(path: str | os.PathLike, spec: Spec) -> tuple[str, str]:
    """(folder, module name) for a submission given as a folder or as a .py file."""
    p = Path(path)
    if p.is_dir():
        return str(p.resolve()), spec.name
    if p.is_file() and p.suffix == ".py":
        return str(p.resolve().parent), p.stem
    raise UsageError(f"{path}: no such submission (give a folder holding {spec.name}.py, a .py file "
                     f"or a notebook)")


_EXERCISE_NAME = re.compile(r"^exercise[1-9]$")


def _notebook_folder(path: Path, spec: Spec) -> str:
    """A private folder holding the notebook's imports and definitions as ``<exercise>.py``,
    with the other exercises beside it (``exerciseN.py``, else ``exerciseN.ipynb``
    converted), which it may import, as a batch submission's folder would have them."""
    try:
        source, _notes = notebook.notebook_source(path.read_bytes(), path.name)
    except (notebook.NotebookError, OSError) as exc:
        raise UsageError(f"{path}: {exc}") from None
    folder = tempfile.mkdtemp(prefix="euron-grade-nb-")
    Path(folder, f"{spec.name}.py").write_text(source, encoding="utf-8")
    try:
        siblings = sorted(path.parent.iterdir())
    except OSError:
        siblings = []
    for sibling in siblings:
        name = sibling.stem
        if (not _EXERCISE_NAME.match(name) or name == spec.name or sibling.is_symlink() or not sibling.is_file()
                or sibling.suffix not in (".py", ".ipynb") or Path(folder, f"{name}.py").exists()
                or (sibling.suffix == ".ipynb" and sibling.with_suffix(".py").is_file())
                or sibling.stat().st_size > MAX_STAGED_BYTES):
            continue
        try:
            if sibling.suffix == ".py":
                shutil.copyfile(sibling, Path(folder, f"{name}.py"))
            else:
                text = notebook.notebook_source(sibling.read_bytes(), sibling.name)[0]
                Path(folder, f"{name}.py").write_text(text, encoding="utf-8")
        except (notebook.NotebookError, OSError):
            continue     # the exercise graded is the one named; a broken neighbour shows up as its import
    return folder


def _requests(cases: list[Case]) -> list[dict]:
    return [{"function": c.function, "args": dict(c.args),
             "positional": list(FUNCTIONS[c.function].required), "module": None,
             "warnings": FUNCTIONS[c.function].warnings_checked}
            for c in cases]


_KEYS = itertools.count()


def _packed_calls(book: CaseBook, function: str) -> tuple[list[Case], list[dict], wire.Packed, str]:
    """(cases, requests, packed requests, key) of all of ``function``'s cases in ``book``,
    made once per case book: every student is sent the same message, or only its
    key once the zygote holds it (``Zygote.keep``). Keys are unique across the
    processes of a run (the pid of the process that packed them)."""
    cases = book.cases[function]
    entry = book.packed.get(function)
    if entry is None or entry[0] is not cases or len(entry[1]) != len(cases):
        requests = _requests(cases)
        entry = book.packed[function] = (cases, requests, wire.Packed({"calls": requests}),
                                         f"{function}/{os.getpid()}/{next(_KEYS)}")
    return entry


def keep_calls(zygote: Zygote, book: CaseBook) -> None:
    """Have ``zygote`` hold every function's calls of ``book`` for the workers it forks."""
    for function in book.cases:
        _, _, packed, key = _packed_calls(book, function)
        zygote.keep(key, packed)


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

    def call_cases(self, cases: list[Case], packed: tuple | None = None):
        """Yield (case, outcome) for ``cases`` in order, pipelined (see ``Worker.call_many``);
        stops after the case that loses the student's process.  ``packed``: what
        ``_packed_calls`` made for exactly these cases."""
        if packed is not None and packed[0] is cases:
            yield from zip(cases, self.get().call_many(packed[1], packed[2], packed[3]))
            return
        yield from zip(cases, self.get().call_many(_requests(cases)))

    def close(self) -> None:
        if self.worker is not None:
            self.worker.close()


MAX_FAILURES = 25    # failing cases kept in full (the rest are counted in their group)
VALUE_CODES = frozenset({"values", "int_value", "shape", "not_int", "dtype_float64", "dtype_int_input",
                         "nonfinite"})   # a wrong value returned: what a misconception may explain


def _group_key(case: Case) -> tuple[str, str]:
    """Failing cases are listed by group: each lecture or edge case on its own, generated inputs together."""
    return (case.kind, case.label) if case.kind in ("lecture", "edge") else ("generated", "")


def _run_cases(session: Session, spec: Spec, cases: list[Case],
               counts: dict | None = None, packed: tuple | None = None) -> tuple[int, int, list, dict]:
    """Run every case in order (stopping only when the student's process is lost);
    returns (passed, run, [(case, finding, outcome), ...] for the first failures,
    {group: [first (case, finding, outcome), number failing]}). ``counts``, when
    given, is filled with scoring group -> [cases passed, cases] (a case not run
    has not passed)."""
    passed, failures, run = 0, [], 0
    groups: dict[tuple[str, str], list] = {}
    if counts is not None:
        for case in cases:
            counts.setdefault(scoring.group_of(case.kind), [0, 0])[1] += 1
    for case, outcome in session.call_cases(cases, packed):
        run += 1
        finding = check(case, outcome, spec.tolerance)
        if finding is None:
            passed += 1
            if counts is not None:
                counts[scoring.group_of(case.kind)][0] += 1
            continue
        entry = (case, finding, outcome)
        if len(failures) < MAX_FAILURES:
            failures.append(entry)
        group = groups.setdefault(_group_key(case), [entry, 0])
        group[1] += 1
        if outcome.worker_lost:
            return passed, run, failures, groups
    if run < len(cases):    # the process vanished between calls: never a pass on fewer cases
        case = cases[run]
        outcome = Outcome(status="died", detail=session.exit_detail() or "ended unexpectedly")
        entry = (case, check(case, outcome, spec.tolerance), outcome)
        failures.append(entry)
        groups.setdefault(_group_key(case), [entry, 0])[1] += 1
    return passed, run, failures, groups


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


def _reference(book: CaseBook):
    """Where ``book``'s expected outputs come from (``grader.expected``)."""
    if book.reference is not None:
        return book.reference
    from grader.expected import reference_solutions
    return reference_solutions()


def _dependency_failing(session: Session, spec: Spec, book: CaseBook, function: str) -> tuple[str, str] | None:
    """(exercise, function) of a function this one uses and that fails: an earlier exercise's
    function that the file imports, or a function of the same file that this one's code names
    (the worker's ``uses``)."""
    hello = session.first_hello or {}
    siblings = set(hello.get("siblings", []))
    uses = hello.get("uses") if isinstance(hello.get("uses"), dict) else {}
    for exercise, dep in FUNCTIONS[function].depends_on:
        if exercise == spec.name:
            if dep not in (uses.get(function) or ()):
                continue
        elif exercise not in siblings:
            continue
        cases = _reference(book).dependency_cases(dep)
        for case in cases:
            outcome = session.get().call(dep, dict(case.args), list(FUNCTIONS[dep].required),
                                         module=exercise)
            if check(case, outcome, spec.tolerance) is not None:
                return exercise, dep
    return None


def _is_value_failure(case: Case, finding) -> bool:
    return case.raises is None and finding.code in VALUE_CODES and finding.got is not None


def _dtype_only(case: Case, finding) -> bool:
    """A dtype failure whose values are right: another problem than a wrong computation."""
    if not finding.code.startswith("dtype_"):
        return False
    try:
        with np.errstate(all="ignore"):
            return bool(np.allclose(np.asarray(finding.got, dtype=float), np.asarray(case.expected, dtype=float),
                                    rtol=1e-5, atol=1e-6))
    except (TypeError, ValueError):
        return False


def _degenerate(args: dict) -> bool:
    """Inputs on which unrelated variants coincide: tiny or all-zero arrays, sizes of 0 or 1."""
    arrays = [np.asarray(v) for v in args.values() if isinstance(v, np.ndarray)]
    if not arrays:
        return max((abs(v) for v in args.values() if isinstance(v, int) and not isinstance(v, bool)),
                   default=0) < 2
    largest = max(arrays, key=lambda a: a.size)
    if largest.size < 4 or not np.any(largest):
        return True
    return len(np.unique(largest)) < 3 or any(a.size > 0 and not np.any(a) for a in arrays if a is not largest
                                               and a.size > 1)


def _identify(failures: list):
    """The misconception named for the case shown (``failures[0]``), or None.

    Only on a wrong-value failure, and only a misconception whose variant reproduces
    the student's output on the shown case and on every other failing value case,
    one of them at least not degenerate (``_degenerate``). Of several, the first
    in the exercise's table; none rather than one that some case contradicts."""
    if not failures:
        return None
    shown, finding, _ = failures[0]
    if not _is_value_failure(shown, finding):
        return None
    values = [(shown, finding)] + [(c, f) for c, f, _ in failures[1:]
                                   if _is_value_failure(c, f) and not _dtype_only(c, f)]
    if all(_degenerate(c.args) for c, _ in values):
        return None
    for m in identify.matching_case(shown, finding.got):    # live variants, or a bank's stored outputs
        if all(m.key in {n.key for n in identify.matching_case(c, f.got, only=(m,))} for c, f in values[1:]):
            return m
    return None


def _identifying_case(failures: list):
    """(index, misconception) of the first later failing lecture or edge case whose
    misconception ``_identify`` would name if that case were shown, when the case
    shown (a wrong value too) names none; else None.  The report then shows the case
    the diagnosis fits, and a failing lecture or edge case never depends on the seed."""
    if len(failures) < 2 or not _is_value_failure(failures[0][0], failures[0][1]):
        return None
    for index, (case, finding, _) in enumerate(failures[1:], start=1):
        if case.kind not in ("lecture", "edge") or not _is_value_failure(case, finding) \
                or _dtype_only(case, finding):
            continue
        found = _identify([failures[index]] + failures[:index] + failures[index + 1:])
        if found is not None:
            return index, found
    return None


_TEMPORARY = re.compile(r"(?:/[^\s'\"()<>,:]*)?/euron-grade-(?:sub|run|nb)-[A-Za-z0-9_]+/?")


def scrub(text):
    """``text`` without the grader's temporary folders (the sandbox's paths mean nothing to a student)."""
    return _TEMPORARY.sub("", text) if isinstance(text, str) else text


def _defaults_left_out(case: Case) -> dict:
    """The contract's defaults of the parameters this case leaves out (the content module's
    ``defaults``, or a case bank's copy of them in a student pack)."""
    try:
        defaults = getattr(FUNCTIONS[case.function], "defaults", None) or ()
        return {name: value for name, value in defaults if name not in case.args}
    except (KeyError, TypeError, ValueError):
        return {}


def _failure_data(case: Case, finding, outcome, source: notebook.Context | None = None, *,
                  whole: bool = True) -> dict:
    """A failing case, as data (``FunctionResult.failure``); ``whole``: with the
    small arrays drawn (the case shown, and the others for ``--all``)."""
    grids = {}
    if whole and finding.code in ("values", "shape", "nonfinite", "modified_input"):
        small = all(v.size <= report.SMALL_ARRAY for v in case.args.values() if isinstance(v, np.ndarray))
        if case.kind in ("shrunk", "generated") and small:
            grids["args"] = report.format_args_whole(case.args)
        if finding.code != "modified_input":
            expected, got = case.expected, finding.got
            if "item" in finding.params:      # one array of a returned tuple
                item = finding.params["item"]
                expected, got = expected[item], (got[item] if got is not None else None)
            drawn = report.comparison_grids(expected, got)
            if drawn is not None:
                grids["expected"], grids["got"] = drawn
    printed = getattr(outcome, "output", "") if outcome is not None else ""
    params = {k: scrub(list(v) if isinstance(v, tuple) else v) for k, v in finding.params.items()}
    if params.get("traceback"):
        params["traceback"] = notebook.map_traceback(params["traceback"], source)
    data = {"case_kind": case.kind, "case_label": case.label, "code": finding.code,
            "inputs": report.format_inputs(case.args), "params": params,
            "grids": grids, "printed": scrub(printed or "")}
    skipped = notebook.reason(source, finding.code, finding.params, case.function)
    if skipped is not None:
        data["skipped"] = skipped
    defaults = _defaults_left_out(case)
    if defaults:
        data["defaults"] = defaults
    error = getattr(outcome, "error", None) if outcome is not None else None
    if finding.code in ("raised", "wrong_exception", "memory") and isinstance(error, dict):
        cause = causes.explain(error, valid_input=case.raises is None)
        if cause is not None:
            cause["params"] = {k: scrub(v) for k, v in cause["params"].items()}
            data["cause"], data["cause_params"] = cause["key"], cause["params"]
        if not error.get("message") and isinstance(error.get("frame"), dict):
            data["params"]["message"] = scrub(error["frame"].get("source") or "")
    return data


def _grade_function(session: Session, spec: Spec, book: CaseBook, fspec: FunctionSpec,
                    source: notebook.Context | None = None) -> FunctionResult:
    started = time.monotonic()
    packed = _packed_calls(book, fspec.name)
    cases = packed[0]
    counts = {} if spec.scoring == "cases" else None
    passed, run, failures, groups = _run_cases(session, spec, cases, counts, packed)
    split = scoring.split(fspec.points, counts, spec.weight) if counts is not None else None
    if not failures:
        return FunctionResult(fspec.name, True, fspec.points, fspec.points, cases_passed=passed,
                              cases_run=run, groups=split, elapsed_s=time.monotonic() - started)
    case, finding, outcome = failures[0]
    if case.kind == "generated" and not outcome.worker_lost and _reference(book).shrinks:
        smaller = _shrink(session, spec, book, fspec.name)
        if smaller is not None:
            case, finding, outcome = smaller
            failures.insert(0, smaller)
    found = _identify(failures)
    if found is None:
        later = _identifying_case(failures)
        if later is not None:
            index, found = later
            failures.insert(0, failures.pop(index))
            case, finding, outcome = failures[0]
    dependency = _dependency_failing(session, spec, book, fspec.name)
    failure = _failure_data(case, finding, outcome, source)
    shown = _group_key(case)
    failure["others"] = [{**_failure_data(*first, source), "count": count}
                         for key, (first, count) in groups.items() if key != shown]
    not_implemented = passed == 0 and all(
        f.code == "raised" and (f.params or {}).get("type") == "NotImplementedError" for _, f, _ in failures)
    partial = scoring.score(fspec.points, split) if split is not None and not not_implemented else 0.0
    return FunctionResult(
        fspec.name, False, partial, fspec.points, groups=split,
        misconception=found.key if found else None,
        cases_passed=passed, cases_run=run, failure=failure,
        depends_on_failing=f"{dependency[0]}.{dependency[1]}" if dependency else None,
        not_implemented=not_implemented, elapsed_s=time.monotonic() - started)


def _load_failure(spec: Spec, hello: dict) -> dict:
    """Why the module could not be imported, as data (``ExerciseResult.load``)."""
    if hello.get("timeout"):
        return {"kind": "timeout", "limit_s": spec.limits.import_time_s}
    if hello.get("died"):
        return {"kind": "died"}
    error = hello.get("error") or {}
    return {"kind": "error", "type": error.get("type"), "message": error.get("message"),
            "traceback": error.get("traceback") or ""}


MAX_PACKAGE_DEPTH = 3
SKIPPED_FOLDERS = {"__pycache__", ".git", ".ipynb_checkpoints", "node_modules", ".venv", "venv", "solutions", "grader",
                   "tests"}


def _stage(folder: str) -> str:
    """A private copy of the submission's .py files, outside the project tree, so that
    the confined student process can read them and nothing else of ours: the
    top-level files and the helper packages in subfolders (``from mylib.im2col
    import ...``), at most MAX_STAGED_FILES files of MAX_STAGED_BYTES each, no
    symbolic links, MAX_PACKAGE_DEPTH folders deep."""
    stage = tempfile.mkdtemp(prefix="euron-grade-sub-")
    root = Path(folder)
    copied = 0

    def walk(here: Path, depth: int) -> None:
        nonlocal copied
        try:
            entries = sorted(here.iterdir())
        except OSError:
            return
        for path in entries:
            if copied >= MAX_STAGED_FILES or path.is_symlink():
                continue
            if path.suffix == ".py" and path.is_file() and path.stat().st_size <= MAX_STAGED_BYTES:
                target = Path(stage, path.relative_to(root))
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
                copied += 1
        if depth >= MAX_PACKAGE_DEPTH:
            return
        for path in entries:
            if path.is_dir() and not path.is_symlink() and path.name not in SKIPPED_FOLDERS \
                    and not path.name.startswith(".") and path.name.isidentifier():
                walk(path, depth + 1)

    walk(root, 0)
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
          session: Session | None = None, functions=None) -> ExerciseResult:
    """Grade ``spec``'s functions in ``submission`` (a folder or a .py file).

    ``confinement``: the sandbox's hardening settings; when None and ``confine``
    is true, the submission is staged in a private folder and confined by
    ``default_confinement``. ``session``: the student's process, already set
    up on ``submission`` (a staged folder) and shared with their other
    exercises; ``zygote``, ``confinement`` and ``confine`` are then unused.
    ``functions``: grade only these of the exercise's functions."""
    started = time.monotonic()
    if functions:
        spec = dataclasses.replace(spec, functions=tuple(f for f in spec.functions if f.name in set(functions)))
    converted = notebook_name = shown = None
    if Path(submission).suffix == ".ipynb" and Path(submission).is_file():
        notebook_name, shown = Path(submission).name, str(Path(submission).resolve())
        submission = converted = _notebook_folder(Path(submission), spec)
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
        for temporary in (stage, converted) if own_session else ():
            if temporary is not None:       # removed by the zygote even if this process is killed
                zygote.own(temporary)
        book = casebook if casebook is not None else build_casebook(spec, seed)
        hello = session.get().hello if own_session else session.use(module, spec.limits)
        source = notebook.source_info(hello, module, notebook_name)
        result = ExerciseResult(exercise=spec.name, submission=shown or folder, score=0.0,
                                max_score=spec.max_score, seed=book.seed, versions=versions(),
                                protections=list(hello.get("protections", [])),
                                output=str(hello.get("output", ""))[:2048], source=source.public,
                                expected_from=book.reference.describe() if book.reference is not None else None)
        if not hello.get("loaded"):
            result.load = _load_failure(spec, hello)
            result.functions = [FunctionResult(f.name, False, 0.0, f.points) for f in spec.functions]
        else:
            result.functions = [_grade_function(session, spec, book, f, source) for f in spec.functions]
        result.score = sum(f.score for f in result.functions)
        result.elapsed_s = time.monotonic() - started
        return result
    finally:
        if own_session:
            session.close()
        for temporary in (stage, converted):
            if temporary is not None:
                shutil.rmtree(temporary, ignore_errors=True)
        if own_zygote:
            zygote.close()
