"""Student code is untrusted: hostile submissions fail alone, the grader survives."""
import dataclasses
import socket
import struct
import textwrap
import time

import numpy as np
import pytest

from grader.sandbox import wire
from helpers import grade
from grader.sandbox import Limits, WorkerJob, Zygote
from grader.engine.spec import load_spec

GOOD_GAP = ("\ndef global_avg_pool(x):\n    if np.ndim(x) != 4:\n        raise ValueError('x must be 4-D')\n"
            "    return x.mean(axis=(2, 3))\n")

GOOD = '''
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

def _check(x, size, stride):
    if x.ndim != 4 or size < 1 or stride < 1 or size > x.shape[2] or size > x.shape[3]:
        raise ValueError("bad pooling arguments")

def max_pool_forward(x, size=2, stride=2):
    _check(x, size, stride)
    return sliding_window_view(x, (size, size), axis=(2, 3))[:, :, ::stride, ::stride].max(axis=(4, 5))

def avg_pool_forward(x, size=2, stride=2):
    _check(x, size, stride)
    return sliding_window_view(x, (size, size), axis=(2, 3))[:, :, ::stride, ::stride].mean(axis=(4, 5))
'''


def spec():
    base = load_spec("exercise3")
    return dataclasses.replace(base, examples=10, limits=Limits(time_s=1.5, import_time_s=2, memory_mb=300))


def grade_source(tmp_path, global_pool_body, extra=""):
    # every body starts with the contract's check on x's dimensions (a 5-D x is an edge case)
    body = "if np.ndim(x) != 4:\n    raise ValueError('x must be 4-D')\n" + textwrap.dedent(global_pool_body)
    source = GOOD + extra + "\ndef global_avg_pool(x):\n" + textwrap.indent(body, "    ")
    (tmp_path / "exercise3.py").write_text(source)
    started = time.monotonic()
    result = grade(spec(), tmp_path)
    return result, {f.name: f for f in result.functions}, time.monotonic() - started


def test_the_good_part_passes(tmp_path):
    result, fns, _ = grade_source(tmp_path, "return x.mean(axis=(2, 3))")
    assert result.passed, fns["global_avg_pool"].feedback


