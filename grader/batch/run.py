"""Grading a whole class: submissions -> jobs -> results store -> gradebook.

One job is one student: the exercises of theirs to grade. The parent reads
the class, starts the zygote (before anything imports the reference
solutions), builds every exercise's case book once, then forks ``jobs``
long-lived *trusted* grading processes and feeds them one job at a time.
For a job, a grading process copies the student's files into a private
folder and asks the zygote for one untrusted worker (confined by
``grader.sandbox.hardening``), in which ``grader.engine.runner.grade`` grades the
student's exercises one after another; each exercise's result goes back to
the parent as JSON on a pipe as soon as it is graded, and the parent commits
it to the store at once. The gradebook is written from the store at the
end. Nothing is reused between students: every student has their own
worker, folder and uid.

With ``scheduler`` set, the same jobs go to a Dask cluster instead; each
Dask task grades its jobs in a fresh ``python -m grader.batch`` process that
starts its own zygote, so the isolation is the same (see :func:`dask_task`).
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import os
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

import grader
from grader import korean
from grader.batch import archive, gradebook, owner, roster as roster_mod
from grader.sandbox import hardening
from grader.errors import GraderError
from grader.batch.store import Store, StoreError

DEFAULT_SEED = grader.DEFAULT_SEED
JOB_TIMEOUT_S = 900.0        # a trusted grading process that takes longer is stopped


class BatchError(GraderError):
    """Bad input to the batch command: one line, exit code 2."""


class BatchInterrupted(Exception):
    """Ctrl-C: what was graded is saved; ``--resume`` finishes the run."""

    def __init__(self, done: int, total: int) -> None:
        super().__init__(f"interrupted after {done} of {total} jobs; the results so far are saved, "
                         "run the same command with --resume to finish")
        self.done, self.total = done, total

    def text(self, lang: str) -> str:
        if lang == "ko":
            return (f"작업 {self.total}개 중 {self.done}개를 마친 뒤 중단되었습니다. 지금까지의 결과는 저장되어 있으니 "
                    "같은 명령을 --resume과 함께 실행해 마저 채점하세요")
        return str(self)


@dataclasses.dataclass
class Options:
    """What ``euron-grade batch`` was asked to do."""

    submissions: Path
    out: Path
    exercises: list[str] | None = None
    roster: Path | None = None
    jobs: int = 0                       # 0: one per CPU
    resume: bool = False
    force: bool = False
    lms: tuple[str, ...] = ()
    seed: int = DEFAULT_SEED
    lang: str = "en"
    scheduler: str | None = None
    confine: bool = True
    job_timeout_s: float = JOB_TIMEOUT_S


@dataclasses.dataclass
class Job:
    """One student's exercises to grade (in this order, in one worker of their
    own), with all of the student's files (an exercise may import an earlier one)."""

    student: str
    exercises: list[str]
    content_hash: str
    files: dict[str, bytes]

    def to_json(self) -> dict:
        return {"student": self.student, "exercises": list(self.exercises), "content_hash": self.content_hash,
                "files": {k: base64.b64encode(v).decode() for k, v in self.files.items()}}

    @classmethod
    def from_json(cls, data: dict) -> "Job":
        return cls(data["student"], list(data["exercises"]), data["content_hash"],
                   {k: base64.b64decode(v) for k, v in data["files"].items()})


@dataclasses.dataclass
class Progress:
    """Sent to the progress callback after each job."""

    done: int
    total: int
    student: str
    exercise: str
    score: float
    max_score: float
    status: str
    elapsed_s: float


@dataclasses.dataclass
class Summary:
    """What a finished run did."""

    graded: int
    skipped: int
    errors: int
    students: int
    problems: list[archive.Problem]
    written: list[Path]
    protections: list[str]
    not_graded: list[tuple[str, str]] = dataclasses.field(default_factory=list)   # (student, why)

    @property
    def exit_code(self) -> int:
        """0: every submission graded; 1: some could not be (``not_graded``)."""
        return 1 if self.not_graded else 0


