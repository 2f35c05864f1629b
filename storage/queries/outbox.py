"""Claiming due deliveries, recording what became of them, and the turn to send."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, and_, bindparam, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Delivery, DeliveryState, Member, SendTurn

# The one rate budget of the bot; its row is written by the migration.
TURN = "outbox"


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


async def any_due(session: AsyncSession, now: datetime) -> bool:
    return await session.scalar(select(Delivery.id).where(_due(now)).limit(1)) is not None


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


async def due_of_kinds(
    session: AsyncSession, kinds: Sequence[str], now: datetime
) -> list[tuple[int, str, int | None, str | None]]:
    """(id, kind, member id, reference) of the deliveries of these kinds that a claim would
    take now."""
    rows = await session.execute(
        select(Delivery.id, Delivery.kind, Delivery.member_id, Delivery.reference).where(
            Delivery.kind.in_(kinds), _due(now)
        )
    )
    return [(row[0], row[1], row[2], row[3]) for row in rows]


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
        # The common case in one executemany round trip. Rows this claimer still holds, also
        # after its lease ran out: nobody else took them, nobody else sent them. After a lost
        # lease another claimer owns the row and its outcome stands - unless it put the row
        # back to wait: the message did arrive, so it must not go out once more.
        table = Delivery.__table__
        assert isinstance(table, Table)
        connection = await session.connection()  # Core: a plain executemany, not ORM bulk
        await connection.execute(
            table.update()
            .where(
                table.c.id == bindparam("b_id"),
                or_(
                    table.c.lease_owner == owner,
                    and_(
                        table.c.state == DeliveryState.PENDING.value,
                        table.c.lease_owner.is_(None),
                    ),
                ),
            )
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


async def held_elsewhere(session: AsyncSession, ids: Sequence[int], owner: str) -> list[int]:
    """Which of these deliveries another claimer holds now (it took them after this owner's
    lease ran out)."""
    if not ids:
        return []
    query = select(Delivery.id).where(
        Delivery.id.in_(ids),
        Delivery.state == DeliveryState.SENDING.value,
        Delivery.lease_owner != owner,
    )
    return list((await session.scalars(query)).all())


async def hand_back(session: AsyncSession, ids: Sequence[int], owner: str) -> None:
    """Claimed deliveries this owner did not send go back to waiting at once (their claim
    counted no attempt) - only those it still holds."""
    if ids:
        await session.execute(
            update(Delivery)
            .where(
                Delivery.id.in_(ids),
                Delivery.lease_owner == owner,
                Delivery.state == DeliveryState.SENDING.value,
            )
            .values(
                state=DeliveryState.PENDING.value,
                lease_owner=None,
                lease_until=None,
                attempts=Delivery.attempts - 1,
            )
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
    # One round trip: it is asked whenever a dispatcher finds nothing to send.
    pending, leased = (
        await session.execute(
            select(
                select(func.min(Delivery.not_before))
                .where(Delivery.state == DeliveryState.PENDING.value)
                .scalar_subquery(),
                select(func.min(Delivery.lease_until))
                .where(Delivery.state == DeliveryState.SENDING.value)
                .scalar_subquery(),
            )
        )
    ).one()
    times = [t for t in (pending, leased) if t is not None]
    return min(times) if times else None


@dataclass(frozen=True)
class Turn:
    """Whether the turn to send is this owner's, and until when (else: until when not)."""

    mine: bool
    until: datetime | None


async def take_turn(session: AsyncSession, owner: str, now: datetime, until: datetime) -> Turn:
    """Take or renew the turn to send until `until`, if it is this owner's or free (its
    holder's time has passed). One conditional UPDATE: the same on SQLite and PostgreSQL, and
    two processes taking it at once cannot both succeed."""
    taken = await session.execute(
        update(SendTurn)
        .where(
            SendTurn.name == TURN,
            or_(SendTurn.holder == owner, SendTurn.until.is_(None), SendTurn.until <= now),
        )
        .values(holder=owner, until=until)
    )
    if getattr(taken, "rowcount", 0):
        return Turn(mine=True, until=until)
    row = await session.get(SendTurn, TURN, populate_existing=True)
    if row is None:  # the row went missing: start it again
        session.add(SendTurn(name=TURN, holder=owner, until=until))
        await session.flush()
        return Turn(mine=True, until=until)
    return Turn(mine=False, until=row.until)


async def release_turn(session: AsyncSession, owner: str, free_from: datetime) -> None:
    """End this owner's turn at `free_from` (the next moment its own pacing would let it send,
    so another process keeps the same pauses); it may take the turn again before that."""
    await session.execute(
        update(SendTurn)
        .where(SendTurn.name == TURN, SendTurn.holder == owner)
        .values(until=free_from)
    )
