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
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Table, bindparam, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import audiences
from bot.services.audiences import Audience
from bot.services.outbox import (
    Calendar,
    OutgoingMessage,
    Recipient,
    delivery_rows,
    initiative_calendar,
    recipients,
    write_deliveries,
)
from bot.services.placement import Placement
from bot.services.recurrence import due_once, next_fire
from storage.models import Rsvp, Schedule, ScheduleRun

log = logging.getLogger(__name__)

RSVP_ANSWERS = ("yes", "no")
RECURRING = ("meeting", "custom", "pulse", "digest", "signals")


@dataclass
class Pass:
    """What one engine pass looks up once and writes at once: thousands of due schedules must
    fit in a fraction of the job's interval."""

    calendar: Calendar
    audiences: dict[str, list[Recipient]] = field(default_factory=dict)
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    runs: list[dict[str, Any]] = field(default_factory=list)
    next_times: list[dict[str, Any]] = field(default_factory=list)
    # due_once is pure: schedules sharing a rule and time share the answer.
    rules: dict[tuple[str, date, datetime], tuple[bool, datetime | None]] = field(
        default_factory=dict
    )

    @property
    def zone(self) -> ZoneInfo:
        return self.calendar[0]

    async def recipients(self, session: AsyncSession, audience: Audience) -> list[Recipient]:
        if audience.code not in self.audiences:
            member_ids = await audiences.member_ids(session, audience)
            self.audiences[audience.code] = await recipients(session, member_ids)
        return self.audiences[audience.code]

    def due(
        self, rule: str, starts: date, next_fire_at: datetime, now: datetime
    ) -> tuple[bool, datetime | None]:
        key = (rule, starts, next_fire_at)
        if key not in self.rules:
            self.rules[key] = due_once(rule, starts, self.zone, next_fire_at, now)
        return self.rules[key]


@dataclass(frozen=True)
class DueSchedule:
    """The columns a firing needs: plain rows, not tracked ORM objects (thousands per pass)."""

    id: int
    code: str
    kind: str
    rrule: str
    starts: date | None
    next_fire_at: datetime
    audience: dict[str, Any] | None
    text_de: str
    text_en: str


DUE_COLUMNS = (
    Schedule.id,
    Schedule.code,
    Schedule.kind,
    Schedule.rrule,
    Schedule.starts,
    Schedule.next_fire_at,
    Schedule.audience,
    Schedule.text_de,
    Schedule.text_en,
)


@dataclass(frozen=True)
class Firing:
    """What a hook gets: the schedule, the occurrence it fires for, the pass it belongs to."""

    schedule: DueSchedule
    occurrence: datetime
    batch: Pass

    @property
    def zone(self) -> ZoneInfo:
        return self.batch.zone

    def deliver(
        self,
        people: Sequence[Recipient],
        *,
        kind: str,
        messages: Mapping[str, OutgoingMessage],
        placement: Placement,
        now: datetime,
    ) -> int:
        """Queue this firing's messages to `people` with the pass; returns how many."""
        rows = delivery_rows(
            people,
            kind=kind,
            messages=messages,
            placement=placement,
            wanted=max(self.occurrence, now),
            reference=f"schedule:{self.schedule.id}",
            calendar=self.batch.calendar,
        )
        self.batch.deliveries.extend(rows)
        return len(rows)


# A kind's hook enqueues what the firing sends and returns how many it reached.
Hook = Callable[[AsyncSession, Firing, datetime], Awaitable[int]]
Render = Callable[[DueSchedule, date], Mapping[str, OutgoingMessage]]
# Per schedule kind its hook: each feature returns its own, bot.scheduling.hooks collects them.
Hooks = Mapping[str, Hook]


def schedule_audience(schedule: DueSchedule) -> Audience:
    spec = schedule.audience or {}
    if spec.get("organisations"):
        return Audience.of("organisations", spec["organisations"])
    if spec.get("roles"):
        return Audience.of("role", spec["roles"])
    return Audience.of("all")


def reminder_hook(render: Render) -> Hook:
    """Meeting and custom reminders: the text to the audience, at its time, outside quiet
    hours, not to those who paused reminders that day; meeting reminders carry the RSVP
    buttons (the render function adds them)."""

    async def fire(session: AsyncSession, firing: Firing, now: datetime) -> int:
        schedule = firing.schedule
        day = firing.occurrence.astimezone(firing.zone).date()
        audience = await firing.batch.recipients(session, schedule_audience(schedule))
        people = [p for p in audience if not p.preferences.paused_on(day)]
        return firing.deliver(
            people,
            kind=schedule.kind,
            messages=render(schedule, day),
            placement=Placement.MEETING,
            now=now,
        )

    return fire


async def run_due(
    session: AsyncSession, now: datetime, hooks: Hooks, kinds: Collection[str] = RECURRING
) -> int:
    """Fire every due schedule of `kinds` once; returns how many fired. Call in one
    transaction. The timed job fires some kinds apart from the others, so a fault in one
    kind's hook holds up no other kind."""
    batch = Pass(await initiative_calendar(session))
    zone = batch.zone
    await _start_new(session, zone, now, kinds)
    query = (
        select(*DUE_COLUMNS)
        .where(
            Schedule.active,
            Schedule.paused.is_(False),
            Schedule.rrule.is_not(None),
            Schedule.next_fire_at <= now,
            Schedule.kind.in_(kinds),
        )
        .order_by(Schedule.next_fire_at, Schedule.id)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    fired = 0
    for row in (await session.execute(query)).all():
        schedule = DueSchedule(*row)
        starts = schedule.starts or now.astimezone(zone).date()
        due, following = batch.due(schedule.rrule, starts, schedule.next_fire_at, now)
        if not due:
            continue
        occurrence = schedule.next_fire_at
        hook = hooks.get(schedule.kind)
        reached = 0
        if hook is None:
            log.warning(
                "no hook for schedules of kind %s; %s skipped", schedule.kind, schedule.code
            )
        else:
            reached = await hook(session, Firing(schedule, occurrence, batch), now)
        batch.runs.append(
            {
                "schedule_id": schedule.id,
                "occurrence": occurrence,
                "fired_at": now,
                "recipients": reached,
            }
        )
        batch.next_times.append({"b_id": schedule.id, "b_next": following})
        log.debug("schedule %s fired for %s: %d recipients", schedule.code, occurrence, reached)
        fired += 1
    await write_deliveries(session, batch.deliveries)
    if batch.runs:
        await session.execute(insert(ScheduleRun), batch.runs)
        # One executemany instead of thousands of tracked ORM updates.
        table = Schedule.__table__
        assert isinstance(table, Table)
        connection = await session.connection()
        await connection.execute(
            table.update()
            .where(table.c.id == bindparam("b_id"))
            .values(next_fire_at=bindparam("b_next")),
            batch.next_times,
        )
    if fired:
        log.info("%d schedules fired, %d messages queued", fired, len(batch.deliveries))
    return fired


async def _start_new(
    session: AsyncSession, zone: ZoneInfo, now: datetime, kinds: Collection[str]
) -> None:
    """New (or resumed) schedules start with their next occurrence from now on: nothing that
    lies before they existed is caught up."""
    fresh = await session.scalars(
        select(Schedule).where(
            Schedule.active,
            Schedule.rrule.is_not(None),
            Schedule.next_fire_at.is_(None),
            Schedule.kind.in_([k for k in kinds if k in RECURRING]),
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
