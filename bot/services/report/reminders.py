"""Reporting reminders (DESIGN sections 2 and 5; `[[reminders]]` kind `reporting`): only to
those who owe, at the offsets to each due date, bundled per person and day, at the person's
reminder hour and never in quiet hours, pauses or on public holidays; escalation to the
coordinators as one summary a day.

Nothing is queued ahead: each tick decides who is due for a reminder now. A report that
arrives before someone's reminder hour therefore simply leaves nothing to send, and a
reminder held back by a holiday or a pause goes out on the next allowed day (within a week).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.members import COORDINATORS
from bot.services.outbox import (
    Calendar,
    OutgoingMessage,
    Recipient,
    delivery_rows,
    initiative_calendar,
    recipients,
    write_deliveries,
)
from bot.services.periods import due_date_of
from bot.services.placement import Placement, place
from bot.services.roster import reporting_people
from storage.models import (
    Escalation,
    Indicator,
    Member,
    Obligation,
    Organisation,
    ReportingReminder,
    Schedule,
)
from storage.queries.inserts import insert_new
from storage.queries.obligations import missing

# A reminder held back (holiday, pause) still goes out within this many days, then it is stale.
LOOKBACK_DAYS = 7
# The summary reads at most this many overdue reports of one organisation (about what its line
# shows); the rest are counted, so its work does not grow with how far behind anyone is.
SUMMARY_ITEMS = 20
REMINDER_KIND = "reporting_reminder"


def reminder_reference(member_id: int, day: date) -> str:
    """A reminder's reference: with the reminder log's rows of that member and day it names
    the obligations the reminder asks for."""
    return f"reporting-reminder:{member_id}:{day.isoformat()}"


def reminded_on(reference: str) -> date:
    return date.fromisoformat(reference.rsplit(":", 1)[1])


@dataclass(frozen=True)
class Item:
    obligation_id: int
    organisation_id: int
    organisation_name: str
    name_de: str
    name_en: str
    period: str
    due_day: date
    offset: int


RenderItems = Callable[[Sequence[Item]], Mapping[str, OutgoingMessage]]
# (the overdue items read, the days, per organisation id how many more there are).
RenderEscalation = Callable[[Sequence[Item], int, Mapping[int, int]], Mapping[str, OutgoingMessage]]


async def send_reminders(session: AsyncSession, now: datetime, render_items: RenderItems) -> int:
    """The members' reminders of their open items due now; returns how many were queued."""
    calendar = await initiative_calendar(session)
    today = now.astimezone(calendar[0]).date()
    rules = await _rules(session)
    if not rules:
        return 0
    offsets = sorted({o for rule in rules for o in (rule.offsets_days or [0])})
    open_items = await _open(session, calendar, today, offsets)
    return await _remind(session, now, today, calendar, open_items, render_items)


async def send_escalations(
    session: AsyncSession, now: datetime, render_escalation: RenderEscalation
) -> int:
    """The coordinators' summaries of what is overdue; returns how many were queued."""
    calendar = await initiative_calendar(session)
    today = now.astimezone(calendar[0]).date()
    rules = await _rules(session)
    escalate = min((r.escalate_after_days for r in rules if r.escalate_after_days), default=None)
    if escalate is None:
        return 0
    # Every overdue report of the whole history is read only when someone is to be told:
    # once per coordinator and day, not on every tick.
    waiting = await _not_told_today(session, now, today, calendar)
    if not waiting:
        return 0
    overdue, more = await _overdue(session, calendar, today, escalate)
    if not overdue:
        return 0
    # One summary for all: rendered once, in every language.
    messages = render_escalation(overdue, escalate, more)
    return await _escalate(session, now, today, calendar, waiting, messages)


async def _rules(session: AsyncSession) -> Sequence[Schedule]:
    return (
        await session.scalars(
            select(Schedule).where(
                Schedule.active, Schedule.paused.is_(False), Schedule.kind == "reporting"
            )
        )
    ).all()


