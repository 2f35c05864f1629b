"""Reported values: always the latest revision of each (indicator, organisation, period)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, Subquery, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import IndicatorValue


@dataclass(frozen=True)
class Latest:
    indicator_id: int
    organisation_id: int
    period: str
    value: float | None  # None: not applicable
    note: str
    revision: int
    reported_at: datetime


def _latest(*where: object) -> Select[IndicatorValue]:
    newest = (
        select(
            IndicatorValue.indicator_id,
            IndicatorValue.organisation_id,
            IndicatorValue.period,
            func.max(IndicatorValue.revision).label("revision"),
        )
        .where(*where)  # type: ignore[arg-type]
        .group_by(
            IndicatorValue.indicator_id, IndicatorValue.organisation_id, IndicatorValue.period
        )
        .subquery()
    )
    return select(IndicatorValue).join(
        newest,
        and_(
            IndicatorValue.indicator_id == newest.c.indicator_id,
            IndicatorValue.organisation_id == newest.c.organisation_id,
            IndicatorValue.period == newest.c.period,
            IndicatorValue.revision == newest.c.revision,
        ),
    )


def latest_rows(*where: object) -> Subquery:
    """The latest revisions as a subquery of (organisation_id, period, value), `value` NULL
    for "not applicable": for aggregating in the database instead of loading every value."""
    return (
        _latest(*where)
        .with_only_columns(
            IndicatorValue.organisation_id,
            IndicatorValue.period,
            case((IndicatorValue.not_applicable, None), else_=IndicatorValue.value).label("value"),
        )
        .subquery()
    )


async def latest(session: AsyncSession, *where: object) -> list[Latest]:
    rows = await session.scalars(_latest(*where).order_by(IndicatorValue.period))
    return [
        Latest(
            r.indicator_id,
            r.organisation_id,
            r.period,
            None if r.not_applicable else r.value,
            r.note,
            r.revision,
            r.reported_at,
        )
        for r in rows
    ]


async def of_indicator(session: AsyncSession, indicator_id: int) -> list[Latest]:
    return await latest(session, IndicatorValue.indicator_id == indicator_id)
