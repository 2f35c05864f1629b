"""Who owes what (DESIGN sections 2 and 4): completeness per period, nudges to exactly those
who owe, extensions per organisation and period, closing a period.

A report is on time when its first revision arrived before the due time (or the extension);
imported values count as reported but have no on-time status.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import members
from bot.services.audiences import Audience, AudienceKind, register
from bot.services.errors import DomainError
from bot.services.members import MemberInfo
from bot.services.outbox import OutgoingMessage, enqueue
from bot.services.placement import Placement
from bot.services.roster import Unreachable, reach
from storage.models import (
    ClosedPeriod,
    Indicator,
    IndicatorValue,
    Obligation,
    Organisation,
    ValueSource,
)
from storage.queries.audit import record
from storage.queries.inserts import insert_new
from storage.queries.obligations import counted

EXTENSION_DAYS = (3, 7, 14)
NUDGE_KIND = "nudge"


@dataclass(frozen=True)
class Item:
    obligation_id: int
    organisation_id: int
    organisation_name: str
    indicator_code: str
    name_de: str
    name_en: str
    due_at: datetime
    reported: bool
    on_time: bool | None

    def name(self, language: str) -> str:
        return self.name_de if language == "de" else self.name_en


@dataclass(frozen=True)
class Completeness:
    period: str
    items: list[Item]
    closed: bool

    @property
    def reported(self) -> int:
        return sum(item.reported for item in self.items)

    @property
    def on_time(self) -> int:
        return sum(bool(item.on_time) for item in self.items)

    @property
    def percent(self) -> int:
        """Reported of expected, rounded half up as people do (1 of 8 is 13 %)."""
        expected = len(self.items)
        return (200 * self.reported + expected) // (2 * expected) if expected else 100

    @property
    def missing(self) -> list[Item]:
        return [item for item in self.items if not item.reported]

    @property
    def missing_by_organisation(self) -> dict[str, list[Item]]:
        groups: dict[str, list[Item]] = {}
        for item in self.missing:
            groups.setdefault(item.organisation_name, []).append(item)
        return groups


def require_coordinator(actor: MemberInfo | None) -> MemberInfo:
    return members.require_coordinator(actor, "missing.not_allowed")


async def recent_periods(session: AsyncSession, now: datetime, limit: int = 6) -> list[str]:
    """Period codes to look at: those due most recently first, then the running ones."""
    rows = (
        await session.execute(
            select(Obligation.period, func.max(Obligation.due_at))
            .where(counted())
            .group_by(Obligation.period)
        )
    ).all()
    due = sorted(((d, p) for p, d in rows if d <= now), reverse=True)
    running = sorted((d, p) for p, d in rows if d > now)
    return ([p for _, p in due] + [p for _, p in running])[:limit]


async def completeness(session: AsyncSession, period: str) -> Completeness:
    first = select(IndicatorValue).where(IndicatorValue.revision == 1).subquery()
    rows = await session.execute(
        select(Obligation, Indicator, Organisation, first.c.reported_at, first.c.source)
        .join(Indicator, Indicator.id == Obligation.indicator_id)
        .join(Organisation, Organisation.id == Obligation.organisation_id)
        .outerjoin(
            first,
            and_(
                first.c.indicator_id == Obligation.indicator_id,
                first.c.organisation_id == Obligation.organisation_id,
                first.c.period == Obligation.period,
            ),
        )
        # Waived obligations are not expected; one reported anyway counts as reported.
        .where(Obligation.period == period, counted())
        .order_by(Organisation.name, Indicator.position, Indicator.code)
    )
    items = []
    for obligation, indicator, organisation, reported_at, source in rows:
        due = obligation.extended_until or obligation.due_at
        on_time = None
        if reported_at is not None and source != ValueSource.IMPORT:
            on_time = reported_at <= due
        items.append(
            Item(
                obligation_id=obligation.id,
                organisation_id=organisation.id,
                organisation_name=organisation.name,
                indicator_code=indicator.code,
                name_de=indicator.name_de,
                name_en=indicator.name_en,
                due_at=due,
                reported=reported_at is not None,
                on_time=on_time,
            )
        )
    closed = await session.get(ClosedPeriod, period) is not None
    return Completeness(period=period, items=items, closed=closed)


async def known_period(session: AsyncSession, period: str) -> Completeness:
    """The completeness of a period someone acts on (extending, closing, the file): a forged
    or unknown period names no obligation and is refused instead of acted on."""
    found = await completeness(session, period)
    if not found.items:
        raise DomainError("missing.unknown")
    return found


@dataclass(frozen=True)
class Owing:
    # Member id -> the items they are asked for.
    asked: dict[int, list[Item]]
    # Owing organisations nobody could be asked in, and why.
    unreached: list[Unreachable]


async def owing(session: AsyncSession, period: str) -> Owing:
    """Who is asked for what is missing: each owing organisation's reporting contacts, or all
    its members who may report if it named none; and the organisations nobody can be asked
    in."""
    missing = (await completeness(session, period)).missing
    by_organisation: dict[int, list[Item]] = {}
    for item in missing:
        by_organisation.setdefault(item.organisation_id, []).append(item)
    found = await reach(session, by_organisation)
    asked: dict[int, list[Item]] = {}
    for organisation_id, member_ids in found.people.items():
        for member_id in member_ids:
            asked[member_id] = by_organisation[organisation_id]
    return Owing(asked, found.unreached)


async def owing_member_ids(session: AsyncSession, period: str) -> dict[int, list[Item]]:
    """Member id -> the items they are asked for (see `owing`)."""
    return (await owing(session, period)).asked


@dataclass(frozen=True)
class Nudged:
    people: int
    organisations: int
    items: int = 0
    member_ids: list[int] = field(default_factory=list)
    # Owing organisations nobody could be asked in, and why.
    unreached: list[Unreachable] = field(default_factory=list)


async def nudge(
    session: AsyncSession,
    actor: MemberInfo | None,
    period: str,
    now: datetime,
    render: Callable[[Sequence[Item]], Mapping[str, OutgoingMessage]],
) -> Nudged:
    """One message to each person who owes something for `period`, saying what is missing;
    at once, but not in their quiet hours (a nudge is a reminder, if a wanted one)."""
    require_coordinator(actor)
    found = await owing(session, period)
    asked = found.asked
    for member_id, items in asked.items():
        await enqueue(
            session,
            member_ids=[member_id],
            kind=NUDGE_KIND,
            messages=render(items),
            placement=Placement.MEETING,
            wanted=now,
            reference=f"{NUDGE_KIND}:{period}",
        )
    organisations = {item.organisation_id for items in asked.values() for item in items}
    assert actor is not None
    record(session, actor.id, "period.nudged", period, at=now, people=len(asked))
    return Nudged(people=len(asked), organisations=len(organisations), unreached=found.unreached)


@dataclass(frozen=True)
class Extended:
    organisation_name: str
    until: datetime
    count: int


async def extend(
    session: AsyncSession,
    actor: MemberInfo | None,
    organisation_id: int,
    period: str,
    days: int,
    now: datetime,
) -> Extended:
    """Move the due time of the organisation's obligations of `period` by `days`."""
    actor = require_coordinator(actor)
    if days not in EXTENSION_DAYS:
        raise DomainError("missing.invalid_extension")
    obligations = (
        await session.scalars(
            select(Obligation).where(
                Obligation.organisation_id == organisation_id, Obligation.period == period
            )
        )
    ).all()
    if not obligations:
        raise DomainError("missing.unknown")
    for obligation in obligations:
        obligation.extended_until = obligation.due_at + timedelta(days=days)
    record(
        session,
        actor.id,
        "period.extended",
        period,
        at=now,
        organisation_id=organisation_id,
        days=days,
    )
    organisation = await session.get(Organisation, organisation_id)
    assert organisation is not None
    until = max(o.extended_until for o in obligations if o.extended_until is not None)
    return Extended(organisation_name=organisation.name, until=until, count=len(obligations))


async def close(
    session: AsyncSession, actor: MemberInfo | None, period: str, now: datetime
) -> None:
    """No more reports for `period`, except corrections by coordinators."""
    actor = require_coordinator(actor)
    await known_period(session, period)
    # Two coordinators may close at the same moment: the first one closes, the other finds
    # it closed (a plain INSERT would fail on PostgreSQL's unique key).
    closing = insert_new(session, ClosedPeriod).values(
        period=period, closed_at=now, closed_by=actor.id
    )
    if (await session.execute(closing.returning(ClosedPeriod.period))).first() is not None:
        record(session, actor.id, "period.closed", period, at=now)


async def _owing(session: AsyncSession, audience: Audience) -> list[int]:
    period = audience.codes[0] if audience.codes else ""
    return sorted(await owing_member_ids(session, period))


# A broadcast audience: "members who still owe a report for a period".
register("owing", AudienceKind(_owing, lambda audience, member: False))
