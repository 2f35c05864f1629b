"""Concerns from the coordination office's side: list, read, acknowledge, answer, set status.

Replies reach the reporter as from "the coordination office"; which coordinator wrote is kept
in the message row for the office's own records. An anonymous reporter is reached only
through their sealed chat, by a delivery that is deleted once it is done.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.concern.concerns import NAMED_TAG, Thread, add_message, thread_of
from bot.services.errors import DomainError, NotFound
from bot.services.outbox import Button, OutgoingMessage, enqueue, write_deliveries
from bot.services.placement import Placement
from bot.services.privacy_crypto import PrivacyKey, SealError
from storage.models import Author, Concern, ConcernStatus, DeliveryState, Member, Organisation

SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}


@dataclass(frozen=True)
class Summary:
    ticket: str
    category: str
    severity: str
    status: str
    opened_on: date
    anonymous: bool


@dataclass(frozen=True)
class DeskView:
    thread: Thread
    reporter_name: str | None
    reporter_organisation: str | None
    # Whether a reply reaches the reporter at once (else they read it with their code).
    reachable: bool


@dataclass(frozen=True)
class ReporterNotice:
    """What the reporter is sent, per language; the answer button is added per chat. Its data
    comes from the chat side (handlers.concern.callbacks), which owns the button's format."""

    messages: Mapping[str, OutgoingMessage]
    answer_label: Mapping[str, str]
    answer_data: Callable[[str, str], str]


def summary(concern: Concern) -> Summary:
    return Summary(
        concern.ticket,
        concern.category,
        concern.severity,
        concern.status,
        concern.opened_on,
        concern.anonymous,
    )


async def open_concerns(session: AsyncSession) -> list[Summary]:
    """Everything not resolved whose batch was announced, the most urgent and oldest first.
    A concern written early (on a clean stop) stays hidden until its batch has ended."""
    rows = await session.scalars(
        select(Concern).where(
            Concern.status != ConcernStatus.RESOLVED.value, Concern.notified.is_(True)
        )
    )
    found = [summary(row) for row in rows]
    return sorted(found, key=lambda s: (SEVERITY_ORDER.get(s.severity, 9), s.opened_on, s.ticket))


async def _concern(session: AsyncSession, ticket: str) -> Concern:
    concern = await session.scalar(select(Concern).where(Concern.ticket == ticket))
    if concern is None:
        raise NotFound("concern.gone")
    return concern


async def view(session: AsyncSession, ticket: str) -> DeskView:
    concern = await _concern(session, ticket)
    # Reporters' messages appear once their batch is announced, like the concerns.
    thread = await thread_of(session, ticket, announced_only=True)
    assert thread is not None
    name = organisation = None
    if concern.reporter_id is not None:
        row = (
            await session.execute(
                select(Member.display_name, Organisation.name)
                .join(Organisation, Organisation.id == Member.organisation_id)
                .where(Member.id == concern.reporter_id)
            )
        ).first()
        # A reporter who left has no name any more: "a former member".
        if row is not None and row[0]:
            name, organisation = row
    reachable = concern.contact is not None or concern.reporter_id is not None
    return DeskView(thread, name, organisation, reachable)


async def acknowledge(
    session: AsyncSession,
    ticket: str,
    today: date,
    now: datetime,
    key: PrivacyKey | None,
    notice: ReporterNotice,
) -> bool:
    """New -> acknowledged, and the reporter is told; False if it was no longer new."""
    concern = await _concern(session, ticket)
    if concern.status != ConcernStatus.NEW.value:
        return False
    concern.status, concern.acknowledged_on = ConcernStatus.ACKNOWLEDGED.value, today
    await tell_reporter(session, concern, key, notice, now)
    return True


async def reply(
    session: AsyncSession,
    ticket: str,
    text: str,
    *,
    coordinator_id: int,
    today: date,
    now: datetime,
    batch_minutes: int,
    key: PrivacyKey | None,
    notice: ReporterNotice,
) -> bool:
    """Add the office's answer to the thread and send it on; True if it reaches the reporter
    now (else they read it with their receipt code)."""
    concern = await add_message(
        session,
        ticket,
        text,
        author=Author.COORDINATION,
        today=today,
        now=now,
        batch_minutes=batch_minutes,
        coordinator_id=coordinator_id,
    )
    if concern.status in (ConcernStatus.NEW.value, ConcernStatus.ACKNOWLEDGED.value):
        concern.status = ConcernStatus.IN_DIALOGUE.value
    concern.acknowledged_on = concern.acknowledged_on or today
    return await tell_reporter(session, concern, key, notice, now)


async def set_status(
    session: AsyncSession,
    ticket: str,
    status: str,
    *,
    today: date,
    now: datetime,
    key: PrivacyKey | None,
    notice: ReporterNotice,
) -> None:
    if status not in {s.value for s in ConcernStatus}:
        raise DomainError("error.stale_button")
    concern = await _concern(session, ticket)
    if concern.status == status:
        return
    concern.status = status
    concern.last_activity_on = today
    if status != ConcernStatus.NEW.value:
        concern.acknowledged_on = concern.acknowledged_on or today
    concern.resolved_on = today if status == ConcernStatus.RESOLVED.value else None
    if status != ConcernStatus.NEW.value:
        await tell_reporter(session, concern, key, notice, now)
    if status == ConcernStatus.RESOLVED.value:
        # The notice above carries a sealed copy of its own; the concern keeps no way back to
        # its reporter once it is settled (DESIGN section 6). Should they write again, they
        # read the replies with their receipt code.
        concern.contact = None


async def tell_reporter(
    session: AsyncSession,
    concern: Concern,
    key: PrivacyKey | None,
    notice: ReporterNotice,
    now: datetime,
) -> bool:
    if concern.reporter_id is not None:
        messages = {
            language: _with_answer(message, concern.ticket, NAMED_TAG, notice, language)
            for language, message in notice.messages.items()
        }
        written = await enqueue(
            session,
            member_ids=[concern.reporter_id],
            kind="concern",
            messages=messages,
            # At once, unless the reporter's quiet hours say later. An anonymous reporter's
            # settings are unknown (no member row): those go at once, below.
            placement=Placement.MEETING,
            wanted=now,
        )
        return written > 0
    if concern.contact is None or key is None:
        return False
    try:
        chat_id, language = key.open_contact(concern.contact)
    except SealError:
        return False
    message = notice.messages.get(language) or next(iter(notice.messages.values()))
    tag = key.reply_tag(concern.ticket, chat_id)
    await write_deliveries(
        session,
        [
            {
                "member_id": None,
                # Sealed afresh: the delivery shares no value with the concern row.
                "contact": key.seal_contact(chat_id, language),
                "kind": "concern",
                "reference": None,
                "payload": _with_answer(
                    message, concern.ticket, tag, notice, language
                ).model_dump(),
                "state": DeliveryState.PENDING.value,
                # At once, quiet hours or not: placing it by the reporter's settings would
                # write a time that points to their member row (DESIGN section 6).
                "not_before": now,
                "attempts": 0,
            }
        ],
    )
    return True


def _with_answer(
    message: OutgoingMessage, ticket: str, tag: str, notice: ReporterNotice, language: str
) -> OutgoingMessage:
    label = notice.answer_label.get(language) or next(iter(notice.answer_label.values()))
    button = Button(text=label, data=notice.answer_data(ticket, tag))
    return message.model_copy(update={"buttons": [*message.buttons, [button]]})
