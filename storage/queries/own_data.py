"""Rows that hold a member's own data, for /mydata: read them all, erase them on leaving.

Rows come back as plain dicts of column values (every column, so a column added later is
exported without a change here); the service makes them JSON-ready.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import FromClause, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Activity,
    AuditEntry,
    Broadcast,
    ChatData,
    ClosedPeriod,
    Concern,
    ConcernMessage,
    ConversationState,
    Delivery,
    Escalation,
    Invite,
    Member,
    Organisation,
    PulseSurvey,
    ReportingReminder,
    Rsvp,
    UserData,
)

Row = dict[str, Any]
# members.reminder_hour's default: a member who left keeps no choice of their own.
DEFAULT_REMINDER_HOUR = 9


async def _rows(session: AsyncSession, table: FromClause, *where: Any) -> list[Row]:
    result = await session.execute(select(table).where(*where))
    return [dict(row) for row in result.mappings()]


async def member_row(session: AsyncSession, member_id: int) -> Row | None:
    rows = await _rows(session, Member.__table__, Member.id == member_id)
    return rows[0] if rows else None


async def organisation_row(session: AsyncSession, organisation_id: int) -> Row | None:
    rows = await _rows(session, Organisation.__table__, Organisation.id == organisation_id)
    return rows[0] if rows else None


async def user_data_row(session: AsyncSession, telegram_id: int) -> Row | None:
    rows = await _rows(session, UserData.__table__, UserData.user_id == telegram_id)
    return rows[0] if rows else None


async def chat_data_row(session: AsyncSession, chat_id: int) -> Row | None:
    rows = await _rows(session, ChatData.__table__, ChatData.chat_id == chat_id)
    return rows[0] if rows else None


async def audit_rows_by(session: AsyncSession, member_id: int) -> list[Row]:
    rows = await _rows(session, AuditEntry.__table__, AuditEntry.actor_id == member_id)
    return sorted(rows, key=lambda row: (row["at"], row["id"]))


async def invite_rows_by(session: AsyncSession, member_id: int) -> list[Row]:
    rows = await _rows(session, Invite.__table__, Invite.created_by == member_id)
    return sorted(rows, key=lambda row: row["id"])


async def broadcast_rows_by(session: AsyncSession, member_id: int) -> list[Row]:
    rows = await _rows(session, Broadcast.__table__, Broadcast.author_id == member_id)
    return sorted(rows, key=lambda row: row["id"])


async def acknowledgements_of(session: AsyncSession, member_id: int) -> list[Row]:
    """Which broadcasts the member confirmed having read, and when."""
    result = await session.execute(
        select(Delivery.reference, Delivery.acknowledged_at)
        .where(Delivery.member_id == member_id, Delivery.acknowledged_at.is_not(None))
        .order_by(Delivery.acknowledged_at)
    )
    return [dict(row) for row in result.mappings()]


async def rsvp_rows_of(session: AsyncSession, member_id: int) -> list[Row]:
    """The member's answers to meeting reminders."""
    rows = await _rows(session, Rsvp.__table__, Rsvp.member_id == member_id)
    return sorted(rows, key=lambda row: (row["meeting_on"], row["id"]))


async def activity_rows_by(session: AsyncSession, member_id: int) -> list[Row]:
    """Activities the member logged (they stay with the organisation when the member leaves)."""
    rows = await _rows(session, Activity.__table__, Activity.member_id == member_id)
    return sorted(rows, key=lambda row: (row["activity_date"], row["id"]))


async def named_concern_rows(session: AsyncSession, member_id: int) -> list[Row]:
    """Concerns the member raised with their name, each with its thread. Anonymous ones are
    linked to nobody, so nobody - not the member either - can be handed them."""
    concerns = await _rows(session, Concern.__table__, Concern.reporter_id == member_id)
    for concern in concerns:
        thread = await _rows(
            session, ConcernMessage.__table__, ConcernMessage.concern_id == concern["id"]
        )
        concern["messages"] = [
            {"author": m["author"], "written_on": m["written_on"], "text": m["text"]}
            for m in sorted(thread, key=lambda m: m["position"])
        ]
    return sorted(concerns, key=lambda row: (row["opened_on"], row["ticket"]))


