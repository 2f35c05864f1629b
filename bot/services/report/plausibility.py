"""Whether a reported value is far off an organisation's earlier ones, so the bot asks for a note
("120 ist deutlich mehr als sonst bei Ihnen (zuletzt 8, 11, 9)").

A value is implausible only when it is far off BOTH the usual level (the median of the earlier
values) and the latest value. Both, because:
- after a real, lasting change (a new facility: 8, 11, 9, 120) the next 118 is close to the
  latest value and needs no second explanation;
- after a one-off dip (100, 100, 10) a normal 95 is close to the usual level.

"Far off" is symmetric: more than FACTOR times larger or smaller, and at least MIN_DIFFERENCE
apart, so small counts (1 -> 4) do not nag. Values of opposite sign, or zero against non-zero,
are far apart in ratio; the difference alone decides. This never divides by zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from statistics import median

# Below this many earlier values there is no "usual" to compare with.
MIN_HISTORY = 3
# Tripling or dropping to a third is rare in monthly counts without a story behind it.
FACTOR = 3.0
# Jumps smaller than this are noise on small counts (and never trigger for yes/no or 1-5 scales).
MIN_DIFFERENCE = 10.0


def is_implausible(
    value: float, earlier: Sequence[float], *, min_difference: float = MIN_DIFFERENCE
) -> bool:
    """Whether `value` needs a note; `earlier` is oldest first, so its last item is the latest.

    Pass the organisation's earlier values of this indicator (the caller may keep only recent
    ones, e.g. the last 12); `min_difference` can be lowered for indicators of small magnitude.
    """
    if len(earlier) < MIN_HISTORY:
        return False
    usual = median(earlier)
    latest = earlier[-1]
    return _far_off(value, usual, min_difference) and _far_off(value, latest, min_difference)


def _far_off(value: float, reference: float, min_difference: float) -> bool:
    if value == reference or abs(value - reference) < min_difference:
        return False
    if value * reference <= 0:  # opposite signs or one of them zero: no meaningful ratio
        return True
    small, large = sorted((abs(value), abs(reference)))
    return large > FACTOR * small
