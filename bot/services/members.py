"""Who is writing: the member behind a Telegram account."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.errors import DomainError
from storage.models import Role
from storage.queries.members import active_member_identity, mark_active, unblock

# Who runs the initiative day to day: broadcasts, completeness, reminders, figures of all.
COORDINATORS = frozenset({Role.COORDINATOR, Role.ADMIN})


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


def is_coordinator(member: MemberInfo | None) -> bool:
    return member is not None and member.role in COORDINATORS


def require_coordinator(member: MemberInfo | None, refusal: str) -> MemberInfo:
    """The member if they coordinate; else the feature's refusal (a translation key)."""
    if member is None or member.role not in COORDINATORS:
        raise DomainError(refusal)
    return member


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


async def was_active(session: AsyncSession, member_id: int, day: date) -> None:
    """The member's last active day (DESIGN section 2), for the engagement signals."""
    await mark_active(session, member_id, day)


async def wrote_again(session: AsyncSession, member_id: int) -> None:
    """A member who had blocked the bot writes again: messages reach them once more."""
    await unblock(session, member_id)
