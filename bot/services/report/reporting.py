"""Reporting a value (DESIGN section 2, /report): what is asked, checked and saved.

A partner reports for their own organisation; coordinators may report or correct on any
organisation's behalf (recorded as such). A correction adds a revision; nothing is
overwritten. Saving checks the revision the person saw, so a second "save" or someone else's
report in between never turns silently into a correction.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.errors import DomainError, NotFound
from bot.services.members import COORDINATORS, MemberInfo
from bot.services.report.number_reader import Kind, Rejected, Spec, validate
from bot.services.report.plausibility import is_implausible
from storage.models import (
    ClosedPeriod,
    Indicator,
    IndicatorValue,
    Obligation,
    Organisation,
    Role,
    ValueSource,
)
from storage.queries import values as stored
from storage.queries.audit import record

MAX_NOTE_LENGTH = 500
REPORTERS = COORDINATORS | {Role.PARTNER}
# How many earlier periods the plausibility check compares with.
HISTORY = 12


class Question(BaseModel):
    model_config = ConfigDict(frozen=True)

    obligation_id: int
    indicator_id: int
    organisation_id: int
    organisation_name: str
    name_de: str
    name_en: str
    unit: str
    kind: Kind
    min_value: float | None
    max_value: float | None
    period: str
    # 0: not reported yet; else the latest revision (reporting again corrects it).
    revision: int
    latest_value: float | None = None
    on_behalf: bool = False

    def name(self, language: str) -> str:
        return self.name_de if language == "de" else self.name_en

    @property
    def spec(self) -> Spec:
        return Spec(self.kind, self.min_value, self.max_value)


class Saved(BaseModel):
    revision: int
    value: float | None
    on_behalf: bool


async def question(session: AsyncSession, obligation_id: int, actor: MemberInfo | None) -> Question:
    """What to ask for this obligation; refuses strangers (a reminder's button is an entry
    point anyone can forge) and obligations of other organisations."""
    if actor is None:
        raise DomainError("start.stranger")
    # One round trip for what is asked and its state (asked on every step of /report and
    # again when saving); the stored value only when there is one.
    row = (
        await session.execute(
            select(
                Obligation.period,
                Organisation.id,
                Organisation.code,
                Organisation.name,
                Indicator,
                exists().where(ClosedPeriod.period == Obligation.period).label("closed"),
                select(func.max(IndicatorValue.revision))
                .where(
                    IndicatorValue.indicator_id == Obligation.indicator_id,
                    IndicatorValue.organisation_id == Obligation.organisation_id,
                    IndicatorValue.period == Obligation.period,
                )
                .scalar_subquery()
                .label("revision"),
            )
            .join(Organisation, Organisation.id == Obligation.organisation_id)
            .join(Indicator, Indicator.id == Obligation.indicator_id)
            .where(Obligation.id == obligation_id)
        )
    ).one_or_none()
    if row is None:
        raise NotFound("report.unknown")
    period, organisation_id, organisation_code, organisation_name, indicator = row[:5]
    closed, revision = bool(row.closed), int(row.revision or 0)
    own = organisation_code == actor.organisation_code
    if actor.role not in REPORTERS or not (own or actor.role in COORDINATORS):
        raise DomainError("report.not_yours")
    if not indicator.active:
        raise NotFound("report.unknown")
    if closed and actor.role not in COORDINATORS:
        raise DomainError("report.closed")
    latest = None
    if revision:
        stored_value = (
            await session.execute(
                select(IndicatorValue.value, IndicatorValue.not_applicable).where(
                    IndicatorValue.indicator_id == indicator.id,
                    IndicatorValue.organisation_id == organisation_id,
                    IndicatorValue.period == period,
                    IndicatorValue.revision == revision,
                )
            )
        ).one()
        latest = None if stored_value.not_applicable else stored_value.value
    return Question(
        obligation_id=obligation_id,
        indicator_id=indicator.id,
        organisation_id=organisation_id,
        organisation_name=organisation_name,
        name_de=indicator.name_de,
        name_en=indicator.name_en,
        unit=indicator.unit,
        kind=Kind(indicator.type),
        min_value=indicator.min_value,
        max_value=indicator.max_value,
        period=period,
        revision=revision,
        latest_value=latest,
        on_behalf=not own,
    )


async def earlier_values(session: AsyncSession, asked: Question) -> list[float]:
    """The organisation's values of earlier periods of this indicator, oldest first."""
    rows = await stored.latest(
        session,
        IndicatorValue.indicator_id == asked.indicator_id,
        IndicatorValue.organisation_id == asked.organisation_id,
        IndicatorValue.period < asked.period,
    )
    return [r.value for r in rows if r.value is not None][-HISTORY:]


async def needs_note(session: AsyncSession, asked: Question, value: float) -> list[float] | None:
    """The earlier values when `value` is far off them and the indicator wants a note then."""
    indicator = await session.get(Indicator, asked.indicator_id)
    if indicator is None or not indicator.note_on_implausible:
        return None
    earlier = await earlier_values(session, asked)
    return earlier if is_implausible(value, earlier) else None


class Entry(BaseModel):
    """What the person confirmed; `value` None means "not applicable"."""

    model_config = ConfigDict(frozen=True)

    obligation_id: int
    value: float | None
    note: str = Field(default="", max_length=MAX_NOTE_LENGTH)
    # The revision the person saw when asked (0: none yet).
    seen_revision: int


async def save(session: AsyncSession, actor: MemberInfo, entry: Entry, now: datetime) -> Saved:
    asked = await question(session, entry.obligation_id, actor)
    if asked.revision != entry.seen_revision:
        raise DomainError("report.changed_meanwhile")
    if entry.value is not None and isinstance(validate(entry.value, asked.spec), Rejected):
        raise DomainError("report.invalid_value")
    revision = asked.revision + 1
    session.add(
        IndicatorValue(
            indicator_id=asked.indicator_id,
            organisation_id=asked.organisation_id,
            period=asked.period,
            value=entry.value,
            not_applicable=entry.value is None,
            note=entry.note.strip(),
            revision=revision,
            reported_by=actor.id,
            source=ValueSource.ON_BEHALF if asked.on_behalf else ValueSource.CHAT,
            reported_at=now,
        )
    )
    record(
        session,
        actor.id,
        "value.corrected" if revision > 1 else "value.reported",
        f"{asked.period}:{asked.organisation_id}:{asked.indicator_id}",
        at=now,
        value=entry.value,
        previous=asked.latest_value if revision > 1 else None,
        revision=revision,
        on_behalf=asked.on_behalf,
    )
    await session.flush()
    return Saved(revision=revision, value=entry.value, on_behalf=asked.on_behalf)
