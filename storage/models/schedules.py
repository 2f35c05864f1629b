"""What the schedule engine records: each firing, and answers to meeting reminders."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.types import UTCDateTime


class ScheduleRun(Base):
    """The log: a schedule fired at a time (the occurrence it stands for) and reached so many."""

    __tablename__ = "schedule_runs"
    __table_args__ = (UniqueConstraint("schedule_id", "occurrence"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("schedules.id"), index=True)
    occurrence: Mapped[datetime] = mapped_column(UTCDateTime)
    fired_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recipients: Mapped[int] = mapped_column(Integer, default=0)


class Rsvp(Base):
    """A member's answer to a meeting reminder: coming ("yes") or not ("no"), per meeting day."""

    __tablename__ = "rsvps"
    __table_args__ = (UniqueConstraint("schedule_id", "meeting_on", "member_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("schedules.id"), index=True)
    meeting_on: Mapped[date] = mapped_column()
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    answer: Mapped[str] = mapped_column(String(8))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)
