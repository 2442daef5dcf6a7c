"""Running student code in a separate process: the zygote and the worker handle.

The grader's process imports the reference solutions, so a student's process
must never be forked from it.  Instead a *zygote* is forked first, while
``solutions`` is still unimported (or, when it already is, started as a fresh
interpreter).  The zygote listens on a unix socket in a private directory;
each connection is a request for one worker, and the connection itself
becomes that worker's channel: the zygote forks, the child keeps the socket
and serves calls (``grader.sandbox.worker.serve``), the zygote forgets it.  Any
process of the grader (the CLI, or the per-student graders of a batch) can
ask for workers, and a worker costs one fork of a warm NumPy process.
"""
from __future__ import annotations

import ctypes
import dataclasses
import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

import numpy as np

from grader.errors import GraderError
from grader.sandbox import wire

PR_SET_CHILD_SUBREAPER = 36
PR_SET_NAME = 15
ZYGOTE_NAME = b"euron-zygote"
SIGNAL_NAMES = {signal.SIGSEGV: "segmentation fault", signal.SIGKILL: "killed",
                signal.SIGXCPU: "CPU time limit", signal.SIGABRT: "aborted",
                signal.SIGBUS: "bus error", signal.SIGFPE: "floating-point exception"}


@dataclass(frozen=True)
class Limits:
    """Per-call wall time and what the student's process may consume in all."""

    time_s: float = 5.0
    import_time_s: float = 10.0
    memory_mb: int = 1024
    cpu_s: int = 120
    nproc: int = 64
    file_mb: int = 16


@dataclass(frozen=True)
class WorkerJob:
    """What a worker loads: ``submission_dir/module.py`` as ``exercises.<module>``.

    limits: the exercise's limits (time per call, memory for this module).
    process_limits: the rlimits of the whole process when it will also load the
        student's other exercises (see ``Worker.load``); None: ``limits``.
    """

    submission_dir: str
    module: str
    limits: Limits = field(default_factory=Limits)
    confinement: object = None
    process_limits: Limits | None = None



@dataclass
class Outcome:
    """What happened when the grader called one student function once.

    status: "returned" | "raised" | "missing" | "timeout" | "died" | "garbled".
    The last three mean the worker is gone.
    """

    status: str
    value: dict | None = None
    error: dict | None = None
    inputs_after: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)
    output: str = ""
    detail: str = ""

    @property
    def worker_lost(self) -> bool:
        return self.status in ("timeout", "died", "garbled")


class SandboxError(GraderError):
    """The sandbox itself could not be set up (not the student's fault)."""


def _confinement_to_json(confinement) -> dict | None:
    """A ``hardening.Confinement`` as plain data (``hardening.confine`` takes it back)."""
    if confinement is None or isinstance(confinement, dict):
        return confinement
    return dataclasses.asdict(confinement)


def _kill_strays(workers: set[int]) -> None:
    """Kill the zygote's children that are not live workers: processes a student
    started that outlived their worker (the zygote is their subreaper)."""
    try:
        with open(f"/proc/self/task/{os.getpid()}/children") as f:
            children = [int(p) for p in f.read().split()]
    except OSError:
        return
    for pid in children:
        if pid not in workers:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


def _children() -> list[int]:
    try:
        with open(f"/proc/self/task/{os.getpid()}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def _end_all(timeout_s: float = 3.0) -> None:
    """Kill every worker and every process a student left (they come to us,
    the subreaper, as their parents die), until none is left."""
    deadline = time.monotonic() + timeout_s
    quiet = 0
    while time.monotonic() < deadline and quiet < 3:
        children = _children()
        quiet = quiet + 1 if not children else 0
        for pid in children:
            for kill in (os.killpg, os.kill):
                try:
                    kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        while True:
            try:
                if os.waitpid(-1, os.WNOHANG)[0] == 0:
                    break
            except ChildProcessError:
                break
        time.sleep(0.01)


def _from_descendant(conn: socket.socket) -> bool:
    """True if the peer is one of our descendants (a worker or a process it
    started), or is gone. Without root, such a process runs as our uid and
    could reach this socket; it must not ask for workers or reap them."""
    me = os.getpid()
    try:
        pid = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))[0]
        for _ in range(256):
            if pid == me:
                return True
            if pid <= 1:
                return False
            with open(f"/proc/{pid}/stat") as f:
                pid = int(f.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError, struct.error):
        return True
    return True


