"""Confine an already-forked grading worker before it loads student code.

The sandbox forks one worker per submission and sets its rlimits; then it
calls :func:`confine`, which, running as root inside that child, puts up the
walls that rlimits cannot:

* a scrubbed environment and single-threaded BLAS (set before the drop,
  because a confined child may not start threads or read new libraries);
* a mount namespace: a private, size-capped tmpfs over ``/tmp``,
  ``/var/tmp`` and ``/dev/shm``; empty read-only tmpfs over the homes, the
  source checkout (``solutions/``, tests), the class folder and the output
  folder; then only the Python runtime, the ``grader`` package and the
  student's own folder are bound back, at the same paths;
* a network namespace with no interface up (not even loopback);
* listening sockets inherited from the parent made unusable;
* an unprivileged uid and gid (by default one uid per submission, so two
  students never share a process count, files or signals);
* ``no_new_privs`` and a seccomp filter (x86-64) that refuses every socket
  family but AF_UNIX, io_uring, ptrace, new namespaces and mounts.

Each step that the machine refuses is skipped and left out of the returned
list, which names the protections that are really active; the report shows
it. Nothing here imports student code or ``solutions``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import dataclasses
import errno
import importlib
import importlib.util
import os
import socket
import stat
import struct
import sys
from pathlib import Path

#: Modules a confined child may need but might no longer be able to read
#: from disk (the standard library can live under an unreadable home).
PRELOAD = (
    "encodings.idna", "encodings.utf_8", "encodings.latin_1", "encodings.ascii",
    "encodings.utf_16", "encodings.unicode_escape", "encodings.raw_unicode_escape",
    "json", "traceback", "linecache", "tokenize", "secrets", "math", "cmath",
    "itertools", "functools", "collections", "collections.abc", "typing",
    "dataclasses", "numbers", "re", "warnings", "copy", "operator", "string",
    "random", "time", "contextlib", "inspect", "textwrap", "io", "signal",
    "numpy", "numpy.random", "numpy.linalg", "numpy.fft", "numpy.lib.stride_tricks",
)

PRIVATE_TMP = ("/tmp", "/var/tmp", "/dev/shm")
UID_BASE = 1_000_000  # per-submission uids: UID_BASE + n, far above any real account

CLONE_NEWNS = 0x00020000
CLONE_NEWNET = 0x40000000
CLONE_NEWUSER = 0x10000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_REMOUNT = 1, 2, 4, 32
MS_BIND, MS_REC, MS_PRIVATE = 4096, 16384, 1 << 18
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 1, 38, 22, 2


@dataclasses.dataclass(frozen=True)
class Confinement:
    """What :func:`confine` does; plain data, JSON-able via :meth:`to_dict`.

    uid, gid: the unprivileged ids to drop to (None: keep the current ones).
    hide: folders covered by an empty read-only tmpfs.
    private: folders covered by a private writable tmpfs of ``tmpfs_size``.
    keep: folders under a cover shown again, read-only, at the same path.
    writable: folders the child owns (its workdir is always one); shown
        again read-write if they lie under a cover.
    network: leave the network as it is (default: a new, empty netns).
    """

    uid: int | None = 65534
    gid: int | None = 65534
    hide: tuple[str, ...] = ()
    private: tuple[str, ...] = PRIVATE_TMP
    keep: tuple[str, ...] = ()
    writable: tuple[str, ...] = ()
    network: bool = False
    namespaces: bool = True
    seccomp: bool = True
    tmpfs_size: str = "64m"

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Confinement":
        fields = {f.name for f in dataclasses.fields(cls)}
        values = {k: (tuple(v) if isinstance(v, list) else v) for k, v in data.items() if k in fields}
        return cls(**values)


def _solutions_dir() -> str | None:
    """The reference solutions' folder, found without importing it."""
    spec = importlib.util.find_spec("solutions")
    if spec is None or not spec.submodule_search_locations:
        return None
    return str(Path(list(spec.submodule_search_locations)[0]).resolve())


