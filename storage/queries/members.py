"""Member look-ups."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from storage.models import Member


async def active_member_by_telegram_id(session: AsyncSession, telegram_id: int) -> Member | None:
    result = await session.execute(
        select(Member)
        .options(joinedload(Member.organisation))
        .where(Member.telegram_id == telegram_id, Member.active.is_(True))
    )
    return result.scalar_one_or_none()
