"""grader.sandbox.hardening.confine, tried from a forked child that attempts hostile
actions after confining itself and reports what happened as JSON."""

import json
import os
import pathlib
import shutil
import tempfile
import resource
import socket
import sys
import time

import numpy as np
import pytest

from grader.sandbox import hardening
from grader.sandbox.hardening import Confinement, confine, standard_confinement

ROOT = os.geteuid() == 0
needs_root = pytest.mark.skipif(not ROOT, reason="confinement needs root")
_UIDS = iter(range(hardening.UID_BASE + 500_000 + os.getpid() % 10_000 * 50, 2**31))


@pytest.fixture
def uid():
    """A fresh uid per test: processes left by one test (zombies count
    against RLIMIT_NPROC) never limit the next."""
    value = next(_UIDS)
    yield value
    _kill_uid(value)


def _kill_uid(uid):
    """Kill every process left running under ``uid`` (a helper takes the uid and signals -1)."""
    if not ROOT:
        return
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        try:
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            for _ in range(3):
                try:
                    os.kill(-1, 9)
                except ProcessLookupError:
                    break
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


def _probe(action):
    """Run ``action`` and say how it went: 'ok: <value>' or the error's type."""
    try:
        return f"ok: {action()}"
    except BaseException as exc:  # noqa: BLE001 - every outcome is data here
        return f"{type(exc).__name__}: {exc}"[:200]


def _connect(host, port, kind=socket.SOCK_STREAM):
    s = socket.socket(socket.AF_INET, kind)
    s.settimeout(2)
    try:
        s.connect((host, port))
        if kind == socket.SOCK_DGRAM:
            s.send(b"x")
        return "connected"
    finally:
        s.close()


def _fork_many(n):
    pids = []
    for _ in range(n):
        try:
            pid = os.fork()
        except OSError:
            break
        if pid == 0:
            time.sleep(30)
            os._exit(0)
        pids.append(pid)
    return len(pids)


def run_confined(confinement, workdir, probes, nproc=50, linger=0):
    """Fork, set rlimits as the sandbox would, confine, run ``probes``
    (name -> callable), return (protections, results) from the child."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        os.close(read_end)
        out = {}
        try:
            resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
            os.setsid()
            out["protections"] = confine(confinement, workdir)
            out["results"] = {name: _probe(fn) for name, fn in probes.items()}
        except BaseException as exc:  # noqa: BLE001
            out["error"] = repr(exc)
        with os.fdopen(write_end, "w") as pipe:
            pipe.write(json.dumps(out) + "\n")
        time.sleep(linger)
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:  # one line: forked sleepers keep the pipe open
        data = json.loads(pipe.readline())
    if not linger:
        os.waitpid(pid, 0)
    assert "error" not in data, data.get("error")
    return data["protections"], data["results"]


@pytest.fixture
def open_tmp():
    """A folder under /tmp that an unprivileged uid can traverse (pytest's
    own tmp_path sits in a 0700 folder)."""
    path = tempfile.mkdtemp(prefix="euron-test-")
    os.chmod(path, 0o711)
    yield pathlib.Path(path)
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def classroom(open_tmp):
    """A class folder with a sibling's secret, an output folder, the
    student's private copy and a workdir."""
    tmp_path = open_tmp
    cls = tmp_path / "class"
    (cls / "alice").mkdir(parents=True)
    (cls / "alice" / "exercise2.py").write_text("SECRET = 'alice'\n")
    (cls / "bob").mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "results.sqlite").write_text("grades")
    stage = tmp_path / "stage" / "bob"
    stage.mkdir(parents=True)
    (stage / "exercise2.py").write_text("x = 1\n")
    work = tmp_path / "work"
    work.mkdir()
    for p in (tmp_path, tmp_path / "stage"):
        os.chmod(p, 0o711)
    return {"class": cls, "out": out, "stage": stage, "work": work, "tmp": tmp_path}


def _import_fresh(name):
    for loaded in [m for m in sys.modules if m == "solutions" or m.startswith("solutions.")]:
        del sys.modules[loaded]
    return __import__(name).__name__


def _hostile_probes(room, port, listener_fd):
    marker = f"euron-escape-{os.getpid()}"
    home = os.path.expanduser("~")
    solutions = hardening._solutions_dir()
    return {
        "uid": os.getuid,
        "read_sibling": lambda: (room["class"] / "alice" / "exercise2.py").read_text(),
        "list_class": lambda: os.listdir(room["class"]),
        "read_results": lambda: (room["out"] / "results.sqlite").read_text(),
        "write_out": lambda: (room["out"] / "evil.txt").write_text("x"),
        "write_class": lambda: (room["class"] / "bob" / "evil.txt").write_text("x"),
        "write_tmp": lambda: open(f"/tmp/{marker}", "w").write("x"),
        "write_own": lambda: (room["stage"] / "notes.txt").write_text("mine"),
        "write_work": lambda: (room["work"] / "scratch.txt").write_text("mine"),
        "read_solutions": lambda: os.listdir(solutions),
        # from disk: this test process may hold the reference in memory (a zygote never does)
        "import_solutions": lambda: _import_fresh("solutions.exercise1"),
        "read_home": lambda: os.listdir(home),
        "tcp_localhost": lambda: _connect("127.0.0.1", port),
        "tcp_outside": lambda: _connect("1.1.1.1", 53),
        "udp_outside": lambda: _connect("8.8.8.8", 53, socket.SOCK_DGRAM),
        "unix_socketpair": lambda: len(socket.socketpair()),
        "accept_inherited": lambda: socket.socket(fileno=os.dup(listener_fd)).accept(),
        "kill_parent": lambda: os.kill(os.getppid(), 0),
        "secret_env": lambda: os.environ.get("EURON_TEST_SECRET"),
        "fork_bomb": lambda: _fork_many(200),
        "import_stdlib": lambda: __import__("decimal").Decimal("1.5") * 2,
        "numpy_blas": lambda: float((np.ones((64, 64)) @ np.ones((64, 64)))[0, 0]),
        "marker": lambda: marker,
    }


