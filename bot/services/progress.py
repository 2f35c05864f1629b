"""Where the initiative stands on an indicator: the period's figure, the running figure, the
target and progress - with the small-number rule for partners (DESIGN sections 2 and 6)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import aggregation
from bot.services.errors import NotFound
from storage.models import Indicator
from storage.queries import values as stored


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


async def standing(
    session: AsyncSession,
    indicator_id: int,
    period: str,
    organisation_id: int,
    *,
    coordinator: bool,
) -> Standing:
    indicator = await session.get(Indicator, indicator_id)
    if indicator is None:
        raise NotFound("report.unknown")
    by_period: dict[str, list[float]] = defaultdict(list)
    contributors: set[int] = set()
    own_value, own_reported = None, False
    for row in await stored.of_indicator(session, indicator_id):
        if row.period == period and row.organisation_id == organisation_id:
            own_value, own_reported = row.value, True
        if row.value is not None:
            by_period[row.period].append(row.value)
            contributors.add(row.organisation_id)
    aggregates = {
        p: value
        for p, values in by_period.items()
        if (value := aggregation.aggregate(values, indicator.aggregation, indicator.type))
        is not None
    }
    in_period = len(by_period.get(period, []))
    shows_period = aggregation.visible(in_period, coordinator=coordinator)
    if indicator.target_mode == "cumulative":
        counted = len(contributors)
    else:
        counted = len(by_period[max(by_period)]) if by_period else 0
    shows_current = aggregation.visible(counted, coordinator=coordinator)
    current = aggregation.current(aggregates, indicator.target_mode) if shows_current else None
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
        period_value=aggregates.get(period) if shows_period else None,
        period_organisations=in_period,
        current=current,
        progress=aggregation.progress(current, indicator.baseline, indicator.target_value),
    )


async def overall(session: AsyncSession, indicator_id: int, *, coordinator: bool) -> Standing:
    """Where the initiative stands on an indicator, whatever the period (for /agenda)."""
    return await standing(session, indicator_id, "", -1, coordinator=coordinator)
