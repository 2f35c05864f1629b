"""Where the initiative stands on an indicator: the period's figure, the running figure, the
target and progress - with the small-number rule for partners (DESIGN sections 2 and 6).

The running figure stands at the latest period in which at least `min_share` of the expected
organisations reported (`[progress] min_reported_share`): a period only one of eight has
reported for says little about the initiative (one "yes" of eight would read as 136 % of the
target). That period and how many reported are given with the figure, so readers know what
it stands on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Subquery, case, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.errors import NotFound
from bot.services.progress import aggregation
from storage.models import Indicator, IndicatorValue, Obligation
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


def _figure(value: ColumnElement[float], indicator: Indicator) -> ColumnElement[float]:
    """A period's figure from the organisations' values, as `aggregation.aggregate` computes
    it, in the database: the history is never loaded value by value."""
    if indicator.type == "boolean":
        yes = case((value.is_(None), None), (value != 0, 100.0), else_=0.0)
        return func.avg(yes)
    if indicator.type == "scale" or indicator.aggregation == "mean":
        return func.avg(value)
    if indicator.aggregation == "max":
        return func.max(value)
    if indicator.aggregation == "min":
        return func.min(value)
    return func.sum(value)


def _per_period(indicator: Indicator, *where: ColumnElement[bool]) -> Subquery:
    """Per period: how many organisations reported ("not applicable" too), how many gave a
    number, and the figure."""
    rows = stored.latest_rows(IndicatorValue.indicator_id == indicator.id, *where)
    return (
        select(
            rows.c.period,
            func.count().label("reported"),
            func.count(rows.c.value).label("numbers"),
            _figure(rows.c.value, indicator).label("figure"),
        )
        .group_by(rows.c.period)
        .subquery()
    )


async def stand(
    session: AsyncSession, indicator: Indicator, *, coordinator: bool, min_share: float
) -> Stand:
    """The running figure: at the latest period with a figure for which at least `min_share`
    of the organisations owing a report reported (those who reported without owing count as
    expected too), and which this reader may see (small numbers)."""
    periods = _per_period(indicator)
    owed = (
        select(Obligation.period, func.count(Obligation.id).label("owed"))
        # A waived report is not expected (unless it came anyway).
        .where(Obligation.indicator_id == indicator.id, counted())
        .group_by(Obligation.period)
        .subquery()
    )
    owing = func.coalesce(owed.c.owed, 0)
    cumulative = indicator.target_mode == "cumulative"
    latest = (
        select(periods.c.period, periods.c.figure, periods.c.reported, owing)
        .outerjoin(owed, owed.c.period == periods.c.period)
        .where(periods.c.numbers > 0, periods.c.reported >= owing * min_share)
        .order_by(periods.c.period.desc())
        .limit(1)
    )
    if not cumulative and not coordinator:
        latest = latest.where(periods.c.numbers >= aggregation.MIN_ORGANISATIONS)
    found = (await session.execute(latest)).first()
    figure = None
    if found is not None:
        figure = (
            await _running(session, indicator, periods, found.period, coordinator=coordinator)
            if cumulative
            else found.figure
        )
    if found is None or figure is None:
        values = stored.latest_rows(IndicatorValue.indicator_id == indicator.id)
        any_number = await session.scalar(select(func.count(values.c.value)))
        return Stand(None, None, 0, 0, withheld=bool(any_number))
    period, _, reported, owing_then = found
    return Stand(float(figure), period, reported, max(owing_then, reported), withheld=False)


async def _running(
    session: AsyncSession,
    indicator: Indicator,
    periods: Subquery,
    period: str,
    *,
    coordinator: bool,
) -> float | None:
    """A cumulative figure: the sum of the periods' figures up to the latest period found,
    shown when enough organisations contributed to it. Earlier periods have no more
    contributors, so when this one may not be shown, none may."""
    values = stored.latest_rows(
        IndicatorValue.indicator_id == indicator.id, IndicatorValue.period <= period
    )
    contributors = await session.scalar(
        select(func.count(distinct(values.c.organisation_id))).where(values.c.value.is_not(None))
    )
    if not aggregation.visible(contributors or 0, coordinator=coordinator):
        return None
    total = await session.scalar(
        select(func.sum(periods.c.figure)).where(periods.c.period <= period)
    )
    return None if total is None else float(total)


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
    own_value, own_reported = None, False
    numbers, period_value = 0, None
    if period:
        own = stored.latest_rows(
            IndicatorValue.indicator_id == indicator_id,
            IndicatorValue.organisation_id == organisation_id,
            IndicatorValue.period == period,
        )
        found_own = (await session.execute(select(own.c.value))).first()
        if found_own is not None:
            own_value, own_reported = found_own[0], True
        this = _per_period(indicator, IndicatorValue.period == period)
        in_period = (await session.execute(select(this.c.numbers, this.c.figure))).first()
        if in_period is not None:
            numbers, figure = in_period
            if numbers and aggregation.visible(numbers, coordinator=coordinator):
                period_value = float(figure)
    found = await stand(session, indicator, coordinator=coordinator, min_share=min_share)
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
        period_value=period_value,
        period_organisations=numbers,
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
