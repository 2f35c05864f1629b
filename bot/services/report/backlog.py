"""A backlog of one indicator in one message (issue 23): what was understood, and saving it all
in one transaction with the checks of a single value (bot.services.report.reporting.save)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.errors import NotFound
from bot.services.members import MemberInfo
from bot.services.obligations import reachable_organisation
from bot.services.outbox import local_zone
from bot.services.report import reporting
from bot.services.report.number_reader import Kind, Read, Spec, read_value
from bot.services.report.search import Backlog, read_backlog
from storage.models import ClosedPeriod, Indicator, Obligation
from storage.queries.obligations import missing, reported


class Why(StrEnum):
    """Why a part of the message is not taken."""

    NO_PERIOD = "no_period"  # not a period of this indicator
    NOT_OWED = "not_owed"  # no open obligation (not started, waived, before the start)
    REPORTED = "reported"  # already reported: correct it on its own
    CLOSED = "closed"  # a closed period (partners)
    VALUE = "value"  # the value is unreadable or out of range
    TWICE = "twice"  # the period came twice


@dataclass(frozen=True)
class Taken:
    obligation_id: int
    period: str
    value: float | None


@dataclass(frozen=True)
class Refused:
    typed: str
    why: Why
    value: str = ""


@dataclass(frozen=True)
class Understood:
    organisation_id: int
    organisation_name: str
    indicator_id: int
    name_de: str
    name_en: str
    kind: str
    unit: str
    taken: list[Taken]
    refused: list[Refused]

    def name(self, language: str) -> str:
        return self.name_de if language == "de" else self.name_en


async def understand(
    session: AsyncSession,
    organisation_id: int,
    indicator_id: int,
    viewer: MemberInfo,
    text: str,
    language: str,
    now: datetime,
) -> Understood | None:
    """What the message says for the indicator; None when it names no period with a value
    (then it is no backlog, and the chat treats it as it would otherwise)."""
    organisation, coordinator = await reachable_organisation(session, organisation_id, viewer)
    indicator = await session.get(Indicator, indicator_id)
    if indicator is None or not indicator.active:
        raise NotFound("report.unknown")
    today = now.astimezone(await local_zone(session)).date()
    backlog: Backlog = read_backlog(text, indicator.frequency, today)
    if not backlog.understood:
        return None
    codes = [p.period.code for p in backlog.pairs if p.period is not None]
    rows = await session.execute(
        select(Obligation.id, Obligation.period, missing(), reported()).where(
            Obligation.organisation_id == organisation_id,
            Obligation.indicator_id == indicator_id,
            Obligation.period.in_(codes),
        )
    )
    obligations = {period: (oid, open_, done) for oid, period, open_, done in rows}
    closed = set(
        (
            await session.scalars(select(ClosedPeriod.period).where(ClosedPeriod.period.in_(codes)))
        ).all()
    )
    spec = Spec(Kind(indicator.type), indicator.min_value, indicator.max_value)
    taken: list[Taken] = []
    refused = [Refused(part, Why.NO_PERIOD) for part in backlog.unreadable]
    seen: set[str] = set()
    for pair in backlog.pairs:
        if pair.period is None:
            refused.append(Refused(pair.typed, Why.NO_PERIOD, pair.value))
            continue
        code = pair.period.code
        found = obligations.get(code)
        why = None
        if code in seen:
            why = Why.TWICE
        elif found is None or (not found[1] and not found[2]):
            why = Why.NOT_OWED
        elif found[2]:
            why = Why.REPORTED
        elif code in closed and not coordinator:
            why = Why.CLOSED
        answer = read_value(pair.value, spec, language) if why is None else None
        if why is None and not isinstance(answer, Read):
            why = Why.VALUE
        if why is not None or found is None or not isinstance(answer, Read):
            refused.append(Refused(pair.typed, why or Why.VALUE, pair.value))
            continue
        seen.add(code)
        taken.append(Taken(obligation_id=found[0], period=code, value=answer.value))
    taken.sort(key=lambda t: t.period)
    return Understood(
        organisation_id=organisation.id,
        organisation_name=organisation.name,
        indicator_id=indicator.id,
        name_de=indicator.name_de,
        name_en=indicator.name_en,
        kind=indicator.type,
        unit=indicator.unit,
        taken=taken,
        refused=refused,
    )


async def save_all(
    session: AsyncSession, actor: MemberInfo, taken: list[Taken], now: datetime
) -> int:
    """Save every value in the caller's transaction: one refused (changed meanwhile, out of
    range, closed since) refuses them all. Returns how many were saved."""
    for item in taken:
        entry = reporting.Entry(obligation_id=item.obligation_id, value=item.value, seen_revision=0)
        await reporting.save(session, actor, entry, now)
    return len(taken)
