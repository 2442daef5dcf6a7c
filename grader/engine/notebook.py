"""Notebooks as students write them -> one module that loads cell by cell, as Jupyter would.

A student works in Jupyter or Colab, where a cell that fails does not stop the
others.  :func:`convert` reads a notebook with the same forgiveness:

* from each code cell, IPython's own syntax is blanked first: ``%magic`` and
  ``!shell`` lines, ``x = !ls``, ``np.sum?`` help, automagic lines (``cd path``,
  ``pip install x``, ``ls`` without ``%``), ``%%cell`` magics (the body of
  ``%%time`` and ``%%capture`` cells is Python and is kept); Windows line
  endings are normalised; a cell that still does not parse is skipped whole;
* of what parses, only the imports, function and class definitions and plain
  constant assignments (``EPS = 1e-8``, ``X = X / 255.0``: no call) are kept,
  and ``try``/``if`` blocks made of those; top-level calls, prints, asserts,
  plots and tests are not run (the names they would bind are remembered);
* each kept statement is wrapped in its own ``try``: one that raises (an import
  the grading environment lacks, a ``NameError`` because its producer was not
  run, anything) is recorded in the module's ``__notebook__`` dict -- cell,
  line, statement, error, the names it would have bound -- instead of stopping
  the load.

The worker reports ``__notebook__`` with its hello; :func:`source_info` turns it
back into data for the result, :func:`explain` maps a later ``NameError`` (or a
missing function) to the skipped statement, and :func:`source_lines` says which
file was graded and what was skipped.  Whatever comes back from the student's
process is only ever message text: a ``.py`` file that imitates
``__notebook__`` changes the words of its own report, nothing else.

A ``.py`` file is loaded as it is: it is a module the student runs with
``python``, and an import that fails there is theirs to fix (a load error,
every function 0), as before.
"""
from __future__ import annotations

import ast
import dataclasses
import io
import re
import tokenize

from grader import korean
from grader.korean import kformat

# -- reading the cells ---------------------------------------------------------------


class NotebookError(Exception):
    """A file that is not a notebook; the message is one line."""


def code_cells(data: bytes) -> list[tuple[int, str]]:
    """(position among all cells, 1-based; source) of every code cell, for nbformat 4.x
    notebooks (Jupyter, JupyterLab 3/4, Colab; ``source`` as a string or a list of lines)."""
    try:
        import nbformat
    except ImportError as exc:  # pragma: no cover - optional extra
        raise NotebookError("reading notebooks needs nbformat (pip install 'euron-grade[notebooks]')") from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise NotebookError("not a notebook: the file is not UTF-8 text") from None
    try:
        nb = nbformat.reads(text, as_version=4)
        cells = nb.get("cells", [])
        if not isinstance(cells, list):
            raise ValueError("cells is not a list")
    except Exception as exc:  # noqa: BLE001 - nbformat raises several kinds
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise NotebookError(f"not a valid notebook (not JSON or not nbformat: {first[:120]})") from None
    found = []
    for index, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(str(s) for s in source)
        found.append((index, str(source).replace("\r\n", "\n").replace("\r", "\n")))
    return found


# -- IPython's syntax -------------------------------------------------------------------

#: Line magics IPython runs without ``%`` (automagic) and shell commands it aliases.
AUTOMAGIC = frozenset("""
    alias autocall autoreload bookmark cat cd clear colors conda config cp debug dhist dirs doctest_mode
    ed edit env gui hist history killbgscripts ldir less load load_ext lf lk ll logon logoff logstart
    logstate logstop ls lsmagic lx macro magic man matplotlib mkdir more mv notebook page pastebin pdb
    pdef pdoc pfile pinfo pinfo2 pip popd pprint precision prun psearch psource pushd pwd pycat pylab
    qtconsole quickref recall rehashx reload_ext rep rerun reset reset_selective rm rmdir run save sc
    set_env sx system tb tensorflow_version time timeit unalias unload_ext who who_ls whos xdel xmode
""".split())
#: Cell magics whose body is Python run in the notebook's namespace.
PYTHON_CELL_MAGICS = frozenset({"time", "capture"})
_ESCAPED = re.compile(r"^\s*(?:[%!]|\?)")                       # %magic, !shell, ?help
_HELP = re.compile(r"^\s*[\w.]+\?\??\s*$")                      # np.sum?  np.sum??
_CAPTURED = re.compile(r"^\s*[\w.]+(?:\s*,\s*[\w.]+)*\s*=\s*[%!]")   # files = !ls   t = %timeit -o f()
_FIRST_WORD = re.compile(r"^([A-Za-z_]\w*)(?=\s|$)")


