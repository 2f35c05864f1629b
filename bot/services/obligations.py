"""Obligations (DESIGN section 2): one per (indicator, organisation, period) that is owed.

They are written when a period starts - here, whenever the bot looks (the hourly job, /report)
- from the indicator's or initiative's start, and for organisations that joined later from
their `active_since`. The due time is fixed when the row is written, so later changes to the
rules do not rewrite history. A start moved later removes the unreported obligations before
it (`initiative apply`); coordinators may waive past ones (bot.services.missing.waivers).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import Date, and_, case, delete, exists, func, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.errors import DomainError, NotFound
from bot.services.members import COORDINATORS, MemberInfo
from bot.services.outbox import initiative_calendar
from bot.services.periods import Period, due_at, periods_between
from storage.models import (
    Indicator,
    IndicatorReporter,
    Initiative,
    Obligation,
    ObligationMark,
    Organisation,
    ReportingReminder,
)
from storage.queries.inserts import insert_new
from storage.queries.obligations import reported

# Ids per DELETE statement: far below SQLite's and asyncpg's limits on bound parameters.
DELETE_CHUNK = 500


@dataclass(frozen=True)
class Written:
    """An obligation just written."""

    obligation_id: int
    organisation_id: int
    due_at: datetime


async def ensure_obligations(session: AsyncSession, now: datetime) -> int:
    """Write the obligations of every period that has started; returns how many are new."""
    return len(await write_obligations(session, now))


async def write_obligations(session: AsyncSession, now: datetime) -> list[Written]:
    """Write the obligations of every period that has started since the last look.

    Each (indicator, organisation) keeps a mark of the span already written, so this reads
    only the spans whose mark falls short - never the obligations themselves - and its work
    does not grow with the history: it runs on every tick, /report and /missing.
    """
    initiative = await session.get(Initiative, 1)
    if initiative is None:
        return []
    zone, holidays = await initiative_calendar(session)
    today = now.astimezone(zone).date()
    rows: list[dict[str, object]] = []
    new_marks: list[dict[str, object]] = []
    moved_marks: list[dict[str, object]] = []
    for span, mark in await _spans_to_write(session, initiative.start, today):
        periods = _unwritten(span.frequency, span.since, today, mark)
        if mark is None and not periods:
            continue  # owed from a day still to come (`since`, an indicator's `start`)
        rows.extend(
            {
                "indicator_id": span.indicator_id,
                "organisation_id": span.organisation_id,
                "period": period.code,
                "period_start": period.first_day,
                "period_end": period.last_day,
                "due_at": due_at(period, span.due_days, zone, holidays),
                "created_at": now,
            }
            for period in periods
        )
        until = max([p.last_day for p in periods] + ([mark[1]] if mark else []))
        key = {"indicator_id": span.indicator_id, "organisation_id": span.organisation_id}
        if mark is None:
            if periods:
                new_marks.append(key | {"owed_from": span.since, "written_until": until})
        elif mark != (span.since, until):
            moved_marks.append(key | {"owed_from": span.since, "written_until": until})
    if new_marks:
        # Another process may write the same marks and rows at the same time: the keys decide,
        # and neither fails (both computed the same).
        await session.execute(insert_new(session, ObligationMark), new_marks)
    if moved_marks:
        # By primary key, all in one statement.
        await session.execute(update(ObligationMark), moved_marks)
    if not rows:
        return []
    written = insert_new(session, Obligation).returning(
        Obligation.id, Obligation.organisation_id, Obligation.due_at
    )
    return [Written(*row) for row in await session.execute(written, rows)]


def owed_from(indicator_start: date | None, initiative_start: date, since: date | None) -> date:
    """The first day an organisation owes an indicator: the indicator's start (else the
    initiative's), or the day the organisation joined if later. `_spans_to_write` says the
    same in SQL to skip the spans already written."""
    start = indicator_start or initiative_start
    return max(start, since or start)


async def _spans_to_write(
    session: AsyncSession, initiative_start: date, today: date
) -> list[tuple[Span, tuple[date, date] | None]]:
    """The spans (see `owed_spans`) whose mark does not cover them up to today, with their
    mark (owed from, written until). One statement, and on most calls no row: a span is
    written through its current period (a mark until today or later, from its start) until
    the next period begins or the span's start moves."""
    start = func.coalesce(Indicator.start, literal(initiative_start, Date()))
    since = case((Organisation.active_since > start, Organisation.active_since), else_=start)
    reports = case(
        (Indicator.reported_by_all, Organisation.backbone.is_(False)),
        else_=exists().where(
            IndicatorReporter.indicator_id == Indicator.id,
            IndicatorReporter.organisation_id == Organisation.id,
        ),
    )
    mark = ObligationMark
    rows = await session.execute(
        select(
            Indicator.id,
            Organisation.id,
            Indicator.frequency,
            Indicator.due_days,
            Indicator.start,
            Organisation.active_since,
            mark.owed_from,
            mark.written_until,
        )
        .select_from(Indicator)
        .join(Organisation, and_(Organisation.active, reports))
        .outerjoin(
            mark,
            and_(mark.indicator_id == Indicator.id, mark.organisation_id == Organisation.id),
        )
        .where(
            Indicator.active,
            or_(
                mark.written_until.is_(None),
                mark.written_until < literal(today, Date()),
                mark.owed_from != since,
            ),
        )
        .order_by(Indicator.id, Organisation.id)
    )
    found: list[tuple[Span, tuple[date, date] | None]] = []
    for indicator_id, organisation_id, frequency, due_days, own_start, active_since, *known in rows:
        begins = owed_from(own_start, initiative_start, active_since)
        span = Span(indicator_id, organisation_id, frequency, due_days, begins)
        found.append((span, (known[0], known[1]) if known[1] is not None else None))
    return found


