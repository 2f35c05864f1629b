"""Logging activities: check the input, store, point out who else is active there (issue 15).

Partners log what they do in a minute; when another organisation was recently active on the
same goal, target group or district, the bot says so - only for organisations that agreed
(`show_activities` in the initiative file).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.errors import DomainError, NotFound
from bot.services.members import MemberInfo
from storage.models import Activity, ActivityPartner, Goal, Initiative, Organisation

TITLE_LIMIT = 120
DESCRIPTION_LIMIT = 1000
NAME_LIMIT = 100
REACH_MAX = 100_000
HINT_WEEKS = 8
WHOLE_NUMBER = re.compile(r"\d+|\d{1,3}(?:[.,\s]\d{3})+")
# Own entries that can still be changed or deleted.
EDITABLE_DAYS = 30


class NewActivity(BaseModel):
    model_config = ConfigDict(frozen=True)

    title: str = Field(min_length=1, max_length=TITLE_LIMIT)
    activity_date: date
    goal_code: str
    target_group: str | None = Field(default=None, max_length=NAME_LIMIT)
    district: str | None = Field(default=None, max_length=NAME_LIMIT)
    reach: int | None = Field(default=None, ge=0, le=REACH_MAX)
    partner_codes: tuple[str, ...] = ()
    description: str = Field(default="", max_length=DESCRIPTION_LIMIT)


def checked_text(text: str, limit: int, *, key: str = "activity.too_long") -> str:
    cleaned = " ".join(text.split()) if limit <= NAME_LIMIT else text.strip()
    if not cleaned:
        raise DomainError("activity.empty")
    if len(cleaned) > limit:
        raise DomainError(key, limit=limit, length=len(cleaned))
    return cleaned


def parse_reach(text: str) -> int:
    """A count of people: digits, with thousands grouped by `.`, `,` or a space (1.500)."""
    cleaned = text.strip()
    if not WHOLE_NUMBER.fullmatch(cleaned):
        raise DomainError("activity.bad_reach", max=REACH_MAX)
    value = int(re.sub(r"\D", "", cleaned))
    if value > REACH_MAX:
        raise DomainError("activity.bad_reach", max=REACH_MAX)
    return value


@dataclass(frozen=True)
class Choices:
    goals: list[tuple[str, str, str]]  # code, German title, English title
    target_groups: list[str]
    districts: list[str]
    # Organisations that can be named as partners: code, name.
    partners: list[tuple[str, str]]


async def choices(session: AsyncSession, member: MemberInfo) -> Choices:
    goals = (
        await session.execute(
            select(Goal.code, Goal.title_de, Goal.title_en).order_by(Goal.position)
        )
    ).all()
    initiative = await session.get(Initiative, 1)
    partners = (
        await session.execute(
            select(Organisation.code, Organisation.name)
            .where(
                Organisation.active.is_(True),
                Organisation.backbone.is_(False),
                Organisation.code != member.organisation_code,
            )
            .order_by(Organisation.name)
        )
    ).all()
    return Choices(
        goals=[tuple(row) for row in goals],  # type: ignore[misc]
        target_groups=list(initiative.target_groups) if initiative else [],
        districts=list(initiative.districts) if initiative else [],
        partners=[(code, name) for code, name in partners],
    )


@dataclass(frozen=True)
class Hint:
    organisation: str
    goal: bool = False
    target_group: bool = False
    district: bool = False


@dataclass(frozen=True)
class Logged:
    activity_id: int
    hints: list[Hint] = field(default_factory=list)


async def _organisation_id(session: AsyncSession, code: str) -> int:
    found = await session.scalar(select(Organisation.id).where(Organisation.code == code))
    if found is None:
        raise DomainError("error.stale_button")
    return found


async def log_activity(
    session: AsyncSession, member: MemberInfo, new: NewActivity, now: datetime
) -> Logged:
    goal_id = await session.scalar(select(Goal.id).where(Goal.code == new.goal_code))
    if goal_id is None:
        raise DomainError("error.stale_button")
    activity = Activity(
        organisation_id=await _organisation_id(session, member.organisation_code),
        member_id=member.id,
        activity_date=new.activity_date,
        title=new.title,
        description=new.description,
        goal_id=goal_id,
        target_group=new.target_group,
        district=new.district,
        reach=new.reach,
        created_at=now,
        updated_at=now,
    )
    session.add(activity)
    await session.flush()
    for code in sorted(set(new.partner_codes)):
        session.add(
            ActivityPartner(
                activity_id=activity.id, organisation_id=await _organisation_id(session, code)
            )
        )
    return Logged(activity.id, await hints(session, activity))


async def hints(session: AsyncSession, activity: Activity) -> list[Hint]:
    """Other organisations active on the same goal, target group or district in the last
    weeks, if they agreed to be shown."""
    since = activity.activity_date - timedelta(weeks=HINT_WEEKS)
    same = [Activity.goal_id == activity.goal_id]
    if activity.target_group:
        same.append(Activity.target_group == activity.target_group)
    if activity.district:
        same.append(Activity.district == activity.district)
    rows = await session.execute(
        select(Organisation.name, Activity.goal_id, Activity.target_group, Activity.district)
        .join(Organisation, Organisation.id == Activity.organisation_id)
        .where(
            Activity.organisation_id != activity.organisation_id,
            Organisation.show_activities.is_(True),
            Organisation.active.is_(True),
            Activity.activity_date >= since,
            or_(*same),
        )
    )
    found: dict[str, Hint] = {}
    for name, goal_id, group, district in rows:
        old = found.get(name, Hint(name))
        found[name] = Hint(
            name,
            old.goal or goal_id == activity.goal_id,
            old.target_group or bool(activity.target_group and group == activity.target_group),
            old.district or bool(activity.district and district == activity.district),
        )
    return [found[name] for name in sorted(found)]


@dataclass(frozen=True)
class OwnEntry:
    activity_id: int
    activity_date: date
    title: str


async def own_recent(session: AsyncSession, member: MemberInfo, now: datetime) -> list[OwnEntry]:
    """What the member logged in the last EDITABLE_DAYS: theirs to change or delete."""
    rows = await session.execute(
        select(Activity.id, Activity.activity_date, Activity.title)
        .where(
            Activity.member_id == member.id,
            Activity.created_at >= now - timedelta(days=EDITABLE_DAYS),
        )
        .order_by(Activity.activity_date.desc(), Activity.id.desc())
        .limit(10)
    )
    return [OwnEntry(*row) for row in rows]


async def _own(session: AsyncSession, member: MemberInfo, activity_id: int) -> Activity:
    activity = await session.get(Activity, activity_id)
    if activity is None:
        raise NotFound("activity.gone")
    if activity.member_id != member.id:
        raise DomainError("activity.not_yours")
    return activity


async def editable(
    session: AsyncSession, member: MemberInfo, activity_id: int, now: datetime
) -> Activity:
    """The member's own activity, if still recent enough to change."""
    activity = await _own(session, member, activity_id)
    if activity.created_at < now - timedelta(days=EDITABLE_DAYS):
        raise DomainError("activity.too_old", count=EDITABLE_DAYS)
    return activity


async def delete_activity(
    session: AsyncSession, member: MemberInfo, activity_id: int, now: datetime
) -> str:
    activity = await editable(session, member, activity_id, now)
    title = activity.title
    await session.execute(delete(ActivityPartner).where(ActivityPartner.activity_id == activity_id))
    await session.delete(activity)
    return title


EDITABLE = ("title", "date", "reach", "description")


async def change_activity(
    session: AsyncSession,
    member: MemberInfo,
    activity_id: int,
    field_name: str,
    value: object,
    now: datetime,
) -> None:
    activity = await editable(session, member, activity_id, now)
    if field_name == "title":
        activity.title = str(value)
    elif field_name == "date":
        assert isinstance(value, date)
        activity.activity_date = value
    elif field_name == "reach":
        activity.reach = None if value is None else int(str(value))
    elif field_name == "description":
        activity.description = str(value)
    else:
        raise DomainError("error.stale_button")
    activity.updated_at = now
