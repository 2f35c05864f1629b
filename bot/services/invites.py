"""Invites: a random code (96 bits) for an organisation and role, with uses and an expiry."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.errors import DomainError
from bot.services.members import MemberInfo
from storage.models import Invite, Organisation, Role
from storage.queries.audit import record

# Who may invite whom (DESIGN section 3); the command line may invite anyone.
INVITABLE: dict[Role, frozenset[Role]] = {
    Role.COORDINATOR: frozenset({Role.PARTNER, Role.OBSERVER}),
    Role.ADMIN: frozenset(Role),
}
MAX_USES = 500
MAX_DAYS = 365


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


def invitable_roles(inviter: Role | None) -> list[Role]:
    allowed = frozenset(Role) if inviter is None else INVITABLE.get(inviter, frozenset())
    return [role for role in Role if role in allowed]


async def create_invite(
    session: AsyncSession,
    *,
    organisation_code: str,
    role: Role,
    now: datetime,
    uses: int = 1,
    days: int = 14,
    inviter: MemberInfo | None = None,
) -> NewInvite:
    """A new invite; `inviter` None means the command line (the backbone's own machine)."""
    if role not in invitable_roles(inviter.role if inviter else None):
        raise DomainError("invite.role_not_allowed")
    if not 1 <= uses <= MAX_USES or not 1 <= days <= MAX_DAYS:
        raise DomainError("invite.limits", max_uses=MAX_USES, max_days=MAX_DAYS)
    organisation = await session.scalar(
        select(Organisation).where(Organisation.code == organisation_code, Organisation.active)
    )
    if organisation is None:
        raise DomainError("invite.unknown_organisation", code=organisation_code)
    code = secrets.token_urlsafe(12)  # 96 bits; deep links allow A-Z a-z 0-9 _ -
    expires_at = now + timedelta(days=days)
    session.add(
        Invite(
            code_hash=hash_code(code),
            organisation=organisation,
            role=role.value,
            uses_left=uses,
            expires_at=expires_at,
            created_by=inviter.id if inviter else None,
            created_at=now,
        )
    )
    record(
        session,
        inviter.id if inviter else None,
        "invite.created",
        organisation.code,
        at=now,
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
