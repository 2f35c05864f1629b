"""Concerns from the reporter's side: raise one, read the thread, write again (DESIGN section 6).

Anonymous concerns store no member, no chat and no exact time (storage/models/concerns.py);
the reporter proves ownership with the receipt code, or with a tag in the answer button that
only their own chat reproduces (`PrivacyKey.reply_tag`). Named concerns keep the member.
Anonymous concerns, their reporters' messages and the sealed chat wait in memory until their
batch ends (bot.services.concern.batch); what the reporter reads includes what waits.
"""

from __future__ import annotations

import hmac
import math
import secrets
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.concern.batch import (
    Waiting,
    WaitingConcern,
    WaitingContact,
    WaitingMessage,
    message_row,
)
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
    text: str = Field(min_length=1)

    @field_validator("text", mode="before")
    @classmethod
    def _stripped(cls, value: object) -> object:
        return value.strip() if isinstance(value, str) else value

    @field_validator("text")
    @classmethod
    def _fits_a_notice(cls, value: str) -> str:
        # Counted as Telegram counts (an emoji is two), so a reply always fits its notice.
        if telegram_length(value) > TEXT_LIMIT:
            raise ValueError(f"longer than {TEXT_LIMIT} characters")
        return value


def telegram_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


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
            length = telegram_length(text.strip())
            raise DomainError("concern.too_long", limit=TEXT_LIMIT, length=length) from None
        raise DomainError("concern.empty") from None


@dataclass(frozen=True)
class Opened:
    concern_id: str
    ticket: str
    # Shown once to an anonymous reporter; never stored.
    receipt: str | None
    # When the coordination office hears of it.
    batch_at: datetime


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


async def _new_ticket(session: AsyncSession, waiting: Waiting) -> str:
    while True:  # 40 random bits: a repeat is rare, and then simply drawn again
        ticket = "".join(secrets.choice(CROCKFORD) for _ in range(TICKET_CHARS))
        if waiting.by_ticket(ticket) is not None:
            continue
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
    waiting: Waiting,
) -> Opened:
    """A new concern with its text as the thread's first message: a named one is stored at
    once, an anonymous one waits for the end of its batch."""
    text = checked_text(concern.text)
    if concern.anonymous and key is None:
        raise DomainError("concern.not_enabled")
    if not concern.anonymous and reporter_id is None:
        raise ValueError("a named concern needs its reporter")
    batch = batch_end(now, batch_minutes)
    concern_id, ticket = random_id(), await _new_ticket(session, waiting)
    if concern.anonymous:
        assert key is not None
        receipt = new_receipt()
        waiting.add(
            WaitingConcern(
                concern_id,
                ticket,
                concern.category,
                concern.severity,
                key.receipt_hash(receipt),
                text,
                today,
                batch,
            )
        )
        return Opened(concern_id, ticket, receipt, batch)
    session.add(
        Concern(
            id=concern_id,
            ticket=ticket,
            category=concern.category,
            severity=concern.severity,
            status=ConcernStatus.NEW.value,
            anonymous=False,
            reporter_id=reporter_id,
            opened_on=today,
            last_activity_on=today,
            batch_at=batch,
        )
    )
    session.add(message_row(concern_id, 1, Author.REPORTER, text, today, batch, notified=True))
    await session.flush()
    return Opened(concern_id, ticket, None, batch)


async def want_notifications(
    session: AsyncSession,
    waiting: Waiting,
    concern_id: str,
    key: PrivacyKey,
    chat_id: int,
    language: str,
    *,
    now: datetime,
    batch_minutes: int,
) -> bool:
    """Keep the reporter's chat, sealed, so replies reach them; False if the concern is gone
    or not anonymous (named reporters are reached as members anyway). It is written with the
    batch the choice falls into, like everything else the reporter does: a reply the office
    writes before then is read with the receipt."""
    if not waiting.holds(concern_id):
        found = await session.scalar(
            select(Concern.id).where(Concern.id == concern_id, Concern.anonymous.is_(True))
        )
        if found is None:
            return False
    contact = key.seal_contact(chat_id, language)
    waiting.add(WaitingContact(concern_id, contact, batch_end(now, batch_minutes)))
    return True


