"""A class's submissions, read safely: folders, zips and notebooks -> files to grade.

Nothing here runs student code or writes outside the folder it is given.
Archives are read in memory, member by member, never extracted: a member
whose name climbs out of its folder ("zip slip"), a link, an encrypted
member, too many members or too many bytes (a zip bomb) refuse the whole
archive with a one-line message naming it. In folders, links are never
followed. Notebooks give up their imports and definitions only (see
:func:`notebook_source`).
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import io
import os
import re
import stat
import zipfile
from pathlib import Path, PurePosixPath

EXERCISE_FILE = re.compile(r"^exercise[1-9]\.py$")
SKIP_DIRS = {"__MACOSX", "__pycache__", ".ipynb_checkpoints", ".git"}


@dataclasses.dataclass(frozen=True)
class Caps:
    """How much a submission or a class archive may hold."""

    file_bytes: int = 5 << 20          # one exercise file or notebook
    student_bytes: int = 50 << 20      # everything one student's archive unpacks to
    student_files: int = 500
    class_bytes: int = 2 << 30         # everything a whole-class zip unpacks to
    class_files: int = 100_000
    depth: int = 6                     # folder nesting searched for exercise files


@dataclasses.dataclass
class Submission:
    """One student's files to grade (``exerciseN.py`` -> source bytes)."""

    student: str
    source: str
    files: dict[str, bytes] = dataclasses.field(default_factory=dict)
    notes: list[str] = dataclasses.field(default_factory=list)

    @property
    def content_hash(self) -> str:
        """SHA-256 of what is graded: every exercise file, by name."""
        h = hashlib.sha256()
        for name in sorted(self.files):
            data = self.files[name]
            h.update(f"{name}\0{len(data)}\0".encode())
            h.update(data)
        return h.hexdigest()


@dataclasses.dataclass(frozen=True)
class Problem:
    """A submission, or part of one, that could not be read; ``message`` is one line."""

    student: str | None
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class ArchiveError(Exception):
    """An archive or file that is refused; the message is one line for the instructor."""


# -- notebooks -----------------------------------------------------------------

_KEPT = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_PLAIN_VALUE = (ast.Constant, ast.Name, ast.Attribute, ast.Tuple, ast.List, ast.UnaryOp,
                ast.BinOp, ast.operator, ast.unaryop, ast.expr_context, ast.Load)


def _is_plain_assignment(node: ast.stmt) -> bool:
    """``EPS = 1e-8`` or ``DTYPE = np.float64``: no call, no subscript, no lambda."""
    if not isinstance(node, (ast.Assign, ast.AnnAssign)) or node.value is None:
        return False
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    return (all(isinstance(t, ast.Name) for t in targets)
            and all(isinstance(n, _PLAIN_VALUE) for n in ast.walk(node.value)))


def is_grader_import(node: ast.stmt) -> bool:
    """``from grader.notebook import check``: a student pack's check cell, never part of a submission."""
    if isinstance(node, ast.Import):
        return any(a.name == "grader" or a.name.startswith("grader.") for a in node.names)
    if isinstance(node, ast.ImportFrom):
        return node.level == 0 and (node.module or "").split(".")[0] == "grader"
    return False


def _without_magics(source: str) -> str:
    """Blank IPython magics and shell lines (``%timeit``, ``!pip``, ``%%time`` cells)."""
    if source.lstrip().startswith("%%"):
        return ""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                     for line in source.splitlines())


def notebook_source(data: bytes, name: str) -> tuple[str, list[str]]:
    """The imports, definitions and plain constant assignments of a notebook's
    code cells, as one module's source; and notes on cells that were skipped.
    Top-level calls, prints, magics and shell lines are dropped, so nothing
    but definitions runs when the module is imported."""
    try:
        import nbformat
    except ImportError as exc:  # pragma: no cover - optional extra
        raise ArchiveError("reading notebooks needs nbformat (pip install 'euron-grade[notebooks]')") from exc
    try:
        nb = nbformat.reads(data.decode("utf-8"), as_version=4)
    except UnicodeDecodeError:
        raise ArchiveError("not a notebook: the file is not UTF-8 text") from None
    except Exception as exc:  # noqa: BLE001 - nbformat raises several kinds
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ArchiveError(f"not a valid notebook (not JSON or not nbformat: {first[:120]})") from None
    parts, notes, dropped = [], [], 0
    for index, cell in enumerate(nb.get("cells", []), start=1):
        if cell.get("cell_type") != "code":
            continue
        source = _without_magics(str(cell.get("source", "")))
        try:
            tree = ast.parse(source)
        except SyntaxError as exc:
            notes.append(f"{name}: code cell {index} skipped (syntax error on its line {exc.lineno})")
            continue
        lines = source.splitlines()
        for node in tree.body:
            if is_grader_import(node):
                continue
            if isinstance(node, _KEPT) or _is_plain_assignment(node):
                first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
                parts.append("\n".join(lines[first - 1:node.end_lineno]))
            else:
                dropped += 1
    if dropped:
        notes.append(f"{name}: {dropped} top-level statement(s) that are not imports or definitions were not run")
    header = f"# Imports and definitions taken from the notebook {name}.\n"
    return header + "\n\n".join(parts) + "\n", notes


