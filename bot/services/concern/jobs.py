"""Timed work on concerns: batched notices, escalation, deletion after the retention period.

Coordinators hear of new concerns and reporters' messages once the batch they fell into has
ended (`batch_at`), never at the second they were written. Each notice and escalation is
claimed with a conditional update, so `run` and `worker` together still send it once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.concern.concerns import retention_cutoff
from bot.services.concern.desk import Summary
from bot.services.outbox import Messages, enqueue
from bot.services.placement import Placement
from storage.models import Author, Concern, ConcernMessage, ConcernStatus, Member, Role

# What a claimed concern is announced with, in the order of Summary's fields.
SUMMARY_COLUMNS = (
    Concern.ticket,
    Concern.category,
    Concern.severity,
    Concern.status,
    Concern.opened_on,
    Concern.anonymous,
)


@dataclass(frozen=True)
class Batch:
    concerns: list[Summary]
    # ticket -> how many new messages from its reporter
    messages: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ConcernTexts:
    batch: Callable[[Batch], Messages]
    escalation: Callable[[Sequence[Summary], int], Messages]


@dataclass(frozen=True)
class JobSettings:
    escalate_hours: int
    retention_days: int


async def _members(session: AsyncSession, roles: set[Role]) -> list[int]:
    rows = await session.scalars(
        select(Member.id).where(Member.active.is_(True), Member.role.in_([r.value for r in roles]))
    )
    return list(rows)


async def _coordinators(session: AsyncSession) -> list[int]:
    """Who hears of each batch: the coordinators, or the admins where there are none."""
    return await _members(session, {Role.COORDINATOR}) or await _members(session, {Role.ADMIN})


async def notify_batches(session: AsyncSession, now: datetime, texts: ConcernTexts) -> int:
    claimed = (
        await session.execute(
            update(Concern)
            .where(Concern.notified.is_(False), Concern.batch_at <= now)
            .values(notified=True)
            .returning(*SUMMARY_COLUMNS)
        )
    ).all()
    concerns = [Summary(*row) for row in claimed]
    message_ids = (
        await session.execute(
            update(ConcernMessage)
            .where(
                ConcernMessage.notified.is_(False),
                ConcernMessage.batch_at <= now,
                ConcernMessage.author == Author.REPORTER.value,
            )
            .values(notified=True)
            .returning(ConcernMessage.concern_id)
        )
    ).scalars()
    counts: dict[str, int] = {}
    for concern_id in message_ids:
        counts[concern_id] = counts.get(concern_id, 0) + 1
    rows = await session.execute(select(Concern.id, Concern.ticket).where(Concern.id.in_(counts)))
    tickets: dict[str, str] = {concern_id: ticket for concern_id, ticket in rows.all()}
    messages = {tickets[cid]: n for cid, n in counts.items() if cid in tickets}
    if not concerns and not messages:
        return 0
    batch = Batch(sorted(concerns, key=lambda s: s.ticket), dict(sorted(messages.items())))
    return await enqueue(
        session,
        member_ids=await _coordinators(session),
        kind="concern_batch",
        messages=texts.batch(batch),
        # At the end of the batch, but a coordinator's quiet hours hold (issue 23).
        placement=Placement.MEETING,
        wanted=now,
    )


async def escalate(session: AsyncSession, now: datetime, texts: ConcernTexts, hours: int) -> int:
    """New concerns nobody acknowledged `hours` after their batch: to every coordinator and
    admin, once."""
    claimed = (
        await session.execute(
            update(Concern)
            .where(
                Concern.status == ConcernStatus.NEW.value,
                Concern.escalated.is_(False),
                Concern.batch_at <= now - timedelta(hours=hours),
            )
            .values(escalated=True)
            .returning(*SUMMARY_COLUMNS)
        )
    ).all()
    if not claimed:
        return 0
    overdue = sorted((Summary(*row) for row in claimed), key=lambda s: s.ticket)
    return await enqueue(
        session,
        member_ids=await _members(session, {Role.COORDINATOR, Role.ADMIN}),
        kind="concern_escalation",
        messages=texts.escalation(overdue, hours),
        placement=Placement.MEETING,
        wanted=now,
    )


async def delete_expired(session: AsyncSession, today: date, retention_days: int) -> int:
    """Resolved concerns are deleted, thread and all, `retention_days` after resolution."""
    cutoff = retention_cutoff(today, retention_days)
    expired = select(Concern.id).where(
        Concern.status == ConcernStatus.RESOLVED.value, Concern.resolved_on <= cutoff
    )
    ids = list((await session.scalars(expired)).all())
    if not ids:
        return 0
    await session.execute(delete(ConcernMessage).where(ConcernMessage.concern_id.in_(ids)))
    await session.execute(delete(Concern).where(Concern.id.in_(ids)))
    return len(ids)