@needs_root
@pytest.mark.parametrize("private_tmp", [True, False], ids=["private-tmp", "uid-only-tmp"])
def test_hostile_actions_are_refused(classroom, monkeypatch, private_tmp, uid):
    monkeypatch.setenv("EURON_TEST_SECRET", "hunter2")
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    unix = socket.socket(socket.AF_UNIX)
    unix.bind(str(classroom["tmp"] / "grader.sock"))
    unix.listen()
    conf = standard_confinement(uid=uid, hide=[classroom["class"], classroom["out"]],
                                writable=[classroom["stage"]])
    if not private_tmp:
        conf = Confinement(**{**conf.to_dict(), "private": ()})
    probes = _hostile_probes(classroom, server.getsockname()[1], unix.fileno())
    try:
        protections, r = run_confined(conf.to_dict(), str(classroom["work"]), probes)
    finally:
        server.close()
        unix.close()
    assert r["uid"] == f"ok: {uid}"
    for name in ("read_sibling", "read_results", "write_out", "write_class",
                 "read_solutions", "import_solutions", "tcp_localhost",
                 "tcp_outside", "udp_outside", "accept_inherited", "kill_parent"):
        assert not r[name].startswith("ok"), (name, r[name])
    assert "alice" not in r["list_class"]
    assert r["secret_env"] == "ok: None"
    # the home shows at most the path down to the Python runtime
    home = os.path.expanduser("~")
    runtimes = {os.path.relpath(p, home).split(os.sep)[0]            # a venv's base interpreter too
                for p in (sys.prefix, sys.base_prefix, sys.exec_prefix) if p.startswith(home + os.sep)}
    shown = r["read_home"]
    assert (not shown.startswith("ok") or shown == "ok: []"
            or shown in {f"ok: ['{rt}']" for rt in runtimes}), shown
    assert r["write_own"].startswith("ok") and r["write_work"].startswith("ok")
    assert r["unix_socketpair"] == "ok: 2"
    assert r["import_stdlib"] == "ok: 3.0"
    assert r["numpy_blas"] == "ok: 64.0"
    forks = int(r["fork_bomb"].split(": ")[1])
    assert 0 < forks < 50
    marker = r["marker"].split(": ")[1]
    if private_tmp:
        assert not os.path.exists(f"/tmp/{marker}")
    else:  # without a mount namespace /tmp (mode 1777) stays writable
        os.unlink(f"/tmp/{marker}")
    assert not (classroom["out"] / "evil.txt").exists()
    assert not (classroom["class"] / "bob" / "evil.txt").exists()
    assert (classroom["stage"] / "notes.txt").read_text() == "mine"
    assert {"scrubbed environment", f"unprivileged uid {uid}", "no network (netns)",
            "no new privileges"} <= set(protections)
    assert ("private tmp" in protections) == private_tmp


@needs_root
def test_network_namespace_alone_cuts_the_network(open_tmp, uid):
    """With seccomp off, the empty network namespace still refuses even
    loopback."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    conf = Confinement(uid=uid, seccomp=False, private=())
    try:
        protections, r = run_confined(conf, str(open_tmp), {
            "tcp_localhost": lambda: _connect("127.0.0.1", server.getsockname()[1]),
            "tcp_outside": lambda: _connect("1.1.1.1", 53)})
    finally:
        server.close()
    assert r["tcp_localhost"].startswith("OSError") and r["tcp_outside"].startswith("OSError")
    assert "no network (netns)" in protections and not any("seccomp" in p for p in protections)


def test_seccomp_alone_refuses_inet_sockets(tmp_path):
    """Without namespaces or a uid drop (e.g. not root), the filter still
    keeps the network out."""
    conf = Confinement(uid=None, namespaces=False)
    probes = {"inet": lambda: socket.socket(socket.AF_INET).close(),
              "inet6": lambda: socket.socket(socket.AF_INET6).close(),
              "unix": lambda: socket.socket(socket.AF_UNIX).close(),
              "ptrace": lambda: hardening._c().ptrace(0, 0, 0, 0)}
    protections, r = run_confined(conf, str(tmp_path), probes)
    assert r["inet"].startswith("PermissionError") and r["inet6"].startswith("PermissionError")
    assert r["unix"] == "ok: None"
    assert "seccomp filter (no sockets but AF_UNIX)" in protections
    assert not any(p.startswith("unprivileged") for p in protections)


def test_confinement_round_trips_through_json():
    conf = standard_confinement(uid=1234, hide=["/nonexistent-class"], writable=["/tmp"])
    again = Confinement.from_dict(json.loads(json.dumps(conf.to_dict())))
    assert again == conf
    assert hardening._solutions_dir() in conf.hide or any(
        hardening._under(hardening._solutions_dir(), h) for h in conf.hide)
    assert hardening._grader_dir() in conf.keep
