"""Reminders no longer needed (DESIGN section 5): a reporting reminder or a coordinator's
nudge still waiting in the outbox - until quiet hours end, for Telegram's flood limit, a
server error's backoff or a stopped dispatcher - is dropped unsent once every report it asks
for has arrived or was waived.

A reporting reminder names its member and day; the reminder log holds which obligations were
reminded to that member on that day. A nudge names its period; it asks for what the member's
organisation owes for it. One that still asks for an open report goes out as it is: its
buttons open the reports, and reported ones say so when opened.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.missing.completeness import NUDGE_KIND
from bot.services.report.reminders import REMINDER_KIND, reminded_on
from storage.models import Member, Obligation, ReportingReminder
from storage.queries.obligations import missing
from storage.queries.outbox import drop, due_of_kinds


async def drop_settled_reminders(session: AsyncSession, now: datetime) -> int:
    """Drop the due reminders and nudges whose reports all arrived; returns how many."""
    # Looked at before every claim: one query for both kinds.
    due = await due_of_kinds(session, (REMINDER_KIND, NUDGE_KIND), now)
    return await _reporting_reminders(session, now, due) + await _nudges(session, now, due)


Due = list[tuple[int, str, int | None, str | None]]


async def _reporting_reminders(session: AsyncSession, now: datetime, due: Due) -> int:
    waiting: dict[int, tuple[int, date]] = {
        delivery: (member, reminded_on(reference))
        for delivery, kind, member, reference in due
        if kind == REMINDER_KIND and member is not None and reference
    }
    if not waiting:
        return 0
    rows = await session.execute(
        select(ReportingReminder.member_id, ReportingReminder.sent_on, ~missing())
        .join(Obligation, Obligation.id == ReportingReminder.obligation_id)
        .where(
            ReportingReminder.member_id.in_({m for m, _ in waiting.values()}),
            ReportingReminder.sent_on.in_({d for _, d in waiting.values()}),
        )
    )
    still_open: dict[tuple[int, date], bool] = {}
    for member, day, done in rows:
        still_open[(member, day)] = still_open.get((member, day), False) or not done
    settled = [d for d, key in waiting.items() if still_open.get(key) is False]
    await drop(session, settled, now, "the reports arrived meanwhile")
    return len(settled)


async def _nudges(session: AsyncSession, now: datetime, due: Due) -> int:
    waiting: dict[int, tuple[int, str]] = {
        delivery: (member, reference.split(":", 1)[1])
        for delivery, kind, member, reference in due
        if kind == NUDGE_KIND and member is not None and reference
    }
    if not waiting:
        return 0
    members = await session.execute(
        select(Member.id, Member.organisation_id).where(
            Member.id.in_({m for m, _ in waiting.values()})
        )
    )
    organisation_of: dict[int, int] = {member: org for member, org in members}
    rows = await session.execute(
        select(Obligation.organisation_id, Obligation.period).where(
            Obligation.period.in_({p for _, p in waiting.values()}),
            Obligation.organisation_id.in_(set(organisation_of.values())),
            missing(),
        )
    )
    owing = {(org, period) for org, period in rows}
    settled = [
        delivery
        for delivery, (member, period) in waiting.items()
        if (organisation_of.get(member), period) not in owing
    ]
    await drop(session, settled, now, "the reports arrived meanwhile")
    return len(settled)