def _is_automagic(line: str) -> bool:
    """``cd /content/drive``, ``pip install h5py``, ``ls -la`` at column 0, when the line
    on its own is not Python (``ls = [1]`` and ``cd(x)`` stay)."""
    m = _FIRST_WORD.match(line)
    if not m or m.group(1) not in AUTOMAGIC:
        return False
    try:
        ast.parse(line)
    except SyntaxError:
        return True
    rest = line[m.end():].strip()
    return rest == "" or rest.startswith("-")   # `ls`, `pwd`, `ls -la` (dropped either way)


def _string_interior_rows(source: str) -> set[int] | None:
    """Rows (1-based) that begin inside a multi-line string literal, or None when
    ``source`` cannot be tokenized."""
    rows: set[int] = set()
    fstring_start = getattr(tokenize, "FSTRING_START", None)
    fstring_end = getattr(tokenize, "FSTRING_END", None)
    open_fstrings: list[int] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == fstring_start:
                open_fstrings.append(tok.start[0])
            elif tok.type == fstring_end and open_fstrings:
                start = open_fstrings.pop()
                rows.update(range(start + 1, tok.end[0] + 1))
            elif tok.type == tokenize.STRING and tok.end[0] > tok.start[0]:
                rows.update(range(tok.start[0] + 1, tok.end[0] + 1))
    except (tokenize.TokenError, SyntaxError):
        return None
    return rows


def without_ipython(source: str) -> str:
    """``source`` with IPython's own syntax blanked (line numbers unchanged)."""
    lines = source.split("\n")
    first = next((i for i, ln in enumerate(lines) if ln.strip() and not ln.lstrip().startswith("#")), None)
    if first is not None and lines[first].lstrip().startswith("%%"):
        name = lines[first].lstrip()[2:].split(None, 1)[0] if lines[first].strip() != "%%" else ""
        if name not in PYTHON_CELL_MAGICS:
            return ""
        lines[first] = ""
    blanked = {}
    for i, line in enumerate(lines):
        if (_ESCAPED.match(line) or _HELP.match(line) or _CAPTURED.match(line)
                or _is_automagic(line)):
            blanked[i] = line
            lines[i] = ""
    if blanked:
        # A line blanked inside a multi-line string was text, not a magic: put it back.
        inside = _string_interior_rows("\n".join(lines)) or set()
        for i in sorted(blanked):
            if i + 1 in inside:
                lines[i] = blanked[i]
    return "\n".join(lines)


# -- what is kept ------------------------------------------------------------------------

_DEFINITIONS = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_NOT_PLAIN = (ast.Call, ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp,
              ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr)


def _plain_value(node: ast.AST | None) -> bool:
    return node is not None and not any(isinstance(n, _NOT_PLAIN) for n in ast.walk(node))


def _name_targets(target: ast.AST) -> bool:
    if isinstance(target, ast.Name):
        return True
    if isinstance(target, (ast.Tuple, ast.List)):
        return all(_name_targets(e.value if isinstance(e, ast.Starred) else e) for e in target.elts)
    return False