def _unwritten(
    frequency: str, since: date, today: date, mark: tuple[date, date] | None
) -> list[Period]:
    """The periods overlapping [since, today] that the mark (owed from, written until) does
    not cover."""
    if mark is None or mark[0] > mark[1]:
        return periods_between(frequency, since, today)
    owed_from, written_until = mark
    # Before the written span (a start moved earlier), and what started after it.
    earlier = periods_between(frequency, since, min(today, owed_from - timedelta(days=1)))
    later = periods_between(frequency, max(since, written_until + timedelta(days=1)), today)
    return earlier + later


class ActiveOrganisation(NamedTuple):
    id: int
    backbone: bool
    active_since: date | None


@dataclass(frozen=True)
class Span:
    """One active organisation owing one active indicator from `since` on."""

    indicator_id: int
    organisation_id: int
    frequency: str
    due_days: int
    since: date


async def owed_spans(session: AsyncSession, initiative_start: date) -> list[Span]:
    """Each active indicator with each active organisation that reports it, and the first day
    it is owed: the indicator's start (else the initiative's), or the organisation's if later."""
    organisations = await _active_organisations(session)
    named = await _named_reporters(session)
    indicators = await session.execute(
        select(
            Indicator.id,
            Indicator.frequency,
            Indicator.due_days,
            Indicator.start,
            Indicator.reported_by_all,
        )
        .where(Indicator.active)
        .order_by(Indicator.id)
    )
    spans = []
    for indicator_id, frequency, due_days, start, by_all in indicators:
        for organisation in _reporters(indicator_id, by_all, organisations, named):
            since = owed_from(start, initiative_start, organisation.active_since)
            spans.append(Span(indicator_id, organisation.id, frequency, due_days, since))
    return spans


async def expected_reporters(session: AsyncSession) -> set[int]:
    """The active organisations the active indicators expect reports from (whether or not
    their obligations are written yet)."""
    organisations = await _active_organisations(session)
    named = await _named_reporters(session)
    indicators = await session.execute(
        select(Indicator.id, Indicator.reported_by_all).where(Indicator.active)
    )
    return {
        o.id
        for indicator_id, by_all in indicators
        for o in _reporters(indicator_id, by_all, organisations, named)
    }


async def _active_organisations(session: AsyncSession) -> list[ActiveOrganisation]:
    rows = await session.execute(
        select(Organisation.id, Organisation.backbone, Organisation.active_since).where(
            Organisation.active
        )
    )
    return [ActiveOrganisation(*row) for row in rows]


async def _named_reporters(session: AsyncSession) -> set[tuple[int, int]]:
    """(indicator, organisation) of the indicators that name who reports them."""
    rows = await session.execute(
        select(IndicatorReporter.indicator_id, IndicatorReporter.organisation_id)
    )
    return {(indicator, organisation) for indicator, organisation in rows}


def _reporters(
    indicator_id: int,
    by_all: bool,
    active: list[ActiveOrganisation],
    named: set[tuple[int, int]],
) -> list[ActiveOrganisation]:
    if by_all:
        return [o for o in active if not o.backbone]
    return [o for o in active if (indicator_id, o.id) in named]


async def remove_before_start(session: AsyncSession) -> dict[int, int]:
    """Delete the unreported obligations of periods that end before their start (a start moved
    later: the initiative's, an indicator's or an organisation's `since`); reported ones stay,
    history is not rewritten. Returns how many went, per organisation id."""
    initiative = await session.get(Initiative, 1)
    if initiative is None:
        return {}
    since = {
        (span.indicator_id, span.organisation_id): span.since
        for span in await owed_spans(session, initiative.start)
    }
    if not since:
        return {}
    # Only obligations before the latest start can be early; the rest are never read.
    candidates = await session.execute(
        select(
            Obligation.id,
            Obligation.indicator_id,
            Obligation.organisation_id,
            Obligation.period_end,
        ).where(Obligation.period_end < max(since.values()), ~reported())
    )
    early = [
        (obligation, organisation)
        for obligation, indicator, organisation, end in candidates
        if end < since.get((indicator, organisation), end)
    ]
    ids = [obligation for obligation, _ in early]
    for first in range(0, len(ids), DELETE_CHUNK):
        chunk = ids[first : first + DELETE_CHUNK]
        # The reminders' log names them; it goes with them.
        await session.execute(
            delete(ReportingReminder).where(ReportingReminder.obligation_id.in_(chunk))
        )
        await session.execute(delete(Obligation).where(Obligation.id.in_(chunk)))
    removed: dict[int, int] = {}
    for _, organisation in early:
        removed[organisation] = removed.get(organisation, 0) + 1
    return removed


async def reachable_organisation(
    session: AsyncSession, organisation_id: int, viewer: MemberInfo
) -> tuple[Organisation, bool]:
    """The organisation if the viewer may see what it owes (its own; any for those who are
    coordinators now), and whether the viewer is a coordinator."""
    organisation = await session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound("report.unknown")
    coordinator = viewer.role in COORDINATORS
    if not coordinator and organisation.code != viewer.organisation_code:
        raise DomainError("report.not_yours")
    return organisation, coordinator


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
