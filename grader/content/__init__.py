"""What a teaching assistant edits to add or change an exercise.

One module per exercise, ``grader/content/exerciseN.py`` (built from
``kit``), and its spec, ``specs/exerciseN.yaml``.  This package finds them by
name: adding ``exercise7.py`` here (with its spec, stub and solution) is all
it takes for the grader, the batch and the gradebook to know exercise 7.
"""
from __future__ import annotations

import functools
import importlib
import pkgutil
import re
from collections.abc import Mapping
from types import ModuleType

from grader.content.kit import Example, Function, Misconception

_EXERCISE = re.compile(r"^exercise(\d+)$")


def exercise_names() -> list[str]:
    """Every exercise with a content module, in exercise order."""
    names = [m.name for m in pkgutil.iter_modules(__path__) if _EXERCISE.match(m.name)]
    return sorted(names, key=lambda n: int(_EXERCISE.match(n).group(1)))


@functools.cache
def module(exercise: str) -> ModuleType:
    """The content module of ``exercise`` (e.g. ``exercise3``)."""
    if not _EXERCISE.match(exercise):
        raise KeyError(exercise)
    return importlib.import_module(f"grader.content.{exercise}")


class _Functions(Mapping):
    """function name -> :class:`Function` of every exercise, loaded on first use."""

    @functools.cached_property
    def _all(self) -> dict[str, Function]:
        found: dict[str, Function] = {}
        for exercise in exercise_names():
            for f in module(exercise).FUNCTIONS:
                found[f.name] = Function(**{**f.__dict__, "exercise": exercise})
        return found

    def __getitem__(self, name: str) -> Function:
        return self._all[name]

    def __iter__(self):
        return iter(self._all)

    def __len__(self) -> int:
        return len(self._all)


FUNCTIONS: Mapping[str, Function] = _Functions()


def _of(function: str) -> ModuleType:
    return module(FUNCTIONS[function].exercise)


def lecture(function: str) -> list[Example]:
    """The lecture's worked examples for ``function`` (maybe none)."""
    return list(_of(function).LECTURE.get(function, []))


def edges(function: str) -> list[Example]:
    """The hand-written edge cases of ``function``."""
    return list(_of(function).EDGES[function]())


def strategy(function: str):
    """The Hypothesis strategy drawing ``function``'s argument dicts."""
    return _of(function).STRATEGIES[function]


def variants(function: str) -> tuple[Misconception, ...]:
    """The known-wrong variants of ``function``, in identification order."""
    if function not in FUNCTIONS:
        return ()
    return tuple(m for m in _of(function).VARIANTS.table if m.function == function)


def all_variants() -> tuple[Misconception, ...]:
    """Every exercise's variants, exercise by exercise, in table order."""
    return tuple(m for exercise in exercise_names() for m in module(exercise).VARIANTS.table)


def misconception(key: str) -> Misconception | None:
    """The misconception with this key, or None."""
    function = key.split(".")[0]
    if function not in FUNCTIONS:
        return None
    return next((m for m in variants(function) if m.key == key), None)


@functools.cache
def _labels(function: str) -> dict[str, str]:
    return {e.en: e.ko for e in lecture(function) + edges(function)}


def case_label(function: str, label: str, lang: str) -> str:
    """A case's label (stored in English) in ``lang``."""
    if lang != "ko" or not label or function not in FUNCTIONS:
        return label
    return _labels(function).get(label, label)
