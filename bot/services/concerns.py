"""Concerns from the reporter's side: raise one, read the thread, write again (DESIGN section 6).

Anonymous concerns store no member, no chat and no exact time (storage/models/concerns.py);
the reporter proves ownership with the receipt code, or with a tag in the answer button that
only their own chat reproduces (`PrivacyKey.reply_tag`). Named concerns keep the member.
"""

from __future__ import annotations

import hmac
import math
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.errors import DomainError, NotFound
from bot.services.privacy_crypto import (
    CROCKFORD,
    PrivacyKey,
    new_receipt,
    normalise_receipt,
    random_id,
)
from storage.models import Author, Concern, ConcernMessage, ConcernStatus

CATEGORIES = ("communication", "roles", "resources", "goals", "data", "other")
SEVERITIES = ("low", "medium", "high")
STATUSES = tuple(status.value for status in ConcernStatus)
# One Telegram message, minus room for the header the coordinators' view adds.
TEXT_LIMIT = 3500
TICKET_CHARS = 8
# Marks the answer button of a named reporter, who is recognised as the member instead.
NAMED_TAG = "m"

Category = Literal["communication", "roles", "resources", "goals", "data", "other"]
Severity = Literal["low", "medium", "high"]


class ConcernText(BaseModel):
    text: str = Field(min_length=1, max_length=TEXT_LIMIT)

    @field_validator("text", mode="before")
    @classmethod
    def _stripped(cls, value: object) -> object:
        return value.strip() if isinstance(value, str) else value


class NewConcern(BaseModel):
    model_config = ConfigDict(frozen=True)

    anonymous: bool
    category: Category
    severity: Severity
    text: str


def checked_text(text: str) -> str:
    """The message as stored; DomainError with the limit if it is empty or too long."""
    try:
        return ConcernText(text=text).text
    except ValidationError:
        if text.strip():
            raise DomainError("concern.too_long", limit=TEXT_LIMIT, length=len(text)) from None
        raise DomainError("concern.empty") from None


@dataclass(frozen=True)
class Opened:
    concern_id: str
    ticket: str
    # Shown once to an anonymous reporter; never stored.
    receipt: str | None


@dataclass(frozen=True)
class ThreadMessage:
    author: str
    text: str
    written_on: date


@dataclass(frozen=True)
class Thread:
    ticket: str
    category: str
    severity: str
    status: str
    anonymous: bool
    opened_on: date
    messages: list[ThreadMessage]


def batch_end(now: datetime, minutes: int) -> datetime:
    """The end of the notification batch `now` falls in: the only time anonymous rows keep,
    shared by everything written in that batch."""
    size = minutes * 60
    epoch = now.astimezone(UTC).timestamp()
    return datetime.fromtimestamp(math.floor(epoch / size) * size + size, UTC)


async def _new_ticket(session: AsyncSession) -> str:
    while True:  # 40 random bits: a repeat is rare, and then simply drawn again
        ticket = "".join(secrets.choice(CROCKFORD) for _ in range(TICKET_CHARS))
        if await session.scalar(select(Concern.id).where(Concern.ticket == ticket)) is None:
            return ticket


async def open_concern(
    session: AsyncSession,
    concern: NewConcern,
    *,
    key: PrivacyKey | None,
    reporter_id: int | None,
    today: date,
    now: datetime,
    batch_minutes: int,
) -> Opened:
    """Store a new concern with its text as the thread's first message."""
    text = checked_text(concern.text)
    receipt = receipt_hash = None
    if concern.anonymous:
        if key is None:
            raise DomainError("concern.not_enabled")
        receipt, reporter_id = new_receipt(), None
        receipt_hash = key.receipt_hash(receipt)
    elif reporter_id is None:
        raise ValueError("a named concern needs its reporter")
    batch = batch_end(now, batch_minutes)
    row = Concern(
        id=random_id(),
        ticket=await _new_ticket(session),
        category=concern.category,
        severity=concern.severity,
        status=ConcernStatus.NEW.value,
        anonymous=concern.anonymous,
        reporter_id=reporter_id,
        receipt_hash=receipt_hash,
        opened_on=today,
        last_activity_on=today,
        batch_at=batch,
    )
    session.add(row)
    session.add(_message(row.id, 1, Author.REPORTER, text, today, batch, notified=True))
    await session.flush()
    return Opened(row.id, row.ticket, receipt)