def student_uid(student: str) -> int:
    """A uid of its own for every student, the same in every run (reports name it)."""
    digest = int(hashlib.sha256(student.encode()).hexdigest()[:12], 16)
    return hardening.UID_BASE + digest % (2**31 - 2 - hardening.UID_BASE)


# -- the run -----------------------------------------------------------------------------

def run(opts: Options, progress: Callable[[Progress], None] | None = None) -> Summary:
    """Grade the class in ``opts.submissions`` into ``opts.out``."""
    from grader.engine.spec import all_specs, load_spec
    specs_all = all_specs()
    specs = [load_spec(name) for name in opts.exercises] if opts.exercises else specs_all
    specs = list({s.name: s for s in specs}.values())
    functions = {s.name: [f.name for f in s.functions] for s in specs_all}
    try:
        subs, problems = archive.read_class(opts.submissions, functions)
    except archive.ArchiveError as exc:
        raise BatchError(str(exc)) from None
    roster: list[gradebook.Student] = []
    roster_problems: list[archive.Problem] = []
    if opts.roster is not None:
        try:
            roster, roster_problems = roster_mod.read_roster(opts.roster)
        except roster_mod.RosterError as exc:
            raise BatchError(str(exc)) from None
    if not subs and not roster:
        raise BatchError(f"{opts.submissions}: no submissions found (expected one folder or .zip per student)")
    out = Path(opts.out)
    if _under(out, Path(opts.submissions)):     # the folder itself included
        raise BatchError(f"{out}: the output folder must not be inside the submissions")
    for kind in opts.lms:
        if kind not in gradebook.LMS_FORMATS:
            raise BatchError(f"--lms {kind}: expected one of {', '.join(gradebook.LMS_FORMATS)}")
    folder = owner.OutputFolder(out)
    try:
        folder.acquire(resume=opts.resume, force=opts.force)
    except owner.FolderError as exc:
        raise BatchError(str(exc)) from None
    with folder:
        return _run_in(folder, opts, specs, subs, problems, roster, roster_problems, progress)


def _run_in(folder: owner.OutputFolder, opts: Options, specs, subs, problems, roster, roster_problems,
            progress) -> Summary:
    out = folder.out
    try:
        store = Store(out)
    except StoreError as exc:
        raise BatchError(str(exc)) from None
    with store:
        version = grader.__version__
        jobs, skipped = [], 0
        for sub in subs:
            todo = []
            for spec in specs:
                if f"{spec.name}.py" not in sub.files:
                    continue
                if opts.resume and store.is_current(sub.student, spec.name, content_hash=sub.content_hash,
                                                    grader_version=version, seed=opts.seed):
                    skipped += 1
                    continue
                todo.append(spec.name)
            if todo:
                jobs.append(Job(sub.student, todo, sub.content_hash, sub.files))
        protections: list[str] = []
        errors = 0
        if jobs:
            runner = _DaskRunner(opts, specs) if opts.scheduler else _LocalRunner(opts, specs)
            # Everything the run makes on disk outside DIR lands in one recorded folder.
            tmp = folder.start(uids=[student_uid(j.student) for j in jobs] if opts.confine else [])
            saved, tempfile.tempdir = tempfile.tempdir, tmp
            try:
                errors, protections = runner.run(jobs, store, version, progress, on_process=folder.add_pid)
            finally:
                tempfile.tempdir = saved
                folder.finish()
        classres = _class_results(store, specs, subs, roster, problems, roster_problems, lang=opts.lang)
        written = gradebook.write_gradebook(out, classres, lms=opts.lms)
    not_graded = [(st.id, classres.why.get(st.id, st.status)) for st in classres.students
                  if st.status in gradebook.NOT_GRADED]
    return Summary(graded=sum(len(j.exercises) for j in jobs) - errors, skipped=skipped, errors=errors,
                   students=len(classres.students), problems=problems + roster_problems, written=written,
                   protections=protections, not_graded=not_graded)


