"""Shares compared the way people read them, for the signal detectors."""

from __future__ import annotations

from collections.abc import Iterable

# Shares are compared after rounding, so 0.7 - 0.4 counts as the 0.3 it is.
PRECISION = 9


def percent(share: float) -> float:
    """A share as a whole percent, rounded half up as people do."""
    return float(int(share * 100 + 0.5))


def fell(recent: float, baseline: float, drop: float) -> bool:
    return round(baseline - recent, PRECISION) >= drop


def share_of(outcomes: Iterable[bool]) -> tuple[float, int]:
    values = list(outcomes)
    return (sum(values) / len(values) if values else 0.0), len(values)
