"""One owner per output folder, and nothing left behind by a run.

``OutputFolder`` is taken by :func:`grader.batch.run.run` before anything is
written:

* ``DIR/.euron-grade.lock`` is locked with ``fcntl.flock`` for the whole run,
  so two runs can never write into one folder at the same time (the second
  stops with one line). The file stays (empty) after the run.
* ``DIR/.euron-grade-run.json`` records, while a run is going on, what it
  may leave behind: its temporary folder (every private folder of a student,
  the zygote's socket folder and the workers' folders are made inside it),
  the pids of its own processes and, as root, the uids its students run under.
  A run that ends removes it after cleaning up; a run killed with ``-9``
  leaves it, and the next run or ``--resume`` into the same folder first
  kills what is still running of those uids, waits for the old zygote, and
  removes the temporary folder (:func:`reap`).
* A folder that holds the results of an earlier run is refused unless the
  run is ``--resume`` (finish it) or ``--force`` (start over: the store and
  every output file of ours are removed first).
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import signal
import tempfile
import time
from pathlib import Path

from grader.sandbox import hardening

LOCK = ".euron-grade.lock"
RECORD = ".euron-grade-run.json"
TMP_PREFIX = "euron-grade-batch-"
ZYGOTE_NAME = b"euron-zygote"
#: Every name the batch writes at the top of its output folder (the lock stays).
OUTPUTS = ("grades.csv", "grades-canvas.csv", "grades-moodle.csv", "summary.md", "summary.html", "summary.png",
           "feedback", "gradescope", "results.sqlite", "results.sqlite-wal", "results.sqlite-shm",
           "results.sqlite-journal", RECORD)
RESULTS = ("results.sqlite", "grades.csv")


class FolderError(Exception):
    """The output folder cannot be taken: one line, exit code 2."""


def _proc_info(pid: int) -> tuple[int, int, int, str] | None:
    """(real uid, parent pid, start time, comm) of a process, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
        with open(f"/proc/{pid}/status", "rb") as f:
            status = f.read()
    except OSError:
        return None
    comm = stat[stat.index(b"(") + 1:stat.rindex(b")")].decode("utf-8", "replace")
    fields = stat[stat.rindex(b")") + 2:].split()
    uid = next((int(line.split()[1]) for line in status.splitlines() if line.startswith(b"Uid:")), -1)
    return uid, int(fields[1]), int(fields[19]), comm


def start_time(pid: int) -> int:
    info = _proc_info(pid)
    return info[2] if info else -1


def _processes() -> dict[int, tuple[int, int, int, str]]:
    found = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            info = _proc_info(int(name))
            if info is not None:
                found[int(name)] = info
    return found


def _under_live_zygote(pid: int, procs: dict) -> bool:
    """True if ``pid`` descends from a running zygote (of another run) that is
    not itself a student's process."""
    seen = 0
    while pid in procs and pid > 1 and seen < 512:
        uid, ppid, _, comm = procs[pid]
        if comm == ZYGOTE_NAME.decode() and uid < hardening.UID_BASE:
            return True
        pid, seen = ppid, seen + 1
    return False


def kill_uids(uids, timeout_s: float = 5.0) -> int:
    """Kill every process running as one of ``uids`` (students' uids, above
    ``UID_BASE``) that is not part of another live run; return how many
    were killed. Repeats until none is left (a fork bomb refills)."""
    uids = {int(u) for u in uids if int(u) >= hardening.UID_BASE}
    if not uids:
        return 0
    killed, deadline = 0, time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        procs = _processes()
        targets = [pid for pid, (uid, _, _, _) in procs.items()
                   if uid in uids and not _under_live_zygote(pid, procs)]
        if not targets:
            break
        for pid in targets:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except OSError:
                pass
        time.sleep(0.02)
    return killed