def _grader_dir() -> str:
    return str(Path(__file__).resolve().parents[1])   # the grader package


def standard_confinement(*, uid: int | None = 65534, hide=(), writable=(), network=False) -> Confinement:
    """The confinement the batch and the single-student grader use.

    Hides the homes, the source checkout holding ``grader`` (its
    ``solutions/``, tests and fixtures) and the extra ``hide`` folders (the
    class folder, the output folder); keeps the Python runtime and the
    ``grader`` package readable; gives the child ``writable`` folders.
    """
    grader_dir = Path(_grader_dir())
    checkout = grader_dir.parent
    secret = [str(Path(p).resolve()) for p in hide]
    if (checkout / "pyproject.toml").exists() or (checkout / "setup.py").exists():
        secret.append(str(checkout))
    solutions = _solutions_dir()
    if solutions:
        secret.append(solutions)
    covers = [os.path.expanduser("~"), "/home", "/root"] + secret
    keep = {str(Path(p).resolve()) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    keep.add(str(grader_dir))
    # never keep a folder that would show a hidden one again
    keep = {k for k in keep if not any(_under(s, k) for s in secret)}
    return Confinement(
        uid=uid, gid=uid, hide=tuple(dict.fromkeys(c for c in covers if os.path.isdir(c))),
        keep=tuple(sorted(keep)), writable=tuple(str(Path(w).resolve()) for w in writable),
        network=network,
    )


def preload() -> None:
    """Import what a confined child may need later; call it in the zygote."""
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError:
            pass


def confine(confinement, workdir: str) -> list[str]:
    """Confine the calling (forked, not yet untrusted) process; return the
    names of the protections now active. ``confinement`` is a
    :class:`Confinement` or its ``to_dict()``."""
    if isinstance(confinement, dict):
        confinement = Confinement.from_dict(confinement)
    workdir = str(Path(workdir).resolve())
    writable = tuple(dict.fromkeys((workdir,) + tuple(confinement.writable)))
    active: list[str] = []
    preload()
    _single_threaded_blas()
    root = os.geteuid() == 0
    if confinement.namespaces and root:
        active += _namespaces(confinement, writable)
    _disarm_listeners()
    _scrub_environment(workdir)
    active.append("scrubbed environment")
    if root and confinement.uid is not None:
        _drop_privileges(confinement.uid, confinement.gid, writable)
        active.append(f"unprivileged uid {confinement.uid}")
        _die_with_parent()  # a change of uid clears the parent-death signal
    if _no_new_privs():
        active.append("no new privileges")
    if confinement.seccomp and _install_seccomp(allow_network=confinement.network):
        active.append("seccomp filter" if confinement.network else "seccomp filter (no sockets but AF_UNIX)")
    os.chdir(workdir)
    sys.dont_write_bytecode = True
    return active


# -- pieces ------------------------------------------------------------------

_libc = None


def _c():
    global _libc
    if _libc is None:
        try:
            _libc = ctypes.CDLL("libc.so.6", use_errno=True)
        except OSError:  # pragma: no cover - not glibc
            _libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        _libc.mount.argtypes = [ctypes.c_char_p] * 3 + [ctypes.c_ulong, ctypes.c_char_p]
        _libc.unshare.argtypes = [ctypes.c_int]
        _libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong]
    return _libc


def _mount(source, target, fstype, flags, data=None) -> None:
    enc = lambda s: None if s is None else os.fsencode(s)  # noqa: E731
    if _c().mount(enc(source), enc(target), enc(fstype), flags, enc(data)) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount {target}: {os.strerror(err)}")


def _under(path: str, parent: str) -> bool:
    """True if ``path`` is ``parent`` or lies inside it."""
    return path == parent or path.startswith(parent.rstrip("/") + "/")


