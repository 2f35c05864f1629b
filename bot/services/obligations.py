"""Obligations (DESIGN section 2): one per (indicator, organisation, period) that is owed.

They are written when a period starts - here, whenever the bot looks (the hourly job, /report)
- from the indicator's or initiative's start, and for organisations that joined later from
their `active_since`. The due time is fixed when the row is written, so later changes to the
rules do not rewrite history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.services.errors import DomainError, NotFound
from bot.services.members import COORDINATORS, MemberInfo
from bot.services.outbox import initiative_calendar
from bot.services.periods import due_at, periods_between
from storage.models import (
    ClosedPeriod,
    Indicator,
    IndicatorValue,
    Initiative,
    Obligation,
    Organisation,
)
from storage.queries import values as stored
from storage.queries.inserts import insert_new


@dataclass(frozen=True)
class Owed:
    """An obligation with what the chat needs to offer it."""

    obligation_id: int
    indicator_id: int
    indicator_code: str
    name_de: str
    name_en: str
    kind: str
    unit: str
    period: str
    due_at: datetime
    reported: bool

    def name(self, language: str) -> str:
        return self.name_de if language == "de" else self.name_en

    def overdue(self, now: datetime) -> bool:
        return not self.reported and self.due_at < now


async def ensure_obligations(session: AsyncSession, now: datetime) -> int:
    """Write the obligations of every period that has started; returns how many are new."""
    initiative = await session.get(Initiative, 1)
    if initiative is None:
        return 0
    zone, holidays = await initiative_calendar(session)
    today = now.astimezone(zone).date()
    organisations = list(
        (await session.scalars(select(Organisation).where(Organisation.active))).all()
    )
    indicators = await session.scalars(
        select(Indicator).where(Indicator.active).options(selectinload(Indicator.reporters))
    )
    existing = {
        (row.indicator_id, row.organisation_id, row.period)
        for row in await session.execute(
            select(Obligation.indicator_id, Obligation.organisation_id, Obligation.period)
        )
    }
    rows = []
    for indicator in indicators:
        start = indicator.start or initiative.start
        for organisation in _reporters(indicator, organisations):
            since = max(start, organisation.active_since or start)
            for period in periods_between(indicator.frequency, since, today):
                if (indicator.id, organisation.id, period.code) in existing:
                    continue
                rows.append(
                    {
                        "indicator_id": indicator.id,
                        "organisation_id": organisation.id,
                        "period": period.code,
                        "period_start": period.first_day,
                        "period_end": period.last_day,
                        "due_at": due_at(period, indicator.due_days, zone, holidays),
                        "created_at": now,
                    }
                )
    if not rows:
        return 0
    # Another process (the hourly job, a second /report) may write the same rows at the same
    # time: the unique key decides, and neither fails.
    result = await session.execute(insert_new(session, Obligation).returning(Obligation.id), rows)
    return len(result.all())


async def expected_reporters(session: AsyncSession) -> set[int]:
    """The active organisations the active indicators expect reports from (whether or not
    their obligations are written yet)."""
    organisations = list(
        (await session.scalars(select(Organisation).where(Organisation.active))).all()
    )
    indicators = await session.scalars(
        select(Indicator).where(Indicator.active).options(selectinload(Indicator.reporters))
    )
    return {o.id for indicator in indicators for o in _reporters(indicator, organisations)}


def _reporters(indicator: Indicator, active: list[Organisation]) -> list[Organisation]:
    if indicator.reported_by_all:
        return [o for o in active if not o.backbone]
    named = {o.id for o in indicator.reporters}
    return [o for o in active if o.id in named]


async def owed_by(
    session: AsyncSession, organisation_id: int, *, since: date | None = None
) -> list[Owed]:
    """The organisation's obligations of active indicators, with whether each is reported:
    not reported first (earliest due first), then reported (latest period first)."""
    reported = (
        select(func.count(IndicatorValue.id))
        .where(
            IndicatorValue.indicator_id == Obligation.indicator_id,
            IndicatorValue.organisation_id == Obligation.organisation_id,
            IndicatorValue.period == Obligation.period,
        )
        .scalar_subquery()
    )
    query = (
        select(Obligation, Indicator, reported)
        .join(Indicator, Indicator.id == Obligation.indicator_id)
        .where(Obligation.organisation_id == organisation_id, Indicator.active)
    )
    if since is not None:
        query = query.where(Obligation.period_end >= since)
    items = [
        Owed(
            obligation_id=obligation.id,
            indicator_id=indicator.id,
            indicator_code=indicator.code,
            name_de=indicator.name_de,
            name_en=indicator.name_en,
            kind=indicator.type,
            unit=indicator.unit,
            period=obligation.period,
            due_at=obligation.extended_until or obligation.due_at,
            reported=count > 0,
        )
        for obligation, indicator, count in await session.execute(query)
    ]
    open_items = sorted((i for i in items if not i.reported), key=lambda i: (i.due_at, i.name_de))
    done = sorted((i for i in items if i.reported), key=lambda i: i.due_at, reverse=True)
    return open_items + done


@dataclass(frozen=True)
class Overview:
    organisation_id: int
    organisation_name: str
    open: list[Owed]
    # Reported obligations, latest period first, with the latest value (None: not applicable).
    reported: list[tuple[Owed, float | None]]


async def overview(session: AsyncSession, organisation_id: int, viewer: MemberInfo) -> Overview:
    """What the organisation owes and reported. Another organisation's only for coordinators
    (as they are now: the button of someone demoted since is refused); closed periods' open
    items only for those who may still report there (coordinators)."""
    organisation = await session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound("report.unknown")
    coordinator = viewer.role in COORDINATORS
    if not coordinator and organisation.code != viewer.organisation_code:
        raise DomainError("report.not_yours")
    items = await owed_by(session, organisation_id)
    if not coordinator:
        closed = set((await session.scalars(select(ClosedPeriod.period))).all())
        items = [i for i in items if i.reported or i.period not in closed]
    latest = {
        (row.indicator_id, row.period): row.value
        for row in await stored.of_organisation(session, organisation_id)
    }
    return Overview(
        organisation_id=organisation.id,
        organisation_name=organisation.name,
        open=[i for i in items if not i.reported],
        reported=[(i, latest.get((i.indicator_id, i.period))) for i in items if i.reported],
    )


async def organisation_of(session: AsyncSession, code: str) -> int:
    found = await session.scalar(select(Organisation.id).where(Organisation.code == code))
    if found is None:
        raise NotFound("report.unknown")
    return found


async def owing_organisations(session: AsyncSession) -> list[tuple[int, str]]:
    """Active organisations that owe reports at all (for coordinators reporting on behalf)."""
    rows = await session.execute(
        select(Organisation.id, Organisation.name)
        .where(
            Organisation.active,
            Organisation.id.in_(select(Obligation.organisation_id).distinct()),
        )
        .order_by(Organisation.name)
    )
    return [(i, name) for i, name in rows]
