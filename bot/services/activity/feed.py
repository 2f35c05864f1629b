"""The activity feed and the coordinators' gaps (issue 15, /activities).

The feed lists the initiative's activities newest first (planned ones, dated in the future,
lead), optionally for one goal or one organisation. An organisation's activities are those it
logged and those it took part in as a partner.

The gaps show where nothing happens: active goals without an activity dated in the last
`weeks` weeks (up to and including today), and the initiative's districts in which no activity
has ever taken place. Only activities dated up to today count for both: a planned activity does
not close a gap before it happened. Districts are matched by name, ignoring case and spaces
around it ("other" districts typed in do not count for the listed ones unless they match).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.errors import DomainError
from bot.services.outbox import local_zone
from storage.models import Activity, ActivityPartner, Goal, Initiative, Organisation

PAGE = 5
GAP_WEEKS = 8
# A feed page shows this much of a description; the export has all of it.
DESCRIPTION_PREVIEW = 280
# A button press with a goal or organisation that is not (or no longer) offered.
STALE = "error.stale_button"


@dataclass(frozen=True)
class FeedItem:
    id: int
    day: date
    organisation: str
    title: str
    goal_title_de: str
    goal_title_en: str
    target_group: str | None
    district: str | None
    reach: int | None
    partners: tuple[str, ...]
    description: str

    def goal_title(self, language: str) -> str:
        return self.goal_title_en if language == "en" else self.goal_title_de


@dataclass(frozen=True)
class GoalChoice:
    id: int
    code: str
    title_de: str
    title_en: str

    def title(self, language: str) -> str:
        return self.title_en if language == "en" else self.title_de


@dataclass(frozen=True)
class OrganisationChoice:
    id: int
    code: str
    name: str


@dataclass(frozen=True)
class Filters:
    """What the feed can be filtered by: only goals and organisations with activities."""

    goals: tuple[GoalChoice, ...]
    organisations: tuple[OrganisationChoice, ...]


@dataclass(frozen=True)
class GoalGap:
    goal: GoalChoice
    # The latest activity before the window, or None when the goal never had one.
    last_activity: date | None


@dataclass(frozen=True)
class Gaps:
    today: date
    weeks: int
    goals: tuple[GoalGap, ...]
    districts: tuple[str, ...]
    # False when the initiative file lists no districts (then nothing can be said about them).
    has_districts: bool


def preview(text: str, limit: int = DESCRIPTION_PREVIEW) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


async def _goal_id(session: AsyncSession, code: str | None, goal_id: int | None) -> int | None:
    if code is None and goal_id is None:
        return None
    query = select(Goal.id).where(Goal.code == code if code is not None else Goal.id == goal_id)
    found = await session.scalar(query)
    if found is None:
        raise DomainError(STALE)
    return found


async def _organisation_id(
    session: AsyncSession, code: str | None, organisation_id: int | None
) -> int | None:
    if code is None and organisation_id is None:
        return None
    query = select(Organisation.id).where(
        Organisation.code == code if code is not None else Organisation.id == organisation_id
    )
    found = await session.scalar(query)
    if found is None:
        raise DomainError(STALE)
    return found


def _involves(organisation_id: int) -> ColumnElement[bool]:
    partnered = select(ActivityPartner.activity_id).where(
        ActivityPartner.organisation_id == organisation_id
    )
    return or_(Activity.organisation_id == organisation_id, Activity.id.in_(partnered))


async def feed(
    session: AsyncSession,
    *,
    goal_code: str | None = None,
    organisation_code: str | None = None,
    goal_id: int | None = None,
    organisation_id: int | None = None,
    offset: int = 0,
    limit: int = PAGE,
) -> tuple[list[FeedItem], bool]:
    """A page of the feed, newest first, and whether there are older ones.

    Filter by code (callers that know them) or by id (buttons, which must fit in 64 bytes); an
    unknown goal or organisation raises DomainError("error.stale_button")."""
    goal = await _goal_id(session, goal_code, goal_id)
    organisation = await _organisation_id(session, organisation_code, organisation_id)
    query = (
        select(Activity, Organisation.name, Goal.title_de, Goal.title_en)
        .join(Organisation, Organisation.id == Activity.organisation_id)
        .join(Goal, Goal.id == Activity.goal_id)
        .order_by(Activity.activity_date.desc(), Activity.id.desc())
        .offset(max(offset, 0))
        .limit(limit + 1)
    )
    if goal is not None:
        query = query.where(Activity.goal_id == goal)
    if organisation is not None:
        query = query.where(_involves(organisation))
    rows = (await session.execute(query)).all()
    page = rows[:limit]
    partners = await _partner_names(session, [row[0].id for row in page])
    items = [
        FeedItem(
            id=activity.id,
            day=activity.activity_date,
            organisation=organisation_name,
            title=activity.title,
            goal_title_de=title_de,
            goal_title_en=title_en,
            target_group=activity.target_group,
            district=activity.district,
            reach=activity.reach,
            partners=partners.get(activity.id, ()),
            description=activity.description or "",
        )
        for activity, organisation_name, title_de, title_en in page
    ]
    return items, len(rows) > limit


async def _partner_names(
    session: AsyncSession, activity_ids: list[int]
) -> dict[int, tuple[str, ...]]:
    if not activity_ids:
        return {}
    rows = await session.execute(
        select(ActivityPartner.activity_id, Organisation.name)
        .join(Organisation, Organisation.id == ActivityPartner.organisation_id)
        .where(ActivityPartner.activity_id.in_(activity_ids))
        .order_by(Organisation.name)
    )
    names: dict[int, list[str]] = {}
    for activity_id, name in rows:
        names.setdefault(activity_id, []).append(name)
    return {activity_id: tuple(found) for activity_id, found in names.items()}


async def filters(session: AsyncSession) -> Filters:
    """The goals (in the agenda's order) and organisations (by name) that have activities."""
    goal_rows = await session.execute(
        select(Goal.id, Goal.code, Goal.title_de, Goal.title_en)
        .where(Goal.id.in_(select(Activity.goal_id)))
        .order_by(Goal.position, Goal.id)
    )
    involved = select(Activity.organisation_id).union(select(ActivityPartner.organisation_id))
    organisation_rows = await session.execute(
        select(Organisation.id, Organisation.code, Organisation.name)
        .where(Organisation.id.in_(involved))
        .order_by(Organisation.name, Organisation.id)
    )
    return Filters(
        goals=tuple(GoalChoice(*row) for row in goal_rows),
        organisations=tuple(OrganisationChoice(*row) for row in organisation_rows),
    )


async def gaps(session: AsyncSession, today: date, weeks: int = GAP_WEEKS) -> Gaps:
    """Active goals without an activity in the `weeks` weeks up to today (the first day of the
    window is today minus `weeks` weeks plus one day), and the initiative's districts without
    any activity up to today."""
    first = today - timedelta(weeks=weeks) + timedelta(days=1)
    rows = await session.execute(
        select(Activity.goal_id, func.max(Activity.activity_date))
        .where(Activity.activity_date <= today)
        .group_by(Activity.goal_id)
    )
    latest: dict[int, date] = {goal_id: day for goal_id, day in rows}
    goals = await session.execute(
        select(Goal.id, Goal.code, Goal.title_de, Goal.title_en)
        .where(Goal.active.is_(True))
        .order_by(Goal.position, Goal.id)
    )
    goal_gaps = tuple(
        GoalGap(GoalChoice(*row), latest.get(row[0]))
        for row in goals
        if latest.get(row[0]) is None or latest[row[0]] < first
    )
    initiative = await session.get(Initiative, 1)
    listed = list(initiative.districts or []) if initiative else []
    seen = {
        _district_key(name)
        for name in await session.scalars(
            select(Activity.district)
            .where(Activity.district.is_not(None), Activity.activity_date <= today)
            .distinct()
        )
        if name
    }
    districts = tuple(name for name in listed if _district_key(name) not in seen)
    return Gaps(today, weeks, goal_gaps, districts, has_districts=bool(listed))


async def local_today(session: AsyncSession, now: datetime) -> date:
    """The initiative's calendar day at `now`."""
    return now.astimezone(await local_zone(session)).date()


def _district_key(name: str) -> str:
    return " ".join(name.split()).casefold()
