"""Reminders as coordinators manage them in chat: the list, pause and resume, RSVPs."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import members
from bot.services.errors import DomainError, NotFound
from bot.services.members import MemberInfo
from bot.services.outbox import local_zone
from bot.services.recurrence import monthly_nth_weekday, validate_rrule, weekly
from bot.services.schedules import RSVP_ANSWERS, answer
from storage.models import Delivery, Member, Origin, Rsvp, Schedule, ScheduleRun
from storage.queries.audit import record

SHOWN_KINDS = ("meeting", "custom", "pulse", "digest", "signals", "reporting")
MAX_TEXT = 1000
# The audiences offered in chat, as the initiative file writes them.
AUDIENCES: dict[str, dict[str, list[str]] | None] = {
    "all": None,
    "partners": {"roles": ["partner", "coordinator", "admin"]},
    "coordinators": {"roles": ["coordinator", "admin"]},
}


class Reminder(BaseModel):
    id: int
    code: str
    kind: str
    rrule: str | None
    text: str
    paused: bool
    next_fire_at: datetime | None
    origin: str


class MeetingAnswers(BaseModel):
    day: date
    coming: list[str]
    not_coming: list[str]


def require_coordinator(actor: MemberInfo | None) -> MemberInfo:
    return members.require_coordinator(actor, "reminders.not_allowed")


async def reminders(session: AsyncSession, language: str) -> list[Reminder]:
    rows = await session.scalars(
        select(Schedule).where(Schedule.active).order_by(Schedule.kind, Schedule.code)
    )
    return [
        Reminder(
            id=s.id,
            code=s.code,
            kind=s.kind,
            rrule=s.rrule,
            text=(s.text_en if language == "en" and s.text_en else s.text_de),
            paused=s.paused,
            next_fire_at=s.next_fire_at,
            origin=s.origin,
        )
        for s in rows
        if s.kind in SHOWN_KINDS
    ]


async def pause(
    session: AsyncSession, actor: MemberInfo | None, schedule_id: int, paused: bool, now: datetime
) -> Schedule:
    actor = require_coordinator(actor)
    schedule = await session.get(Schedule, schedule_id)
    if schedule is None or not schedule.active:
        raise NotFound("reminders.unknown")
    schedule.paused = paused
    if not paused:
        schedule.next_fire_at = None  # resumes from now on: nothing missed is sent late
    record(
        session,
        actor.id,
        "reminder.paused" if paused else "reminder.resumed",
        schedule.code,
        at=now,
    )
    return schedule


async def rsvp(
    session: AsyncSession,
    member: MemberInfo | None,
    schedule_id: int,
    day: date,
    reply: str,
    now: datetime,
) -> None:
    """Only people the meeting reminder reached can answer it."""
    if member is None or reply not in RSVP_ANSWERS:
        raise DomainError("reminders.not_yours")
    reached = await session.scalar(
        select(Delivery.id)
        .where(Delivery.member_id == member.id, Delivery.reference == f"schedule:{schedule_id}")
        .limit(1)
    )
    if reached is None or not await _met_on(session, schedule_id, day):
        raise DomainError("reminders.not_yours")
    await answer(session, schedule_id, day, member.id, reply, now)


async def _met_on(session: AsyncSession, schedule_id: int, day: date) -> bool:
    """Whether the schedule fired for a meeting on that local day (a forged date did not)."""
    zone = await local_zone(session)
    start = datetime.combine(day, time(), zone)
    found = await session.scalar(
        select(ScheduleRun.id)
        .where(
            ScheduleRun.schedule_id == schedule_id,
            ScheduleRun.occurrence >= start,
            ScheduleRun.occurrence < start + timedelta(days=1),
        )
        .limit(1)
    )
    return found is not None


async def answers(session: AsyncSession, schedule_id: int, limit: int = 3) -> list[MeetingAnswers]:
    """Who comes to the latest meetings, by day (the newest first)."""
    rows = await session.execute(
        select(Rsvp.meeting_on, Rsvp.answer, Member.display_name)
        .join(Member, Member.id == Rsvp.member_id)
        .where(Rsvp.schedule_id == schedule_id, Member.active)
        .order_by(Rsvp.meeting_on.desc(), Member.display_name)
    )
    days: dict[date, MeetingAnswers] = {}
    for day, reply, name in rows:
        entry = days.setdefault(day, MeetingAnswers(day=day, coming=[], not_coming=[]))
        (entry.coming if reply == "yes" else entry.not_coming).append(name or "")
    return list(days.values())[:limit]


class NewReminder(BaseModel):
    """A reminder as the chat flow collects it; the rhythm becomes an RRULE."""

    kind: str
    every_weeks: int | None = None  # 1-4: weekly rhythm ...
    nth: int | None = None  # ... or monthly on the n-th weekday (-1: the last)
    weekday: int
    hour: int
    audience: str  # all | partners | coordinators
    text: str = Field(min_length=1, max_length=MAX_TEXT)

    def rrule(self) -> str:
        if self.nth is not None:
            return monthly_nth_weekday(self.nth, self.weekday, self.hour)
        return weekly(self.weekday, self.hour, interval=self.every_weeks or 1)


async def create(
    session: AsyncSession, actor: MemberInfo | None, new: NewReminder, now: datetime
) -> Schedule:
    """A reminder made in chat: marked as such, so `initiative apply` leaves it alone."""
    actor = require_coordinator(actor)
    if new.kind not in ("meeting", "custom") or new.audience not in AUDIENCES:
        raise DomainError("reminders.invalid")
    try:
        rrule = validate_rrule(new.rrule())
    except ValueError as error:
        raise DomainError("reminders.invalid") from error
    zone = await local_zone(session)
    taken = set((await session.scalars(select(Schedule.code))).all())
    number = 1 + sum(code.startswith("chat-") for code in taken)
    while f"chat-{number}" in taken:
        number += 1
    schedule = Schedule(
        code=f"chat-{number}",
        kind=new.kind,
        rrule=rrule,
        starts=now.astimezone(zone).date(),
        audience=AUDIENCES[new.audience],
        text_de=new.text,
        text_en="",
        origin=Origin.CHAT,
        active=True,
        paused=False,
    )
    session.add(schedule)
    await session.flush()
    record(session, actor.id, "reminder.created", schedule.code, at=now, rrule=rrule)
    return schedule
