"""Claiming due deliveries and recording what became of them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, and_, bindparam, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Delivery, DeliveryState, Member


@dataclass(frozen=True)
class Claimed:
    id: int
    member_id: int | None
    chat_id: int | None
    blocked: bool | None
    payload: dict[str, Any]
    attempts: int
    # An anonymous reporter's sealed chat (member_id and chat_id are None then).
    contact: str | None = None


@dataclass(frozen=True)
class Outcome:
    """What became of one delivery: `state` and the columns that go with it."""

    id: int
    state: DeliveryState
    not_before: datetime | None = None
    message_id: int | None = None
    error: str | None = None
    # A flood-limit wait is no failed attempt: the claim's count is taken back.
    uncount_attempt: bool = False


def _due(now: datetime) -> Any:
    return or_(
        and_(Delivery.state == DeliveryState.PENDING.value, Delivery.not_before <= now),
        # A claimer that died: its lease ran out.
        and_(Delivery.state == DeliveryState.SENDING.value, Delivery.lease_until <= now),
    )


async def claim_due(
    session: AsyncSession, owner: str, now: datetime, lease_until: datetime, limit: int
) -> list[Claimed]:
    """Mark up to `limit` due deliveries as being sent by `owner`. On PostgreSQL rows locked by
    another claimer are skipped; on SQLite the transaction (BEGIN IMMEDIATE) is exclusive."""
    query = select(Delivery.id).where(_due(now)).order_by(Delivery.not_before, Delivery.id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = list((await session.scalars(query.limit(limit))).all())
    if not ids:
        return []
    await session.execute(
        update(Delivery)
        .where(Delivery.id.in_(ids))
        .values(
            state=DeliveryState.SENDING.value,
            lease_owner=owner,
            lease_until=lease_until,
            attempts=Delivery.attempts + 1,
        )
    )
    rows = await session.execute(
        select(
            Delivery.id,
            Delivery.member_id,
            Member.telegram_id,
            Member.blocked,
            Delivery.payload,
            Delivery.attempts,
            Delivery.contact,
        )
        .outerjoin(Member, Member.id == Delivery.member_id)
        .where(Delivery.id.in_(ids))
        .order_by(Delivery.not_before, Delivery.id)
    )
    return [Claimed(*row) for row in rows]


async def due_of_kind(
    session: AsyncSession, kind: str, now: datetime
) -> list[tuple[int, int | None, str | None]]:
    """(id, member id, reference) of the deliveries of `kind` that a claim would take now."""
    rows = await session.execute(
        select(Delivery.id, Delivery.member_id, Delivery.reference).where(
            Delivery.kind == kind, _due(now)
        )
    )
    return [(row[0], row[1], row[2]) for row in rows]


async def drop(session: AsyncSession, ids: Sequence[int], now: datetime, why: str) -> None:
    """Mark these deliveries dropped, unsent - only while they are still unclaimed."""
    if ids:
        await session.execute(
            update(Delivery)
            .where(Delivery.id.in_(ids), _due(now))
            .values(
                state=DeliveryState.DROPPED.value,
                lease_owner=None,
                lease_until=None,
                last_error=why,
            )
        )


async def record_outcomes(
    session: AsyncSession, outcomes: Sequence[Outcome], owner: str, now: datetime
) -> None:
    sent = [o for o in outcomes if o.state is DeliveryState.SENT]
    if sent:
        # The common case in one executemany round trip. Only rows this claimer still holds:
        # after a lost lease another one owns them.
        table = Delivery.__table__
        assert isinstance(table, Table)
        connection = await session.connection()  # Core: a plain executemany, not ORM bulk
        await connection.execute(
            table.update()
            .where(table.c.id == bindparam("b_id"), table.c.lease_owner == owner)
            .values(
                state=DeliveryState.SENT.value,
                lease_owner=None,
                lease_until=None,
                last_error=None,
                telegram_message_id=bindparam("b_message_id"),
                sent_at=now,
            ),
            [{"b_id": o.id, "b_message_id": o.message_id} for o in sent],
        )
    for outcome in outcomes:
        if outcome.state is DeliveryState.SENT:
            continue
        values: dict[str, Any] = {
            "state": outcome.state.value,
            "lease_owner": None,
            "lease_until": None,
            "last_error": outcome.error[:200] if outcome.error else None,
        }
        if outcome.not_before is not None:
            values["not_before"] = outcome.not_before
        if outcome.uncount_attempt:
            values["attempts"] = Delivery.attempts - 1
        await session.execute(
            update(Delivery)
            .where(Delivery.id == outcome.id, Delivery.lease_owner == owner)
            .values(**values)
        )


async def forget_sealed(session: AsyncSession, ids: Sequence[int]) -> None:
    """Deliveries to anonymous reporters are deleted once done: their sealed chat must not
    outlive its use (DESIGN section 6). Only rows this round finished, so the dispatcher
    never scans the whole outbox."""
    if ids:
        await session.execute(
            delete(Delivery).where(
                Delivery.id.in_(ids),
                Delivery.contact.is_not(None),
                Delivery.state.in_(
                    [
                        DeliveryState.SENT.value,
                        DeliveryState.FAILED.value,
                        DeliveryState.BLOCKED.value,
                    ]
                ),
            )
        )


async def mark_blocked(session: AsyncSession, member_ids: Sequence[int]) -> None:
    if member_ids:
        await session.execute(update(Member).where(Member.id.in_(member_ids)).values(blocked=True))


async def next_due(session: AsyncSession) -> datetime | None:
    """When the next pending delivery or lease falls due."""
    pending = await session.scalar(
        select(func.min(Delivery.not_before)).where(Delivery.state == DeliveryState.PENDING.value)
    )
    leased = await session.scalar(
        select(func.min(Delivery.lease_until)).where(Delivery.state == DeliveryState.SENDING.value)
    )
    times = [t for t in (pending, leased) if t is not None]
    return min(times) if times else None
