"""Members by organisation, and what coordinators and admins change about them (audited)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from bot.services.errors import DomainError
from bot.services.members import COORDINATORS, MemberInfo
from storage.models import Member, Organisation, Role
from storage.queries.audit import record

MANAGERS = COORDINATORS


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


async def deactivate(
    session: AsyncSession, actor: MemberInfo, member_id: int, now: datetime
) -> RosterEntry:
    _require(actor, {Role.ADMIN})
    member = await _member(session, member_id)
    if member.id == actor.id:
        raise DomainError("members.not_yourself")
    # `left_at` as on leaving: signals see when a reporting contact went.
    member.active, member.left_at = False, now
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


# Who may report for an organisation (observers never).
REPORTING_ROLES = (Role.PARTNER.value, Role.COORDINATOR.value, Role.ADMIN.value)


async def reporting_people(
    session: AsyncSession, organisation_ids: Collection[int]
) -> dict[int, list[int]]:
    """Who is asked when an organisation owes a report: its reporting contacts, or all its
    members if it named none; organisation id -> member ids (reachable ones only)."""
    rows = await session.execute(
        select(Member.id, Member.organisation_id, Member.reporting_contact).where(
            Member.active,
            Member.telegram_id.is_not(None),
            Member.organisation_id.in_(organisation_ids),
            Member.role.in_(REPORTING_ROLES),
        )
    )
    by_organisation: dict[int, list[tuple[int, bool]]] = {}
    for member_id, organisation_id, contact in rows:
        by_organisation.setdefault(organisation_id, []).append((member_id, contact))
    return {
        organisation: [m for m, c in members if c] or [m for m, _ in members]
        for organisation, members in by_organisation.items()
    }