def is_kept(node: ast.stmt) -> bool:
    """An import, a definition, a plain constant assignment (no call, names as
    targets), or a ``try``/``if`` block made of those."""
    if isinstance(node, _DEFINITIONS):
        return True
    if isinstance(node, ast.Assign):
        return all(_name_targets(t) for t in node.targets) and _plain_value(node.value)
    if isinstance(node, ast.AnnAssign):
        return isinstance(node.target, ast.Name) and _plain_value(node.value)
    if isinstance(node, ast.Pass) or (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):
        return True
    if isinstance(node, ast.If):
        return _plain_value(node.test) and all(is_kept(n) for n in node.body + node.orelse)
    if isinstance(node, ast.Try):
        handlers = [n for h in node.handlers for n in h.body]
        return (all(h.type is None or _plain_value(h.type) for h in node.handlers)
                and all(is_kept(n) for n in node.body + handlers + node.orelse + node.finalbody))
    return False


def is_grader_import(node: ast.stmt) -> bool:
    """``from grader.notebook import check``: a student pack's check cell, never part of a submission."""
    if isinstance(node, ast.Import):
        return any(a.name == "grader" or a.name.startswith("grader.") for a in node.names)
    if isinstance(node, ast.ImportFrom):
        return node.level == 0 and (node.module or "").split(".")[0] == "grader"
    return False


