"""Members by organisation, and what coordinators and admins change about them (audited)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from bot.services.errors import DomainError
from bot.services.members import MemberInfo
from storage.models import Member, Organisation, Role
from storage.queries.audit import record

MANAGERS = frozenset({Role.COORDINATOR, Role.ADMIN})


class OrganisationChoice(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    code: str
    name: str


class RosterEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    telegram_id: int | None
    name: str
    role: Role
    language: str | None
    reporting_contact: bool
    organisation_code: str
    organisation_name: str


async def organisations(session: AsyncSession) -> list[OrganisationChoice]:
    rows = await session.scalars(
        select(Organisation).where(Organisation.active).order_by(Organisation.name)
    )
    return [OrganisationChoice(id=o.id, code=o.code, name=o.name) for o in rows]


async def roster(session: AsyncSession) -> list[RosterEntry]:
    """Active members, by organisation name, then name."""
    rows = await session.scalars(
        select(Member)
        .options(joinedload(Member.organisation))
        .join(Organisation)
        .where(Member.active)
        .order_by(Organisation.name, Member.display_name)
    )
    return [_entry(member) for member in rows]


async def toggle_reporting_contact(
    session: AsyncSession, actor: MemberInfo, member_id: int
) -> RosterEntry:
    _require(actor, MANAGERS)
    member = await _member(session, member_id)
    member.reporting_contact = not member.reporting_contact
    record(
        session, actor.id, "member.reporting_contact", str(member.id), on=member.reporting_contact
    )
    return _entry(member)


async def change_role(
    session: AsyncSession, actor: MemberInfo, member_id: int, role: Role
) -> RosterEntry:
    _require(actor, {Role.ADMIN})
    member = await _member(session, member_id)
    if member.id == actor.id:
        raise DomainError("members.not_yourself")
    old, member.role = member.role, role.value
    record(session, actor.id, "member.role", str(member.id), old=old, new=role.value)
    return _entry(member)


async def deactivate(session: AsyncSession, actor: MemberInfo, member_id: int) -> RosterEntry:
    _require(actor, {Role.ADMIN})
    member = await _member(session, member_id)
    if member.id == actor.id:
        raise DomainError("members.not_yourself")
    member.active = False
    record(session, actor.id, "member.deactivated", str(member.id))
    return _entry(member)


async def member_entry(session: AsyncSession, member_id: int) -> RosterEntry:
    return _entry(await _member(session, member_id))


def _require(actor: MemberInfo, roles: frozenset[Role] | set[Role]) -> None:
    if actor.role not in roles:
        raise DomainError("members.not_allowed")


async def _member(session: AsyncSession, member_id: int) -> Member:
    member = await session.get(Member, member_id, options=[joinedload(Member.organisation)])
    if member is None or not member.active:
        raise DomainError("members.unknown")
    return member


def _entry(member: Member) -> RosterEntry:
    return RosterEntry(
        id=member.id,
        telegram_id=member.telegram_id,
        name=member.display_name or "",
        role=Role(member.role),
        language=member.language,
        reporting_contact=member.reporting_contact,
        organisation_code=member.organisation.code,
        organisation_name=member.organisation.name,
    )
