"""The untrusted side: a forked process that loads one student module and answers calls.

Everything here runs in the student's process, after the fork and before or
alongside the student's own code, so it trusts nothing the student could have
changed and the grader trusts nothing it sends: the grader re-checks every
value (see ``wire.recv``).  Imports happen at module import time, in the
zygote, so that a confined child never has to read the standard library from
disk after its privileges are dropped.
"""
from __future__ import annotations

import contextlib
import ctypes
import faulthandler
import fcntl
import importlib.abc
import importlib.util
import io
import linecache
import os
import re
import resource
import signal
import socket
import sys
import tokenize  # noqa: F401  (linecache needs it after privileges are dropped)
import traceback  # noqa: F401  (for the student's code, after privileges are dropped)
import types
import warnings

import numpy as np
import numpy.random  # noqa: F401
import numpy.linalg  # noqa: F401
import numpy.fft  # noqa: F401
import numpy.lib.stride_tricks  # noqa: F401

from grader.sandbox import wire

OUTPUT_EXCERPT_BYTES = 2048
PR_SET_PDEATHSIG = 1


class _BlockReference(importlib.abc.MetaPathFinder):
    """Refuses to import the reference solutions or the grader's internals."""

    BLOCKED = ("solutions", "grader")

    def find_spec(self, fullname, path=None, target=None):
        top = fullname.partition(".")[0]
        if top in self.BLOCKED and fullname not in sys.modules:
            raise ImportError(f"a submission may not import {top!r}")
        return None


def _die_with_parent() -> None:
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def _close_inherited_fds(keep: int) -> None:
    """Close every descriptor the grader's processes had open, but 0-2 and ``keep``."""
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd > 2 and fd != keep:
            try:
                os.close(fd)
            except OSError:
                pass


def _mapped_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[0]) * resource.getpagesize()