def defined_functions(source: str) -> set[str]:
    """Names of the top-level functions a module source defines."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    return {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}


# -- one student's files ----------------------------------------------------------

def _assemble(student: str, source: str, found: dict[str, tuple[int, bytes]],
              notebooks: list[tuple[str, bytes]], exercise_functions: dict[str, list[str]],
              problems: list[Problem]) -> Submission:
    """Exercise files (shallowest wins) plus what notebooks define."""
    sub = Submission(student=student, source=source)
    for name in sorted(found):
        sub.files[name] = found[name][1]
    for nb_name, data in sorted(notebooks):
        try:
            code, notes = notebook_source(data, os.path.basename(nb_name))
        except ArchiveError as exc:
            problems.append(Problem(student, f"{source}/{nb_name}", str(exc)))
            continue
        sub.notes.extend(notes)
        defined = defined_functions(code)
        for exercise, functions in exercise_functions.items():
            target = f"{exercise}.py"
            if not defined & set(functions):
                continue
            if target in sub.files:
                sub.notes.append(f"{nb_name}: {target} is graded from the .py file, not the notebook")
                continue
            sub.files[target] = code.encode("utf-8")
            sub.notes.append(f"{target} was taken from the notebook {nb_name}")
    return sub


def _consider(path: str, depth: int, data_of, found, notebooks) -> None:
    """Record ``path`` if it is an exercise file or a notebook."""
    base = PurePosixPath(path).name
    if EXERCISE_FILE.match(base):
        if base not in found or depth < found[base][0]:
            found[base] = (depth, data_of())
    elif base.endswith(".ipynb") and not base.startswith("."):
        notebooks.append((path, data_of()))


def read_student_folder(folder: Path, student: str, exercise_functions: dict[str, list[str]],
                        problems: list[Problem], caps: Caps = Caps()) -> Submission:
    """A student's folder, walked without following links."""
    found: dict[str, tuple[int, bytes]] = {}
    notebooks: list[tuple[str, bytes]] = []
    total, count = 0, 0
    stack = [(folder, 0)]
    while stack:
        current, depth = stack.pop()
        try:
            entries = sorted(os.scandir(current), key=lambda e: e.name)
        except OSError as exc:
            problems.append(Problem(student, str(current), f"cannot be read ({exc.strerror})"))
            continue
        for entry in entries:
            rel = os.path.relpath(entry.path, folder)
            if entry.name.startswith(".") or entry.name in SKIP_DIRS:
                continue
            count += 1
            if count > caps.student_files:
                problems.append(Problem(student, str(folder), f"more than {caps.student_files} files; the rest were ignored"))
                stack.clear()
                break
            mode = entry.stat(follow_symlinks=False).st_mode
            relevant = EXERCISE_FILE.match(entry.name) or entry.name.endswith(".ipynb")
            if stat.S_ISLNK(mode):
                if relevant:
                    problems.append(Problem(student, f"{folder}/{rel}",
                                            "is a symbolic link; links are not followed, the file was not graded"))
                continue
            if stat.S_ISDIR(mode):
                if depth + 1 < caps.depth:
                    stack.append((Path(entry.path), depth + 1))
                continue
            if not stat.S_ISREG(mode) or not relevant:
                continue
            size = entry.stat(follow_symlinks=False).st_size
            if size > caps.file_bytes or total + size > caps.student_bytes:
                problems.append(Problem(student, f"{folder}/{rel}", f"is {size} bytes, over the limit; not graded"))
                continue
            total += size
            _consider(rel, depth, lambda p=entry.path: _read_regular(p), found, notebooks)
    return _assemble(student, str(folder), found, notebooks, exercise_functions, problems)


