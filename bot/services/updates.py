"""Updates already handled: a redelivered update must change nothing."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from storage.queries.persistence import is_processed


async def already_processed(session: AsyncSession, update_id: int) -> bool:
    return await is_processed(session, update_id)