def _zygote_loop(listener: socket.socket, alive_fd: int) -> None:
    """Serve spawn, keep and wait requests until the grader's end of ``alive_fd`` closes."""
    from grader.sandbox import worker  # noqa: F401  (loaded once here, inherited by every worker)
    try:
        from grader.sandbox import hardening  # noqa: F401
    except ImportError:
        pass
    try:   # orphans of students' processes come to us, and are reaped below
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
        libc.prctl(PR_SET_NAME, ZYGOTE_NAME, 0, 0, 0)   # how a later run tells a live zygote
    except (OSError, AttributeError):
        pass
    folders = {os.path.dirname(listener.getsockname())}
    try:
        _serve(listener, alive_fd, folders)
    finally:   # the grader is gone or done: nothing of the students' may outlive us
        _end_all()
        # nor any folder of the run (the grader removes them itself unless it was killed)
        for folder in folders:
            shutil.rmtree(folder, ignore_errors=True)


def _serve(listener: socket.socket, alive_fd: int, folders: set[str]) -> None:
    """``folders`` gets every folder to remove when the zygote ends: each worker's
    working folder and those the grader hands over (``Zygote.own``)."""
    from grader.sandbox import worker
    workers: set[int] = set()
    statuses: dict[int, int] = {}
    while True:
        ready, _, _ = select.select([listener, alive_fd], [], [], 0.5)
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            if pid in workers:
                workers.discard(pid)
                statuses[pid] = status
        if alive_fd in ready:
            return
        if listener not in ready:
            continue
        conn, _ = listener.accept()
        if _from_descendant(conn):   # a student's process asking for an unconfined sibling
            conn.close()
            continue
        try:
            request = wire.recv(conn)
        except (wire.WireError, OSError):
            conn.close()
            continue
        if request.get("op") == "own":
            if isinstance(request.get("path"), str):
                folders.add(request["path"])
            try:
                wire.send(conn, {"owned": True})
            except OSError:
                pass
            conn.close()
            continue
        if request.get("op") == "keep":    # calls every later worker will make (from the grader)
            try:
                worker.keep(str(request["key"]), wire.recv(conn)["calls"])
                wire.send(conn, {"kept": True})
            except (wire.WireError, OSError, KeyError, TypeError):
                pass
            conn.close()
            continue
        if request.get("op") == "wait":
            pid = int(request["pid"])
            if pid in workers:
                workers.discard(pid)
                try:
                    statuses[pid] = os.waitpid(pid, 0)[1]
                except ChildProcessError:
                    statuses[pid] = -1
            _kill_strays(workers)
            wire.send(conn, {"status": statuses.pop(pid, -1)})
            conn.close()
            continue
        workdir = request.get("job", {}).get("workdir") if isinstance(request.get("job"), dict) else None
        if isinstance(workdir, str):
            folders.add(workdir)
        go_r, go_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            listener.close()
            os.close(alive_fd)
            os.close(go_w)
            os.read(go_r, 1)    # until the grader has been told the pid
            os.close(go_r)
            worker.serve(conn, request["job"])
        os.close(go_r)
        workers.add(pid)
        try:   # the pid comes from us: whatever the student's process says is not believed
            wire.send(conn, {"pid": pid})
        except OSError:
            pass
        os.write(go_w, b"g")
        os.close(go_w)
        conn.close()


