"""The question bank: YAML -> validated, frozen specs.

Every problem is reported as a :class:`BankError` naming the file, the kind
and the field, e.g. ``bank.yaml: kinds.conv_output.params.S: 0 is below 1``.
"""
from __future__ import annotations

import hashlib
import string
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from ..korean import particle_fields
from .errors import BankError
from .kinds import KINDS

LANGS = ("ko", "en")
"""The languages every text of the bank is written in."""

_NONNEGATIVE = {"P", "b", "pixel", "bias"}
_ANY_SIGN = {"weight"}
_MAX_RANGE = 10_000


@dataclass(frozen=True)
class Words:
    """A text chosen by a parameter's value, ``texts[lang][int(params[param])]``, or by one of
    the kind's index fields (``Kind.index_fields``). The texts may use the kind's fields."""

    param: str
    texts: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class KindSpec:
    """One kind of question as the bank describes it."""

    name: str
    title: dict[str, str]
    params: dict[str, tuple[int, ...]]
    text: dict[str, str]
    solution: dict[str, str]
    misconceptions: dict[str, dict[str, str]]
    choices: int
    words: dict[str, Words]


@dataclass(frozen=True)
class Bank:
    """The whole bank: sheet wording, figure captions and kinds in bank order."""

    title: dict[str, str]
    convention: dict[str, str]
    figures: dict[str, dict[str, str]]
    kinds: dict[str, KindSpec]
    digest: str
    source: str


def default_bank_path() -> Path:
    """The bank shipped with the package."""
    return Path(str(resources.files("grader.quiz").joinpath("bank.yaml")))


