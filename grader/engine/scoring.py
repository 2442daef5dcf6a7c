"""Partial credit: a function's points split over its case groups (``scoring: cases`` in a spec).

Without ``scoring`` (or with ``scoring: functions``) a function scores all its
points when every case passes and 0 otherwise. With ``scoring: cases`` its
points are split over the groups it has cases in -- the lecture's worked
examples, the edge cases and the generated inputs (a shrunk input counts as
generated) -- in proportion to the spec's ``weights`` (1 each unless given; a
group the function has no case in gives its weight to the others). A group
earns its share when every case of the group passes, nothing otherwise: one
failing edge case costs the edge cases' share, not the function's points.

The counts and shares are data (``FunctionResult.groups``); ``report`` and the
gradebook render them.
"""
from __future__ import annotations

GROUPS = ("lecture", "edge", "generated")


def group_of(kind: str) -> str:
    """The scoring group of a case kind (``shrunk`` inputs are generated ones)."""
    return kind if kind in ("lecture", "edge") else "generated"


def split(points: float, counts: dict[str, list[int]], weight) -> list[dict]:
    """One entry per group with cases, in ``GROUPS`` order: ``group``, ``passed``,
    ``cases``, ``weight``, ``max_score`` (the group's share of ``points``) and
    ``score`` (the share when every case of the group passed, else 0).

    ``counts``: group -> [cases passed, cases]; ``weight``: group -> weight."""
    present = [g for g in GROUPS if counts.get(g, [0, 0])[1] > 0]
    weights = {g: float(weight(g)) for g in present}
    total = sum(weights.values())
    if total <= 0:      # every group the function has is weighted 0: equal shares
        weights, total = {g: 1.0 for g in present}, float(len(present))
    out = []
    for g in present:
        passed, cases = counts[g]
        share = points * weights[g] / total
        out.append({"group": g, "passed": int(passed), "cases": int(cases), "weight": weights[g],
                    "max_score": share, "score": share if passed == cases else 0.0})
    return out


def score(points: float, groups: list[dict]) -> float:
    """The function's score from its groups: all its points when every group passed."""
    if groups and all(g["passed"] == g["cases"] for g in groups):
        return float(points)
    return min(float(points), sum(g["score"] for g in groups))
