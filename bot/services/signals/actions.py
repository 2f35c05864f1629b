"""What a coordinator does from a signal: look at the organisation, ask its people how they
are (a check-in through the outbox to its reporting contacts, else all its members)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.errors import DomainError, NotFound
from bot.services.outbox import Messages, enqueue
from bot.services.placement import Placement
from bot.services.roster import Unreached, reach
from storage.models import Activity, Member, Organisation, Signal


@dataclass(frozen=True)
class OrganisationDetails:
    name: str
    members: int
    contacts: list[str]
    last_active: date | None
    last_activity: date | None


async def _organisation(session: AsyncSession, signal_id: int) -> Organisation:
    signal = await session.get(Signal, signal_id)
    if signal is None:
        raise NotFound("signals.gone")
    if signal.organisation_id is None:
        raise DomainError("signals.initiative_wide")
    organisation = await session.get(Organisation, signal.organisation_id)
    assert organisation is not None
    return organisation


async def details(session: AsyncSession, signal_id: int) -> OrganisationDetails:
    organisation = await _organisation(session, signal_id)
    active = (Member.organisation_id == organisation.id, Member.active.is_(True))
    count, last = (
        await session.execute(
            select(func.count(Member.id), func.max(Member.last_active_on)).where(*active)
        )
    ).one()
    contacts = await session.scalars(
        select(Member.display_name).where(*active, Member.reporting_contact.is_(True))
    )
    last_activity = await session.scalar(
        select(func.max(Activity.activity_date)).where(Activity.organisation_id == organisation.id)
    )
    return OrganisationDetails(
        organisation.name, int(count), [n or "" for n in contacts], last, last_activity
    )


@dataclass(frozen=True)
class CheckIn:
    organisation: str
    # How many were written to.
    asked: int
    # Why nobody was, when nobody was.
    unreached: Unreached | None


async def check_in(
    session: AsyncSession,
    signal_id: int,
    messages: Callable[[str], Messages],
    now: datetime,
) -> CheckIn:
    """Ask the organisation's reporting contacts (else its members) how things are."""
    organisation = await _organisation(session, signal_id)
    found = await reach(session, [organisation.id])
    written = await enqueue(
        session,
        member_ids=found.people.get(organisation.id, []),
        kind="signal_check_in",
        messages=messages(organisation.name),
        placement=Placement.MEETING,
        wanted=now,
    )
    reason = found.unreached[0].reason if found.unreached else None
    return CheckIn(organisation.name, written, reason)
