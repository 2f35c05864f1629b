"""Joining with an invite code: consent, language, name -> a member."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.errors import DomainError
from bot.services.invites import usable_invite
from bot.services.members import MemberInfo, find_member
from storage.models import Member, Role
from storage.queries.audit import record


class Joining(BaseModel):
    model_config = ConfigDict(frozen=True)

    telegram_id: int
    name: str = Field(min_length=1, max_length=64)
    language: str = Field(pattern="^(de|en)$")


async def join(
    session: AsyncSession, *, code: str, telegram_id: int, name: str, language: str, now: datetime
) -> MemberInfo:
    """Create the member the invite is for; the invite loses one use."""
    try:
        joining = Joining(telegram_id=telegram_id, name=name.strip(), language=language)
    except ValidationError:
        raise DomainError("join.name_invalid") from None
    if await find_member(session, telegram_id) is not None:
        raise DomainError("join.already_member")
    invite = await usable_invite(session, code, now)
    invite.uses_left -= 1
    member = Member(
        telegram_id=joining.telegram_id,
        display_name=joining.name,
        organisation_id=invite.organisation_id,
        role=Role(invite.role).value,
        language=joining.language,
        joined_at=now,
        consent_at=now,
    )
    session.add(member)
    await session.flush()
    record(session, member.id, "member.joined", str(member.id), at=now, role=invite.role)
    found = await find_member(session, telegram_id)
    assert found is not None
    return found
