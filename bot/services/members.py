"""Who is writing: the member behind a Telegram account."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Role
from storage.queries.members import active_member_identity, unblock


class MemberInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    display_name: str
    role: Role
    language: str | None
    organisation_code: str
    organisation_name: str
    # The bot was blocked by this member; outbox messages wait until they write again.
    blocked: bool = False


async def find_member(session: AsyncSession, telegram_id: int) -> MemberInfo | None:
    """The active member with this Telegram account, or None for someone who has not joined."""
    row = await active_member_identity(session, telegram_id)
    if row is None:
        return None
    member_id, name, role, language, organisation_code, organisation_name, blocked = row
    return MemberInfo(
        id=member_id,
        display_name=name or "",
        role=Role(role),
        language=language,
        organisation_code=organisation_code,
        organisation_name=organisation_name,
        blocked=blocked,
    )


async def wrote_again(session: AsyncSession, member_id: int) -> None:
    """A member who had blocked the bot writes again: messages reach them once more."""
    await unblock(session, member_id)