async def thread_by_receipt(
    session: AsyncSession, key: PrivacyKey, code: str, waiting: Waiting
) -> Thread | None:
    """The reporter's view of their concern, with what still waits for its batch."""
    if normalise_receipt(code) is None:  # not a receipt at all: nothing to find
        return None
    receipt_hash = key.receipt_hash(code)
    held = waiting.by_receipt(receipt_hash)
    if held is not None:
        thread = Thread(
            ticket=held.ticket,
            category=held.category,
            severity=held.severity,
            status=ConcernStatus.NEW.value,
            anonymous=True,
            opened_on=held.opened_on,
            messages=[ThreadMessage(Author.REPORTER.value, held.text, held.opened_on)],
        )
        return _with_waiting(thread, waiting, held.id)
    concern = await session.scalar(select(Concern).where(Concern.receipt_hash == receipt_hash))
    if concern is None:
        return None
    return _with_waiting(await _thread(session, concern), waiting, concern.id)


def _with_waiting(thread: Thread, waiting: Waiting, concern_id: str) -> Thread:
    written = [
        ThreadMessage(Author.REPORTER.value, m.text, m.written_on)
        for m in waiting.messages_of(concern_id)
    ]
    return replace(thread, messages=[*thread.messages, *written])


async def thread_of(
    session: AsyncSession, ticket: str, *, announced_only: bool = False
) -> Thread | None:
    """The stored thread; `announced_only` leaves out reporters' messages the office has not
    been told of yet (their batch has not ended)."""
    concern = await session.scalar(select(Concern).where(Concern.ticket == ticket))
    if concern is None:
        return None
    return await _thread(session, concern, announced_only=announced_only)


async def _thread(
    session: AsyncSession, concern: Concern, *, announced_only: bool = False
) -> Thread:
    query = select(ConcernMessage).where(ConcernMessage.concern_id == concern.id)
    if announced_only:
        query = query.where(ConcernMessage.notified.is_(True))
    rows = await session.scalars(query.order_by(ConcernMessage.position))
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
    """Append to a thread at once: the office's replies and named reporters' messages (an
    anonymous reporter's wait, see add_reporter_message). A reporter writing on a resolved
    concern opens it again; the coordinators hear of reporters' messages with the next batch."""
    checked = checked_text(text)
    concern = await session.scalar(select(Concern).where(Concern.ticket == ticket))
    if concern is None:
        raise NotFound("concern.gone")
    last = await session.scalar(
        select(func.max(ConcernMessage.position)).where(ConcernMessage.concern_id == concern.id)
    )
    from_reporter = author is Author.REPORTER
    session.add(
        message_row(
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


async def add_reporter_message(
    session: AsyncSession,
    waiting: Waiting,
    ticket: str,
    text: str,
    *,
    today: date,
    now: datetime,
    batch_minutes: int,
) -> None:
    """The reporter writes on their concern: on an anonymous one the message waits for the
    end of its batch, on a named one it is stored at once."""
    checked = checked_text(text)
    held = waiting.by_ticket(ticket)
    concern_id = held.id if held is not None else None
    if concern_id is None:
        concern = await session.scalar(select(Concern).where(Concern.ticket == ticket))
        if concern is None:
            raise NotFound("concern.gone")
        if not concern.anonymous:
            await add_message(
                session,
                ticket,
                checked,
                author=Author.REPORTER,
                today=today,
                now=now,
                batch_minutes=batch_minutes,
            )
            return
        concern_id = concern.id
    waiting.add(WaitingMessage(concern_id, checked, today, batch_end(now, batch_minutes)))


async def may_answer(
    session: AsyncSession,
    key: PrivacyKey | None,
    ticket: str,
    tag: str,
    *,
    chat_id: int,
    member_id: int | None,
    waiting: Waiting,
) -> bool:
    """Whether this chat may write on `ticket`: the named reporter as the member, an
    anonymous one by the tag only their chat reproduces."""
    if waiting.by_ticket(ticket) is None:
        concern = await session.scalar(select(Concern).where(Concern.ticket == ticket))
        if concern is None:
            return False
        if tag == NAMED_TAG:
            return member_id is not None and concern.reporter_id == member_id
        if not concern.anonymous:
            return False
    if key is None or tag == NAMED_TAG:
        return False
    return hmac.compare_digest(key.reply_tag(ticket, chat_id), tag)


def retention_cutoff(today: date, days: int) -> date:
    """Resolved on or before this day: due for deletion."""
    return today - timedelta(days=days)
