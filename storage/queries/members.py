"""Member look-ups."""

from __future__ import annotations

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Member, Organisation

IdentityRow = Row[int, str | None, str, str | None, str, str]


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
        )
        .join(Organisation, Member.organisation_id == Organisation.id)
        .where(Member.telegram_id == telegram_id, Member.active.is_(True))
    )
    return result.one_or_none()
