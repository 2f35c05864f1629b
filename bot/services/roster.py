"""Members by organisation, and what coordinators and admins change about them (audited)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict
from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from bot.services.errors import DomainError
from bot.services.members import COORDINATORS, MemberInfo
from bot.services.obligations import expected_reporters
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


class Unreached(StrEnum):
    """Why nobody of an organisation can be asked for its reports."""

    # Nobody of it joined, or everyone left.
    NO_MEMBERS = "no_members"
    # Only observers, who do not report.
    OBSERVERS_ONLY = "observers_only"
    # Everyone who may report blocked the bot: nothing reaches them until they write again.
    BLOCKED = "blocked"


@dataclass(frozen=True)
class Unreachable:
    organisation_id: int
    name: str
    reason: Unreached


@dataclass(frozen=True)
class Reach:
    # Organisation id -> the members asked: its reporting contacts, else everyone who may
    # report; never someone who blocked the bot.
    people: dict[int, list[int]]
    # The organisations nobody could be asked in, by name, and why.
    unreached: list[Unreachable]


async def reach(session: AsyncSession, organisation_ids: Collection[int]) -> Reach:
    """Who is asked when these organisations owe a report, and where nobody can be."""
    if not organisation_ids:
        return Reach({}, [])
    rows = await session.execute(
        select(
            Organisation.id,
            Organisation.name,
            Member.id,
            Member.role,
            Member.reporting_contact,
            Member.blocked,
        )
        .outerjoin(
            Member,
            and_(
                Member.organisation_id == Organisation.id,
                Member.active,
                Member.telegram_id.is_not(None),
            ),
        )
        .where(Organisation.id.in_(organisation_ids))
        .order_by(Member.id)
    )
    names: dict[int, str] = {}
    members: dict[int, list[tuple[int, str, bool, bool]]] = {}
    for organisation_id, name, member_id, role, contact, blocked in rows:
        names[organisation_id] = name
        if member_id is not None:
            members.setdefault(organisation_id, []).append((member_id, role, contact, blocked))
    people: dict[int, list[int]] = {}
    unreached = []
    for organisation_id, name in names.items():
        everyone = members.get(organisation_id, [])
        able = [m for m in everyone if m[1] in REPORTING_ROLES]
        reachable = [m for m in able if not m[3]]
        if reachable:
            contacts = [m for m, _, contact, _ in reachable if contact]
            people[organisation_id] = contacts or [m for m, *_ in reachable]
            continue
        reason = (
            Unreached.BLOCKED
            if able
            else Unreached.OBSERVERS_ONLY
            if everyone
            else Unreached.NO_MEMBERS
        )
        unreached.append(Unreachable(organisation_id, name, reason))
    return Reach(people, sorted(unreached, key=lambda u: u.name.casefold()))


async def reporting_people(
    session: AsyncSession, organisation_ids: Collection[int]
) -> dict[int, list[int]]:
    """Who is asked when an organisation owes a report: its reporting contacts, or all its
    members who may report if it named none (reachable ones only: a contact who blocked the
    bot is skipped); organisation id -> member ids."""
    return (await reach(session, organisation_ids)).people


@dataclass(frozen=True)
class Gap:
    """An organisation not on board: nobody can be asked for its reports, or (where it owes
    some) nobody is marked as its reporting contact."""

    organisation_id: int
    name: str
    # An `Unreached` reason, or "no_contact".
    reason: str


async def not_on_board(session: AsyncSession, *, owing: Collection[int] | None = None) -> list[Gap]:
    """Active organisations without active members; and of those that owe reports (`owing`,
    by default those the active indicators expect), those without anyone who may report or
    without a reporting contact."""
    if owing is None:
        owing = await expected_reporters(session)
    rows = await session.execute(
        select(Organisation.id, Organisation.name).where(Organisation.active)
    )
    organisations = {organisation_id: name for organisation_id, name in rows}
    found = await reach(session, list(organisations))
    gaps = [
        Gap(u.organisation_id, u.name, u.reason.value)
        for u in found.unreached
        if u.organisation_id in owing or u.reason is Unreached.NO_MEMBERS
    ]
    marked = set(
        (
            await session.scalars(
                select(Member.organisation_id).where(
                    Member.active, Member.reporting_contact, Member.role.in_(REPORTING_ROLES)
                )
            )
        ).all()
    )
    gaps += [
        Gap(organisation_id, organisations[organisation_id], "no_contact")
        for organisation_id in found.people
        if organisation_id in owing and organisation_id not in marked
    ]
    return sorted(gaps, key=lambda gap: gap.name.casefold())
