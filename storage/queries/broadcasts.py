"""Broadcasts and what became of their deliveries: counts, acknowledgements, reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    String,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Broadcast, Delivery, DeliveryState, Member, Organisation

OPEN_STATES = (DeliveryState.PENDING.value, DeliveryState.SENDING.value)


def reference(broadcast_id: int) -> str:
    return f"broadcast:{broadcast_id}"


@dataclass(frozen=True)
class Counts:
    recipients: int = 0
    sent: int = 0
    failed: int = 0
    blocked: int = 0
    pending: int = 0
    acknowledged: int = 0


async def counts(session: AsyncSession, broadcast_id: int) -> Counts:
    def state(*states: str) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((Delivery.state.in_(states), 1), else_=0)), 0)

    row = (
        await session.execute(
            select(
                func.count(Delivery.id),
                state(DeliveryState.SENT.value),
                state(DeliveryState.FAILED.value),
                state(DeliveryState.BLOCKED.value),
                state(*OPEN_STATES),
                func.count(Delivery.acknowledged_at),
            ).where(Delivery.reference == reference(broadcast_id))
        )
    ).one()
    return Counts(*(int(value) for value in row))


async def delivery_of(session: AsyncSession, broadcast_id: int, member_id: int) -> Delivery | None:
    return await session.scalar(
        select(Delivery).where(
            Delivery.reference == reference(broadcast_id), Delivery.member_id == member_id
        )
    )


async def acknowledge(
    session: AsyncSession, broadcast_id: int, member_id: int, now: datetime
) -> bool:
    """Record the member's acknowledgement once; False when it was already recorded (a
    conditional update, so two presses at once still count once)."""
    result = await session.execute(
        update(Delivery)
        .where(
            Delivery.reference == reference(broadcast_id),
            Delivery.member_id == member_id,
            Delivery.acknowledged_at.is_(None),
        )
        .values(acknowledged_at=now)
    )
    return bool(getattr(result, "rowcount", 0))


async def recipients_by_organisation(
    session: AsyncSession, broadcast_id: int
) -> list[tuple[str, str | None, str, bool]]:
    """(organisation name, member name, delivery state, acknowledged) of every recipient who
    is still a member, by organisation and name."""
    rows = await session.execute(
        select(
            Organisation.name,
            Member.display_name,
            Delivery.state,
            Delivery.acknowledged_at.is_not(None),
        )
        .join(Member, Member.id == Delivery.member_id)
        .join(Organisation, Organisation.id == Member.organisation_id)
        .where(Delivery.reference == reference(broadcast_id), Member.active)
        .order_by(Organisation.name, Member.display_name)
    )
    return [(org, name, state, bool(acked)) for org, name, state, acked in rows]


async def recent(session: AsyncSession, limit: int) -> list[Broadcast]:
    rows = await session.scalars(
        select(Broadcast).order_by(Broadcast.created_at.desc(), Broadcast.id.desc()).limit(limit)
    )
    return list(rows.all())


async def received_by(session: AsyncSession, member_id: int, ids: list[int]) -> dict[int, bool]:
    """Of these broadcasts, those the member got a delivery of: id -> acknowledged."""
    if not ids:
        return {}
    rows = await session.execute(
        select(Delivery.reference, Delivery.acknowledged_at.is_not(None)).where(
            Delivery.member_id == member_id,
            Delivery.reference.in_([reference(i) for i in ids]),
        )
    )
    return {int(str(ref).split(":")[1]): bool(acked) for ref, acked in rows}


async def finished_without_report(session: AsyncSession) -> list[Broadcast]:
    """Broadcasts whose deliveries all reached an end state and whose report is not queued."""
    still_open = exists().where(
        and_(
            Delivery.reference == literal("broadcast:", String) + cast(Broadcast.id, String),
            Delivery.state.in_(OPEN_STATES),
        )
    )
    rows = await session.scalars(
        select(Broadcast)
        .where(Broadcast.report_queued_at.is_(None), ~still_open)
        .order_by(Broadcast.id)
    )
    return list(rows.all())


async def claim_report(session: AsyncSession, broadcast_id: int, now: datetime) -> bool:
    """Mark the report as queued; False if another process did first."""
    result = await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id, Broadcast.report_queued_at.is_(None))
        .values(report_queued_at=now)
    )
    return bool(getattr(result, "rowcount", 0))