class Zygote:
    """The clean parent of every worker; see the module docstring."""

    def __init__(self, fresh: bool = False) -> None:
        """fresh: start the zygote as a new interpreter even when forking would do
        (a Jupyter kernel's process has threads that a fork must not copy)."""
        self._dir = tempfile.mkdtemp(prefix="euron-grade-zygote-")
        os.chmod(self._dir, 0o700)
        self.address = os.path.join(self._dir, "zygote.sock")
        self._owner = os.getpid()
        self._proc = None
        self.kept: set[str] = set()
        if fresh or "solutions" in sys.modules or "grader.engine.reference" in sys.modules:
            self._start_fresh()
        else:
            self._start_forked()

    def _start_forked(self) -> None:
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(self.address)
        listener.listen(64)
        alive_r, alive_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                os.close(alive_w)
                signal.signal(signal.SIGINT, signal.SIG_IGN)
                # A session of its own: a kill of the grader's process group leaves the
                # zygote, which then ends every student process before it exits.
                os.setsid()
                keep = {listener.fileno(), alive_r}
                for name in os.listdir("/proc/self/fd"):
                    if int(name) > 2 and int(name) not in keep:
                        try:
                            os.close(int(name))
                        except OSError:
                            pass
                _zygote_loop(listener, alive_r)
            except BaseException:  # noqa: BLE001
                code = 1
            finally:
                os._exit(code)
        listener.close()
        os.close(alive_r)
        self._alive_w = alive_w
        self._pid = pid

    def _start_fresh(self) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "grader.sandbox", self.address],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, close_fds=True)
        line = self._proc.stdout.readline()
        if line.strip() != b"ready":
            raise SandboxError("the sandbox process did not start")
        self._pid = self._proc.pid

    def _connect(self) -> socket.socket:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(self.address)
        return sock

    def spawn(self, job: WorkerJob) -> "Worker":
        """Start a worker for ``job`` and wait for it to load the student's module."""
        return Worker(self, job)

    def keep(self, key: str, packed: wire.Packed) -> None:
        """Hand the zygote a message of calls that every student is sent (packed
        ``{"calls": [...]}``): it decodes them once, the workers it forks from now
        on inherit them, and a worker is then asked for them by ``key`` instead of
        receiving and decoding the whole message again."""
        with self._connect() as sock:
            wire.send(sock, {"op": "keep", "key": key})
            wire.send(sock, packed)
            if wire.recv(sock).get("kept"):
                self.kept.add(key)

    def own(self, path: str) -> None:
        """Have the zygote remove ``path`` when it ends: if the grader is killed
        (``kill -9``, a Jupyter kernel restarted mid-check), the zygote, which
        outlives it, still ends the students' processes and removes the run's folders."""
        with self._connect() as sock:
            wire.send(sock, {"op": "own", "path": str(path)})
            wire.recv(sock)

    def exit_status(self, pid: int) -> int:
        """Reap worker ``pid`` (after it has been killed or has exited)."""
        with self._connect() as sock:
            wire.send(sock, {"op": "wait", "pid": pid})
            return int(wire.recv(sock)["status"])

    def close(self) -> None:
        if os.getpid() != self._owner:
            return
        if self._proc is not None:
            self._proc.stdin.close()
            self._proc.wait(timeout=10)
            self._proc = None
        elif getattr(self, "_alive_w", None) is not None:
            os.close(self._alive_w)
            self._alive_w = None
            try:
                os.waitpid(self._pid, 0)
            except ChildProcessError:
                pass
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> "Zygote":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def describe_status(status: int) -> str:
    """Words for a wait status: 'exited with code 3', 'killed by signal 11 (segmentation fault)'."""
    if status < 0:
        return "ended"
    if os.WIFEXITED(status):
        return f"exited with code {os.WEXITSTATUS(status)}"
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        return f"was killed by signal {sig} ({SIGNAL_NAMES.get(sig, signal.Signals(sig).name)})"
    return "ended"


