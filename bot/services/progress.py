"""Where the initiative stands on an indicator: the period's figure, the running figure, the
target and progress - with the small-number rule for partners (DESIGN sections 2 and 6).

The running figure stands at the latest period in which at least `min_share` of the expected
organisations reported (`[progress] min_reported_share`): a period only one of eight has
reported for says little about the initiative (one "yes" of eight would read as 136 % of the
target). That period and how many reported are given with the figure, so readers know what
it stands on.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import aggregation
from bot.services.errors import NotFound
from storage.models import Indicator, Obligation
from storage.queries import values as stored
from storage.queries.obligations import counted

# The default of `[progress] min_reported_share`.
MIN_REPORTED_SHARE = 0.5


class Standing(BaseModel):
    kind: str
    unit: str
    aggregation: str
    target_mode: str | None
    target_value: float | None
    target_by: date | None
    baseline: float | None
    own_value: float | None
    own_reported: bool
    # The period's figure and how many organisations gave a number; None when hidden.
    period_value: float | None
    period_organisations: int
    current: float | None
    progress: float | None
    # The period `current` stands at, and how many of the organisations expected then
    # reported ("not applicable" counts as reported); None while there is no such period.
    as_of: str | None = None
    reported: int = 0
    expected: int = 0
    # Reports exist, but not enough for a figure this reader may see: no period with enough
    # of the expected organisations, or fewer than three for a partner (small numbers).
    withheld: bool = False


@dataclass(frozen=True)
class Stand:
    """The running figure and the period it stands at (see the module's docstring)."""

    current: float | None
    as_of: str | None
    reported: int
    expected: int
    withheld: bool


def stand(
    numbers: dict[str, list[tuple[int, float]]],
    reporters: dict[str, set[int]],
    owed: dict[str, int],
    indicator: Indicator,
    *,
    coordinator: bool,
    min_share: float,
) -> Stand:
    """`numbers`: per period the organisations' numeric values; `reporters`: per period who
    reported at all; `owed`: per period how many organisations owe a report."""
    aggregates = {
        p: value
        for p, values in numbers.items()
        if (
            value := aggregation.aggregate(
                [v for _, v in values], indicator.aggregation, indicator.type
            )
        )
        is not None
    }
    cumulative = indicator.target_mode == "cumulative"
    contributors: set[int] = set()
    running = 0.0
    found = Stand(None, None, 0, 0, withheld=bool(aggregates))
    for period in sorted(aggregates):
        running += aggregates[period]
        contributors |= {organisation for organisation, _ in numbers[period]}
        reported = len(reporters.get(period, ()))
        # Those who reported without owing (before their start, or the backbone) count too.
        expected = max(owed.get(period, 0), reported)
        if reported < min_share * expected:
            continue
        counted = len(contributors) if cumulative else len(numbers[period])
        if not aggregation.visible(counted, coordinator=coordinator):
            continue
        figure = running if cumulative else aggregates[period]
        found = Stand(figure, period, reported, expected, withheld=False)
    return found


async def owed_per_period(session: AsyncSession, indicator_id: int) -> dict[str, int]:
    rows = await session.execute(
        select(Obligation.period, func.count(Obligation.id))
        # A waived report is not expected (unless it came anyway).
        .where(Obligation.indicator_id == indicator_id, counted())
        .group_by(Obligation.period)
    )
    return {period: int(count) for period, count in rows}


async def standing(
    session: AsyncSession,
    indicator_id: int,
    period: str,
    organisation_id: int,
    *,
    coordinator: bool,
    min_share: float = MIN_REPORTED_SHARE,
) -> Standing:
    indicator = await session.get(Indicator, indicator_id)
    if indicator is None:
        raise NotFound("report.unknown")
    numbers: dict[str, list[tuple[int, float]]] = defaultdict(list)
    reporters: dict[str, set[int]] = defaultdict(set)
    own_value, own_reported = None, False
    for row in await stored.of_indicator(session, indicator_id):
        if row.period == period and row.organisation_id == organisation_id:
            own_value, own_reported = row.value, True
        reporters[row.period].add(row.organisation_id)
        if row.value is not None:
            numbers[row.period].append((row.organisation_id, row.value))
    in_period = [value for _, value in numbers.get(period, [])]
    shows_period = aggregation.visible(len(in_period), coordinator=coordinator)
    found = stand(
        numbers,
        reporters,
        await owed_per_period(session, indicator_id),
        indicator,
        coordinator=coordinator,
        min_share=min_share,
    )
    return Standing(
        kind=indicator.type,
        unit=indicator.unit,
        aggregation=indicator.aggregation,
        target_mode=indicator.target_mode,
        target_value=indicator.target_value,
        target_by=indicator.target_by,
        baseline=indicator.baseline,
        own_value=own_value,
        own_reported=own_reported,
        period_value=(
            aggregation.aggregate(in_period, indicator.aggregation, indicator.type)
            if shows_period
            else None
        ),
        period_organisations=len(in_period),
        current=found.current,
        progress=aggregation.progress(found.current, indicator.baseline, indicator.target_value),
        as_of=found.as_of,
        reported=found.reported,
        expected=found.expected,
        withheld=found.withheld,
    )


async def overall(
    session: AsyncSession,
    indicator_id: int,
    *,
    coordinator: bool,
    min_share: float = MIN_REPORTED_SHARE,
) -> Standing:
    """Where the initiative stands on an indicator, whatever the period (for /agenda)."""
    return await standing(
        session, indicator_id, "", -1, coordinator=coordinator, min_share=min_share
    )
