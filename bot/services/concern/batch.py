"""Anonymous concerns wait in memory until their batch ends (DESIGN section 6).

A database reader sees the order of transactions (PostgreSQL `xmin`, the order rows were
inserted) and can read a table twice. A concern inserted when it is sent sits among the
identified writes of that moment (values reported, "last active" days, conversation states),
and the nearest of them names its reporter. So anonymous concerns, their reporters' later
messages and the sealed chat for notifications wait here until the end of their notification
batch; then the timed job writes all of a batch in one transaction, rows in shuffled order.
The rows then tell no more than the batch does. Named concerns and their reporters' messages
are written at once: they carry their reporter anyway.

What waits is lost in a crash (its receipt then reads as unknown); a clean stop writes it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.privacy_crypto import random_id
from storage.models import Author, Concern, ConcernMessage, ConcernStatus

# Shuffles with the operating system's randomness: the order must not be guessable.
_shuffle = random.SystemRandom().shuffle


@dataclass(frozen=True, eq=False)
class WaitingConcern:
    id: str
    ticket: str
    category: str
    severity: str
    receipt_hash: str
    text: str
    opened_on: date
    batch_at: datetime


@dataclass(frozen=True, eq=False)
class WaitingMessage:
    """A reporter's message on an anonymous concern, written or still waiting itself."""

    concern_id: str
    text: str
    written_on: date
    batch_at: datetime


@dataclass(frozen=True, eq=False)
class WaitingContact:
    """The reporter's chat, sealed, for notifications about an anonymous concern."""

    concern_id: str
    contact: str
    batch_at: datetime


@dataclass(frozen=True)
class Due:
    concerns: list[WaitingConcern] = field(default_factory=list)
    messages: list[WaitingMessage] = field(default_factory=list)
    contacts: list[WaitingContact] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.concerns or self.messages or self.contacts)


class Waiting:
    """What waits for the end of its batch. Each item keeps its own batch, so an item added
    while a batch is being written is neither lost nor written twice (`forget` removes
    exactly what was written)."""

    def __init__(self) -> None:
        self._concerns: list[WaitingConcern] = []
        self._messages: list[WaitingMessage] = []
        self._contacts: list[WaitingContact] = []

    def add(self, item: WaitingConcern | WaitingMessage | WaitingContact) -> None:
        if isinstance(item, WaitingConcern):
            self._concerns.append(item)
        elif isinstance(item, WaitingMessage):
            self._messages.append(item)
        else:
            self._contacts.append(item)

    def by_ticket(self, ticket: str) -> WaitingConcern | None:
        return next((c for c in self._concerns if c.ticket == ticket), None)

    def by_receipt(self, receipt_hash: str) -> WaitingConcern | None:
        return next((c for c in self._concerns if c.receipt_hash == receipt_hash), None)

    def holds(self, concern_id: str) -> bool:
        return any(c.id == concern_id for c in self._concerns)

    def messages_of(self, concern_id: str) -> list[WaitingMessage]:
        return [m for m in self._messages if m.concern_id == concern_id]

    def due(self, now: datetime | None) -> Due:
        """What belongs to batches that ended by `now`; everything with None."""
        return Due(
            _ended(self._concerns, now), _ended(self._messages, now), _ended(self._contacts, now)
        )

    def forget(self, written: Due) -> None:
        self._concerns = _without(self._concerns, written.concerns)
        self._messages = _without(self._messages, written.messages)
        self._contacts = _without(self._contacts, written.contacts)


Item = TypeVar("Item", WaitingConcern, WaitingMessage, WaitingContact)


def _ended(items: list[Item], now: datetime | None) -> list[Item]:
    return [item for item in items if now is None or item.batch_at <= now]


def _without(items: list[Item], gone: list[Item]) -> list[Item]:
    ids = {id(item) for item in gone}
    return [item for item in items if id(item) not in ids]


async def write_batch(session: AsyncSession, due: Due) -> None:
    """Insert and apply everything in `due`, rows in random order: the caller's transaction
    then holds a whole batch, and nothing in it tells who came first."""
    contacts = {c.concern_id: c.contact for c in due.contacts}
    concerns = {c.id: _concern_row(c, contacts.pop(c.id, None)) for c in due.concerns}
    messages = [
        message_row(c.id, 1, Author.REPORTER, c.text, c.opened_on, c.batch_at, notified=True)
        for c in due.concerns
    ]
    later: dict[str, list[WaitingMessage]] = {}
    for message in due.messages:  # in the order they were written
        later.setdefault(message.concern_id, []).append(message)
    rows, last = await _written(session, [c for c in {*later, *contacts} if c not in concerns])
    for concern_id, thread in later.items():
        row = concerns.get(concern_id) or rows.get(concern_id)
        if row is None:
            continue  # deleted after its retention period meanwhile: nothing to add to
        # Positions follow what the thread holds now: the office's replies written while
        # these waited come before them.
        start = 1 if concern_id in concerns else last.get(concern_id, 0)
        for offset, message in enumerate(thread, start=1):
            messages.append(
                message_row(
                    concern_id,
                    start + offset,
                    Author.REPORTER,
                    message.text,
                    message.written_on,
                    message.batch_at,
                    notified=False,
                )
            )
        row.last_activity_on = max(row.last_activity_on, thread[-1].written_on)
        if row.status == ConcernStatus.RESOLVED.value:
            row.status, row.resolved_on = ConcernStatus.IN_DIALOGUE.value, None
    for concern_id, contact in contacts.items():
        if (row := rows.get(concern_id)) is not None and row.anonymous:
            row.contact = contact
    new = list(concerns.values())
    _shuffle(new)
    _shuffle(messages)
    session.add_all(new)
    session.add_all(messages)
    await session.flush()


async def _written(
    session: AsyncSession, ids: list[str]
) -> tuple[dict[str, Concern], dict[str, int]]:
    """The rows of concerns written in earlier batches, and the last position of each thread."""
    if not ids:
        return {}, {}
    rows = await session.scalars(select(Concern).where(Concern.id.in_(ids)))
    last = await session.execute(
        select(ConcernMessage.concern_id, func.max(ConcernMessage.position))
        .where(ConcernMessage.concern_id.in_(ids))
        .group_by(ConcernMessage.concern_id)
    )
    return {row.id: row for row in rows}, {cid: position for cid, position in last.all()}


def _concern_row(waiting: WaitingConcern, contact: str | None) -> Concern:
    return Concern(
        id=waiting.id,
        ticket=waiting.ticket,
        category=waiting.category,
        severity=waiting.severity,
        status=ConcernStatus.NEW.value,
        anonymous=True,
        reporter_id=None,
        receipt_hash=waiting.receipt_hash,
        contact=contact,
        opened_on=waiting.opened_on,
        last_activity_on=waiting.opened_on,
        batch_at=waiting.batch_at,
    )


def message_row(
    concern_id: str,
    position: int,
    author: Author,
    text: str,
    today: date,
    batch: datetime,
    *,
    notified: bool,
    coordinator_id: int | None = None,
) -> ConcernMessage:
    return ConcernMessage(
        id=random_id(),
        concern_id=concern_id,
        position=position,
        author=author.value,
        coordinator_id=coordinator_id,
        text=text,
        written_on=today,
        batch_at=batch,
        # The concern itself announces its first message.
        notified=notified,
    )