def _namespaces(c: Confinement, writable: tuple[str, ...]) -> list[str]:
    """New mount and network namespaces with the covers and binds; returns
    the protections set up (empty if the kernel refused)."""
    flags = CLONE_NEWNS | (0 if c.network else CLONE_NEWNET)
    shown = [(p, True) for p in writable] + [(p, False) for p in c.keep]
    if _c().unshare(flags) != 0:
        return []
    active = [] if c.network else ["no network (netns)"]
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    fds = {}  # open what we bind back (in the new namespace) before covering it
    for path, _rw in shown:
        if path not in fds and os.path.isdir(path):
            fds[path] = os.open(path, os.O_PATH | os.O_DIRECTORY)
    covers = [(p, False) for p in c.hide if os.path.isdir(p)] + [(p, True) for p in c.private if os.path.isdir(p)]
    covers.sort(key=lambda pc: pc[0].count("/"))
    done: list[str] = []
    for path, rw in covers:
        if any(_under(path, d) for d in done):
            continue
        opts = f"size={c.tmpfs_size},mode=1777" if rw else "size=1m,mode=0755"
        _mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, opts)
        done.append(path)
    # show the kept folders again, shallow first, at the same paths
    for path, rw in sorted(shown, key=lambda pr: pr[0].count("/")):
        if path not in fds or not any(_under(path, d) and path != d for d in done):
            continue
        os.makedirs(path, exist_ok=True)
        _mount(f"/proc/self/fd/{fds[path]}", path, None, MS_BIND | MS_REC)
        if not rw:
            _mount(None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
    for fd in fds.values():
        os.close(fd)
    for path, rw in covers:  # the hiding tmpfs become read-only
        if path in done and not rw:
            _mount(None, path, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, "size=1m,mode=0755")
    if any(p in done for p, rw in covers if rw):
        active.append("private tmp")
    if any(p in done for p, rw in covers if not rw):
        active.append("solutions and other students hidden (mount ns)")
    return active


def _disarm_listeners() -> None:
    """Point every inherited listening socket at /dev/null, so the child
    cannot accept connections meant for the grader."""
    null = os.open(os.devnull, os.O_RDWR)
    try:
        for name in os.listdir("/proc/self/fd"):
            fd = int(name)
            if fd <= 2 or fd == null:
                continue
            try:
                if not stat.S_ISSOCK(os.fstat(fd).st_mode):
                    continue
                probe = socket.socket(fileno=os.dup(fd))
                try:
                    listening = probe.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN)
                finally:
                    probe.close()
                if listening:
                    os.dup2(null, fd)
            except OSError:
                continue
    finally:
        os.close(null)