def _under(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def _class_results(store: Store, specs, subs, roster, problems, roster_problems=(),
                   lang: str = "en") -> gradebook.ClassResults:
    """The gradebook's input: stored rows that match each student's current files,
    and each student's status (see ``gradebook.STATUSES``)."""
    hashes = {s.student: s.content_hash for s in subs}
    graded_files = {s.student: set(s.files) for s in subs}
    graded = {s.name for s in specs}
    results, reports = {}, {}
    for row in store.rows():
        if hashes.get(row.student) != row.content_hash or f"{row.exercise}.py" not in graded_files[row.student]:
            continue
        if row.exercise in graded:
            results[(row.student, row.exercise)] = row.result
            reports[(row.student, row.exercise)] = row.report_md
    by_id = {st.id: st for st in roster}
    troubled = {p.student for p in problems if p.student}
    students, why = [], {}
    for sid in sorted(set(by_id) | set(hashes) | troubled):
        base = by_id.get(sid, gradebook.Student(sid))
        mine = [(e, r) for (s, e), r in results.items() if s == sid]
        if sid not in hashes and sid not in troubled:
            status = "absent"
        elif any(not r.get("grader_error") for _, r in mine):
            status = "not_on_roster" if roster and sid not in by_id else "graded"
        elif mine:
            status = "error"
            why[sid] = "; ".join(f"{e}: {r['grader_error']}" for e, r in mine)[:300]
        elif sid in troubled:
            status = "unreadable"
            why[sid] = "; ".join(str(p) for p in problems if p.student == sid)[:300]
        else:
            status = "empty"
        students.append(dataclasses.replace(base, submitted=sid in hashes or sid in troubled, status=status))
    ta_notes = list(roster_problems) + [archive.Problem(sid, sid, "not on the roster (graded anyway)")
                                        for sid in sorted(hashes) if roster and sid not in by_id]
    columns = [gradebook.Column(s.name, f.name, f.points) for s in specs for f in s.functions]
    return gradebook.ClassResults(columns=columns, students=students, results=results, reports=reports,
                                  problems=list(problems), notes={s.student: s.notes for s in subs if s.notes},
                                  ta_notes=ta_notes, why=why,
                                  sources={s.student: s.files for s in subs}, lang=lang)


NOT_GRADED_TEXT = {"en": "Not graded: {why}", "ko": "채점하지 못함: {why}"}


def _error_result(spec, message: str, lang: str = "en") -> dict:
    """A stored placeholder for an exercise the grader itself failed on (regraded by --resume)."""
    said = korean.message(NOT_GRADED_TEXT, lang).format(why=message)
    return {"exercise": spec.name, "score": 0.0, "max_score": float(spec.max_score),
            "grader_error": message, "load_error": None,
            "functions": [{"name": f.name, "passed": False, "score": 0.0, "max_score": f.points,
                           "feedback": said, "misconception": None} for f in spec.functions]}


class _Recorder:
    """The parent's side of every runner: commits each exercise's answer to the
    store as it arrives (an error placeholder when there is none) and reports
    progress."""

    def __init__(self, store: Store, version: str, specs: dict, total: int, progress, lang: str = "en") -> None:
        self.store, self.version, self.specs, self.total, self.progress = store, version, specs, total, progress
        self.lang = lang
        self.done = self.errors = 0
        self.protections: list[str] = []

    def __call__(self, job: "Job", exercise: str, answer: dict | None, why: str, elapsed: float) -> None:
        spec = self.specs[exercise]
        answer = answer or {}
        ok = "result" in answer
        if ok:
            result, report = answer["result"], answer["report_md"]
        else:
            why = answer.get("error") or why or "the grading process ended without a result"
            said = korean.message(NOT_GRADED_TEXT, self.lang).format(why=why)
            result, report = _error_result(spec, why, self.lang), f"# {spec.name}\n\n{said}\n"
        self.errors += not ok
        self.done += 1
        if ok and not self.protections:
            self.protections = list(result.get("protections", []))
        self.store.put(job.student, exercise, content_hash=job.content_hash, grader_version=self.version,
                       seed=int(result.get("seed", 0)) if ok else -1, result=result, report_md=report,
                       status="graded" if ok else "error")
        if self.progress:
            self.progress(Progress(self.done, self.total, job.student, exercise,
                                   float(result.get("score", 0.0)), float(result.get("max_score", 0.0)),
                                   "graded" if ok else "error", elapsed))

    def rest(self, job: "Job", answered, why: str, elapsed: float) -> None:
        """Record ``why`` for each of ``job``'s exercises not in ``answered``."""
        for exercise in job.exercises:
            if exercise not in answered:
                self(job, exercise, None, why, elapsed)


# -- grading one job (in a trusted process) ---------------------------------------------

def student_limits(specs) -> "Limits":
    """The rlimits of a worker that grades all of ``specs`` for one student: the
    largest of each limit, and their CPU times added up."""
    from grader.sandbox import Limits
    limits = [s.limits for s in specs]
    return Limits(time_s=max(lim.time_s for lim in limits), import_time_s=max(lim.import_time_s for lim in limits),
                  memory_mb=max(lim.memory_mb for lim in limits), cpu_s=sum(lim.cpu_s for lim in limits),
                  nproc=max(lim.nproc for lim in limits), file_mb=max(lim.file_mb for lim in limits))


def _failure(exercise: str, exc: BaseException) -> dict:
    return {"exercise": exercise, "error": f"{type(exc).__name__}: {exc}"[:500]}


def grade_job(job: Job, specs: dict, casebooks: dict, zygote, *, seed: int, lang: str, confine: bool,
              stage_root: str, hide: list[str], emit: Callable[[dict], None]) -> None:
    """Grade the student's exercises one after another in one worker of theirs;
    ``emit`` gets {"exercise", "result", "report_md"} (or {"exercise", "error"})
    for each as soon as it is graded, and for every exercise once. Runs in a
    process of its own, never in the batch parent."""
    answered: set[str] = set()

    def send(answer: dict) -> None:
        answered.add(answer["exercise"])
        emit(answer)

    try:
        _grade_student(job, specs, casebooks, zygote, seed=seed, lang=lang, confine=confine,
                       stage_root=stage_root, hide=hide, emit=send)
    except Exception as exc:  # noqa: BLE001 - reported to the parent as data
        for exercise in job.exercises:
            if exercise not in answered:
                emit(_failure(exercise, exc))


def student_session(zygote, stage: str, student: str, specs: list, *, confine: bool, hide: list[str]):
    """The ``runner.Session`` in which ``student``'s exercises (``specs``, in order)
    are graded: one worker loading their files from ``stage``, confined with
    the student's own uid (as root) and ``hide`` covered."""
    from grader.engine.runner import Session
    from grader.sandbox import WorkerJob
    confinement = None
    if confine:
        confinement = hardening.standard_confinement(
            uid=student_uid(student) if os.geteuid() == 0 else None, hide=hide, writable=[stage])
    return Session(zygote, WorkerJob(stage, specs[0].name, specs[0].limits, confinement,
                                     process_limits=student_limits(specs)))


def _grade_student(job: Job, specs: dict, casebooks: dict, zygote, *, seed: int, lang: str, confine: bool,
                   stage_root: str, hide: list[str], emit: Callable[[dict], None]) -> None:
    from grader.engine.report import document, render_markdown
    from grader.engine.runner import grade
    stage = os.path.join(stage_root, hashlib.sha256(job.student.encode()).hexdigest()[:16])
    os.makedirs(stage, mode=0o700)
    for name, data in job.files.items():
        with open(os.path.join(stage, name), "wb") as f:
            f.write(data)
    session = student_session(zygote, stage, job.student, [specs[e] for e in job.exercises], confine=confine,
                              hide=hide + [stage_root])
    try:
        for exercise in job.exercises:
            try:
                result = grade(specs[exercise], stage, casebook=casebooks[exercise], seed=seed,
                               session=session)
                result.submission = job.student
                answer = {"exercise": exercise, "result": document(result, lang),
                          "report_md": render_markdown(result, lang, list_skipped=False)}
            except Exception as exc:  # noqa: BLE001 - reported to the parent as data
                answer = _failure(exercise, exc)
            emit(answer)
    finally:
        # Whatever the student's processes left running is killed by the zygote
        # (their subreaper) when the worker is reaped; nothing else runs as its uid.
        session.close()
        shutil.rmtree(stage, ignore_errors=True)


def _plain(value):
    """JSON for the odd NumPy scalar in a result (``json.dumps(..., default=_plain)``)."""
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)