def _end_process(pid: int, started: int, wait_s: float = 5.0) -> None:
    """Let a recorded process of an ended run finish its own cleanup for
    ``wait_s``, then kill it (only if it is still that same process)."""
    deadline = time.monotonic() + wait_s
    while start_time(pid) == started and time.monotonic() < deadline:
        time.sleep(0.05)
    if start_time(pid) == started:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def _is_run_tmp(path: str) -> bool:
    p = Path(path)
    return p.is_absolute() and p.name.startswith(TMP_PREFIX) and p.is_dir() and not p.is_symlink()


def reap(record: dict) -> None:
    """End what an earlier run of this folder left: its processes and its temporary folder."""
    for pid, started in record.get("pids", []):
        if isinstance(pid, int) and pid > 1 and pid != os.getpid():
            _end_process(pid, started)
    kill_uids(record.get("uids", []))
    tmp = record.get("tmp")
    if isinstance(tmp, str) and _is_run_tmp(tmp):
        shutil.rmtree(tmp, ignore_errors=True)


class OutputFolder:
    """The output folder, owned by this run until :meth:`release`."""

    def __init__(self, out: str | os.PathLike) -> None:
        self.out = Path(out)
        self.fd: int | None = None
        self.record: dict | None = None

    # -- taking it ------------------------------------------------------------------------

    def acquire(self, *, resume: bool, force: bool, wait_s: float = 3.0) -> None:
        """Lock the folder, clean up after an earlier run of it, and check that
        this run may write into it (raises FolderError)."""
        try:
            self.out.mkdir(parents=True, exist_ok=True)
            self.fd = os.open(self.out / LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise FolderError(f"{self.out}: cannot create the output folder ({exc.strerror})") from None
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES) or time.monotonic() > deadline:
                    os.close(self.fd)
                    self.fd = None
                    raise FolderError(f"{self.out}: another run is writing into this folder; "
                                      "wait for it to end or choose another --out") from None
                time.sleep(0.1)
        try:
            self._reap_earlier()
            present = [name for name in RESULTS if (self.out / name).exists()]
            if present and not (resume or force):
                raise FolderError(f"{self.out}: holds the results of an earlier run ({present[0]}); "
                                  "add --resume to finish it or --force to grade it again from scratch")
            if force:
                self._remove_outputs()
        except BaseException:
            self.release()
            raise

    def _reap_earlier(self) -> None:
        path = self.out / RECORD
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if isinstance(record, dict):
            reap(record)
        path.unlink(missing_ok=True)

    def _remove_outputs(self) -> None:
        for name in OUTPUTS:
            target = self.out / name
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            elif target.exists() or target.is_symlink():
                target.unlink()

    # -- the run ----------------------------------------------------------------------------

    def start(self, uids=()) -> str:
        """Make the run's temporary folder and record it (with ``uids``, the
        students' uids when running as root); returns the folder."""
        tmp = tempfile.mkdtemp(prefix=TMP_PREFIX)
        os.chmod(tmp, 0o711)   # students' uids pass through to their own folders
        self.record = {"tmp": tmp, "pids": [[os.getpid(), start_time(os.getpid())]],
                       "uids": sorted({int(u) for u in uids}) if os.geteuid() == 0 else []}
        self._write_record()
        return tmp

    def add_pid(self, pid: int) -> None:
        """Record one more process of the run (the zygote)."""
        if self.record is not None:
            self.record["pids"].append([pid, start_time(pid)])
            self._write_record()

    def _write_record(self) -> None:
        path = self.out / RECORD
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(self.record, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)

    def finish(self) -> None:
        """The run is over (or interrupted): end what it left and remove its traces."""
        if self.record is None:
            return
        record, self.record = self.record, None
        record["pids"] = [p for p in record["pids"] if p[0] != os.getpid()]
        reap(record)
        (self.out / RECORD).unlink(missing_ok=True)

    def release(self) -> None:
        if self.fd is not None:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_UN)
            finally:
                os.close(self.fd)
                self.fd = None

    def __enter__(self) -> "OutputFolder":
        return self

    def __exit__(self, *exc) -> None:
        try:
            self.finish()
        finally:
            self.release()
