"""The schedule engine (DESIGN section 1, Scheduler): schedules are rows with `next_fire_at`.

One short repeating job claims the due rows (`FOR UPDATE SKIP LOCKED` on PostgreSQL, the
exclusive transaction on SQLite), fires each once - a time missed during downtime is caught up
once, never repeated - enqueues what it sends through the outbox, logs how many it reached and
computes the next time from the RRULE in the initiative's local wall time. Firing, enqueueing
and the next time commit together, so two processes never fire the same occurrence.

Meeting and custom reminders are built in; other kinds (`pulse`, `digest`, ...) get a hook
their feature registers.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import audiences
from bot.services.audiences import Audience
from bot.services.outbox import OutgoingMessage, enqueue, local_zone
from bot.services.placement import Placement
from bot.services.recurrence import due_once, next_fire
from storage.models import Rsvp, Schedule, ScheduleRun

log = logging.getLogger(__name__)

RSVP_ANSWERS = ("yes", "no")
RECURRING = ("meeting", "custom", "pulse", "digest", "signals")


@dataclass(frozen=True)
class Firing:
    """What a hook gets: the schedule and the occurrence it fires for."""

    schedule: Schedule
    occurrence: datetime
    zone: ZoneInfo


# A kind's hook enqueues what the firing sends and returns how many it reached.
Hook = Callable[[AsyncSession, Firing, datetime], Awaitable[int]]
Render = Callable[[Schedule, date], Mapping[str, OutgoingMessage]]
HOOKS: dict[str, Hook] = {}


def register(kind: str, hook: Hook) -> None:
    HOOKS[kind] = hook


def schedule_audience(schedule: Schedule) -> Audience:
    spec = schedule.audience or {}
    if spec.get("organisations"):
        return Audience.of("organisations", spec["organisations"])
    if spec.get("roles"):
        return Audience.of("role", spec["roles"])
    return Audience.of("all")


def reminder_hook(render: Render) -> Hook:
    """Meeting and custom reminders: the text to the audience, at its time, outside quiet
    hours; meeting reminders carry the RSVP buttons (the render function adds them)."""

    async def fire(session: AsyncSession, firing: Firing, now: datetime) -> int:
        schedule = firing.schedule
        member_ids = await audiences.member_ids(session, schedule_audience(schedule))
        day = firing.occurrence.astimezone(firing.zone).date()
        return await enqueue(
            session,
            member_ids=member_ids,
            kind=schedule.kind,
            messages=render(schedule, day),
            placement=Placement.MEETING,
            wanted=max(firing.occurrence, now) if schedule.kind == "meeting" else now,
            reference=f"schedule:{schedule.id}",
        )

    return fire


async def run_due(session: AsyncSession, now: datetime) -> int:
    """Fire every due schedule once; returns how many fired. Call in one transaction."""
    zone = await local_zone(session)
    await _start_new(session, zone, now)
    query = (
        select(Schedule)
        .where(
            Schedule.active,
            Schedule.paused.is_(False),
            Schedule.rrule.is_not(None),
            Schedule.next_fire_at <= now,
        )
        .order_by(Schedule.next_fire_at, Schedule.id)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    fired = 0
    for schedule in (await session.scalars(query)).all():
        assert schedule.rrule is not None and schedule.next_fire_at is not None
        starts = schedule.starts or now.astimezone(zone).date()
        due, following = due_once(schedule.rrule, starts, zone, schedule.next_fire_at, now)
        if not due:
            continue
        occurrence = schedule.next_fire_at
        hook = HOOKS.get(schedule.kind)
        reached = 0
        if hook is None:
            log.warning(
                "no hook for schedules of kind %s; %s skipped", schedule.kind, schedule.code
            )
        else:
            reached = await hook(session, Firing(schedule, occurrence, zone), now)
        session.add(
            ScheduleRun(
                schedule_id=schedule.id, occurrence=occurrence, fired_at=now, recipients=reached
            )
        )
        schedule.next_fire_at = following
        log.info("schedule %s fired for %s: %d recipients", schedule.code, occurrence, reached)
        fired += 1
    return fired


async def _start_new(session: AsyncSession, zone: ZoneInfo, now: datetime) -> None:
    """New (or resumed) schedules start with their next occurrence from now on: nothing that
    lies before they existed is caught up."""
    fresh = await session.scalars(
        select(Schedule).where(
            Schedule.active,
            Schedule.rrule.is_not(None),
            Schedule.next_fire_at.is_(None),
            Schedule.kind.in_(RECURRING),
        )
    )
    for schedule in fresh:
        assert schedule.rrule is not None
        starts = schedule.starts or now.astimezone(zone).date()
        schedule.next_fire_at = next_fire(schedule.rrule, starts, zone, now)


async def answer(
    session: AsyncSession, schedule_id: int, day: date, member_id: int, reply: str, now: datetime
) -> None:
    """A member's RSVP for one meeting day; answering again changes the answer."""
    existing = await session.scalar(
        select(Rsvp).where(
            Rsvp.schedule_id == schedule_id, Rsvp.meeting_on == day, Rsvp.member_id == member_id
        )
    )
    if existing is None:
        session.add(
            Rsvp(
                schedule_id=schedule_id,
                meeting_on=day,
                member_id=member_id,
                answer=reply,
                answered_at=now,
            )
        )
    else:
        existing.answer, existing.answered_at = reply, now