def _write_frame(fd: int, payload: bytes) -> None:
    view = memoryview(struct.pack(">I", len(payload)) + payload)
    while view:
        view = view[os.write(fd, view):]


class _Grader:
    """A trusted grading process, forked once after the case books exist, that
    grades one job (student) after another, each in a fresh student worker from
    the zygote. Jobs go out and answers come back as length-prefixed JSON
    frames on two pipes: one frame per graded exercise, then ``{"done": true}``."""

    def __init__(self, runner: "_LocalRunner", zygote, books, stage_root: str, hide: list[str]) -> None:
        jobs_r, jobs_w = os.pipe()
        answers_r, answers_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the trusted grading process
            try:
                signal.signal(signal.SIGINT, signal.SIG_IGN)
                os.close(jobs_w)
                os.close(answers_r)
                hardening._c().prctl(hardening.PR_SET_PDEATHSIG, signal.SIGKILL, None, 0, 0)
                _serve_jobs(runner, zygote, books, stage_root, hide, jobs_r, answers_w)
            finally:
                os._exit(0)
        os.close(jobs_r)
        os.close(answers_w)
        self.pid, self.jobs_w, self.fd = pid, jobs_w, answers_r
        self.job: Job | None = None
        self.answered: set[str] = set()
        self.data = bytearray()
        self.started = 0.0

    def give(self, job: Job) -> None:
        self.job, self.answered, self.started = job, set(), time.monotonic()
        _write_frame(self.jobs_w, json.dumps(job.to_json()).encode())

    def frames(self) -> list[dict]:
        """The answers that have arrived in full (taken out of the buffer)."""
        out = []
        while len(self.data) >= 4:
            (length,) = struct.unpack(">I", self.data[:4])
            if len(self.data) < 4 + length:
                break
            raw = bytes(self.data[4:4 + length])
            del self.data[:4 + length]
            try:
                frame = json.loads(raw)
            except ValueError:
                frame = {}
            out.append(frame if isinstance(frame, dict) else {})
        return out

    def stop(self) -> None:
        for fd in (self.jobs_w, self.fd):
            try:
                os.close(fd)
            except OSError:
                pass
        _kill(self.pid)