class Worker:
    """The grader's handle on one student process."""

    def __init__(self, zygote: Zygote, job: WorkerJob) -> None:
        self.zygote = zygote
        self.job = job
        self.kept = frozenset(zygote.kept)     # what the zygote held when it forked this process
        self.workdir = tempfile.mkdtemp(prefix="euron-grade-run-")
        self.pid: int | None = None
        self.alive = False
        self.hello: dict = {}
        self.protections: list[str] = []
        self.exit_detail = ""
        self._pending = 0
        self._timeout = None
        payload = {
            "submission_dir": os.path.abspath(job.submission_dir),
            "module": job.module,
            "workdir": self.workdir,
            "limits": dataclasses.asdict(job.process_limits or job.limits),
            "memory_mb": job.limits.memory_mb,
            "confinement": _confinement_to_json(job.confinement),
        }
        self.sock = zygote._connect()
        wire.send(self.sock, {"op": "spawn", "job": payload})
        self.alive = True
        self._set_timeout(job.limits.import_time_s)
        try:
            self.pid = int(wire.recv(self.sock)["pid"])     # from the zygote, before the child runs
        except (wire.WireError, OSError, KeyError, TypeError, ValueError):
            self._fail("died")
            return
        try:   # sent by the worker before it runs any student code
            protections = wire.recv(self.sock).get("protections")
        except socket.timeout:
            self._fail("timeout")
            return
        except (wire.WireError, OSError):
            self._fail("died")
            return
        self.protections = [str(p) for p in protections] if isinstance(protections, list) else []
        self._await_hello(job.limits.import_time_s)

    def _fail(self, why: str) -> None:
        """The module could not be loaded: the process timed out or died."""
        self.hello = {"loaded": False, why: True, "protections": self.protections}
        self._lose(why)

    def _await_hello(self, seconds: float) -> None:
        """Wait for the report on loading the module (``self.hello``)."""
        try:
            self._set_timeout(seconds)
            message = wire.recv(self.sock)
        except socket.timeout:
            self._fail("timeout")
            return
        except (wire.WireError, OSError, TypeError, ValueError):
            self._fail("died")
            return
        self.hello = message["hello"] if isinstance(message.get("hello"), dict) else {}
        self.hello["protections"] = self.protections    # never what the student's code says

    def load(self, module: str, limits: Limits) -> dict:
        """Load the same student's ``module`` (another exercise) in this process,
        instead of the current one; returns its hello, as after spawning."""
        self.job = dataclasses.replace(self.job, module=module, limits=limits)
        self.drain()
        if not self.alive:
            self.hello = {"loaded": False, "died": True, "protections": self.protections}
            return self.hello
        try:
            self._set_timeout(limits.import_time_s)
            wire.send(self.sock, {"load": module, "memory_mb": limits.memory_mb})
        except OSError:
            self._fail("died")
            return self.hello
        self._await_hello(limits.import_time_s)
        return self.hello

    def call(self, function: str, args: dict, positional: list[str], module: str | None = None) -> Outcome:
        """Call ``function(*positional args, **other args)`` in the student's process."""
        request = {"function": function, "args": args, "positional": positional, "module": module}
        for outcome in self.call_many([request]):
            return outcome
        return Outcome(status="died", detail=self.exit_detail or "the process is gone")

    def _set_timeout(self, seconds: float) -> None:
        if self._timeout != seconds:     # each settimeout costs system calls
            self.sock.settimeout(seconds)
            self._timeout = seconds

    def call_many(self, requests: list[dict], packed: "wire.Packed | None" = None, key: str = ""):
        """Send every call at once and yield each outcome as it arrives.

        The student's process reads the whole batch before it answers (so
        neither side can block the other on a full socket) and replies to
        each call as soon as it returns: no round trip per call, and each call
        still has its own time limit.  Stop iterating early and the replies
        still due are drained before the next request.  Nothing more is
        yielded once the process is lost.  ``packed``: ``{"calls": requests}``
        packed beforehand, sent instead; ``key``: the name under which the
        zygote holds them (``keep``), sent instead when it does.
        """
        if not self.alive:
            return
        self.drain()
        if not self.alive:
            return
        try:
            self._set_timeout(self.job.limits.time_s)
            if key and key in self.kept:
                wire.send(self.sock, {"kept": key})
            else:
                wire.send(self.sock, packed if packed is not None else {"calls": requests})
        except OSError:
            self._lose("died")
            yield Outcome(status="died", detail=self.exit_detail)
            return
        self._pending = len(requests)
        while self._pending and self.alive:
            outcome = self._next_reply()
            yield outcome
            if outcome.worker_lost:
                return

    def _next_reply(self) -> Outcome:
        self._pending -= 1
        try:
            self._set_timeout(self.job.limits.time_s)
            reply = wire.recv(self.sock)
        except socket.timeout:
            self._lose("timeout")
            return Outcome(status="timeout", detail=f"took longer than {self.job.limits.time_s:g} s")
        except wire.PeerClosed:
            self._lose("died")
            return Outcome(status="died", detail=self.exit_detail)
        except (wire.WireError, OSError) as exc:
            self._lose("garbled")
            return Outcome(status="garbled", detail=f"sent an invalid reply ({exc})")
        return _outcome_from_reply(reply)

    def drain(self) -> None:
        """Read and drop the replies of calls nobody waits for any more."""
        while self._pending and self.alive:
            self._next_reply()

    def _lose(self, why: str) -> None:
        """Kill the process (and anything it started) and record how it ended."""
        self.alive = False
        self._pending = 0
        try:
            self.sock.close()
        except OSError:
            pass
        pid = self.pid
        if pid is None:
            self.exit_detail = "could not start"
            return
        for kill in (os.killpg, os.kill):
            try:
                kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        try:
            status = self.zygote.exit_status(pid)
        except (OSError, wire.WireError):
            status = -1
        self.exit_detail = "" if why == "timeout" else describe_status(status)
        shutil.rmtree(self.workdir, ignore_errors=True)

    def close(self) -> None:
        if self.alive:
            self._lose("closed")
        shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> "Worker":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _outcome_from_reply(reply: dict) -> Outcome:
    """Validate the shape of a reply; anything odd is a garbled reply."""
    status = reply.get("status")
    if status not in ("returned", "raised", "missing"):
        return Outcome(status="garbled", detail="sent an invalid reply")
    value, error = reply.get("value"), reply.get("error")
    if status == "returned" and not (isinstance(value, dict) and isinstance(value.get("kind"), str)):
        return Outcome(status="garbled", detail="sent an invalid reply")
    if status == "raised" and not isinstance(error, dict):
        return Outcome(status="garbled", detail="sent an invalid reply")
    inputs_after = reply.get("inputs_after") if isinstance(reply.get("inputs_after"), dict) else {}
    inputs_after = {k: v for k, v in inputs_after.items() if isinstance(v, np.ndarray)}
    warns = [w for w in reply.get("warnings", []) if isinstance(w, dict)][:10]
    output = reply.get("output") if isinstance(reply.get("output"), str) else ""
    return Outcome(status=status, value=value, error=error, inputs_after=inputs_after,
                   warnings=warns, output=output[:4096])
