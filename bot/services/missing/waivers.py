"""Waiving past periods: coordinators declare what is still open for periods that ended
before a day as no longer owed - in bulk, in chat (/missing) or with `gwbot periods waive`.

An initiative applied in December that started in January would otherwise owe (and be
reminded of) eleven months at once. A waived obligation is not owed, not reminded, not
escalated and not counted as missing (storage.queries.obligations); a value reported anyway
counts as reported. Reported obligations are never waived. Who waived what goes to the audit
log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import members
from bot.services.errors import DomainError
from bot.services.invites import CommandLine
from bot.services.members import MemberInfo
from bot.services.obligations import write_obligations
from bot.services.outbox import local_zone
from storage.models import Indicator, Obligation, Organisation
from storage.queries.audit import record
from storage.queries.obligations import missing

# Cut-off days offered in chat: the first of this month and of so many months before.
CHAT_MONTHS = 6

Waiver = MemberInfo | CommandLine


@dataclass(frozen=True)
class Group:
    """How many obligations of one indicator one organisation is let off."""

    organisation_code: str
    organisation_name: str
    indicator_code: str
    name_de: str
    name_en: str
    count: int

    def name(self, language: str) -> str:
        return self.name_de if language == "de" else self.name_en


@dataclass(frozen=True)
class Waivable:
    """The open obligations of periods that end before `before`, by organisation and
    indicator (organisations by name, indicators in the agenda's order)."""

    before: date
    groups: list[Group]

    @property
    def count(self) -> int:
        return sum(group.count for group in self.groups)

    @property
    def by_organisation(self) -> dict[str, list[Group]]:
        found: dict[str, list[Group]] = {}
        for group in self.groups:
            found.setdefault(group.organisation_name, []).append(group)
        return found


def _chooses(actor: Waiver | None) -> Waiver:
    if isinstance(actor, CommandLine):
        return actor
    return members.require_coordinator(actor, "missing.not_allowed")


async def _today(session: AsyncSession, now: datetime) -> date:
    return now.astimezone(await local_zone(session)).date()


async def _selection(
    session: AsyncSession,
    before: date,
    now: datetime,
    organisation: str | None,
    indicator: str | None,
) -> list[ColumnElement[bool]]:
    """What `before`, `organisation` and `indicator` select; refuses what cannot be meant."""
    if before > await _today(session, now):
        raise DomainError("waive.future", day=before.isoformat())
    where = [missing(), Obligation.period_end < before]
    if organisation is not None:
        found = await session.scalar(
            select(Organisation.id).where(Organisation.code == organisation)
        )
        if found is None:
            raise DomainError("waive.unknown_organisation", code=organisation)
        where.append(Obligation.organisation_id == found)
    if indicator is not None:
        found = await session.scalar(select(Indicator.id).where(Indicator.code == indicator))
        if found is None:
            raise DomainError("waive.unknown_indicator", code=indicator)
        where.append(Obligation.indicator_id == found)
    return where


async def waivable(
    session: AsyncSession,
    actor: Waiver | None,
    before: date,
    now: datetime,
    *,
    organisation: str | None = None,
    indicator: str | None = None,
) -> Waivable:
    """What waiving would let off, to confirm first; nothing to waive is refused."""
    _chooses(actor)
    where = await _selection(session, before, now, organisation, indicator)
    return await _found(session, before, where)


async def _found(
    session: AsyncSession, before: date, where: Sequence[ColumnElement[bool]]
) -> Waivable:
    rows = await session.execute(
        select(
            Organisation.code,
            Organisation.name,
            Indicator.code,
            Indicator.name_de,
            Indicator.name_en,
            func.count(),
        )
        .select_from(Obligation)
        .join(Organisation, Organisation.id == Obligation.organisation_id)
        .join(Indicator, Indicator.id == Obligation.indicator_id)
        .where(*where)
        .group_by(
            Organisation.code,
            Organisation.name,
            Indicator.code,
            Indicator.name_de,
            Indicator.name_en,
            Indicator.position,
        )
        .order_by(Organisation.name, Indicator.position, Indicator.code)
    )
    groups = [Group(*row) for row in rows]
    if not groups:
        raise DomainError("waive.nothing", day=before.isoformat())
    return Waivable(before, groups)


async def waive(
    session: AsyncSession,
    actor: Waiver | None,
    before: date,
    now: datetime,
    *,
    organisation: str | None = None,
    indicator: str | None = None,
) -> Waivable:
    """Let off every open obligation of periods that end before `before` (of one organisation
    or indicator if named); returns what was let off."""
    actor = _chooses(actor)
    # Periods that ended before `before` have started: whatever of them is not written yet
    # (no tick since) is written now, so that nothing escapes the waiver and turns up later.
    await write_obligations(session, now)
    where = await _selection(session, before, now, organisation, indicator)
    found = await _found(session, before, where)
    await session.execute(
        update(Obligation)
        .where(*where)
        .values(waived_at=now)
        .execution_options(synchronize_session=False)
    )
    per_organisation: dict[str, int] = {}
    for group in found.groups:
        code = group.organisation_code
        per_organisation[code] = per_organisation.get(code, 0) + group.count
    actor_id = actor.id if isinstance(actor, MemberInfo) else None
    record(
        session,
        actor_id,
        "obligations.waived",
        before.isoformat(),
        at=now,
        # Who acted, readable without the members table: a member or the command line.
        by="member" if actor_id is not None else "command line",
        organisation=organisation,
        indicator=indicator,
        count=found.count,
        organisations=per_organisation,
    )
    return found


def month_starts(today: date, months: int = CHAT_MONTHS) -> list[date]:
    """The first of this month and of the months before, latest first."""
    days = [today.replace(day=1)]
    while len(days) < months:
        days.append((days[-1] - timedelta(days=1)).replace(day=1))
    return days


async def cut_offs(
    session: AsyncSession, actor: Waiver | None, now: datetime
) -> list[tuple[date, int]]:
    """The days offered in chat to waive before (month starts), each with how many open
    obligations it would let off; only those that let off something, latest first."""
    _chooses(actor)
    days: Sequence[date] = month_starts(await _today(session, now))
    counts = (
        await session.execute(
            select(
                *(func.sum(case((Obligation.period_end < day, 1), else_=0)) for day in days)
            ).where(missing(), Obligation.period_end < days[0])
        )
    ).one()
    return [(day, int(count)) for day, count in zip(days, counts, strict=True) if count]
