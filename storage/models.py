"""SQLAlchemy 2 typed models. Later features add their tables here and in a migration."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    false,
)
from sqlalchemy.ext.asyncio import AsyncAttrs
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.types import UTCDateTime

# Stable constraint names: Alembic's batch mode on SQLite needs them to alter constraints.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(AsyncAttrs, DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Role(StrEnum):
    PARTNER = "partner"
    COORDINATOR = "coordinator"
    ADMIN = "admin"
    OBSERVER = "observer"


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(100), default="")
    # The coordination office itself: it owes no reports unless named explicitly.
    backbone: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    active_since: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    origin: Mapped[str] = mapped_column(String(8), default="chat", server_default="chat")

    members: Mapped[list[Member]] = relationship(back_populates="organisation")


class Member(Base):
    __tablename__ = "members"
    __table_args__ = (
        CheckConstraint(
            "role IN ('partner', 'coordinator', 'admin', 'observer')", name="role_known"
        ),
        CheckConstraint("language IN ('de', 'en')", name="language_known"),
        CheckConstraint("reminder_hour BETWEEN 0 AND 23", name="reminder_hour_valid"),
        CheckConstraint(
            "(quiet_start IS NULL AND quiet_end IS NULL) OR (quiet_start BETWEEN 0 AND 23"
            " AND quiet_end BETWEEN 0 AND 23 AND quiet_start <> quiet_end)",
            name="quiet_hours_valid",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # NULL once the member left: personal data is erased, figures stay with the organisation.
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    display_name: Mapped[str | None] = mapped_column(String(128))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    # The member's own choice; NULL until chosen (then Telegram's language applies).
    language: Mapped[str | None] = mapped_column(String(2))
    reporting_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A day, written at most once a day, so activity cannot be traced to the minute.
    last_active_on: Mapped[date | None] = mapped_column(Date)
    # Personal settings (/settings): the hour reminders arrive, the hours nothing arrives
    # (start may be later than end: the quiet time then spans midnight), a pause.
    # Telegram said the member blocked the bot: nothing is sent until they write again.
    blocked: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    reminder_hour: Mapped[int] = mapped_column(SmallInteger, default=9, server_default="9")
    quiet_start: Mapped[int | None] = mapped_column(SmallInteger, default=20)
    quiet_end: Mapped[int | None] = mapped_column(SmallInteger, default=7)
    paused_until: Mapped[date | None] = mapped_column(Date)

    organisation: Mapped[Organisation] = relationship(back_populates="members")


class ProcessedUpdate(Base):
    """Telegram update ids already handled: the id only, no user and no time (DESIGN 1)."""

    __tablename__ = "processed_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)


class ConversationState(Base):
    """A running conversation's state (PTB persistence); the row goes when it ends."""

    __tablename__ = "conversation_states"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    # The conversation key (chat id, user id) as JSON text.
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    state: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class UserData(Base):
    """PTB's user_data of one Telegram user: drafts of running conversations."""

    __tablename__ = "user_data"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    data: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ChatData(Base):
    """PTB's chat_data of one chat."""

    __tablename__ = "chat_data"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    data: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Origin(StrEnum):
    """Where an entry comes from: `initiative apply` deactivates only file entries."""

    FILE = "file"
    CHAT = "chat"


class Initiative(Base):
    """The one initiative this database serves (a single row, id 1)."""

    __tablename__ = "initiative"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    default_language: Mapped[str] = mapped_column(String(2))
    start: Mapped[date] = mapped_column(Date)
    holidays: Mapped[str | None] = mapped_column(String(16))
    agenda_de: Mapped[str] = mapped_column(Text, default="")
    agenda_en: Mapped[str] = mapped_column(Text, default="")
    districts: Mapped[list[str]] = mapped_column(JSON, default=list)
    target_groups: Mapped[list[str]] = mapped_column(JSON, default=list)


class Goal(Base):
    __tablename__ = "goals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    title_de: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300))
    description_de: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    origin: Mapped[str] = mapped_column(String(8), default=Origin.FILE)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Indicator(Base):
    __tablename__ = "indicators"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name_de: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300))
    unit: Mapped[str] = mapped_column(String(64), default="")
    type: Mapped[str] = mapped_column(String(16))
    min_value: Mapped[float | None] = mapped_column(Float)
    max_value: Mapped[float | None] = mapped_column(Float)
    frequency: Mapped[str] = mapped_column(String(16))
    aggregation: Mapped[str] = mapped_column(String(16))
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id"), index=True)
    level: Mapped[str] = mapped_column(String(16))
    baseline: Mapped[float | None] = mapped_column(Float)
    target_value: Mapped[float | None] = mapped_column(Float)
    target_by: Mapped[date | None] = mapped_column(Date)
    target_mode: Mapped[str | None] = mapped_column(String(16))
    due_days: Mapped[int] = mapped_column(Integer, default=5)
    note_on_implausible: Mapped[bool] = mapped_column(Boolean, default=True)
    # True: every active non-backbone organisation reports; else the rows of
    # indicator_reporters name them.
    reported_by_all: Mapped[bool] = mapped_column(Boolean, default=True)
    start: Mapped[date | None] = mapped_column(Date)
    position: Mapped[int] = mapped_column(Integer, default=0)
    origin: Mapped[str] = mapped_column(String(8), default=Origin.FILE)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    goal: Mapped[Goal] = relationship()
    reporters: Mapped[list[Organisation]] = relationship(secondary="indicator_reporters")


class IndicatorReporter(Base):
    __tablename__ = "indicator_reporters"

    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)


class GlossaryTerm(Base):
    __tablename__ = "glossary"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    term: Mapped[str] = mapped_column(String(200), unique=True)
    definition_de: Mapped[str] = mapped_column(Text)
    definition_en: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)
    origin: Mapped[str] = mapped_column(String(8), default=Origin.FILE)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Schedule(Base):
    """A reminder: a recurrence (RRULE in the initiative's time zone) or offsets to due dates.
    Later features fire them; `next_fire_at` is theirs to keep."""

    __tablename__ = "schedules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    rrule: Mapped[str | None] = mapped_column(String(500))
    starts: Mapped[date | None] = mapped_column(Date)
    offsets_days: Mapped[list[int] | None] = mapped_column(JSON)
    escalate_after_days: Mapped[int | None] = mapped_column(Integer)
    audience: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    text_de: Mapped[str] = mapped_column(Text, default="")
    text_en: Mapped[str] = mapped_column(Text, default="")
    questions: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    next_fire_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    origin: Mapped[str] = mapped_column(String(8), default=Origin.FILE)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Invite(Base):
    """An invitation to join an organisation in a role. Only a hash of the code is stored:
    whoever reads the database cannot join with it."""

    __tablename__ = "invites"
    __table_args__ = (
        CheckConstraint(
            "role IN ('partner', 'coordinator', 'admin', 'observer')", name="role_known"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    uses_left: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation] = relationship()


class AuditEntry(Base):
    """Who changed what (DESIGN section 2). The actor is a member id: once that member left,
    it stands for "a former member of <organisation>"."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(200), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class DeliveryState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    BLOCKED = "blocked"


class Delivery(Base):
    """The outbox: one message the bot sends on its own, to one member, not before a time.

    Written in the transaction that causes it; the dispatcher sends it. `reference` names what
    it is about (e.g. an obligation) so unsent reminders can be dropped when that is settled.
    """

    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_due", "state", "not_before"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
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
