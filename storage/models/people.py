"""Organisations and members; invites; the audit log."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    false,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base, utcnow
from storage.types import UTCDateTime


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
    # Whether other partners are pointed to this organisation's activities ("Auch hier aktiv").
    show_activities: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

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
    # The weekly activity digest; members switch it off in /settings.
    activity_digest: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    reminder_hour: Mapped[int] = mapped_column(SmallInteger, default=9, server_default="9")
    quiet_start: Mapped[int | None] = mapped_column(SmallInteger, default=20)
    quiet_end: Mapped[int | None] = mapped_column(SmallInteger, default=7)
    paused_until: Mapped[date | None] = mapped_column(Date)

    organisation: Mapped[Organisation] = relationship(back_populates="members")


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