def _read_regular(path: str) -> bytes:
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as f:
        return f.read()


# -- zips ------------------------------------------------------------------------

def _safe_name(info: zipfile.ZipInfo) -> PurePosixPath:
    """The member's path, or ArchiveError if it is absolute, climbs out, is a
    link or is encrypted."""
    name = info.filename.replace("\\", "/")
    path = PurePosixPath(name)
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name) or ".." in path.parts:
        raise ArchiveError(f"member {info.filename!r} would be written outside the folder (zip slip); archive refused")
    if stat.S_ISLNK(info.external_attr >> 16):
        raise ArchiveError(f"member {info.filename!r} is a symbolic link; archive refused")
    if info.flag_bits & 0x1:
        raise ArchiveError(f"member {info.filename!r} is encrypted; archive refused")
    return path


def _check_zip(zf: zipfile.ZipFile, max_files: int, max_bytes: int) -> list[tuple[PurePosixPath, zipfile.ZipInfo]]:
    infos = zf.infolist()
    if len(infos) > max_files:
        raise ArchiveError(f"holds {len(infos)} members, over the limit of {max_files}; archive refused")
    declared = sum(i.file_size for i in infos)
    if declared > max_bytes:
        raise ArchiveError(f"unpacks to {declared / 2**20:.0f} MB, over the limit of "
                           f"{max_bytes / 2**20:.0f} MB (zip bomb?); archive refused")
    members = []
    for info in infos:
        path = _safe_name(info)
        if not info.is_dir() and not any(p.startswith(".") or p in SKIP_DIRS for p in path.parts):
            members.append((path, info))
    return members


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int) -> bytes:
    """Read a member, counting real bytes (headers can lie)."""
    out = io.BytesIO()
    with zf.open(info) as src:
        while chunk := src.read(1 << 16):
            out.write(chunk)
            if out.tell() > cap:
                raise ArchiveError(f"member {info.filename!r} unpacks to more than {cap / 2**20:.0f} MB "
                                   f"(zip bomb?); archive refused")
    return out.getvalue()


def _open_zip(data_or_path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(data_or_path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError):
        raise ArchiveError("not a valid zip file (corrupt or truncated)") from None


def read_student_zip(data_or_path, student: str, source: str, exercise_functions: dict[str, list[str]],
                     problems: list[Problem], caps: Caps = Caps()) -> Submission:
    """A student's zip (a path or bytes). A refused archive gives a problem and
    an empty submission (the student is still listed, with zeros)."""
    try:
        with _open_zip(data_or_path if isinstance(data_or_path, (str, Path)) else io.BytesIO(data_or_path)) as zf:
            members = _check_zip(zf, caps.student_files, caps.student_bytes)
            prefix = _common_folder([p for p, _ in members])
            found, notebooks = _collect_members(zf, [(PurePosixPath(*path.parts[len(prefix):]), info)
                                                     for path, info in members], caps)
    except ArchiveError as exc:
        problems.append(Problem(student, source, str(exc)))
        return Submission(student=student, source=source)
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError) as exc:
        problems.append(Problem(student, source, f"cannot be read as a zip ({type(exc).__name__}: {str(exc)[:80]})"))
        return Submission(student=student, source=source)
    return _assemble(student, source, found, notebooks, exercise_functions, problems)


def _collect_members(zf: zipfile.ZipFile, items, caps: Caps) -> tuple[dict, list]:
    """(found, notebooks) of one student's members, given as (path in their folder, info);
    members nested ``caps.depth`` folders deep or more are skipped."""
    found: dict[str, tuple[int, bytes]] = {}
    notebooks: list[tuple[str, bytes]] = []
    for rel, info in items:
        depth = len(rel.parts) - 1
        if depth < caps.depth:
            _consider(str(rel), depth, lambda i=info: _read_member(zf, i, caps.file_bytes), found, notebooks)
    return found, notebooks


def _common_folder(paths: list[PurePosixPath]) -> tuple[str, ...]:
    """The single top folder every member lies in (e.g. ``alice/``), if any."""
    tops = {p.parts[0] for p in paths if len(p.parts) > 1}
    if len(tops) == 1 and all(len(p.parts) > 1 for p in paths):
        return (tops.pop(),)
    return ()


# -- a class -----------------------------------------------------------------------

