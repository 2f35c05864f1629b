"""Combining organisations' values into the initiative's figure (DESIGN section 2).

Within a period: `sum`, `mean` (unweighted over organisations), `max` or `min`; booleans give
the share of "yes" in percent, scales the mean, whatever the file says. Progress is
(current - baseline) / (target - baseline), so falling targets work too; `current` is the
latest period's aggregate (`level`) or the sum of all periods' aggregates (`cumulative`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from statistics import fmean

# DESIGN section 6: partners see others' figures only as an aggregate of at least this many.
MIN_ORGANISATIONS = 3


def aggregate(values: Sequence[float], aggregation: str, kind: str) -> float | None:
    """The period's figure from the organisations' values ("not applicable" left out)."""
    if not values:
        return None
    if kind == "boolean":
        return 100 * fmean(1.0 if v else 0.0 for v in values)
    if kind == "scale" or aggregation == "mean":
        return fmean(values)
    if aggregation == "max":
        return max(values)
    if aggregation == "min":
        return min(values)
    return float(sum(values))


def current(per_period: Mapping[str, float], mode: str | None) -> float | None:
    """The figure progress is measured by: the latest period's, or the running total."""
    if not per_period:
        return None
    if mode == "cumulative":
        return float(sum(per_period.values()))
    return per_period[max(per_period)]


def progress(value: float | None, baseline: float | None, target: float | None) -> float | None:
    if value is None or target is None:
        return None
    start = baseline or 0.0
    if target == start:
        return None
    return (value - start) / (target - start)


def visible(organisations: int, *, coordinator: bool) -> bool:
    """Whether a partner may see an aggregate of this many organisations (small numbers)."""
    return coordinator or organisations >= MIN_ORGANISATIONS