def load_bank(path: str | Path | None = None) -> Bank:
    """Read and validate a bank file (the shipped one by default)."""
    p = Path(path) if path is not None else default_bank_path()
    try:
        raw = p.read_bytes()
    except OSError as e:
        raise BankError(f"cannot read question bank {p}: {e.strerror or e}") from None
    try:
        data = yaml.safe_load(raw.decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise BankError(f"{p.name}: not valid YAML: {first}") from None
    return parse_bank(data, source=p.name, digest=hashlib.sha256(raw).hexdigest())


def parse_bank(data: Any, *, source: str = "bank", digest: str = "") -> Bank:
    """Validate already-parsed YAML data into a :class:`Bank`."""
    v = _Validator(source)
    top = v.mapping(data, "")
    sheet = v.mapping(top.get("sheet"), "sheet")
    title = v.texts(sheet.get("title"), "sheet.title")
    convention = v.texts(sheet.get("convention"), "sheet.convention")
    figs = v.mapping(top.get("figures"), "figures")
    figures = {name: v.texts(val, f"figures.{name}") for name, val in figs.items()}
    for needed in ("image", "filter", "map"):
        if needed not in figures:
            v.fail(f"figures.{needed}", "is missing")
    kinds_raw = v.mapping(top.get("kinds"), "kinds")
    if not kinds_raw:
        v.fail("kinds", "has no kinds")
    kinds = {name: _parse_kind(v, name, val) for name, val in kinds_raw.items()}
    return Bank(title, convention, figures, kinds, digest, source)


def _parse_kind(v: "_Validator", name: Any, data: Any) -> KindSpec:
    where = f"kinds.{name}"
    if name not in KINDS:
        v.fail(where, f"is not a known kind (known: {', '.join(KINDS)})")
    kind = KINDS[name]
    d = v.mapping(data, where)
    unknown = set(d) - {"title", "params", "text", "solution", "misconceptions", "choices", "words"}
    if unknown:
        v.fail(where, f"has unknown field(s) {', '.join(sorted(map(str, unknown)))}")
    params_raw = v.mapping(d.get("params"), f"{where}.params")
    missing = [p for p in kind.params if p not in params_raw]
    extra = [p for p in params_raw if p not in kind.params]
    if missing:
        v.fail(f"{where}.params", f"is missing {', '.join(missing)}")
    if extra:
        v.fail(f"{where}.params", f"has unknown parameter(s) {', '.join(map(str, extra))}")
    params = {p: v.int_range(params_raw[p], f"{where}.params.{p}", _minimum(p)) for p in kind.params}

    choices = d.get("choices", 4)
    if isinstance(choices, bool) or not isinstance(choices, int) or not 2 <= choices <= 6:
        v.fail(f"{where}.choices", f"must be an integer from 2 to 6, not {choices!r}")

    fields = set(kind.params) | set(kind.extra_fields)
    words = {}
    for field, wd in v.mapping(d.get("words", {}), f"{where}.words").items():
        wd = v.mapping(wd, f"{where}.words.{field}")
        param = wd.get("param")
        if param in kind.params:
            lo, count = min(params[param]), max(params[param]) + 1
        elif param in kind.index_fields:
            lo, count = 0, kind.index_fields[param]
        else:
            v.fail(f"{where}.words.{field}.param", f"must name a parameter of {name}"
                   + (f" or one of {', '.join(kind.index_fields)}" if kind.index_fields else ""))
        texts = {}
        for lang in LANGS:
            seq = wd.get(lang)
            if not isinstance(seq, list) or not all(isinstance(s, str) for s in seq):
                v.fail(f"{where}.words.{field}.{lang}", "must be a list of strings")
            if count > len(seq) or lo < 0:
                v.fail(f"{where}.words.{field}.{lang}", f"needs one entry per value of {param}")
            for i, entry in enumerate(seq):
                v.template(entry, f"{where}.words.{field}.{lang}[{i}]", fields | {"answer"})
            texts[lang] = tuple(seq)
        words[str(field)] = Words(param, texts)

    mis_raw = v.mapping(d.get("misconceptions"), f"{where}.misconceptions")
    for tag in mis_raw:
        if tag not in kind.tags:
            v.fail(f"{where}.misconceptions.{tag}",
                   f"is not a misconception {name} can compute (known: {', '.join(kind.tags)})")
    if len(mis_raw) < choices - 1:
        v.fail(f"{where}.misconceptions", f"needs at least {choices - 1} entries for {choices} choices")
    misconceptions = {str(t): v.texts(val, f"{where}.misconceptions.{t}") for t, val in mis_raw.items()}

    telling = {f for f, w in words.items() if any("{answer" in t for ts in w.texts.values() for t in ts)}
    text = v.texts(d.get("text"), f"{where}.text", fields | (set(words) - telling))
    solution = v.texts(d.get("solution"), f"{where}.solution", fields | set(words) | {"answer"})
    title = v.texts(d.get("title"), f"{where}.title")
    return KindSpec(str(name), title, params, text, solution, misconceptions, choices, words)


def _minimum(param: str) -> int | None:
    if param in _ANY_SIGN:
        return None
    return 0 if param in _NONNEGATIVE else 1


class _Validator:
    """Small helpers that raise a BankError naming the file and the field."""

    def __init__(self, source: str):
        self.source = source

    def fail(self, where: str, message: str):
        raise BankError(f"{self.source}: {where or 'top level'} {message}")

    def mapping(self, value: Any, where: str) -> dict:
        if not isinstance(value, dict):
            self.fail(where, f"must be a mapping, not {type(value).__name__}")
        return value

    def texts(self, value: Any, where: str, fields: set[str] | None = None) -> dict[str, str]:
        d = self.mapping(value, where)
        out = {}
        for lang in LANGS:
            s = d.get(lang)
            if not isinstance(s, str) or not s.strip():
                self.fail(f"{where}.{lang}", "must be a non-empty string")
            if fields is not None:
                self.template(s, f"{where}.{lang}", fields)
            out[lang] = s
        return out

    def template(self, s: str, where: str, fields: set[str]) -> None:
        """A valid template using only ``fields``, whose particles (``{N:@으로/로}``) are known pairs."""
        try:
            used = {f for _, f, _, _ in string.Formatter().parse(s) if f is not None}
            particle_fields(s)
        except ValueError as e:
            self.fail(where, f"is not a valid template: {e}")
        bad = sorted(f for f in used if f not in fields)
        if bad:
            self.fail(where, f"uses unknown field(s) {{{'}, {'.join(bad)}}} (known: {', '.join(sorted(fields))})")

    def int_range(self, value: Any, where: str, minimum: int | None) -> tuple[int, ...]:
        if isinstance(value, dict):
            lo, hi, step = value.get("min"), value.get("max"), value.get("step", 1)
            for key, x in (("min", lo), ("max", hi), ("step", step)):
                if isinstance(x, bool) or not isinstance(x, int):
                    self.fail(f"{where}.{key}", f"must be an integer, not {x!r}")
            if step < 1 or hi < lo:
                self.fail(where, f"is an empty range (min {lo}, max {hi}, step {step})")
            if (hi - lo) // step > _MAX_RANGE:
                self.fail(where, f"has more than {_MAX_RANGE} values")
            values = tuple(range(lo, hi + 1, step))
        elif isinstance(value, list) and value:
            if any(isinstance(x, bool) or not isinstance(x, int) for x in value):
                self.fail(where, f"must list integers only, not {value!r}")
            values = tuple(value)
        else:
            self.fail(where, "must be a non-empty list of integers or {min, max, step}")
        if minimum is not None and min(values) < minimum:
            self.fail(where, f"has {min(values)}, below the smallest allowed value {minimum}")
        return values
