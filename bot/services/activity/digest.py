"""The weekly activity digest (issue 15): what partners did in the week, per goal.

A `digest` schedule fires (DESIGN section 1, Scheduler); its hook looks at the activities of
the seven days up to and including the firing's local day, groups them by goal and enqueues one
message per member who has not switched the digest off (`Member.activity_digest`), placed like
a reminder (DESIGN section 5). A week without activities sends nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.outbox import Messages
from bot.services.placement import Placement
from bot.services.schedules import Firing, Hook, schedule_audience
from storage.models import Activity, ActivityPartner, Goal, Member, Organisation

WEEK_DAYS = 7
# Titles listed per goal; the count says how many there were in all.
TITLES_PER_GOAL = 5


@dataclass(frozen=True)
class Entry:
    title: str
    organisation: str
    day: date


@dataclass(frozen=True)
class GoalWeek:
    """One goal's week: how many activities, who took part, whom they reached."""

    goal_id: int
    title_de: str
    title_en: str
    count: int
    organisations: tuple[str, ...]
    # The sum of the reach numbers given; None when no activity gave one.
    reach: int | None
    # The most recent first, at most TITLES_PER_GOAL.
    entries: tuple[Entry, ...]

    def title(self, language: str) -> str:
        return self.title_en if language == "en" and self.title_en else self.title_de


@dataclass(frozen=True)
class Week:
    first: date
    last: date
    goals: tuple[GoalWeek, ...]


def week_ending(day: date) -> tuple[date, date]:
    """The seven days up to and including `day`: every day lands in exactly one digest."""
    return day - timedelta(days=WEEK_DAYS - 1), day


async def summarise(session: AsyncSession, first: date, last: date) -> Week:
    """The activities dated `first` to `last` (both included), per goal in the goals' order."""
    in_week = (Activity.activity_date >= first, Activity.activity_date <= last)
    activities = (
        await session.execute(
            select(
                Activity.id,
                Activity.goal_id,
                Activity.title,
                Activity.activity_date,
                Activity.reach,
                Organisation.name,
            )
            .join(Organisation, Organisation.id == Activity.organisation_id)
            .where(*in_week)
            .order_by(Activity.activity_date.desc(), Activity.id.desc())
        )
    ).all()
    if not activities:
        return Week(first, last, ())
    partners: dict[int, set[str]] = {}
    partner_rows = await session.execute(
        select(ActivityPartner.activity_id, Organisation.name)
        .join(Activity, Activity.id == ActivityPartner.activity_id)
        .join(Organisation, Organisation.id == ActivityPartner.organisation_id)
        .where(*in_week)
    )
    for activity_id, name in partner_rows:
        partners.setdefault(activity_id, set()).add(name)
    by_goal: dict[int, list[tuple[int, str, date, int | None, str]]] = {}
    for activity_id, goal_id, title, day, reach, organisation in activities:
        by_goal.setdefault(goal_id, []).append((activity_id, title, day, reach, organisation))
    goals = await session.execute(
        select(Goal.id, Goal.title_de, Goal.title_en)
        .where(Goal.id.in_(by_goal))
        .order_by(Goal.position, Goal.id)
    )
    summaries = []
    for goal_id, title_de, title_en in goals:
        rows = by_goal[goal_id]
        organisations = {row[4] for row in rows}
        for row in rows:
            organisations |= partners.get(row[0], set())
        reaches = [row[3] for row in rows if row[3] is not None]
        summaries.append(
            GoalWeek(
                goal_id=goal_id,
                title_de=title_de,
                title_en=title_en,
                count=len(rows),
                organisations=tuple(sorted(organisations, key=str.casefold)),
                reach=sum(reaches) if reaches else None,
                entries=tuple(
                    Entry(title, organisation, day)
                    for _, title, day, _, organisation in rows[:TITLES_PER_GOAL]
                ),
            )
        )
    return Week(first, last, tuple(summaries))


async def subscribers(session: AsyncSession) -> set[int]:
    """Active members who have not switched the digest off."""
    ids = await session.scalars(select(Member.id).where(Member.active, Member.activity_digest))
    return set(ids)


def digest_hook(render: Callable[[Week], Messages]) -> Hook:
    """The `digest` kind: the week's summary to the schedule's audience, at each member's
    reminder hour; nothing in a week without activities."""

    async def fire(session: AsyncSession, firing: Firing, now: datetime) -> int:
        schedule = firing.schedule
        day = firing.occurrence.astimezone(firing.zone).date()
        week = await summarise(session, *week_ending(day))
        if not week.goals:
            return 0
        wanted = await subscribers(session)
        people = [
            person
            for person in await firing.batch.recipients(session, schedule_audience(schedule))
            if person.member_id in wanted
        ]
        if not people:
            return 0
        return firing.deliver(
            people,
            kind=schedule.kind,
            messages=render(week),
            placement=Placement.REMINDER,
            now=now,
        )

    return fire
