"""The outbox: deliveries the bot sends on its own."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, utcnow
from storage.types import UTCDateTime


class DeliveryState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    BLOCKED = "blocked"
    # Not sent: what it was about was settled while it waited (e.g. the report arrived).
    DROPPED = "dropped"


class Delivery(Base):
    """The outbox: one message the bot sends on its own, to one member, not before a time.

    Written in the transaction that causes it; the dispatcher sends it. `reference` names what
    it is about (e.g. an obligation) so unsent reminders can be dropped when that is settled.
    """

    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_due", "state", "not_before"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # NULL only for a message to an anonymous reporter or to someone whose pulse answers were
    # dropped, which goes to `contact` instead.
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    # Their chat sealed with the privacy key; such a row is deleted once it is done.
    contact: Mapped[str | None] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(32))
    reference: Mapped[str | None] = mapped_column(String(64), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16), default=DeliveryState.PENDING)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Who claimed the row and until when; a claimer that died loses it when this passes.
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SendTurn(Base):
    """Whose turn it is to send, and until when: dispatchers in several processes (`gwbot run`
    beside `gwbot worker`) share Telegram's one rate budget of the bot by sending in turns.

    Taken and renewed with conditional updates by the holder; free once `until` has passed,
    so a holder that died loses it by itself. One row per budget, written by the migration.
    """

    __tablename__ = "send_turns"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(64))
    until: Mapped[datetime | None] = mapped_column(UTCDateTime)