def _message(
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


async def want_notifications(
    session: AsyncSession, concern_id: str, key: PrivacyKey, chat_id: int, language: str
) -> bool:
    """Keep the reporter's chat, sealed, so replies reach them; False if the concern is gone
    or not anonymous (named reporters are reached as members anyway)."""
    result = await session.execute(
        update(Concern)
        .where(Concern.id == concern_id, Concern.anonymous.is_(True))
        .values(contact=key.seal_contact(chat_id, language))
    )
    return bool(getattr(result, "rowcount", 0))


async def thread_by_receipt(session: AsyncSession, key: PrivacyKey, code: str) -> Thread | None:
    if normalise_receipt(code) is None:  # not a receipt at all: nothing to find
        return None
    concern = await session.scalar(
        select(Concern).where(Concern.receipt_hash == key.receipt_hash(code))
    )
    return None if concern is None else await _thread(session, concern)


async def thread_of(session: AsyncSession, ticket: str) -> Thread | None:
    concern = await session.scalar(select(Concern).where(Concern.ticket == ticket))
    return None if concern is None else await _thread(session, concern)


async def _thread(session: AsyncSession, concern: Concern) -> Thread:
    rows = await session.scalars(
        select(ConcernMessage)
        .where(ConcernMessage.concern_id == concern.id)
        .order_by(ConcernMessage.position)
    )
    return Thread(
        ticket=concern.ticket,
        category=concern.category,
        severity=concern.severity,
        status=concern.status,
        anonymous=concern.anonymous,
        opened_on=concern.opened_on,
        messages=[ThreadMessage(m.author, m.text, m.written_on) for m in rows],
    )


async def add_message(
    session: AsyncSession,
    ticket: str,
    text: str,
    *,
    author: Author,
    today: date,
    now: datetime,
    batch_minutes: int,
    coordinator_id: int | None = None,
) -> Concern:
    """Append to a thread. A reporter writing on a resolved concern opens it again; the
    coordinators hear of reporters' messages with the next batch."""
    checked = checked_text(text)
    concern = await session.scalar(select(Concern).where(Concern.ticket == ticket))
    if concern is None:
        raise NotFound("concern.gone")
    last = await session.scalar(
        select(func.max(ConcernMessage.position)).where(ConcernMessage.concern_id == concern.id)
    )
    from_reporter = author is Author.REPORTER
    session.add(
        _message(
            concern.id,
            (last or 0) + 1,
            author,
            checked,
            today,
            batch_end(now, batch_minutes),
            notified=not from_reporter,
            coordinator_id=coordinator_id,
        )
    )
    concern.last_activity_on = today
    if from_reporter and concern.status == ConcernStatus.RESOLVED.value:
        concern.status, concern.resolved_on = ConcernStatus.IN_DIALOGUE.value, None
    await session.flush()
    return concern


async def may_answer(
    session: AsyncSession,
    key: PrivacyKey | None,
    ticket: str,
    tag: str,
    *,
    chat_id: int,
    member_id: int | None,
) -> bool:
    """Whether this chat may write on `ticket`: the named reporter as the member, an
    anonymous one by the tag only their chat reproduces."""
    concern = await session.scalar(select(Concern).where(Concern.ticket == ticket))
    if concern is None:
        return False
    if tag == NAMED_TAG:
        return member_id is not None and concern.reporter_id == member_id
    if key is None or not concern.anonymous:
        return False
    return hmac.compare_digest(key.reply_tag(ticket, chat_id), tag)


def retention_cutoff(today: date, days: int) -> date:
    """Resolved on or before this day: due for deletion."""
    return today - timedelta(days=days)
