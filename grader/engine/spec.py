"""Exercise specs: instructor-editable YAML -> frozen dataclasses, validated on load.

Every problem is reported as one line naming the file and the key, e.g.
``grader/content/specs/exercise3.yaml: functions[0].points: expected a number, got 'four'``.
"""
from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from grader.expected import FUNCTIONS
from grader.engine.compare import Tolerance
from grader.errors import SpecError
from grader.sandbox import Limits

SPEC_DIR = Path(__file__).resolve().parents[1] / "content" / "specs"
PACK_SPEC_DIR = Path(__file__).resolve().parents[1] / "banks"   # a student pack: specs beside the banks
SPEC_DIR_ENV = "EURON_GRADE_SPECS"


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    points: float
    hint_en: str = ""
    hint_ko: str = ""

    def hint(self, lang: str) -> str:
        return (self.hint_ko if lang == "ko" else self.hint_en) or self.hint_en


@dataclass(frozen=True)
class Spec:
    """One exercise: which functions, their points, tolerance, limits and hints."""

    name: str
    aliases: tuple[str, ...]
    title_en: str
    title_ko: str
    functions: tuple[FunctionSpec, ...]
    tolerance: Tolerance
    examples: int
    limits: Limits
    path: str
    bank_examples: int = 40      # generated inputs in the public case bank (euron-grade release)
    scoring: str = "functions"   # "functions": all-or-nothing per function; "cases": split over case groups
    weights: tuple = ()          # ((group, weight), ...) with scoring "cases" (grader.engine.scoring.GROUPS)
    gradescope: tuple = ()       # ((key, visibility), ...): "visibility", "generated_visibility"

    def weight(self, group: str) -> float:
        return dict(self.weights).get(group, 1.0)

    def visibility(self, group: str | None = None) -> str:
        """Gradescope visibility of a test of this exercise (of a case ``group``)."""
        settings = dict(self.gradescope)
        base = settings.get("visibility", "visible")
        return settings.get("generated_visibility", base) if group == "generated" else base

    @property
    def max_score(self) -> float:
        return sum(f.points for f in self.functions)

    def title(self, lang: str) -> str:
        return self.title_ko if lang == "ko" else self.title_en


class _Reader:
    """Typed access to a YAML mapping with errors that name file and key."""

    def __init__(self, path: str, data, where: str = "") -> None:
        self.path, self.data, self.where = path, data, where

    def fail(self, key: str, message: str) -> SpecError:
        return SpecError(f"{self.path}: {self.where}{key}: {message}")

    def mapping(self, allowed: set[str], required: set[str]) -> None:
        if not isinstance(self.data, dict):
            raise SpecError(f"{self.path}: {self.where or 'top level'}: expected a mapping")
        for key in self.data:
            if key not in allowed:
                raise self.fail(str(key), f"unknown key (allowed: {', '.join(sorted(allowed))})")
        for key in sorted(required - set(self.data)):
            raise self.fail(key, "missing")

    def get(self, key: str, kind, default=None, *, minimum=None):
        value = self.data.get(key, default)
        names = {str: "a string", int: "an integer", float: "a number", list: "a list", dict: "a mapping"}
        ok = isinstance(value, kind) and not isinstance(value, bool)
        if kind is float:
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not ok:
            raise self.fail(key, f"expected {names[kind]}, got {value!r}")
        if minimum is not None and value < minimum:
            raise self.fail(key, f"must be at least {minimum}, got {value!r}")
        return value

    def child(self, key: str, data) -> "_Reader":
        return _Reader(self.path, data, f"{self.where}{key}.")


def _text(reader: _Reader, key: str) -> tuple[str, str]:
    value = reader.data.get(key, {})
    if isinstance(value, str):
        return value, value
    sub = reader.child(key, value)
    sub.mapping({"en", "ko"}, {"en"})
    return sub.get("en", str), sub.get("ko", str, sub.data["en"])


