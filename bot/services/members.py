"""Who is writing: the member behind a Telegram account."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Role
from storage.queries.members import active_member_by_telegram_id


class MemberInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    display_name: str
    role: Role
    language: str | None
    organisation_code: str
    organisation_name: str


async def find_member(session: AsyncSession, telegram_id: int) -> MemberInfo | None:
    """The active member with this Telegram account, or None for someone who has not joined."""
    member = await active_member_by_telegram_id(session, telegram_id)
    if member is None:
        return None
    return MemberInfo(
        id=member.id,
        display_name=member.display_name or "",
        role=Role(member.role),
        language=member.language,
        organisation_code=member.organisation.code,
        organisation_name=member.organisation.name,
    )
