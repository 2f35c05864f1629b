"""Test data written straight into the database (joining by invite arrives with a later issue)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import Activity, ActivityPartner, Goal, Member, Organisation, Role


async def add_member(
    sessions: async_sessionmaker[AsyncSession],
    telegram_id: int,
    *,
    name: str = "Anna Berger",
    role: Role = Role.PARTNER,
    language: str | None = "de",
    organisation: str = "awo",
    organisation_name: str = "AWO Kreisverband Neustadt",
) -> Member:
    async with sessions.begin() as session:
        org = await session.scalar(select(Organisation).where(Organisation.code == organisation))
        if org is None:
            org = Organisation(code=organisation, name=organisation_name, kind="Verein")
            session.add(org)
        member = Member(
            telegram_id=telegram_id,
            display_name=name,
            organisation=org,
            role=role.value,
            language=language,
        )
        session.add(member)
    return member


async def add_activity(
    session: AsyncSession,
    organisation: str,
    day: date,
    title: str,
    goal: str,
    *,
    partners: tuple[str, ...] = (),
    target_group: str | None = None,
    district: str | None = None,
    reach: int | None = None,
    description: str = "",
    member_id: int | None = None,
) -> int:
    """An activity as the /activity flow stores it; partners in the order given."""

    async def organisation_id(code: str) -> int:
        found = await session.scalar(select(Organisation.id).where(Organisation.code == code))
        assert found is not None, code
        return found

    goal_id = await session.scalar(select(Goal.id).where(Goal.code == goal))
    assert goal_id is not None
    now = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    activity = Activity(
        organisation_id=await organisation_id(organisation),
        member_id=member_id,
        activity_date=day,
        title=title,
        description=description,
        goal_id=goal_id,
        target_group=target_group,
        district=district,
        reach=reach,
        created_at=now,
        updated_at=now,
    )
    session.add(activity)
    await session.flush()
    for code in partners:
        session.add(
            ActivityPartner(activity_id=activity.id, organisation_id=await organisation_id(code))
        )
        await session.flush()
    return activity.id