def _serve_jobs(runner, zygote, books, stage_root, hide, jobs_r: int, answers_w: int) -> None:
    def emit(answer: dict) -> None:
        _write_frame(answers_w, json.dumps(answer, ensure_ascii=False, default=_plain).encode())

    with os.fdopen(jobs_r, "rb") as jobs:
        while True:
            header = jobs.read(4)
            if len(header) < 4:
                return
            job = Job.from_json(json.loads(jobs.read(struct.unpack(">I", header)[0])))
            grade_job(job, runner.specs, books, zygote, seed=runner.opts.seed, lang=runner.opts.lang,
                      confine=runner.opts.confine, stage_root=stage_root, hide=hide, emit=emit)
            _write_frame(answers_w, b'{"done": true}')


def _stage_root() -> str:
    """The folder of the students' private folders (each 0700, owned by its student's uid)."""
    root = tempfile.mkdtemp(prefix="euron-grade-batch-")
    os.chmod(root, 0o711)
    return root


def _casebooks(specs: dict, names, seed: int, zygote) -> dict:
    """Build each named exercise's case book once (every student gets the same cases)
    and have the zygote hold their calls for every worker it forks."""
    from grader.engine.cases import build_casebook
    from grader.engine.runner import keep_calls
    books = {name: build_casebook(specs[name], seed) for name in names}
    for book in books.values():
        keep_calls(zygote, book)
    return books