def _scrub_environment(workdir: str) -> None:
    os.environ.clear()
    os.environ.update({
        "PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": workdir, "TMPDIR": workdir,
        "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    })


_blas_done = False


def _single_threaded_blas() -> None:
    """Tell an already loaded OpenBLAS to stay on one thread: a confined
    child under a process limit must not try to start a thread pool. Done
    once per process (forked children inherit the setting)."""
    global _blas_done
    os.environ["OPENBLAS_NUM_THREADS"] = "1"
    if _blas_done or "numpy" not in sys.modules:
        return
    _blas_done = True
    try:
        with open("/proc/self/maps") as maps:
            libs = {line.split()[-1] for line in maps if "openblas" in line.lower() and ".so" in line}
    except OSError:
        return
    for lib in libs:
        try:
            handle = ctypes.CDLL(lib)
        except OSError:
            continue
        for symbol in ("scipy_openblas_set_num_threads64_", "openblas_set_num_threads64_",
                       "scipy_openblas_set_num_threads", "openblas_set_num_threads"):
            fn = getattr(handle, symbol, None)
            if fn is not None:
                fn.argtypes = [ctypes.c_int]
                fn(1)
                break


def _drop_privileges(uid: int, gid: int | None, writable: tuple[str, ...]) -> None:
    gid = uid if gid is None else gid
    for path in writable:
        for top, dirs, files in os.walk(path):
            for name in [top] + [os.path.join(top, f) for f in dirs + files]:
                os.lchown(name, uid, gid)
        os.chmod(path, 0o700)
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    try:
        os.setuid(0)
    except PermissionError:
        return
    raise RuntimeError("could not drop root privileges")  # pragma: no cover


def _die_with_parent() -> None:
    parent = os.getppid()
    _c().prctl(PR_SET_PDEATHSIG, 9, None, 0, 0)
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)


def _no_new_privs() -> bool:
    return _c().prctl(PR_SET_NO_NEW_PRIVS, 1, None, 0, 0) == 0


# -- seccomp -----------------------------------------------------------------

_AUDIT_ARCH_X86_64 = 0xC000003E
_X86_64 = {  # syscall numbers refused with EPERM
    "ptrace": 101, "process_vm_readv": 310, "process_vm_writev": 311, "mount": 165,
    "umount2": 166, "pivot_root": 155, "chroot": 161, "unshare": 272, "setns": 308,
    "keyctl": 250, "add_key": 248, "request_key": 249, "bpf": 321,
    "perf_event_open": 298, "userfaultfd": 323, "io_uring_setup": 425,
    "io_uring_enter": 426, "io_uring_register": 427, "kexec_load": 246,
    "open_by_handle_at": 304, "personality": 135,
}
_SOCKET, _CLONE, _CLONE3 = 41, 56, 435
_NS_FLAGS = CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWUSER | 0x20000000 | 0x04000000 | 0x08000000 | 0x02000000


def _bpf(code, jt, jf, k):
    return struct.pack("HBBI", code, jt, jf, k)


def _seccomp_program(allow_network: bool) -> bytes:
    LD, JEQ, JGE, JSET, RET = 0x20, 0x15, 0x35, 0x45, 0x06
    allow, deny = 0x7FFF0000, 0x00050000 | errno.EPERM
    nosys = 0x00050000 | errno.ENOSYS
    denied = list(_X86_64.values())
    prog = [_bpf(LD, 0, 0, 4), _bpf(JEQ, 1, 0, _AUDIT_ARCH_X86_64), _bpf(RET, 0, 0, deny),
            _bpf(LD, 0, 0, 0), _bpf(JGE, 0, 1, 0x40000000), _bpf(RET, 0, 0, deny)]
    for nr in denied:
        prog += [_bpf(JEQ, 0, 1, nr), _bpf(RET, 0, 0, deny)]
    prog += [_bpf(JEQ, 0, 1, _CLONE3), _bpf(RET, 0, 0, nosys)]  # libc falls back to clone
    prog += [_bpf(JEQ, 0, 3, _CLONE), _bpf(LD, 0, 0, 16), _bpf(JSET, 0, 1, _NS_FLAGS),
             _bpf(RET, 0, 0, deny), _bpf(LD, 0, 0, 0)]
    if not allow_network:
        prog += [_bpf(JEQ, 0, 3, _SOCKET), _bpf(LD, 0, 0, 16),
                 _bpf(JEQ, 1, 0, socket.AF_UNIX), _bpf(RET, 0, 0, deny)]
    prog += [_bpf(RET, 0, 0, allow)]
    return b"".join(prog)


def _install_seccomp(allow_network: bool) -> bool:
    """Install the filter; False where unsupported (not x86-64, old kernel)."""
    if os.uname().machine != "x86_64":
        return False
    code = _seccomp_program(allow_network)
    buf = ctypes.create_string_buffer(code, len(code))

    class _Prog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    prog = _Prog(len(code) // 8, ctypes.addressof(buf))
    return _c().prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(prog), 0, 0) == 0


# On import, i.e. in the zygote, once for every worker it forks.
preload()
_single_threaded_blas()
_c()