def parse_spec(path: str, data) -> Spec:
    top = _Reader(path, data)
    top.mapping({"name", "aliases", "title", "functions", "tolerance", "examples", "bank_examples", "limits",
                 "scoring", "weights", "gradescope"},
                {"name", "title", "functions"})
    name = top.get("name", str)
    aliases = top.get("aliases", list, [])
    for i, alias in enumerate(aliases):
        if not isinstance(alias, str):
            raise top.fail(f"aliases[{i}]", f"expected a string, got {alias!r}")
    title_en, title_ko = _text(top, "title")
    tol = top.child("tolerance", top.get("tolerance", dict, {}))
    tol.mapping({"rtol", "atol"}, set())
    base_tol = Tolerance()
    tolerance = Tolerance(rtol=float(tol.get("rtol", float, base_tol.rtol, minimum=0)),
                          atol=float(tol.get("atol", float, base_tol.atol, minimum=0)))
    lim = top.child("limits", top.get("limits", dict, {}))
    lim.mapping({"time_s", "import_time_s", "memory_mb", "cpu_s", "nproc", "file_mb"}, set())
    base = Limits()
    limits = Limits(time_s=float(lim.get("time_s", float, base.time_s, minimum=0.1)),
                    import_time_s=float(lim.get("import_time_s", float, base.import_time_s, minimum=0.1)),
                    memory_mb=lim.get("memory_mb", int, base.memory_mb, minimum=16),
                    cpu_s=lim.get("cpu_s", int, base.cpu_s, minimum=1),
                    nproc=lim.get("nproc", int, base.nproc, minimum=1),
                    file_mb=lim.get("file_mb", int, base.file_mb, minimum=1))
    functions = []
    for i, entry in enumerate(top.get("functions", list)):
        fr = top.child(f"functions[{i}]", entry)
        fr.mapping({"name", "points", "hint"}, {"name", "points"})
        fname = fr.get("name", str)
        if fname not in FUNCTIONS or FUNCTIONS[fname].exercise != name:
            raise fr.fail("name", f"{fname!r} is not a function of {name}")
        hint_en, hint_ko = _text(fr, "hint") if "hint" in entry else ("", "")
        functions.append(FunctionSpec(fname, float(fr.get("points", float, minimum=0)), hint_en, hint_ko))
    if not functions:
        raise top.fail("functions", "lists no function")
    scoring, weights = _scoring(top)
    return Spec(name=name, aliases=tuple(aliases), title_en=title_en, title_ko=title_ko,
                functions=tuple(functions), tolerance=tolerance,
                examples=top.get("examples", int, 50, minimum=0), limits=limits, path=path,
                bank_examples=top.get("bank_examples", int, Spec.bank_examples, minimum=0),
                scoring=scoring, weights=weights, gradescope=_gradescope(top))


SCORINGS = ("functions", "cases")
CASE_GROUPS = ("lecture", "edge", "generated")    # grader.engine.scoring's groups, in this order
VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")    # Gradescope's


def _scoring(top: _Reader) -> tuple[str, tuple]:
    """``scoring`` (functions or cases) and, with cases, ``weights`` per case group (default 1 each)."""
    scoring = top.get("scoring", str, "functions")
    if scoring not in SCORINGS:
        raise top.fail("scoring", f"expected one of {', '.join(SCORINGS)}, got {scoring!r}")
    if "weights" not in top.data:
        return scoring, ()
    if scoring != "cases":
        raise top.fail("weights", "only with scoring: cases")
    w = top.child("weights", top.get("weights", dict))
    w.mapping(set(CASE_GROUPS), set())
    weights = tuple((g, float(w.get(g, float, minimum=0))) for g in CASE_GROUPS if g in w.data)
    if weights and not any(v > 0 for _, v in weights) and len(weights) == len(CASE_GROUPS):
        raise top.fail("weights", "every weight is 0")
    return scoring, weights


def _gradescope(top: _Reader) -> tuple:
    """Gradescope visibility of the exercise's tests, and of its generated cases' tests."""
    if "gradescope" not in top.data:
        return ()
    g = top.child("gradescope", top.get("gradescope", dict))
    g.mapping({"visibility", "generated_visibility"}, set())
    found = []
    for key in ("visibility", "generated_visibility"):
        if key in g.data:
            value = g.get(key, str)
            if value not in VISIBILITIES:
                raise g.fail(key, f"expected one of {', '.join(VISIBILITIES)}, got {value!r}")
            found.append((key, value))
    return tuple(found)


def load_spec_file(path: str | os.PathLike) -> Spec:
    """The spec in ``path``, parsed once per content of the file (a run looks specs up
    many times, for every report of every student; an edited file is parsed again)."""
    path = str(path)
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as exc:
        raise SpecError(f"{path}: cannot read ({exc.strerror})") from None
    return _parsed_spec(path, raw)


@functools.lru_cache(maxsize=64)
def _parsed_spec(path: str, raw: bytes) -> Spec:
    try:
        data = yaml.safe_load(raw.decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        detail = str(exc).splitlines()[0]
        raise SpecError(f"{path}: not valid YAML ({detail})") from None
    return parse_spec(path, data)


def spec_dir() -> Path:
    if os.environ.get(SPEC_DIR_ENV):
        return Path(os.environ[SPEC_DIR_ENV])
    return SPEC_DIR if SPEC_DIR.is_dir() else PACK_SPEC_DIR


def all_specs() -> list[Spec]:
    """Every exercise spec, in exercise order."""
    return [load_spec_file(p) for p in sorted(spec_dir().glob("exercise*.yaml"))]


def load_spec(name: str) -> Spec:
    """The spec of ``name``: an exercise name (``exercise3``) or one of its aliases (``pooling``)."""
    wanted = name.strip().lower()
    specs = all_specs()
    for spec in specs:
        if wanted == spec.name or wanted in spec.aliases:
            return spec
    known = ", ".join(s.name for s in specs)
    raise SpecError(f"unknown exercise {name!r} (known: {known}; `euron-grade list` shows them)")