async def _open(
    session: AsyncSession,
    calendar: Calendar,
    today: date,
    offsets: Sequence[int],
) -> list[Item]:
    """Missing (unreported, not waived) obligations whose reminder day (due day + offset) has
    come within the last LOOKBACK_DAYS days; each with the latest offset that has come."""
    zone = calendar[0]
    window_days = LOOKBACK_DAYS
    earliest = datetime.combine(today - timedelta(days=max(offsets) + window_days), time(), zone)
    latest = datetime.combine(today + timedelta(days=1 - min(offsets)), time(), zone)
    rows = await session.execute(
        _missing()
        # Extensions only move due times later, so the bounds on the original stay safe.
        .where(Obligation.due_at >= earliest - timedelta(days=60), Obligation.due_at <= latest)
    )
    items = []
    oldest = today - timedelta(days=window_days)
    for row in rows:
        due_day = _due_day(row[0], zone)
        come = [o for o in offsets if oldest < due_day + timedelta(days=o) <= today]
        if come:
            items.append(_item(row, due_day, max(come)))
    return sorted(items, key=lambda i: (i.due_day, i.name_de))


def _missing(*columns: ColumnElement[Any]) -> Select[Any]:
    """Missing obligations of active indicators and organisations, with what an Item names."""
    return (
        select(Obligation, Indicator.name_de, Indicator.name_en, Organisation.name, *columns)
        .join(Indicator, Indicator.id == Obligation.indicator_id)
        .join(Organisation, Organisation.id == Obligation.organisation_id)
        .where(Indicator.active, Organisation.active, missing())
    )


def _due_day(obligation: Obligation, zone: ZoneInfo) -> date:
    # Due at the end of a day: that day is the due day.
    return due_date_of(obligation.extended_until or obligation.due_at, zone)


def _item(row: Sequence[Any], due_day: date, offset: int) -> Item:
    """An Item of a `_missing()` row: (obligation, name_de, name_en, organisation name, ...)."""
    obligation = row[0]
    return Item(
        obligation.id,
        obligation.organisation_id,
        row[3],
        row[1],
        row[2],
        obligation.period,
        due_day,
        offset,
    )


async def _overdue(
    session: AsyncSession, calendar: Calendar, today: date, days: int
) -> tuple[list[Item], dict[int, int]]:
    """The missing obligations at least `days` past their due day, at most SUMMARY_ITEMS per
    organisation (earliest due first), and per organisation how many more there are."""
    zone = calendar[0]
    due = func.coalesce(Obligation.extended_until, Obligation.due_at)
    # Due times are the midnight after the due day: this bound is "due day + days <= today".
    bound = datetime.combine(today - timedelta(days=days - 1), time(), zone)
    organisation = Obligation.organisation_id
    ranked = (
        _missing(
            func.row_number()
            .over(partition_by=organisation, order_by=(due, Indicator.name_de))
            .label("rank"),
            func.count().over(partition_by=organisation).label("total"),
        )
        .where(due <= bound)
        .subquery()
    )
    # The same rows again, as entities: only the first SUMMARY_ITEMS of each organisation.
    rows = await session.execute(
        _missing(ranked.c.total)
        .join(ranked, ranked.c.id == Obligation.id)
        .where(ranked.c.rank <= SUMMARY_ITEMS)
    )
    items, more = [], {}
    for row in rows:
        items.append(_item(row, _due_day(row[0], zone), days))
        more[row[0].organisation_id] = max(0, row[-1] - SUMMARY_ITEMS)
    return sorted(items, key=lambda i: (i.due_day, i.name_de)), more


async def _people(session: AsyncSession, organisation_ids: set[int]) -> dict[int, list[Recipient]]:
    """Per organisation: its reporting contacts, or all its members if it named none."""
    chosen = await reporting_people(session, organisation_ids)
    people = {
        r.member_id: r for r in await recipients(session, [m for ms in chosen.values() for m in ms])
    }
    return {o: [people[m] for m in ms if m in people] for o, ms in chosen.items()}


def _time_has_come(person: Recipient, now: datetime, today: date, calendar: Calendar) -> bool:
    """The person's reminder moment today (reminder hour, outside quiet hours, no pause, no
    holiday) has come, and it is not a quiet hour now: a reminder caught up later that day
    (after downtime, or obligations that appeared with an evening `initiative apply`) waits
    for the end of the quiet hours, or for the next day's moment."""
    zone, holidays = calendar
    moment = place(
        Placement.REMINDER,
        datetime.combine(today, time(), zone),
        person.preferences,
        zone,
        holidays,
    )
    quiet_now = person.preferences.quiet_at(now.astimezone(zone).hour)
    return moment.astimezone(zone).date() == today and moment <= now and not quiet_now


