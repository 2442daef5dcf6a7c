"""A frozen case bank as a source of truth (the student pack, or ``--bank FILE``).

The bank holds, per function, the cases in grading order (lecture examples,
edge cases, generated inputs small to large, invalid inputs last) with the
reference's outcome on each, and each known-wrong variant's output on the same
inputs.  Nothing here can compute an expected output: a case not in the bank
cannot be graded, so failures are not shrunk (the first failing case, the
smallest of its kind, is shown).
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from grader.engine.cases import Case, CaseBook
from grader.errors import GraderError
from grader.expected import FUNCTIONS, bankfile, register


class BankReference:
    kind = "bank"
    shrinks = False

    def __init__(self, path: Path, catalog: dict, cases: dict, arrays: list, sha256: str) -> None:
        self.path, self.catalog, self.sha256 = path, catalog, sha256
        self._cases, self._arrays = cases, arrays

    @classmethod
    def load(cls, path) -> "BankReference":
        path = Path(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise GraderError(f"{path}: cannot read the case bank ({exc.strerror})") from None
        try:
            catalog, cases, arrays = bankfile.read(path)
        except bankfile.BankFileError as exc:
            raise GraderError(f"{path}: not a valid case bank ({exc})") from None
        register(catalog)
        return cls(path, catalog, cases, arrays, hashlib.sha256(data).hexdigest())

    @property
    def exercise(self) -> str:
        return self.catalog["exercise"]

    def _case(self, function: str, data: dict) -> Case:
        decode = bankfile.decode
        try:
            order = FUNCTIONS[function].params     # the signature's order (JSON sorted the keys)
            args = {k: decode(data["args"][k], self._arrays) for k in order if k in data["args"]}
            variants = tuple((key, decode(v, self._arrays)) for key, v in data.get("variants", []))
            return Case(function, data["kind"], data["label"], args, expected=decode(data.get("expected"), self._arrays),
                        magnitude=decode(data.get("magnitude"), self._arrays), raises=data.get("raises"),
                        variants=variants)
        except (KeyError, TypeError, AttributeError, bankfile.BankFileError) as exc:
            raise GraderError(f"{self.path}: a damaged case of {function} ({exc})") from None

    def cases(self, function: str) -> list[Case]:
        return [self._case(function, c) for c in self._cases.get("functions", {}).get(function, [])]

    def casebook(self, spec, seed: int | None = None) -> CaseBook:
        if spec.name != self.exercise:
            raise GraderError(f"{self.path}: this case bank is for {self.exercise}, not {spec.name}")
        book = CaseBook(exercise=spec.name, seed=self.catalog["seed"], examples=self.catalog["examples"],
                        reference=self)
        for fn in spec.functions:
            book.cases[fn.name] = self.cases(fn.name)
            if not book.cases[fn.name]:
                raise GraderError(f"{self.path}: the bank holds no case of {fn.name}")
        return book

    def dependency_cases(self, function: str) -> list[Case]:
        """The stored cases of an earlier exercise's function; of one of this bank's own
        functions (a same-file dependency), its lecture and edge cases."""
        stored = self._cases.get("dependencies", {}).get(function)
        if stored is None:
            return [c for c in self.cases(function) if c.kind in ("lecture", "edge")]
        return [self._case(function, c) for c in stored]

    def matching(self, case, got) -> list:
        from grader.engine import identify
        return identify.matching_stored(case, got)

    def public_cases(self) -> int:
        return sum(len(v) for v in self._cases.get("functions", {}).values())

    def describe(self) -> dict:
        c = self.catalog
        return {"kind": "bank", "file": self.path.name, "sha256": self.sha256, "seed": c["seed"],
                "grader": c["grader"], "reference_sha256": c["reference_sha256"],
                "public_cases": self.public_cases()}