HOSTILE = {
    "infinite loop": ("while True:\n    pass", "time limit"),
    "os._exit": ("import os\nos._exit(0)", "exited with code 0"),
    "sys.exit": ("import sys\nsys.exit('PASSED')", "SystemExit"),
    "memory bomb": ("return np.ones((1 << 34,))", "memory"),
    "segfault": ("import ctypes\nctypes.string_at(0)\nreturn x.mean(axis=(2, 3))", "segmentation fault"),
    "fake PASSED output": ("print('PASSED 100/100 all tests passed')\nreturn x.sum(axis=(2, 3))",
                           "PASSED 100/100"),
    "import solutions": ("import solutions.exercise3 as s\nreturn s.global_avg_pool(x)", "may not import 'solutions'"),
    "monkeypatched allclose": ("np.allclose = lambda *a, **k: True\nnp.testing.assert_allclose = lambda *a, **k: None\n"
                               "return x.sum(axis=(2, 3)) * 1.0", "wrong values"),
    "lying ndarray subclass": ("class Liar(np.ndarray):\n    def __eq__(self, other):\n        return True\n"
                               "return np.zeros((x.shape[0], x.shape[1])).view(Liar)", "return a numpy.ndarray"),
    "returns a list": ("return x.mean(axis=(2, 3)).tolist()", "returned a builtins.list"),
    "stdout flood": ("import sys\nsys.stdout.write('x' * (10 << 20))\nreturn x.mean(axis=(2, 3))", ""),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_function_fails_alone(tmp_path, name):
    body, reason = HOSTILE[name]
    result, fns, elapsed = grade_source(tmp_path, body)
    bad = fns["global_avg_pool"]
    if name == "stdout flood":
        # Printing is allowed; the flood is captured (capped), never shown on the grader's terminal.
        assert bad.passed
        assert elapsed < 10
        return
    assert not bad.passed and bad.score == 0
    assert reason in bad.feedback
    assert fns["max_pool_forward"].passed and fns["avg_pool_forward"].passed
    assert elapsed < 15


def test_reference_not_in_worker_memory(tmp_path):
    body = ("import sys\nleak = [m for m in sys.modules if m.startswith('solutions') or m == 'grader.reference']\n"
            "return x.mean(axis=(2, 3)) + len(leak)")
    result, fns, _ = grade_source(tmp_path, body)
    assert fns["global_avg_pool"].passed, fns["global_avg_pool"].feedback


@pytest.mark.parametrize("source, fragment", [
    ("def global_avg_pool(x)\n    return x", "SyntaxError"),
    ("", "is not defined"),
    ("while True:\n    pass\n", "importing it took longer"),
    ("import os\nos._exit(3)\n", "the process ended while importing it"),
    ("raise RuntimeError('boom at import')\n", "RuntimeError: boom at import"),
])
def test_broken_files_fail_every_function_clearly(tmp_path, source, fragment):
    (tmp_path / "exercise3.py").write_text(source)
    result = grade(spec(), tmp_path)
    assert result.score == 0 and not result.passed
    assert all(fragment in f.feedback for f in result.functions), result.functions[0].feedback


def test_non_utf8_file(tmp_path):
    (tmp_path / "exercise3.py").write_bytes(b"# \xff\xfe caf\xe9\ndef global_avg_pool(x):\n    return 1\n")
    result = grade(spec(), tmp_path)
    assert result.score == 0
    assert all("not UTF-8 text (byte 0xff on line 1)" in f.feedback for f in result.functions)


def test_missing_file(tmp_path):
    result = grade(spec(), tmp_path)
    assert result.score == 0
    assert "exercise3.py is missing" in result.functions[0].feedback


def test_worker_is_restarted_after_a_crash(tmp_path):
    # max_pool crashes the process; the two other functions are still graded in a new one.
    (tmp_path / "exercise3.py").write_text(GOOD.replace("def max_pool_forward(x, size=2, stride=2):\n",
                                                        "def max_pool_forward(x, size=2, stride=2):\n"
                                                        "    import os; os._exit(1)\n")
                                           + GOOD_GAP)
    fns = {f.name: f for f in grade(spec(), tmp_path).functions}
    assert not fns["max_pool_forward"].passed
    assert fns["avg_pool_forward"].passed and fns["global_avg_pool"].passed


def _pair():
    a, b = socket.socketpair()
    a.settimeout(2)
    b.settimeout(2)
    return a, b


@pytest.mark.parametrize("header", [
    {"body": {"v": {"__array__": 0}}, "arrays": [{"dtype": "|O", "shape": [1], "nbytes": 8}]},
    {"body": {"v": {"__array__": 0}}, "arrays": [{"dtype": "<f8", "shape": [1 << 40], "nbytes": 8}]},
    {"body": {"v": {"__array__": 0}}, "arrays": [{"dtype": "<f8", "shape": [2], "nbytes": 8}]},
    {"body": {"v": {"__array__": 3}}, "arrays": []},
    {"body": [1, 2], "arrays": []},
])
def test_wire_rejects_malformed_messages(header):
    a, b = _pair()
    raw = __import__("json").dumps(header).encode()
    a.sendall(struct.pack(">I", len(raw)) + raw + b"\0" * 8)
    with pytest.raises(wire.WireError):
        wire.recv(b)


def test_wire_rejects_huge_header_without_reading_it():
    a, b = _pair()
    a.sendall(struct.pack(">I", 1 << 30))
    with pytest.raises(wire.WireError, match="header too large"):
        wire.recv(b)


def test_wire_round_trip_keeps_dtype_shape_values():
    a, b = _pair()
    arrays = {"f": np.arange(12.0).reshape(3, 4)[:, ::2], "i": np.arange(5, dtype=np.int64), "e": np.zeros((0, 3))}
    wire.send(a, {"x": arrays, "n": 3, "s": "ok"})
    got = wire.recv(b)
    assert got["n"] == 3 and got["s"] == "ok"
    for k, v in arrays.items():
        assert got["x"][k].dtype == v.dtype and got["x"][k].shape == v.shape
        np.testing.assert_array_equal(got["x"][k], v)


def test_zygote_started_fresh_when_solutions_already_imported(tmp_path):
    import solutions.exercise3  # noqa: F401  (the test process now holds the reference)
    (tmp_path / "exercise3.py").write_text(
        "import sys\ndef f():\n    return int(any(m.startswith('solutions') for m in sys.modules))\n")
    with Zygote() as z:
        assert z._proc is not None
        with z.spawn(WorkerJob(str(tmp_path), "exercise3")) as w:
            out = w.call("f", {}, [])
    assert out.status == "returned" and out.value["value"] == 0


def test_processes_a_student_leaves_behind_are_killed(tmp_path):
    # A detached grandchild (new session, parent gone) outlives its worker unless reaped.
    (tmp_path / "exercise3.py").write_text(
        "import os, time\n"
        "def f():\n"
        "    if os.fork() == 0:\n"
        "        os.setsid()\n"
        "        if os.fork() == 0:\n"
        "            open('/proc/self/stat').read()\n"
        "            time.sleep(60)\n"
        "        os._exit(0)\n"
        "    time.sleep(0.2)\n"
        "    return 1\n")
    with Zygote() as z:
        with z.spawn(WorkerJob(str(tmp_path), "exercise3")) as w:
            assert w.call("f", {}, []).status == "returned"
            worker_pid = w.pid
        time.sleep(0.2)
        with open(f"/proc/{z._pid}/task/{z._pid}/children") as f:
            left = [int(p) for p in f.read().split()]
        for pid in left:   # zombies awaiting the zygote's next reaping pass are fine
            with open(f"/proc/{pid}/stat") as f:
                assert f.read().split(") ")[1][0] == "Z", f"process {pid} still running"
    assert worker_pid not in left


def test_a_crash_among_drained_calls_does_not_pass_the_next_function(tmp_path):
    # max_pool fails early (its remaining calls are drained), then kills the process on a
    # later call; avg_pool must still be graded on every case, in a new process.
    (tmp_path / "exercise3.py").write_text(
        GOOD.replace("def max_pool_forward(x, size=2, stride=2):\n",
                     "_calls = [0]\n"
                     "def max_pool_forward(x, size=2, stride=2):\n"
                     "    _calls[0] += 1\n"
                     "    if _calls[0] == 12:\n"
                     "        import os; os._exit(1)\n"
                     "    return _max(x, size, stride) + 1.0\n\n"
                     "def _max(x, size=2, stride=2):\n")
        + GOOD_GAP)
    result = grade(spec(), tmp_path)
    fns = {f.name: f for f in result.functions}
    assert not fns["max_pool_forward"].passed
    avg = fns["avg_pool_forward"]
    assert avg.passed and avg.cases_run == avg.cases_passed > 10


def test_one_worker_loads_the_students_next_exercise_afresh(tmp_path):
    # exercise3 and exercise4 both import a helper with a counter: after ``load`` the
    # same process serves exercise4, and the helper is imported again (count restarts).
    (tmp_path / "helper.py").write_text("calls = 0\ndef bump():\n    global calls\n    calls += 1\n    return calls\n")
    (tmp_path / "exercise3.py").write_text("import os\nfrom helper import bump\ndef f():\n    return bump()\n"
                                           "def pid():\n    return os.getpid()\n")
    (tmp_path / "exercise4.py").write_text("import os\nfrom helper import bump\ndef g():\n    return bump()\n"
                                           "def pid():\n    return os.getpid()\n")
    with Zygote() as z:
        with z.spawn(WorkerJob(str(tmp_path), "exercise3")) as w:
            assert [w.call("f", {}, []).value["value"] for _ in range(3)] == [1, 2, 3]
            first_pid = w.call("pid", {}, []).value["value"]
            hello = w.load("exercise4", Limits())
            assert hello["loaded"] and hello["siblings"] == ["helper"]
            assert w.call("g", {}, []).value["value"] == 1
            assert w.call("f", {}, []).status == "missing"      # exercise3 is no longer served
            assert w.call("pid", {}, []).value["value"] == first_pid == w.pid


def test_a_failed_load_leaves_the_worker_ready_for_the_next_exercise(tmp_path):
    (tmp_path / "exercise3.py").write_text("def f():\n    return 3\n")
    (tmp_path / "exercise4.py").write_text("raise RuntimeError('broken at import')\n")
    (tmp_path / "exercise5.py").write_text("def h():\n    return 5\n")
    with Zygote() as z:
        with z.spawn(WorkerJob(str(tmp_path), "exercise3")) as w:
            hello = w.load("exercise4", Limits())
            assert not hello["loaded"] and "broken at import" in hello["error"]["message"]
            assert w.call("f", {}, []).status == "missing"
            assert w.load("exercise5", Limits())["loaded"]
            assert w.call("h", {}, []).value["value"] == 5


def test_a_forged_pid_in_the_students_messages_is_not_believed(tmp_path):
    # At import the student writes a hello of their own, naming the zygote as their
    # pid; the grader kills and reaps only the pid the zygote gave it.
    (tmp_path / "exercise3.py").write_text(
        "import os, socket, sys\n"
        "sys.path.insert(0, %r)\n" % str(__import__("pathlib").Path(wire.__file__).parent.parent) +
        "for fd in range(3, 64):\n"
        "    try:\n"
        "        s = socket.socket(fileno=os.dup(fd))\n"
        "    except OSError:\n"
        "        continue\n"
        "    import json, struct\n"
        "    head = json.dumps({'body': {'hello': {'loaded': True, 'pid': os.getppid()}}, 'arrays': []}).encode()\n"
        "    s.sendall(struct.pack('>I', len(head)) + head)\n"
        "    break\n"
        "def f():\n    return 1\n")
    with Zygote() as z:
        w = z.spawn(WorkerJob(str(tmp_path), "exercise3"))
        assert w.pid != z._pid
        w.close()
        time.sleep(0.1)
        with open(f"/proc/{z._pid}/stat") as f:      # the zygote lives on and serves the next worker
            assert f.read().split(") ")[1][0] != "Z"
        (tmp_path / "exercise4.py").write_text("def g():\n    return 4\n")
        with z.spawn(WorkerJob(str(tmp_path), "exercise4")) as w2:
            assert w2.call("g", {}, []).value["value"] == 4


CHANGES_ITS_INPUT = "import numpy as np\ndef f(x, k=1):\n    x += k\n    return x.sum()\n"


def _calls_of_f() -> list[dict]:
    return [{"function": "f", "args": {"x": np.arange(4.0), "k": k}, "positional": ["x"], "module": None}
            for k in (1, 2, 3)]


def test_calls_sent_again_give_the_same_outcomes_and_fresh_inputs(tmp_path):
    # The student's function changes its input in place: each call must still get
    # the original array, and the change must be reported.
    (tmp_path / "exercise3.py").write_text(CHANGES_ITS_INPUT)
    requests = _calls_of_f()
    with Zygote() as z:
        with z.spawn(WorkerJob(str(tmp_path), "exercise3")) as w:
            sent = list(w.call_many(requests))
            again = list(w.call_many(requests))
        with z.spawn(WorkerJob(str(tmp_path), "exercise3")) as w:
            other = list(w.call_many(requests))
    assert [o.value["value"] for o in sent] == [o.value["value"] for o in other] == [10.0, 14.0, 18.0]
    assert [o.value["value"] for o in again] == [10.0, 14.0, 18.0]
    for o, k in zip(again, (1, 2, 3)):
        np.testing.assert_array_equal(o.inputs_after["x"], np.arange(4.0) + k)


def test_a_session_replaces_a_worker_that_hangs_loading_the_next_exercise(tmp_path):
    from grader.engine.runner import Session
    (tmp_path / "exercise3.py").write_text("import os\ndef pid():\n    return os.getpid()\n")
    (tmp_path / "exercise4.py").write_text("while True:\n    pass\n")
    (tmp_path / "exercise5.py").write_text("import os\ndef pid():\n    return os.getpid()\n")
    limits = Limits(time_s=1, import_time_s=1)
    with Zygote() as z:
        session = Session(z, WorkerJob(str(tmp_path), "exercise3", limits))
        try:
            assert session.use("exercise3", limits)["loaded"]
            first = session.get().call("pid", {}, []).value["value"]
            started = time.monotonic()
            assert session.use("exercise4", limits).get("timeout")
            assert time.monotonic() - started < 5
            assert session.use("exercise5", limits)["loaded"]
            assert session.get().call("pid", {}, []).value["value"] not in (first, None)
        finally:
            session.close()


def test_the_protections_reported_are_the_workers_not_the_students(tmp_path):
    # At import the student sends a hello of their own listing made-up protections.
    (tmp_path / "exercise3.py").write_text(
        "import json, os, socket, struct\n"
        "for fd in range(3, 64):\n"
        "    try:\n"
        "        s = socket.socket(fileno=os.dup(fd))\n"
        "    except OSError:\n"
        "        continue\n"
        "    head = json.dumps({'body': {'hello': {'loaded': True, 'protections': ['forged']}},"
        " 'arrays': []}).encode()\n"
        "    s.sendall(struct.pack('>I', len(head)) + head)\n"
        "    break\n"
        + GOOD + GOOD_GAP)
    result = grade(spec(), tmp_path)
    assert "forged" not in result.protections
    assert "separate process" in result.protections


def test_a_students_process_cannot_ask_the_zygote_for_a_worker(tmp_path):
    # Unconfined (as when not running as root, same uid), the student's code finds the
    # zygote's socket and asks for a worker of its own choosing: it is hung up on.
    (tmp_path / "exercise3.py").write_text(
        "import json, socket, struct\n"
        "def ask(address):\n"
        "    s = socket.socket(socket.AF_UNIX)\n"
        "    s.connect(address)\n"
        "    head = json.dumps({'body': {'op': 'wait', 'pid': 1}, 'arrays': []}).encode()\n"
        "    s.sendall(struct.pack('>I', len(head)) + head)\n"
        "    s.settimeout(3)\n"
        "    return len(s.recv(100))\n")
    with Zygote() as z:
        with z.spawn(WorkerJob(str(tmp_path), "exercise3")) as w:
            out = w.call("ask", {"address": z.address}, ["address"])
        assert out.status in ("returned", "raised"), out
        assert out.status == "raised" or out.value["value"] == 0
        with z.spawn(WorkerJob(str(tmp_path), "exercise3")) as w2:   # the zygote still serves the grader
            assert w2.hello.get("loaded") and w2.alive


def test_wire_refuses_what_is_not_json_and_sends_tuples_as_lists():
    a, b = _pair()
    for bad in (np.int64(3), {1, 2}, object()):
        with pytest.raises(TypeError, match="cannot send"):
            wire.send(a, {"v": bad})
    wire.send(a, {"t": (1, np.arange(3), [np.ones(2, dtype=np.float32), {"k": 2.5}]), "u": "é"})
    got = wire.recv(b)
    assert got["t"][0] == 1 and got["u"] == "é"
    np.testing.assert_array_equal(got["t"][1], np.arange(3))
    assert got["t"][2][0].dtype == np.float32 and got["t"][2][1] == {"k": 2.5}


def test_a_packed_message_is_sent_as_it_was_packed_to_every_peer():
    packed = wire.Packed({"calls": [{"x": np.arange(6.0).reshape(2, 3)}]})
    for _ in range(2):
        a, b = _pair()
        wire.send(a, packed)
        got = wire.recv(b)
        np.testing.assert_array_equal(got["calls"][0]["x"], np.arange(6.0).reshape(2, 3))


def test_a_raised_error_names_the_students_frames_only(tmp_path):
    # Two of the student's files and NumPy in between: the traceback lists the
    # student's frames, outermost first, with their lines; the frame is the innermost.
    (tmp_path / "helper.py").write_text(
        "import numpy as np\n"
        "\n"
        "def inner(x):\n"
        "    y = x * 2\n"
        "    z = y + 1\n"
        "    return np.apply_along_axis(lambda r: r[5], 0, z)\n")
    (tmp_path / "exercise3.py").write_text(
        "from helper import inner\n"
        "def f(x):\n"
        "    return inner(x)\n")
    with Zygote() as z:
        with z.spawn(WorkerJob(str(tmp_path), "exercise3")) as w:
            out = w.call("f", {"x": np.zeros((2, 2))}, ["x"])
    assert out.status == "raised" and out.error["type"] == "IndexError"
    lines = out.error["traceback"].splitlines()
    assert lines == ['  File "exercise3.py", line 3, in f', "    return inner(x)",
                     '  File "helper.py", line 6, in inner',
                     "    return np.apply_along_axis(lambda r: r[5], 0, z)",
                     '  File "helper.py", line 6, in <lambda>',
                     "    return np.apply_along_axis(lambda r: r[5], 0, z)"]
    assert out.error["frame"] == {"file": "helper.py", "line": 6, "function": "<lambda>",
                                  "source": "return np.apply_along_axis(lambda r: r[5], 0, z)",
                                  "before": ["y = x * 2", "z = y + 1"]}


def test_packed_calls_are_made_once_per_case_book_and_give_the_same_outcomes(tmp_path):
    from grader.engine.cases import build_casebook
    from grader.engine.runner import Session, _packed_calls
    (tmp_path / "exercise3.py").write_text(GOOD + GOOD_GAP)
    book = build_casebook(spec(), 3)
    first = _packed_calls(book, "max_pool_forward")
    assert _packed_calls(book, "max_pool_forward") is first
    cases = book.cases["max_pool_forward"]
    with Zygote() as z:
        session = Session(z, WorkerJob(str(tmp_path), "exercise3", spec().limits))
        try:
            packed = [(o.status, o.value, o.error) for _, o in session.call_cases(cases, first)]
            plain = [(o.status, o.value, o.error) for _, o in session.call_cases(cases)]
        finally:
            session.close()
    assert len(packed) == len(cases) > 10
    assert [p[:1] for p in packed] == [p[:1] for p in plain]
    for (_, v1, e1), (_, v2, e2) in zip(packed, plain):
        assert e1 == e2
        if v1 is not None:
            np.testing.assert_array_equal(v1.get("array"), v2.get("array"))
    book.cases["max_pool_forward"] = cases[:3]      # another case list: packed again
    assert len(_packed_calls(book, "max_pool_forward")[1]) == 3


def test_calls_the_zygote_holds_give_the_same_outcomes_and_fresh_inputs(tmp_path):
    # Kept calls (Zygote.keep) are decoded once in the zygote: each call still gets
    # its own copy of the inputs, an in-place change is still reported, and a
    # worker forked before the zygote held them is sent the calls themselves.
    (tmp_path / "exercise3.py").write_text(CHANGES_ITS_INPUT)
    requests = _calls_of_f()
    packed = wire.Packed({"calls": requests})
    with Zygote() as z:
        with z.spawn(WorkerJob(str(tmp_path), "exercise3")) as early:
            z.keep("f/test/0", packed)
            assert z.kept == {"f/test/0"}
            before_keep = list(early.call_many(requests, packed, "f/test/0"))
        with z.spawn(WorkerJob(str(tmp_path), "exercise3")) as w:
            kept = list(w.call_many(requests, packed, "f/test/0"))
            again = list(w.call_many(requests, packed, "f/test/0"))
    for outcomes in (before_keep, kept, again):
        assert [o.value["value"] for o in outcomes] == [10.0, 14.0, 18.0]
        for o, k in zip(outcomes, (1, 2, 3)):
            np.testing.assert_array_equal(o.inputs_after["x"], np.arange(4.0) + k)


def _children_of(pid: int) -> list[tuple[int, bytes]]:
    """(pid, name) of the processes whose parent is ``pid``."""
    import os
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                head, tail = f.read().rsplit(b")", 1)
            comm, ppid = head.split(b"(", 1)[1], int(tail.split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == pid:
            found.append((int(name), comm))
    return found


def test_a_single_run_killed_with_9_leaves_no_process_and_no_folder(tmp_path):
    # A Jupyter kernel restarted mid-check, or `kill -9` of euron-grade: the zygote
    # outlives the grader, ends the student's processes and removes the run's folders.
    import os
    import signal
    import subprocess
    import sys
    import tempfile
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "exercise3.py").write_text(
        "import os, time\n"
        "def max_pool_forward(x, size=2, stride=2):\n"
        "    if os.fork() == 0:\n"
        "        os.setsid()\n"
        "        time.sleep(120)\n"
        "        os._exit(0)\n"
        "    time.sleep(120)\n")
    run_tmp = tempfile.mkdtemp(prefix="euron-kill-test-")
    os.chmod(run_tmp, 0o711)
    try:
        env = {**os.environ, "TMPDIR": run_tmp}
        proc = subprocess.Popen([sys.executable, "-m", "grader", "exercise3", "--submission", str(sub)],
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any(n.startswith("euron-grade-run-") for n in os.listdir(run_tmp)):
            time.sleep(0.05)
        zygotes = [pid for pid, comm in _children_of(proc.pid) if comm == b"euron-zygote"]
        assert zygotes and any(n.startswith("euron-grade-run-") for n in os.listdir(run_tmp))
        workers = _children_of(zygotes[0])
        time.sleep(1.0)       # the student's function is sleeping, its child too
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and (os.listdir(run_tmp) or os.path.exists(f"/proc/{zygotes[0]}")):
            time.sleep(0.1)
        assert os.listdir(run_tmp) == []
        assert not os.path.exists(f"/proc/{zygotes[0]}")
        assert workers and not any(os.path.exists(f"/proc/{pid}") for pid, _ in workers)
    finally:
        subprocess.run(["rm", "-rf", run_tmp])
