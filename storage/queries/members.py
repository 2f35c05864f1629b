"""Member look-ups."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Row, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Member, Organisation

IdentityRow = Row[int, str | None, str, str | None, str, str, bool]


async def active_member_identity(session: AsyncSession, telegram_id: int) -> IdentityRow | None:
    """id, display_name, role, language, organisation code and name of an active member.

    Runs for every update: plain columns instead of ORM objects keep it cheap.
    """
    result = await session.execute(
        select(
            Member.id,
            Member.display_name,
            Member.role,
            Member.language,
            Organisation.code,
            Organisation.name,
            Member.blocked,
        )
        .join(Organisation, Member.organisation_id == Organisation.id)
        .where(Member.telegram_id == telegram_id, Member.active.is_(True))
    )
    return result.one_or_none()


async def unblock(session: AsyncSession, member_id: int) -> None:
    await session.execute(update(Member).where(Member.id == member_id).values(blocked=False))


async def mark_active(session: AsyncSession, member_id: int, day: date) -> None:
    """Note the day once: the row is written only when the day changes."""
    await session.execute(
        update(Member)
        .where(
            Member.id == member_id,
            or_(Member.last_active_on.is_(None), Member.last_active_on != day),
        )
        .values(last_active_on=day)
    )