class _LocalRunner:
    """Grading on this machine: ``jobs`` trusted graders, each fed one student at a time."""

    def __init__(self, opts: Options, specs) -> None:
        self.opts = opts
        self.specs = {s.name: s for s in specs}
        self.width = opts.jobs if opts.jobs > 0 else (os.cpu_count() or 1)

    def run(self, jobs: list[Job], store: Store, version: str, progress, on_process=None) -> tuple[int, list[str]]:
        from grader.sandbox import Zygote
        zygote = Zygote()            # first: the reference is imported by the case books below
        if on_process is not None:
            on_process(zygote._pid)
        import grader.engine.report         # noqa: F401 - loaded once here, not in every job's process
        import grader.engine.runner         # noqa: F401
        stage_root = _stage_root()
        hide = [str(Path(self.opts.submissions).resolve()), str(Path(self.opts.out).resolve())]
        books = _casebooks(self.specs, sorted({e for j in jobs for e in j.exercises}), self.opts.seed, zygote)
        pending = list(reversed(jobs))
        record = _Recorder(store, version, self.specs, sum(len(j.exercises) for j in jobs), progress,
                           lang=self.opts.lang)
        graders = [_Grader(self, zygote, books, stage_root, hide) for _ in range(min(self.width, len(jobs)))]

        def receive(g: _Grader, frame: dict) -> None:
            exercise = frame.get("exercise")
            if g.job is None or exercise not in g.job.exercises or exercise in g.answered:
                return
            g.answered.add(exercise)
            now = time.monotonic()
            record(g.job, exercise, frame, "", now - g.started)
            g.started = now

        def abandon(g: _Grader, why: str) -> None:
            """The rest of ``g``'s job is not graded: record why, replace the grader."""
            job = g.job
            g.job = None
            record.rest(job, g.answered, why, time.monotonic() - g.started)
            g.stop()
            graders[graders.index(g)] = _Grader(self, zygote, books, stage_root, hide)

        try:
            while pending or any(g.job for g in graders):
                for g in graders:
                    if g.job is None and pending:
                        g.give(pending.pop())
                busy = {g.fd: g for g in graders if g.job is not None}
                ready, _, _ = select.select(list(busy), [], [], 0.5)
                for fd in ready:
                    g = busy[fd]
                    chunk = os.read(fd, 1 << 20)
                    g.data.extend(chunk)
                    for frame in g.frames():
                        if not frame.get("done"):
                            receive(g, frame)
                            continue
                        job, answered = g.job, g.answered
                        g.job = None
                        if pending:   # the grader goes on with the next student at once
                            g.give(pending.pop())
                        record.rest(job, answered, "the grading process sent no result", 0.0)
                    if not chunk and g.job is not None:   # the grading process died
                        abandon(g, "the grading process ended without a result")
                for g in list(graders):   # the limit holds for each exercise of the job
                    if g.job is not None and time.monotonic() - g.started > self.opts.job_timeout_s:
                        abandon(g, "stopped after the job time limit")
        except KeyboardInterrupt:
            raise BatchInterrupted(record.done, record.total) from None
        finally:
            for g in graders:
                g.stop()
            zygote.close()
            shutil.rmtree(stage_root, ignore_errors=True)
        return record.errors, record.protections


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass


# -- Dask --------------------------------------------------------------------------------

