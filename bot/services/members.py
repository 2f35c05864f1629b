"""Who is writing: the member behind a Telegram account."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Role
from storage.queries.members import active_member_identity


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
    row = await active_member_identity(session, telegram_id)
    if row is None:
        return None
    member_id, name, role, language, organisation_code, organisation_name = row
    return MemberInfo(
        id=member_id,
        display_name=name or "",
        role=Role(role),
        language=language,
        organisation_code=organisation_code,
        organisation_name=organisation_name,
    )
