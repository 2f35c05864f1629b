"""The early-warning channel: concerns and their threads (DESIGN section 6).

Anonymous rows hold no member, no Telegram id and no exact time: ids are random, days are
days, and the one finer time (`batch_at`) is the end of the notification batch the row fell
into, shared by everything written in that batch. On SQLite the tables have no rowid, so
not even the storage order tells which row came first.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.types import UTCDateTime


class ConcernStatus(StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    IN_DIALOGUE = "in_dialogue"
    RESOLVED = "resolved"


class Author(StrEnum):
    REPORTER = "reporter"
    COORDINATION = "coordination"


class Concern(Base):
    __tablename__ = "concerns"
    __table_args__ = (UniqueConstraint("ticket"), {"sqlite_with_rowid": False})

    id: Mapped[str] = mapped_column(String(22), primary_key=True)
    # What coordinators and the reporter call it: 8 random characters, e.g. K7QM2XRD.
    ticket: Mapped[str] = mapped_column(String(8))
    category: Mapped[str] = mapped_column(String(24))
    severity: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default=ConcernStatus.NEW)
    anonymous: Mapped[bool] = mapped_column(Boolean)
    # Named concerns only.
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    # Anonymous concerns only: keyed hash of the receipt code ...
    receipt_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    # ... and, if the reporter wants to be told of replies, their chat sealed with the key.
    contact: Mapped[str | None] = mapped_column(String(80))
    opened_on: Mapped[date] = mapped_column()
    last_activity_on: Mapped[date] = mapped_column()
    batch_at: Mapped[datetime] = mapped_column(UTCDateTime)
    notified: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    acknowledged_on: Mapped[date | None] = mapped_column()
    escalated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    resolved_on: Mapped[date | None] = mapped_column()


class ConcernMessage(Base):
    """One message of a concern's thread; the concern's own text is the first."""

    __tablename__ = "concern_messages"
    __table_args__ = (
        UniqueConstraint("concern_id", "position"),
        {"sqlite_with_rowid": False},
    )

    id: Mapped[str] = mapped_column(String(22), primary_key=True)
    concern_id: Mapped[str] = mapped_column(
        ForeignKey("concerns.id", ondelete="CASCADE"), index=True
    )
    # Order within the thread: times are too coarse to tell.
    position: Mapped[int] = mapped_column(Integer)
    author: Mapped[str] = mapped_column(String(16))
    # Which coordinator answered, for the office's own records; never shown to the reporter.
    coordinator_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    written_on: Mapped[date] = mapped_column()
    batch_at: Mapped[datetime] = mapped_column(UTCDateTime)
    notified: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