class _DaskRunner:
    """The same jobs on an existing Dask cluster; results committed here, on the client."""

    CHUNK = 8   # students per Dask task: one fresh interpreter, zygote and case book per task

    def __init__(self, opts: Options, specs) -> None:
        self.opts = opts
        self.specs = {s.name: s for s in specs}

    def run(self, jobs: list[Job], store: Store, version: str, progress, on_process=None) -> tuple[int, list[str]]:
        try:
            from distributed import Client, as_completed
        except ImportError:
            raise BatchError("--scheduler needs Dask: pip install 'euron-grade[dask]'") from None
        try:
            client = Client(self.opts.scheduler, timeout="10s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise BatchError(f"{self.opts.scheduler}: cannot reach the Dask scheduler ({exc})") from None
        chunks = [jobs[i:i + self.CHUNK] for i in range(0, len(jobs), self.CHUNK)]
        record = _Recorder(store, version, self.specs, sum(len(j.exercises) for j in jobs), progress,
                           lang=self.opts.lang)
        started = time.monotonic()
        try:
            futures = {client.submit(dask_task, [j.to_json() for j in chunk], self.opts.seed, self.opts.lang,
                                     self.opts.confine, self.opts.job_timeout_s, pure=False): chunk
                       for chunk in chunks}
            for future in as_completed(futures):
                chunk = futures[future]
                failure = "no result"
                try:
                    answers = {(a["student"], a["exercise"]): a for a in future.result()}
                except Exception as exc:  # noqa: BLE001 - a lost task fails its jobs, not the run
                    answers = {}
                    failure = f"the Dask task failed ({type(exc).__name__}: {str(exc)[:200]})"
                for job in chunk:
                    for exercise in job.exercises:
                        record(job, exercise, answers.get((job.student, exercise)), failure,
                               time.monotonic() - started)
        except KeyboardInterrupt:
            raise BatchInterrupted(record.done, record.total) from None
        finally:
            client.close()
        return record.errors, record.protections


def dask_task(jobs: list[dict], seed: int, lang: str, confine: bool,
              job_timeout_s: float = JOB_TIMEOUT_S) -> list[dict]:
    """Runs on a Dask worker: grade ``jobs`` in a fresh ``python -m grader.batch``
    process (so no reference is loaded where students' processes are forked)
    and return plain JSON, one answer per (student, exercise). The process
    gets ``job_timeout_s`` per exercise."""
    payload = json.dumps({"jobs": jobs, "seed": seed, "lang": lang, "confine": confine})
    n = sum(len(j["exercises"]) for j in jobs)
    proc = subprocess.run([sys.executable, "-m", "grader.batch"], input=payload.encode(),
                          capture_output=True, timeout=job_timeout_s * max(1, n))
    answers = []
    for line in proc.stdout.decode("utf-8", "replace").splitlines():
        try:
            answers.append(json.loads(line))
        except ValueError:
            continue
    seen = {(a.get("student"), a.get("exercise")) for a in answers}
    tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
    for j in jobs:
        for exercise in j["exercises"]:
            if (j["student"], exercise) not in seen:
                answers.append({"student": j["student"], "exercise": exercise,
                                "error": f"grading process failed ({tail[0][:200]})"})
    return answers


def _subprocess_main() -> None:
    """``python -m grader.batch``: grade the jobs on stdin, one JSON line per exercise."""
    from grader.sandbox import Zygote
    request = json.loads(sys.stdin.read())
    zygote = Zygote()                     # before the case books import the reference
    import grader.engine.report                  # noqa: F401
    import grader.engine.runner                  # noqa: F401
    from grader.engine.spec import load_spec
    stage_root = _stage_root()
    books, specs = {}, {}
    try:
        for raw in request["jobs"]:
            job = Job.from_json(raw)

            def emit(answer: dict, student: str = job.student) -> None:
                answer["student"] = student
                sys.stdout.write(json.dumps(answer, ensure_ascii=False, default=_plain) + "\n")
                sys.stdout.flush()

            try:
                new = [e for e in dict.fromkeys(job.exercises) if e not in books]
                specs.update({e: load_spec(e) for e in new if e not in specs})
                books.update(_casebooks(specs, new, request["seed"], zygote))
            except Exception as exc:  # noqa: BLE001 - one job's failure is data
                for exercise in job.exercises:
                    emit(_failure(exercise, exc))
                continue
            grade_job(job, specs, books, zygote, seed=request["seed"], lang=request["lang"],
                      confine=request["confine"], stage_root=stage_root, hide=[], emit=emit)
    finally:
        zygote.close()
        shutil.rmtree(stage_root, ignore_errors=True)


if __name__ == "__main__":
    _subprocess_main()
