"""Test data written straight into the database (joining by invite arrives with a later issue)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import Member, Organisation, Role


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
