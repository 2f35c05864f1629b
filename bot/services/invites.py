"""Invites: a random code (96 bits) for an organisation and role, with uses and an expiry."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Final, TypeAlias, final

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.errors import DomainError
from bot.services.members import MemberInfo
from storage.models import Invite, Member, Organisation, Role
from storage.queries.audit import record

# Who may invite whom from the chat (DESIGN section 3).
INVITABLE: dict[Role, frozenset[Role]] = {
    Role.COORDINATOR: frozenset({Role.PARTNER, Role.OBSERVER}),
    Role.ADMIN: frozenset(Role),
}
MAX_USES = 500
MAX_DAYS = 365


@final
class CommandLine:
    """The inviter `gwbot invite` passes: the backbone's own machine, which may invite anyone.

    A marker of its own, so that no missing member (None, a deactivated one) can ever be taken
    for it: only a caller that names the command line gets its rights."""

    def __repr__(self) -> str:
        return "COMMAND_LINE"


COMMAND_LINE: Final = CommandLine()
Inviter: TypeAlias = MemberInfo | CommandLine


class NewInvite(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    organisation_code: str
    organisation_name: str
    role: Role
    uses: int
    expires_at: datetime


class InviteInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    organisation_name: str
    role: Role


def hash_code(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def invitable_roles(inviter: Inviter | None) -> list[Role]:
    """The roles this inviter may hand out; nobody (None, anything unknown) may hand out any."""
    if isinstance(inviter, CommandLine):
        allowed = frozenset(Role)
    elif isinstance(inviter, MemberInfo):
        allowed = INVITABLE.get(inviter.role, frozenset())
    else:
        allowed = frozenset()
    return [role for role in Role if role in allowed]


def check_invitable(inviter: Inviter | None, role: Role) -> None:
    if role not in invitable_roles(inviter):
        raise DomainError("invite.role_not_allowed")


async def create_invite(
    session: AsyncSession,
    *,
    organisation_code: str,
    role: Role,
    now: datetime,
    inviter: Inviter,
    uses: int = 1,
    days: int = 14,
) -> NewInvite:
    """A new invite. A member's rights are read again here, in the transaction that creates
    it: a member deactivated or demoted since their identity was read gets what they may
    grant now (nothing, once deactivated)."""
    checked = await _as_stored(session, inviter) if isinstance(inviter, MemberInfo) else inviter
    check_invitable(checked, role)
    if not 1 <= uses <= MAX_USES or not 1 <= days <= MAX_DAYS:
        raise DomainError("invite.limits", max_uses=MAX_USES, max_days=MAX_DAYS)
    organisation = await session.scalar(
        select(Organisation).where(Organisation.code == organisation_code, Organisation.active)
    )
    if organisation is None:
        raise DomainError("invite.unknown_organisation", code=organisation_code)
    code = secrets.token_urlsafe(12)  # 96 bits; deep links allow A-Z a-z 0-9 _ -
    expires_at = now + timedelta(days=days)
    actor_id = inviter.id if isinstance(inviter, MemberInfo) else None
    session.add(
        Invite(
            code_hash=hash_code(code),
            organisation=organisation,
            role=role.value,
            uses_left=uses,
            expires_at=expires_at,
            created_by=actor_id,
            created_at=now,
        )
    )
    record(
        session,
        actor_id,
        "invite.created",
        organisation.code,
        at=now,
        # Who acted, readable without the members table: a member or the command line.
        by="member" if actor_id is not None else "command line",
        role=role.value,
        uses=uses,
        days=days,
    )
    return NewInvite(
        code=code,
        organisation_code=organisation.code,
        organisation_name=organisation.name,
        role=role,
        uses=uses,
        expires_at=expires_at,
    )


async def _as_stored(session: AsyncSession, inviter: MemberInfo) -> MemberInfo | None:
    """The inviter with the role stored now; None once they are no longer active."""
    member = await session.get(Member, inviter.id, populate_existing=True)
    if member is None or not member.active:
        return None
    return inviter.model_copy(update={"role": Role(member.role)})


async def usable_invite(session: AsyncSession, code: str, now: datetime) -> Invite:
    """The invite behind `code`, or a DomainError saying why it cannot be used."""
    invite = await session.scalar(select(Invite).where(Invite.code_hash == hash_code(code)))
    if invite is None:
        raise DomainError("join.invalid")
    if invite.expires_at <= now:
        raise DomainError("join.expired")
    if invite.uses_left <= 0:
        raise DomainError("join.used_up")
    organisation = await invite.awaitable_attrs.organisation
    if not organisation.active:
        raise DomainError("join.invalid")
    return invite


async def check_invite(session: AsyncSession, code: str, now: datetime) -> InviteInfo:
    invite = await usable_invite(session, code, now)
    organisation = await invite.awaitable_attrs.organisation
    return InviteInfo(organisation_name=organisation.name, role=Role(invite.role))
