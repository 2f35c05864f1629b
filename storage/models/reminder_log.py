"""What the reporting reminders sent, so each goes out once per person."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class ReportingReminder(Base):
    """Obligation `obligation_id` was brought to `member_id`'s attention for the offset."""

    __tablename__ = "reporting_reminders"
    __table_args__ = (UniqueConstraint("obligation_id", "offset_days", "member_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    obligation_id: Mapped[int] = mapped_column(ForeignKey("obligations.id"), index=True)
    offset_days: Mapped[int] = mapped_column(Integer)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    sent_on: Mapped[date] = mapped_column()


class Escalation(Base):
    """The daily summary of overdue reports went to this coordinator on this day."""

    __tablename__ = "escalations"
    __table_args__ = (UniqueConstraint("member_id", "sent_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    sent_on: Mapped[date] = mapped_column()