def student_id(name: str) -> str:
    """The id of a student from a folder or file name: its stem, trimmed."""
    stem = name[:-4] if name.lower().endswith(".zip") else name
    stem = stem[:-6] if stem.lower().endswith(".ipynb") else stem
    return stem.strip()


def read_class(path: str | os.PathLike, exercise_functions: dict[str, list[str]],
               caps: Caps = Caps()) -> tuple[list[Submission], list[Problem]]:
    """Every student's submission in a class folder or a whole-class zip,
    sorted by id; and every problem met. Raises ArchiveError only when the
    class itself cannot be read (missing, not a folder or zip)."""
    path = Path(path)
    problems: list[Problem] = []
    if path.is_dir():
        subs = _read_class_folder(path, exercise_functions, problems, caps)
    elif path.is_file() and path.suffix.lower() == ".zip":
        try:
            subs = _read_class_zip(path, exercise_functions, problems, caps)
        except ArchiveError as exc:
            raise ArchiveError(f"{path}: {exc}") from None
    elif not path.exists():
        raise ArchiveError(f"{path}: no such folder or zip file")
    else:
        raise ArchiveError(f"{path}: expected a folder of submissions or a .zip of the class")
    return sorted(subs, key=lambda s: s.student), problems


def _add(subs: dict[str, Submission], sub: Submission, problems: list[Problem]) -> None:
    if sub.student in subs:
        problems.append(Problem(sub.student, sub.source,
                                f"a second submission for {sub.student!r} ({subs[sub.student].source} is used)"))
        return
    subs[sub.student] = sub


def _read_class_folder(path: Path, fns, problems, caps) -> list[Submission]:
    subs: dict[str, Submission] = {}
    for entry in sorted(os.scandir(path), key=lambda e: (not e.is_dir(follow_symlinks=False), e.name)):
        if entry.name.startswith(".") or entry.name in SKIP_DIRS:
            continue
        sid = student_id(entry.name)
        if entry.is_symlink():
            problems.append(Problem(sid, entry.path, "is a symbolic link; links are not followed, not graded"))
        elif entry.is_dir():
            _add(subs, read_student_folder(Path(entry.path), sid, fns, problems, caps), problems)
        elif entry.name.lower().endswith(".zip"):
            _add(subs, read_student_zip(entry.path, sid, entry.path, fns, problems, caps), problems)
        elif entry.name.endswith(".ipynb") and entry.is_file():
            size = entry.stat().st_size
            if size > caps.file_bytes:
                problems.append(Problem(sid, entry.path, f"is {size} bytes, over the limit; not graded"))
                continue
            sub = _assemble(sid, entry.path, {}, [(entry.name, _read_regular(entry.path))], fns, problems)
            _add(subs, sub, problems)
        else:
            problems.append(Problem(None, entry.path, "ignored: not a folder, a .zip or a notebook"))
    return list(subs.values())


def _read_class_zip(path: Path, fns, problems, caps) -> list[Submission]:
    with _open_zip(path) as zf:
        members = _check_zip(zf, caps.class_files, caps.class_bytes)
        prefix = _common_folder([p for p, _ in members])
        groups: dict[str, list[tuple[PurePosixPath, zipfile.ZipInfo]]] = {}
        subs: dict[str, Submission] = {}
        for p, info in members:
            rel = p.parts[len(prefix):]
            if len(rel) == 1 and rel[0].lower().endswith(".zip"):
                sid = student_id(rel[0])
                source = f"{path}/{'/'.join(p.parts)}"
                try:
                    data = _read_member(zf, info, caps.student_bytes)
                except ArchiveError as exc:
                    problems.append(Problem(sid, source, str(exc)))
                    _add(subs, Submission(student=sid, source=source), problems)
                    continue
                _add(subs, read_student_zip(data, sid, source, fns, problems, caps), problems)
            elif len(rel) > 1:
                groups.setdefault(rel[0], []).append((PurePosixPath(*rel[1:]), info))
            else:
                problems.append(Problem(None, f"{path}/{p}", "ignored: not in a student's folder"))
        for folder, items in sorted(groups.items()):
            sid = student_id(folder)
            source = f"{path}/{'/'.join(prefix + (folder,))}"
            try:
                found, notebooks = _collect_members(zf, items, caps)
            except ArchiveError as exc:
                problems.append(Problem(sid, source, str(exc)))
                found, notebooks = {}, []
            _add(subs, _assemble(sid, source, found, notebooks, fns, problems), problems)
    return list(subs.values())