async def _remind(
    session: AsyncSession,
    now: datetime,
    today: date,
    calendar: Calendar,
    items: list[Item],
    render: RenderItems,
) -> int:
    people = await _people(session, {i.organisation_id for i in items})
    due = {
        organisation: [p for p in persons if _time_has_come(p, now, today, calendar)]
        for organisation, persons in people.items()
    }
    told = await _told(session, items, [p.member_id for ps in due.values() for p in ps])
    untold: dict[Recipient, list[Item]] = {}
    for organisation, persons in due.items():
        owed = [i for i in items if i.organisation_id == organisation]
        for person in persons:
            untold[person] = [
                i for i in owed if (i.obligation_id, i.offset, person.member_id) not in told
            ]
    # One statement for every claim and one for every delivery of the tick, however many
    # people are reminded.
    fresh = await _claim(session, untold, today)
    rows = [
        row
        for person, claimed in fresh.items()
        for row in delivery_rows(
            [person],
            kind=REMINDER_KIND,
            messages=render(claimed),
            # Now (its moment has come, see above), and never in quiet hours.
            placement=Placement.MEETING,
            wanted=now,
            reference=reminder_reference(person.member_id, today),
            calendar=calendar,
        )
    ]
    await write_deliveries(session, rows)
    return len(rows)


async def _told(
    session: AsyncSession, items: Sequence[Item], member_ids: Sequence[int]
) -> set[tuple[int, int, int]]:
    """(obligation, offset, member) of `items` already reminded to these members: read once,
    so a tick (every 30 s, all day) writes nothing for whoever has been reminded already."""
    if not items or not member_ids:
        return set()
    rows = await session.execute(
        select(
            ReportingReminder.obligation_id,
            ReportingReminder.offset_days,
            ReportingReminder.member_id,
        ).where(
            ReportingReminder.obligation_id.in_({i.obligation_id for i in items}),
            ReportingReminder.member_id.in_(set(member_ids)),
        )
    )
    return {(obligation, offset, member) for obligation, offset, member in rows}


async def _claim(
    session: AsyncSession, untold: Mapping[Recipient, list[Item]], today: date
) -> dict[Recipient, list[Item]]:
    """Record the reminders as sent; per person, only those not sent before (by this or
    another process) come back."""
    rows = [
        {
            "obligation_id": i.obligation_id,
            "offset_days": i.offset,
            "member_id": person.member_id,
            "sent_on": today,
        }
        for person, items in untold.items()
        for i in items
    ]
    if not rows:
        return {}
    result = await session.execute(
        insert_new(session, ReportingReminder).returning(
            ReportingReminder.obligation_id, ReportingReminder.member_id
        ),
        rows,
    )
    claimed = {(obligation, member) for obligation, member in result.all()}
    fresh = {
        person: [i for i in items if (i.obligation_id, person.member_id) in claimed]
        for person, items in untold.items()
    }
    return {person: items for person, items in fresh.items() if items}


async def _not_told_today(
    session: AsyncSession, now: datetime, today: date, calendar: Calendar
) -> list[Recipient]:
    """The coordinators whose time for today's summary has come and who have not had it."""
    told = select(Escalation.member_id).where(Escalation.sent_on == today)
    coordinator_ids = (
        await session.scalars(
            select(Member.id).where(
                Member.active,
                Member.role.in_([r.value for r in COORDINATORS]),
                Member.id.not_in(told),
            )
        )
    ).all()
    return [
        person
        for person in await recipients(session, list(coordinator_ids))
        if _time_has_come(person, now, today, calendar)
    ]


async def _escalate(
    session: AsyncSession,
    now: datetime,
    today: date,
    calendar: Calendar,
    waiting: list[Recipient],
    messages: Mapping[str, OutgoingMessage],
) -> int:
    claimed = await session.execute(
        insert_new(session, Escalation).returning(Escalation.member_id),
        [{"member_id": person.member_id, "sent_on": today} for person in waiting],
    )
    # Whoever another process told today meanwhile is not told twice.
    fresh = set(claimed.scalars().all())
    rows = delivery_rows(
        [person for person in waiting if person.member_id in fresh],
        kind="escalation",
        messages=messages,
        placement=Placement.MEETING,
        wanted=now,
        reference=f"escalation:{today}",
        calendar=calendar,
    )
    await write_deliveries(session, rows)
    return len(rows)
