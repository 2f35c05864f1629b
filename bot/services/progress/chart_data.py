"""What the progress charts show (DESIGN sections 2 and 6), as plain numbers.

The initiative's figure per period is only given to partners where at least three
organisations contributed; their own organisation's values are always theirs to see.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.errors import NotFound
from bot.services.progress import aggregation
from bot.services.progress.progress import MIN_REPORTED_SHARE, overall
from storage.models import Indicator
from storage.queries import values as stored

LEVELS = ("output", "outcome", "impact")


class Series(BaseModel):
    indicator_id: int
    name: str
    unit: str
    kind: str
    level: str
    target_mode: str | None
    baseline: float | None
    target_value: float | None
    target_by: date | None
    periods: list[str]
    # The initiative's figure per period (None: nobody reported, or hidden by small numbers);
    # for cumulative targets the running total, as progress measures it.
    initiative: list[float | None]
    # The member's organisation's own values (None: not reported or not applicable).
    own: list[float | None]


class Bar(BaseModel):
    indicator_id: int
    name: str
    level: str
    progress: float | None
    # Where the figure stands (bot.services.progress.progress): the period and how many of the
    # organisations expected then reported; `withheld`: too few reports to show a figure.
    as_of: str | None = None
    reported: int = 0
    expected: int = 0
    withheld: bool = False
    has_target: bool = True


async def indicators(session: AsyncSession, language: str) -> list[tuple[int, str]]:
    rows = await session.execute(
        select(Indicator.id, Indicator.name_de, Indicator.name_en)
        .where(Indicator.active)
        .order_by(Indicator.position, Indicator.code)
    )
    return [(i, de if language == "de" else en) for i, de, en in rows]


async def series(
    session: AsyncSession,
    indicator_id: int,
    language: str,
    *,
    organisation_id: int | None,
    coordinator: bool,
) -> Series:
    indicator = await session.get(Indicator, indicator_id)
    if indicator is None or not indicator.active:
        raise NotFound("progress.unknown")
    by_period: dict[str, list[float]] = defaultdict(list)
    own: dict[str, float | None] = {}
    for row in await stored.of_indicator(session, indicator_id):
        if row.value is not None:
            by_period[row.period].append(row.value)
        else:
            by_period.setdefault(row.period, [])
        if row.organisation_id == organisation_id:
            own[row.period] = row.value
    periods = sorted(by_period)
    figures: list[float | None] = []
    total = 0.0
    for period in periods:
        values = by_period[period]
        figure = aggregation.aggregate(values, indicator.aggregation, indicator.type)
        if indicator.target_mode == "cumulative" and figure is not None:
            total += figure
            figure = total
        shown = aggregation.visible(len(values), coordinator=coordinator)
        figures.append(figure if shown else None)
    return Series(
        indicator_id=indicator.id,
        name=indicator.name_de if language == "de" else indicator.name_en,
        unit=indicator.unit,
        kind=indicator.type,
        level=indicator.level,
        target_mode=indicator.target_mode,
        baseline=indicator.baseline,
        target_value=indicator.target_value,
        target_by=indicator.target_by,
        periods=periods,
        initiative=figures,
        own=[own.get(p) for p in periods],
    )


async def overview(
    session: AsyncSession,
    language: str,
    *,
    coordinator: bool,
    min_share: float = MIN_REPORTED_SHARE,
) -> list[Bar]:
    """Each indicator's progress, grouped by level (output, outcome, impact)."""
    rows = (
        await session.scalars(
            select(Indicator).where(Indicator.active).order_by(Indicator.position, Indicator.code)
        )
    ).all()
    bars = []
    for row in rows:
        found = await overall(session, row.id, coordinator=coordinator, min_share=min_share)
        bars.append(
            Bar(
                indicator_id=row.id,
                name=row.name_de if language == "de" else row.name_en,
                level=row.level,
                progress=found.progress,
                as_of=found.as_of,
                reported=found.reported,
                expected=found.expected,
                withheld=found.withheld,
                has_target=row.target_value is not None,
            )
        )
    return sorted(bars, key=lambda bar: LEVELS.index(bar.level) if bar.level in LEVELS else 9)
