"""The reference solutions as a source of truth (the instructor's grader and the batch).

Cases come from the content modules and Hypothesis under a seed; failures on
generated inputs are shrunk; misconceptions are named by running the known-wrong
variants on the failing input.  Nothing of this exists in a student pack.
"""
from __future__ import annotations


class SolutionsReference:
    kind = "solutions"
    shrinks = True

    def casebook(self, spec, seed: int):
        from grader.engine.cases import build_casebook
        return build_casebook(spec, seed)

    def dependency_cases(self, function: str) -> list:
        from grader.engine.cases import edge_cases, lecture_cases
        return lecture_cases(function) + edge_cases(function)

    def matching(self, case, got) -> list:
        from grader.engine import identify
        return identify.matching(case.function, case.args, got, case.expected)

    def describe(self) -> dict | None:
        return None