def _set_limits(limits: dict, memory_mb: int) -> None:
    """Apply the process's rlimits; memory is a budget on top of what is already
    mapped: ``limits["memory_mb"]`` for the process (hard), ``memory_mb`` for the
    module loaded first (soft, see ``_set_memory_budget``)."""
    budget = _mapped_bytes() + int(limits["memory_mb"]) * (1 << 20)
    resource.setrlimit(resource.RLIMIT_AS, (budget, budget))
    _set_memory_budget(memory_mb)
    cpu = int(limits["cpu_s"])
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    fsize = int(limits["file_mb"]) * (1 << 20)
    resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    nproc = int(limits["nproc"])
    resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
    # A write past the file-size limit then fails with an OSError in the
    # student's code instead of killing the process.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def _capture_output(workdir: str) -> int:
    """Send fds 1 and 2 to a private file; return that file's descriptor."""
    null = os.open(os.devnull, os.O_RDONLY)
    if null != 0:
        os.dup2(null, 0)
        os.close(null)
    opened = os.open(os.path.join(workdir, ".output"), os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
    fd = fcntl.fcntl(opened, fcntl.F_DUPFD, 3)   # above 0-2, which it is about to replace
    os.close(opened)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    sys.stdout = io.TextIOWrapper(os.fdopen(1, "wb", buffering=0), write_through=True)
    sys.stderr = io.TextIOWrapper(os.fdopen(2, "wb", buffering=0), write_through=True)
    return fd


def _take_output(fd: int) -> str:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # the student may have replaced or closed them
            pass
    size = os.lseek(fd, 0, os.SEEK_END)
    if size == 0:
        return ""
    os.lseek(fd, 0, os.SEEK_SET)
    data = os.read(fd, OUTPUT_EXCERPT_BYTES)
    os.ftruncate(fd, 0)
    os.lseek(fd, 0, os.SEEK_SET)
    text = data.decode("utf-8", "replace")
    if size > len(data):
        text += f"\n... ({size - len(data)} more bytes)"
    return text


_REALPATHS: dict[str, str] = {}   # a code object's file name -> its real path (one lookup per file)


def _student_tb(exc: BaseException, root: str) -> list[tuple[str, int, str]]:
    """(file name, line number, function) of each frame of the student's own code in
    ``exc``'s traceback, outermost first.  Walks the traceback itself: ``traceback.extract_tb``
    also computes column positions and stats every file, a third of a failing call's cost."""
    frames, prefix = [], root + os.sep
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        filename = code.co_filename
        real = _REALPATHS.get(filename)
        if real is None:
            real = _REALPATHS[filename] = os.path.realpath(filename)
        if real.startswith(prefix):
            frames.append((filename, tb.tb_lineno, code.co_name))
        tb = tb.tb_next
    for filename in {f[0] for f in frames}:
        linecache.checkcache(filename)
    return frames


def _source_line(filename: str, lineno) -> str:
    return linecache.getline(filename, lineno).strip() if lineno else ""


def _student_frames(frames: list) -> str:
    lines = []
    for filename, lineno, name in frames:
        lines.append(f'  File "{os.path.basename(filename)}", line {lineno}, in {name}')
        line = _source_line(filename, lineno)
        if line:
            lines.append(f"    {line}")
    return "\n".join(lines)


def _student_frame(frames: list) -> dict | None:
    """The innermost frame of the student's own code: file name, line number,
    that line and the two before it (what ``grader.engine.causes`` matches)."""
    if not frames:
        return None
    filename, lineno, name = frames[-1]
    lineno = int(lineno or 0)
    before = [_source_line(filename, n) for n in range(max(1, lineno - 2), lineno)]
    return {"file": os.path.basename(filename)[:200], "line": lineno,
            "function": str(name)[:200], "source": _source_line(filename, lineno)[:300],
            "before": [b[:300] for b in before if b]}


def _safe_str(obj) -> str:
    try:
        return str(obj)
    except BaseException:  # noqa: BLE001 - a hostile __str__ must not take the worker down
        return f"<{type(obj).__name__} whose message cannot be printed>"


def _describe_error(exc: BaseException, root: str) -> dict:
    if isinstance(exc, SyntaxError) and exc.filename:
        where = f"{os.path.basename(exc.filename)}, line {exc.lineno}"
        message = f"{_safe_str(exc.msg)} ({where})"
    else:
        message = _safe_str(exc)
    return {
        "type": type(exc).__name__,
        "message": message[:1000],
        "is_value_error": isinstance(exc, ValueError),
        **_safe_frames(exc, root),
    }


def _safe_frames(exc: BaseException, root: str) -> dict:
    """{"traceback": the student's frames as text, "frame": the innermost one}."""
    try:
        frames = _student_tb(exc, root)
    except BaseException:  # noqa: BLE001
        return {"traceback": "", "frame": None}
    try:
        text = _student_frames(frames)[:4000]
    except BaseException:  # noqa: BLE001
        text = ""
    try:
        frame = _student_frame(frames)
    except BaseException:  # noqa: BLE001
        frame = None
    return {"traceback": text, "frame": frame}


MAX_TUPLE_ITEMS = 8


def _describe_value(value, nested: bool = False) -> dict:
    """Report a return value as plain data; arrays only as exact ndarrays.

    A tuple (one level, at most MAX_TUPLE_ITEMS values) is reported item by item."""
    if isinstance(value, tuple) and not nested and len(value) <= MAX_TUPLE_ITEMS:
        items = [_describe_value(v, nested=True) for v in value]
        if sum(i["array"].nbytes for i in items if "array" in i) > wire.MAX_ARRAY_BYTES:
            items = [i if "array" not in i else {"kind": "array_too_large", "type": i["type"],
                                                 "dtype": str(i["array"].dtype), "shape": list(i["array"].shape)}
                     for i in items]
        return {"kind": "tuple", "type": f"{type(value).__module__}.{type(value).__qualname__}", "items": items}
    if type(value) is np.ndarray:
        if value.dtype.str not in wire.ALLOWED_DTYPES:
            return {"kind": "array_bad_dtype", "type": "numpy.ndarray", "dtype": str(value.dtype),
                    "shape": list(value.shape)}
        if value.nbytes > wire.MAX_ARRAY_BYTES:
            return {"kind": "array_too_large", "type": "numpy.ndarray", "dtype": str(value.dtype),
                    "shape": list(value.shape)}
        return {"kind": "array", "type": "numpy.ndarray", "array": np.array(value)}
    kind_type = f"{type(value).__module__}.{type(value).__qualname__}"
    if isinstance(value, (bool, np.bool_)):
        return {"kind": "bool", "type": kind_type, "value": bool(value)}
    if isinstance(value, (int, np.integer)):
        return {"kind": "int", "type": kind_type, "value": int(value)}
    if isinstance(value, (float, np.floating)):
        return {"kind": "float", "type": kind_type, "value": float(value)}
    if value is None:
        return {"kind": "none", "type": "None"}
    extra = {}
    if isinstance(value, np.ndarray):
        extra = {"shape": list(value.shape), "dtype": str(value.dtype)}
    return {"kind": "other", "type": kind_type, **extra}


def _load_student_module(submission_dir: str, module: str) -> tuple[types.ModuleType | None, dict]:
    """Import ``submission_dir/module.py`` as ``exercises.<module>``."""
    root = os.path.realpath(submission_dir)
    path = os.path.join(root, module + ".py")
    report = {"loaded": False, "error": None, "functions": [], "siblings": []}
    if not os.path.isfile(path):
        report["error"] = {"type": "FileNotFoundError", "message": f"{module}.py is missing",
                           "is_value_error": False, "traceback": ""}
        return None, report
    with open(path, "rb") as f:
        raw = f.read()
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        if not re.match(rb"(?:[^\n]*\n)?[ \t\f]*#.*coding[:=]", raw):
            line = raw[:exc.start].count(b"\n") + 1
            report["error"] = {"type": "UnicodeDecodeError", "is_value_error": False, "traceback": "",
                               "message": f"{module}.py is not UTF-8 text (byte 0x{raw[exc.start]:02x} on line "
                                          f"{line}); save it as UTF-8"}
            return None, report
    package = types.ModuleType("exercises")
    package.__path__ = [root]
    package.__package__ = "exercises"
    sys.modules["exercises"] = package
    # `from exercises.exercise2 import ...` and plain `from exercise2 import ...` both find
    # the student's own sibling files (after the standard library and site-packages).
    sys.path[:] = [p for p in sys.path if p not in ("", ".", root)] + [root]
    if not any(isinstance(finder, _BlockReference) for finder in sys.meta_path):
        sys.meta_path.insert(0, _BlockReference())
    spec = importlib.util.spec_from_file_location(f"exercises.{module}", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    already = set(sys.modules)
    try:
        spec.loader.exec_module(mod)
    except BaseException as exc:  # noqa: BLE001 - anything the student raises is reported
        report["error"] = _describe_error(exc, root)
        return None, report
    report["loaded"] = True
    notebook = _plain(vars(mod).get("__notebook__"))   # a converted notebook's record (message text only)
    if isinstance(notebook, dict):
        report["notebook"] = notebook
    report["functions"] = sorted(n for n, v in vars(mod).items() if callable(v) and not n.startswith("_"))
    report["siblings"] = sorted({n.rpartition(".")[2] for n, m in list(sys.modules.items())
                                 if n not in already and n != spec.name and _defined_in(m, root)})
    report["uses"] = _uses(mod, report["functions"])
    return mod, report


def _uses(mod, functions: list) -> dict:
    """function -> the module's other functions whose names its code refers to (a same-file
    dependency, such as se_block_forward calling the file's own sigmoid)."""
    uses = {}
    for name in functions:
        code = getattr(vars(mod).get(name), "__code__", None)
        names = getattr(code, "co_names", ())
        if isinstance(names, tuple):
            uses[name] = sorted({n for n in names if isinstance(n, str)} & set(functions) - {name})
    return uses


def _plain(value, depth: int = 0):
    """``value`` as JSON data when it is made of exact dicts (str keys), lists, str
    and small ints only, bounded in size; None otherwise (nothing of the student's
    is called)."""
    kind = type(value)
    if kind is str:
        return value[:400]
    if kind is int:
        return value if -(1 << 31) < value < (1 << 31) else None
    if kind is bool or value is None:
        return value
    if depth >= 4:
        return None
    if kind is list:
        return [_plain(v, depth + 1) for v in value[:500]]
    if kind is dict:
        return {k[:100]: _plain(v, depth + 1) for k, v in list(value.items())[:500] if type(k) is str}
    return None


def _forget_student_modules(root: str) -> None:
    """Drop the modules loaded from the student's folder, so that the next exercise
    imports its siblings afresh, as it would in a process of its own."""
    for name, module in list(sys.modules.items()):
        if name == "exercises" or name.startswith("exercises.") or _defined_in(module, root):
            sys.modules.pop(name, None)


def _set_memory_budget(memory_mb: int) -> None:
    """The next exercise may map ``memory_mb`` more than is mapped now (up to the hard limit)."""
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    budget = _mapped_bytes() + int(memory_mb) * (1 << 20)
    if hard != resource.RLIM_INFINITY:
        budget = min(budget, hard)
    resource.setrlimit(resource.RLIMIT_AS, (budget, hard))


def _defined_in(module, root: str) -> bool:
    # No realpath: the student's modules are found through ``root`` itself, and
    # resolving the path of every loaded module would cost a stat per component.
    path = getattr(module, "__file__", None)
    return isinstance(path, str) and os.path.dirname(path) == root


#: Calls the zygote was given to hold (``Zygote.keep``), by key: decoded once and
#: inherited by every worker forked afterwards. Each entry: (request with read-only
#: arrays, the raw bytes of its array arguments).
KEPT: dict[str, list] = {}


def keep(key: str, calls) -> None:
    """In the zygote: hold ``calls`` (a list of call requests) for the workers it forks later."""
    prepared = []
    for request in calls:
        args = request["args"]
        for value in args.values():
            if isinstance(value, np.ndarray):
                value.flags.writeable = False       # every call gets a copy
        prepared.append((request, {k: v.tobytes() for k, v in args.items() if isinstance(v, np.ndarray)}))
    KEPT[key] = prepared


def _call(mod, root: str, request: dict, output_fd: int, pristine: dict | None = None) -> dict:
    """Make one call; ``pristine``: the raw bytes of the array arguments when
    ``request`` is a kept one (its arrays are then copied for the call)."""
    module_name = request.get("module")
    target = mod if module_name is None else (sys.modules.get(f"exercises.{module_name}")
                                              or sys.modules.get(module_name))
    name = request["function"]
    fn = getattr(target, name, None) if target is not None else None
    if not callable(fn):
        return {"status": "missing", "output": _take_output(output_fd)}
    args = request["args"]
    if pristine is not None:
        args = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in args.items()}
    # the wire has no tuples: sizes such as window=(3, 3) arrive as lists and are passed as tuples
    args = {k: (tuple(v) if type(v) is list else v) for k, v in args.items()}
    positional = [args[k] for k in request["positional"]]
    keywords = {k: v for k, v in args.items() if k not in request["positional"]}
    reply: dict = {}
    before = pristine if pristine is not None else {k: v.tobytes() for k, v in args.items()
                                                    if isinstance(v, np.ndarray)}
    caught: list = []
    with (warnings.catch_warnings(record=True) if request.get("warnings") else contextlib.nullcontext()) as rec:
        if rec is not None:
            warnings.simplefilter("always")
            caught = rec
        try:
            value = fn(*positional, **keywords)
            reply = {"status": "returned", "value": _describe_value(value)}
        except BaseException as exc:  # noqa: BLE001
            reply = {"status": "raised", "error": _describe_error(exc, root)}
    reply["warnings"] = [{"category": w.category.__name__, "message": _safe_str(w.message)[:300]}
                         for w in caught[:10]]
    # only the inputs the call changed travel back (the grader compares them again)
    reply["inputs_after"] = {k: args[k] for k, raw in before.items() if args[k].tobytes() != raw}
    reply["output"] = _take_output(output_fd)
    return reply


def serve(sock: socket.socket, job: dict) -> None:
    """Entry point of a freshly forked worker; never returns."""
    code = 0
    try:
        faulthandler.disable()      # a crash dump must not reach the grader's stderr
        _close_inherited_fds(keep=sock.fileno())
        os.setsid()
        _die_with_parent()
        workdir = job["workdir"]
        os.chdir(workdir)
        output_fd = _capture_output(workdir)
        protections = ["separate process", "rlimits (time, memory, processes, file size)",
                       "private working directory", "reference solutions not importable"]
        if job.get("confinement") is not None:
            from grader.sandbox import hardening  # imported by the zygote already
            protections = protections + hardening.confine(job["confinement"], workdir)
        _set_limits(job["limits"], job["memory_mb"])
        warnings.simplefilter("ignore")   # recorded only for the calls that are checked for them
        # Sent before any student code runs: the one message the grader may believe.
        wire.send(sock, {"protections": protections})
        root = os.path.realpath(job["submission_dir"])
        mod, report = _load_student_module(root, job["module"])
        report["output"] = _take_output(output_fd)
        wire.send(sock, {"hello": report})
        while True:
            message = wire.recv(sock)
            if "load" in message:     # the same student's next exercise, in this process
                _forget_student_modules(root)
                _set_memory_budget(message["memory_mb"])
                mod, report = _load_student_module(root, str(message["load"]))
                report["output"] = _take_output(output_fd)
                wire.send(sock, {"hello": report})
                continue
            if "kept" in message:
                calls = KEPT.get(str(message["kept"]), [])
            else:
                calls = [(request, None) for request in message.get("calls", ())]
            for request, pristine in calls:
                wire.send(sock, _call(mod, root, request, output_fd, pristine) if mod is not None
                          else {"status": "missing", "output": _take_output(output_fd)})
    except wire.PeerClosed:
        pass
    except BaseException:  # noqa: BLE001 - a broken worker just ends
        code = 1
    finally:
        os._exit(code)