async def concern_reply_rows(session: AsyncSession, member_id: int) -> list[Row]:
    """What the member answered to concerns as the coordination office."""
    result = await session.execute(
        select(Concern.ticket, ConcernMessage.written_on, ConcernMessage.text)
        .join(Concern, Concern.id == ConcernMessage.concern_id)
        .where(ConcernMessage.coordinator_id == member_id)
        .order_by(ConcernMessage.written_on, Concern.ticket, ConcernMessage.position)
    )
    return [dict(row) for row in result.mappings()]


async def delivery_rows_to(session: AsyncSession, member_id: int) -> list[Row]:
    """The messages the bot sent (or is about to send) the member on its own."""
    result = await session.execute(
        select(
            Delivery.kind,
            Delivery.reference,
            Delivery.state,
            Delivery.created_at,
            Delivery.sent_at,
            Delivery.payload,
        )
        .where(Delivery.member_id == member_id)
        .order_by(Delivery.created_at, Delivery.id)
    )
    return [
        {**{k: v for k, v in row.items() if k != "payload"}, "text": row["payload"].get("text")}
        for row in (dict(r) for r in result.mappings())
    ]


async def reminder_log_of(session: AsyncSession, member_id: int) -> list[Row]:
    """Which reports the member was reminded of, and when."""
    rows = await _rows(
        session, ReportingReminder.__table__, ReportingReminder.member_id == member_id
    )
    return sorted(rows, key=lambda row: (row["sent_on"], row["id"]))


async def escalation_days_of(session: AsyncSession, member_id: int) -> list[Row]:
    rows = await _rows(session, Escalation.__table__, Escalation.member_id == member_id)
    return sorted(rows, key=lambda row: row["sent_on"])


async def surveys_started_by(session: AsyncSession, member_id: int) -> list[Row]:
    result = await session.execute(
        select(PulseSurvey.id, PulseSurvey.opened_on, PulseSurvey.closes_at)
        .where(PulseSurvey.started_by == member_id)
        .order_by(PulseSurvey.id)
    )
    return [dict(row) for row in result.mappings()]


async def periods_closed_by(session: AsyncSession, member_id: int) -> list[Row]:
    rows = await _rows(session, ClosedPeriod.__table__, ClosedPeriod.closed_by == member_id)
    return sorted(rows, key=lambda row: row["closed_at"])


def _key_holds(key: str, telegram_id: int) -> bool:
    try:
        parts = json.loads(key)
    except ValueError:
        return False
    return isinstance(parts, list) and telegram_id in parts


async def conversation_rows_of(session: AsyncSession, telegram_id: int) -> list[Row]:
    """Conversations whose key (JSON, e.g. "[chat,user]") holds this Telegram id."""
    # LIKE narrows the search; the exact test is on the decoded key ("[12,3]" holds "2").
    candidates = await _rows(
        session,
        ConversationState.__table__,
        ConversationState.key.contains(str(telegram_id), autoescape=True),
    )
    return [row for row in candidates if _key_holds(row["key"], telegram_id)]


async def delete_user_data(session: AsyncSession, telegram_id: int) -> None:
    await session.execute(delete(UserData).where(UserData.user_id == telegram_id))


async def delete_chat_data(session: AsyncSession, chat_id: int) -> None:
    await session.execute(delete(ChatData).where(ChatData.chat_id == chat_id))


async def delete_conversations_of(session: AsyncSession, telegram_id: int) -> None:
    for row in await conversation_rows_of(session, telegram_id):
        await session.execute(
            delete(ConversationState).where(
                ConversationState.name == row["name"], ConversationState.key == row["key"]
            )
        )


async def anonymise_member(session: AsyncSession, member_id: int, left_at: datetime) -> None:
    """Erase name, Telegram id and settings; organisation, role, the reporting-contact flag and
    dates stay for the figures (a contact who left without a successor is an early warning)."""
    await session.execute(
        update(Member)
        .where(Member.id == member_id)
        .values(
            telegram_id=None,
            display_name=None,
            language=None,
            reminder_hour=DEFAULT_REMINDER_HOUR,
            quiet_start=None,
            quiet_end=None,
            paused_until=None,
            activity_digest=True,
            blocked=False,
            consent_at=None,
            last_active_on=None,
            active=False,
            left_at=left_at,
        )
    )
