"""Where expected outputs come from, and what the engine knows about each function.

Two sources of truth behind one interface (:class:`Reference`):

- ``solutions`` (``grader/expected/solutions.py``): the reference solutions and
  the content modules. Instructor and batch grading: fresh Hypothesis cases
  under the course seed, failures shrunk, misconceptions named by running the
  known-wrong variants.
- ``bank`` (``grader/expected/bank.py``): a frozen case bank
  (``grader/expected/bankfile.py``), made by ``euron-grade release`` or
  ``grader.expected.make``. The student pack: no reference code at all, no
  shrinking (the bank's cases run small to large, so the first failure is
  the smallest), misconceptions named by comparing the student's output with
  each variant's stored output.

The catalog below (``FUNCTIONS``, ``case_label``, ``misconception``) is what
the engine and the report need to know about functions, case labels and
misconceptions. It reads the content modules where they are installed (the
instructor's grader) and the banks otherwise (a student pack ships
``grader/banks/exerciseN.bank`` and no content module).
"""
from __future__ import annotations

import functools
import importlib.util
from collections.abc import Mapping
from pathlib import Path
from types import SimpleNamespace
from typing import Protocol

from grader.errors import GraderError

BANK_DIR = Path(__file__).resolve().parents[1] / "banks"
BANK_SUFFIX = ".bank"


class NoReference(GraderError):
    """The run needs the reference solutions, and this installation (a student pack) has none."""


class Reference(Protocol):
    """What the engine asks for expected outputs."""

    kind: str        # "solutions" | "bank"
    shrinks: bool    # can it make new cases (to shrink a generated failure)?

    def casebook(self, spec, seed: int):
        """Every case of ``spec``'s functions in grading order (a ``cases.CaseBook``)."""

    def dependency_cases(self, function: str) -> list:
        """Lecture and edge cases of ``function`` (an earlier exercise's function used here)."""

    def matching(self, case, got) -> list:
        """Misconceptions (objects with ``key``, ``en``, ``ko``) reproducing ``got`` on ``case``."""

    def describe(self) -> dict | None:
        """Provenance recorded with a result (None for the solutions)."""


@functools.cache
@functools.cache
def has_solutions() -> bool:
    """True in the instructor's grader (content modules and ``solutions`` importable).
    Looked up once: it is asked for every function lookup of every call."""
    return (importlib.util.find_spec("grader.content") is not None
            and importlib.util.find_spec("solutions") is not None)


def reference_solutions() -> Reference:
    """The reference solutions, or a one-line error in a student pack."""
    if not has_solutions():
        raise NoReference("this is a student pack: it grades against its frozen case bank only; generated "
                          "cases, --seed and batch grading need the instructor's grader (reference solutions)")
    from grader.expected.solutions import SolutionsReference
    return SolutionsReference()


def installed_bank(exercise: str) -> Path:
    return BANK_DIR / f"{exercise}{BANK_SUFFIX}"


def load_bank(path) -> Reference:
    """The bank in file ``path``; its catalog is registered for naming things."""
    from grader.expected.bank import BankReference
    return BankReference.load(path)


def for_exercise(exercise: str, *, bank_file=None, seed: int | None = None) -> Reference:
    """The source a single-exercise run uses: ``bank_file`` when given, else the
    reference solutions when installed, else the bank installed with the pack."""
    if bank_file is not None:
        if seed is not None:
            raise GraderError("--seed and --bank exclude each other: a bank's cases are fixed")
        return load_bank(bank_file)
    if has_solutions():
        return reference_solutions()
    if seed is not None:
        reference_solutions()   # raises the one-line explanation
    path = installed_bank(exercise)
    if not path.is_file():
        raise NoReference(f"{exercise}: this student pack has no case bank for it (not released yet?)")
    return load_bank(path)


# ------------------------------------------------------------------ catalog ---

class Signature(SimpleNamespace):
    """A function's contract as the bank stores it (the fields of ``kit.Function``)."""


_registered: dict[str, tuple[dict, Signature]] = {}     # function -> (catalog, signature) of a loaded bank


def _signatures(catalog: dict) -> dict[str, tuple[dict, Signature]]:
    found = {}
    for data in catalog.get("functions", []):
        tuples = {k: tuple(tuple(x) if isinstance(x, list) else x for x in v)
                  for k, v in data.items() if isinstance(v, list)}
        found[data["name"]] = (catalog, Signature(**{**data, **tuples}))
    return found


def register(catalog: dict) -> None:
    """Make a loaded bank's functions, labels and misconceptions known (they win over content)."""
    _registered.update(_signatures(catalog))


@functools.cache
def _content():
    if not has_solutions():
        return None
    from grader import content
    return content


@functools.cache
def _installed() -> dict[str, tuple[dict, Signature]]:
    """The functions of the banks installed with a student pack."""
    from grader.expected import bankfile
    found: dict = {}
    for path in sorted(BANK_DIR.glob(f"*{BANK_SUFFIX}")):
        try:
            catalog = bankfile.read_catalog(path)
        except bankfile.BankFileError:
            continue
        # an exercise's own functions win over the copies of its dependencies
        own = {k: v for k, v in _signatures(catalog).items() if v[1].exercise == catalog["exercise"]}
        found.update({k: v for k, v in _signatures(catalog).items() if k not in found})
        found.update(own)
    return found


def _bank_entry(function: str) -> tuple[dict, Signature] | None:
    if function in _registered:
        return _registered[function]
    if _content() is None:
        return _installed().get(function)
    return None


class _Functions(Mapping):
    """function name -> its contract (``kit.Function`` or a bank's :class:`Signature`)."""

    def __getitem__(self, name: str):
        entry = _bank_entry(name)
        if entry is not None:
            return entry[1]
        content = _content()
        if content is None:
            raise KeyError(name)
        return content.FUNCTIONS[name]

    def _names(self) -> list[str]:
        content = _content()
        names = list(content.FUNCTIONS) if content is not None else list(_installed())
        return list(dict.fromkeys(names + list(_registered)))

    def __iter__(self):
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())


FUNCTIONS: Mapping = _Functions()


def case_label(function: str, label: str, lang: str) -> str:
    """A case's label (stored in English) in ``lang``."""
    if lang != "ko" or not label:
        return label
    entry = _bank_entry(function)
    if entry is not None:
        return entry[0].get("labels", {}).get(function, {}).get(label, label)
    content = _content()
    return content.case_label(function, label, lang) if content is not None else label


def misconception(key: str):
    """The misconception ``key`` (with ``key``, ``function``, ``en``, ``ko``), or None."""
    function = key.split(".")[0]
    entry = _bank_entry(function)
    if entry is not None:
        for m in entry[0].get("misconceptions", {}).get(function, []):
            if m["key"] == key:
                return SimpleNamespace(**m)
        return None
    content = _content()
    return content.misconception(key) if content is not None else None
