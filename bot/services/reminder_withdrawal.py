"""Reporting reminders no longer needed (DESIGN section 5): a reminder still waiting in the
outbox - held back by Telegram's flood limit, a server error's backoff or a stopped
dispatcher - is dropped unsent once every report it asks for has arrived.

A reminder names its member and day; the reminder log holds which obligations were reminded
to that member on that day. A reminder that still asks for one open report goes out as it is:
its button opens the report, and reported ones say so when opened.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.reporting_reminders import REMINDER_KIND, reminded_on, reported
from storage.models import Obligation, ReportingReminder
from storage.queries.outbox import drop, due_of_kind


async def drop_settled_reminders(session: AsyncSession, now: datetime) -> int:
    """Drop the due reminders whose reports all arrived; returns how many."""
    waiting: dict[int, tuple[int, date]] = {
        delivery: (member, reminded_on(reference))
        for delivery, member, reference in await due_of_kind(session, REMINDER_KIND, now)
        if member is not None and reference
    }
    if not waiting:
        return 0
    rows = await session.execute(
        select(ReportingReminder.member_id, ReportingReminder.sent_on, reported())
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