def bound_names(node: ast.AST) -> list[str]:
    """The module-level names a top-level statement binds (``*`` for a star import)."""
    names: list[str] = []

    def visit(n: ast.AST) -> None:
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(n.name)
            return
        if isinstance(n, (ast.Import, ast.ImportFrom)):
            for alias in n.names:
                names.append(alias.asname or alias.name.split(".")[0])
            return
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
            names.append(n.id)
        if isinstance(n, ast.ExceptHandler) and n.name:
            names.append(n.name)
        if isinstance(n, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            return
        for child in ast.iter_child_nodes(n):
            visit(child)

    visit(node)
    return list(dict.fromkeys(names))


def defined_functions(source: str) -> set[str]:
    """Names of the functions a module source defines at top level (inside
    top-level ``try``/``if`` blocks too, as a converted notebook has them)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    found, stack = set(), list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found.add(node.name)
        elif isinstance(node, ast.Try):
            stack += node.body + node.orelse + node.finalbody + [n for h in node.handlers for n in h.body]
        elif isinstance(node, ast.If):
            stack += node.body + node.orelse
    return found


# -- the module ---------------------------------------------------------------------------

_PRELUDE = '''\
__notebook__ = {{"file": {name}, "skipped": []}}


def __notebook_failed__(cell, line, statement, names, error):
    """Record a kept statement of the notebook that raised, instead of stopping the load."""
    try:
        text = f"{{type(error).__name__}}: {{error}}"
    except BaseException:
        text = type(error).__name__
    __notebook__["skipped"].append({{"cell": cell, "line": line, "statement": statement, "names": names,
                                    "error": text[:300]}})

'''


@dataclasses.dataclass
class Converted:
    """A notebook as one module: its source, the functions it defines, what was
    skipped before anything ran (cells that do not parse), how many top-level
    statements are not run, and one-line notes on those."""

    source: str
    defines: set[str]
    skipped: list[dict]
    not_run: int
    notes: list[str]


def _brief(text: str, width: int = 60) -> str:
    line = text.strip().split("\n", 1)[0].strip()
    return line if len(line) <= width and "\n" not in text.strip() else line[:width].rstrip() + " …"


def _indented(text: str) -> str | None:
    """``text`` indented by four spaces, but for the rows inside multi-line strings."""
    inside = _string_interior_rows(text)
    if inside is None:
        return None
    return "\n".join(line if row in inside or not line.strip() else "    " + line
                     for row, line in enumerate(text.split("\n"), start=1))


def _same(node: ast.AST, text: str) -> bool:
    try:
        body = ast.parse(text).body
    except SyntaxError:
        return False
    return len(body) == 1 and ast.dump(body[0]) == ast.dump(node)


def _wrapped(node: ast.stmt, text: str, cell: int, line: int, name: str) -> str | None:
    """The statement in a ``try`` that records its failure; None if it cannot be
    wrapped without changing it (checked on the syntax tree) or does not compile."""
    for candidate in (text, ast.unparse(node)):
        if not _same(node, candidate):
            continue
        body = _indented(candidate)
        if body is None:
            continue
        names = bound_names(node)
        code = (f"try:\n{body}\n"
                f"except BaseException as __notebook_error__:\n"
                f"    __notebook_failed__({cell}, {line}, {_brief(text)!r}, {names!r}, __notebook_error__)\n")
        try:
            tree = ast.parse(code)
            if ast.dump(tree.body[0].body[0]) != ast.dump(node):
                continue
            compile(code, name, "exec")
        except SyntaxError:
            return None
        return code
    return None


def convert(data: bytes, name: str) -> Converted:
    """The notebook ``name`` (bytes ``data``) as one module; raises NotebookError
    when it is not a notebook."""
    futures: list[str] = []
    pieces: list[tuple[int, int, str]] = []     # (cell, line, wrapped code)
    skipped: list[dict] = []
    not_run: dict[str, list[int]] = {}
    not_run_count = 0
    defines: set[str] = set()
    for cell, raw in code_cells(data):
        source = without_ipython(raw)
        try:
            tree = ast.parse(source)
        except SyntaxError as exc:
            defs = re.findall(r"^(?:async\s+)?def\s+([A-Za-z_]\w*)|^class\s+([A-Za-z_]\w*)", source, re.M)
            skipped.append({"cell": cell, "line": int(exc.lineno or 1), "statement": "",
                            "names": [a or b for a, b in defs],
                            "error": f"{type(exc).__name__}: {exc.msg}", "parse": True})
            continue
        lines = source.split("\n")
        for node in tree.body:
            first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
            text = "\n".join(lines[first - 1:node.end_lineno])
            if isinstance(node, ast.ImportFrom) and node.module == "__future__":
                futures.append(text.strip())
                continue
            if is_grader_import(node):
                continue
            if not is_kept(node):
                not_run_count += 1
                for bound in bound_names(node):
                    not_run.setdefault(bound, [cell, first])
                continue
            code = _wrapped(node, text, cell, first, name)
            if code is None:
                skipped.append({"cell": cell, "line": first, "statement": _brief(text), "names": bound_names(node),
                                "error": "SyntaxError: this statement cannot be loaded on its own"})
                continue
            pieces.append((cell, first, code))
            defines.update(defined_functions(code))
    header = (f"# The notebook {name}, as euron-grade grades it: its imports, definitions and constants,\n"
              f"# each loaded on its own as in Jupyter (one that fails is recorded in __notebook__).\n")
    out = header + "".join(f"{f}\n" for f in dict.fromkeys(futures)) + _PRELUDE.format(name=repr(name))
    line_map = []
    for cell, first, code in pieces:
        out += f"\n# cell {cell}, line {first}\n"
        line_map.append([out.count("\n") + 2, cell, first])    # the row below `try:`
        out += code
    static = {"skipped_before": skipped, "not_run": not_run_count, "not_run_names": not_run, "lines": line_map}
    out += f"\n__notebook__.update({static!r})\n"
    try:
        compile(out, name, "exec")
    except SyntaxError as exc:  # pragma: no cover - each piece compiled on its own
        raise NotebookError(f"could not be converted to a module ({exc.msg}, line {exc.lineno})") from None
    notes = [f"{name}: code cell {s['cell']} skipped ({'syntax error on its line ' + str(s['line'])})"
             for s in skipped if s.get("parse")]
    if not_run_count:
        notes.append(f"{name}: {not_run_count} top-level statement(s) that are not imports or definitions "
                     f"were not run")
    return Converted(out, defines, skipped, not_run_count, notes)


def notebook_source(data: bytes, name: str) -> tuple[str, list[str]]:
    """(the module's source, notes on what was skipped before running): see :func:`convert`."""
    converted = convert(data, name)
    return converted.source, converted.notes


# -- what comes back from the student's process (message text only) ---------------------

MAX_ENTRIES = 200


def _text(value, limit: int = 300) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _int(value) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**7 else 0


@dataclasses.dataclass
class Context:
    """What the grader knows about the graded file: ``public`` goes into the
    result (``source``); the rest serves :func:`explain` and :func:`map_traceback`."""

    public: dict
    not_run_names: dict[str, tuple[int, int]] = dataclasses.field(default_factory=dict)
    lines: list[tuple[int, int, int]] = dataclasses.field(default_factory=list)
    module_file: str = ""


def source_info(hello: dict, module: str, notebook: str | None = None) -> Context:
    """Which file was graded and what was skipped, from the worker's hello.
    ``notebook``: the notebook's name when the grader converted it itself;
    otherwise a module that reports ``__notebook__`` is taken for a converted notebook."""
    reported = hello.get("notebook") if isinstance(hello, dict) else None
    module_file = f"{module}.py"
    if not isinstance(reported, dict):
        if notebook is None:
            return Context({"file": module_file, "kind": "py", "skipped": [], "not_run": 0}, module_file=module_file)
        reported = {}
    entries = []
    for key in ("skipped_before", "skipped"):
        items = reported.get(key)
        for e in (items if isinstance(items, list) else [])[:MAX_ENTRIES]:
            if not isinstance(e, dict):
                continue
            names = e.get("names") if isinstance(e.get("names"), list) else []
            entries.append({"cell": _int(e.get("cell")), "line": _int(e.get("line")),
                            "statement": _text(e.get("statement"), 80), "error": _text(e.get("error")),
                            "names": [n[:80] for n in names[:50] if isinstance(n, str)],
                            "parse": e.get("parse") is True})
    entries.sort(key=lambda e: (e["cell"], e["line"]))
    not_run = {}
    raw = reported.get("not_run_names")
    for name, where in (raw.items() if isinstance(raw, dict) else []):
        if isinstance(name, str) and isinstance(where, list) and len(where) == 2:
            not_run[name[:80]] = (_int(where[0]), _int(where[1]))
    for e in entries:      # X = X_orig / 255. failed because X_orig = load() is not run
        m = _NAME_ERROR.search(e["error"]) if e["error"].startswith("NameError") else None
        if m and m.group(1) in not_run:
            e["not_run"] = {"name": m.group(1), "cell": not_run[m.group(1)][0], "line": not_run[m.group(1)][1]}
    lines = [(_int(r[0]), _int(r[1]), _int(r[2])) for r in (reported.get("lines") or [])
             if isinstance(r, list) and len(r) == 3] if isinstance(reported.get("lines"), list) else []
    file = notebook or _text(reported.get("file"), 120) or module_file
    public = {"file": file, "kind": "notebook", "skipped": entries, "not_run": _int(reported.get("not_run"))}
    return Context(public, not_run, sorted(lines), module_file)


MESSAGES = {
    "en": {
        "import": "{function} uses {name}, whose import failed in cell {cell}: {message}",
        "failed": "{function} uses {name}, whose definition in cell {cell} (line {line}) failed: {error}",
        "missing": "{function} was not defined: its definition in cell {cell} (line {line}) failed: {error}",
        "missing_parse": "{function} was not defined: cell {cell}, which defines it, does not parse "
                         "(line {line}: {error}), so the whole cell was skipped.",
        "star": "{function} uses {name}, which nothing defines; it may come from `{statement}` in cell {cell}, "
                "which failed: {error}",
        "not_run": "{function} uses {name}, which the notebook sets in cell {cell} (line {line}) with a top-level "
                   "statement that is not run when grading (only imports, definitions and constants without "
                   "calls are loaded): compute it inside the function or pass it as an argument.",
        "file_py": "Graded file: {file}",
        "file_nb": "Graded file: {file} (notebook: imports, definitions and constants loaded cell by cell{clause})",
        "skipped": "Skipped ({count}):",
        "skipped_above": "{count} skipped, listed at the top of this feedback",
        "entry": "cell {cell}, line {line}: {statement} — {error}",
        "because": " ({name} is set in cell {cell}, line {line}, by a top-level statement that is not run)",
        "not_run_clause": "; {not_run} other top-level statements not run",
        "entry_parse": "cell {cell}, line {line}: the cell does not parse and was skipped ({error})",
    },
    "ko": {
        "import": "{function}에서 사용하는 {name}의 import가 셀 {cell}에서 실패했습니다: {message}",
        "failed": "{function}에서 사용하는 {name}의 정의가 셀 {cell}의 {line}번째 줄에서 실패했습니다: {error}",
        "missing": "{function}의 정의가 셀 {cell}의 {line}번째 줄에서 실패해 건너뛰었습니다: {error}",
        "missing_parse": "{function}의 정의가 있는 셀 {cell}에 구문 오류가 있어({line}번째 줄: {error}) "
                         "셀 전체를 건너뛰었습니다.",
        "star": "{function}에서 사용하는 {name}의 정의를 찾을 수 없습니다. 셀 {cell}의 `{statement}`에서 "
                "왔을 수 있는데, 이 문장이 실패했습니다: {error}",
        "not_run": "{function}에서 사용하는 {name}의 값은 셀 {cell}의 {line}번째 줄에 있는 최상위 문장에서 "
                   "만들어집니다. 채점할 때는 import, 정의, 호출 없는 상수만 불러오고 그 밖의 최상위 문장은 "
                   "실행하지 않습니다. 함수 안에서 계산하거나 인자로 받으세요.",
        "file_py": "채점한 파일: {file}",
        "file_nb": "채점한 파일: {file}(노트북: import, 정의, 상수를 셀별로 불러옴{clause})",
        "skipped": "건너뛴 문장 {count}개:",
        "skipped_above": "건너뛴 문장 {count}개는 이 피드백 맨 위에 있음",
        "entry": "셀 {cell}, {line}번째 줄: {statement} — {error}",
        "because": " ({name}의 값은 셀 {cell}의 {line}번째 줄, 실행하지 않는 최상위 문장에서 만들어짐)",
        "not_run_clause": ". 그 밖의 최상위 문장 {not_run}개는 실행하지 않음",
        "entry_parse": "셀 {cell}, {line}번째 줄: 구문 오류로 셀 전체를 건너뜀({error})",
    },
}


def _words(lang: str) -> dict:
    return korean.table(MESSAGES, lang)


_NAME_ERROR = re.compile(r"name '([A-Za-z_]\w*)' is not defined")


def reason(context: Context | None, code: str, params: dict, function: str) -> dict | None:
    """Why ``function`` failed, as data (``{"key": ..., "values": {...}}``), when it is
    because of something the notebook's loading skipped: a ``NameError`` of a
    skipped or not-run name, or a definition that was skipped (``missing``)."""
    if context is None or context.public.get("kind") != "notebook":
        return None
    if code == "missing":
        name = function
    elif code in ("raised", "wrong_exception") and params.get("type") == "NameError":
        m = _NAME_ERROR.search(str(params.get("message", "")))
        if not m:
            return None
        name = m.group(1)
    else:
        return None
    entries = context.public.get("skipped", [])
    hits = [e for e in entries if name in e["names"]]
    if hits:
        e = hits[-1]
        message = e["error"].split(": ", 1)[-1]
        values = dict(function=function, name=name, cell=e["cell"], line=e["line"], error=e["error"],
                      message=message, statement=e["statement"])
        if code == "missing":
            return {"key": "missing_parse" if e["parse"] else "missing", "values": values}
        is_import = e["statement"].startswith(("import ", "from "))
        return {"key": "import" if is_import else "failed", "values": values}
    if name in context.not_run_names:
        cell, line = context.not_run_names[name]
        return {"key": "not_run", "values": dict(function=function, name=name, cell=cell, line=line)}
    stars = [e for e in entries if "*" in e["names"]]
    if stars and code != "missing":
        e = stars[-1]
        return {"key": "star", "values": dict(function=function, name=name, cell=e["cell"],
                                              statement=e["statement"], error=e["error"])}
    return None


def explain(found: dict | None, lang: str) -> str | None:
    """The sentence of a ``reason``, in ``lang``."""
    if not found:
        return None
    return kformat(_words(lang)[found["key"]], **found["values"])


def explain_for(context: Context | None, code: str, params: dict, function: str, lang: str) -> str | None:
    """``reason`` and ``explain`` in one step."""
    return explain(reason(context, code, params, function), lang)


def map_traceback(text: str, context: Context | None) -> str:
    """``File "exercise2.py", line 57`` -> ``File "hw.ipynb", cell 3, line 5`` for a converted notebook."""
    if not text or context is None or not context.lines:
        return text
    file = context.public["file"]

    def where(m: re.Match) -> str:
        row = int(m.group(1))
        starts = [r for r in context.lines if r[0] <= row]
        if not starts:
            return m.group(0)
        start, cell, first = starts[-1]
        return f'File "{file}", cell {cell}, line {first + row - start}'

    return re.sub(rf'File "{re.escape(context.module_file)}", line (\d+)', where, text)


def skipped_lines(entries: list[dict], lang: str) -> list[str]:
    """One line per skipped statement."""
    w = _words(lang)
    return [w["entry_parse" if e.get("parse") else "entry"].format(**e)
            + (w["because"].format(**e["not_run"]) if isinstance(e.get("not_run"), dict) else "")
            for e in entries]


def source_lines(source: dict | None, lang: str, list_skipped: bool = True) -> list[str]:
    """Which file was graded, and (once, briefly) what was skipped."""
    if not source:
        return []
    w = _words(lang)
    if source.get("kind") != "notebook":
        return [w["file_py"].format(file=source.get("file", ""))]
    not_run = source.get("not_run", 0)
    clause = w["not_run_clause"].format(not_run=not_run) if not_run else ""
    lines = [w["file_nb"].format(file=source.get("file", ""), clause=clause)]
    skipped = source.get("skipped") or []
    if skipped and list_skipped:
        lines.append(w["skipped"].format(count=len(skipped)))
        lines += ["  " + s for s in skipped_lines(skipped, lang)]
    elif skipped:
        lines[0] += "; " + w["skipped_above"].format(count=len(skipped))
    return lines


def skipped_notebooks(results) -> set[tuple[str, str]]:
    """(student, notebook) of every stored result graded from a notebook with skipped
    statements; ``results``: {(student, exercise): result dict}."""
    found = set()
    for (student, _exercise), result in results.items():
        source = result.get("source") if isinstance(result, dict) else None
        if isinstance(source, dict) and source.get("kind") == "notebook" and source.get("skipped"):
            found.add((student, str(source.get("file"))))
    return found


def skipped_once(results: list[dict], lang: str | None = None) -> list[str]:
    """Markdown bullets listing, once per notebook, what loading it skipped, from a
    student's stored results (one per exercise graded from it), in ``lang`` (by
    default the language the results were rendered in)."""
    by_file: dict[str, dict] = {}
    explicit, lang = lang, lang or "en"
    for result in results:
        source = result.get("source") if isinstance(result, dict) else None
        if not (isinstance(source, dict) and source.get("kind") == "notebook"):
            continue
        lang = explicit or result.get("lang", lang)
        entries = by_file.setdefault(str(source.get("file")), {})
        for e in source.get("skipped") or []:
            entries.setdefault((e.get("cell"), e.get("line"), e.get("statement"), e.get("error")), e)
    w = _words(lang)
    lines = []
    for file, entries in sorted(by_file.items()):
        if entries:
            lines.append(f"- {file}: " + w["skipped"].format(count=len(entries)))
            lines += [f"  - {s}" for s in skipped_lines(sorted(entries.values(), key=lambda e: (e["cell"], e["line"])),
                                                        lang)]
    return lines
