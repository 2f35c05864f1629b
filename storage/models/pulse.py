"""Pulse surveys (DESIGN section 6): answers without who gave them, participation kept apart.

Answers and comments carry random ids and no member, and are written with participation in
batches of at least k people, one transaction each, every table's rows shuffled, so neither
order nor transaction ties an answer to a participant. On SQLite these tables have no rowid,
so the storage order is the random id's.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.types import UTCDateTime

NO_ROWID = {"sqlite_with_rowid": False}


class PulseSurvey(Base):
    __tablename__ = "pulse_surveys"
    # With two answers, each of the two could work out the other's from the means.
    __table_args__ = (CheckConstraint("k >= 3", name="k_at_least_3"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    opened_on: Mapped[date] = mapped_column()
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Answers are written in batches of at least k people; results are shown and exported
    # only for closed surveys at least k people answered.
    k: Mapped[int] = mapped_column(Integer)
    # [{"code": ..., "de": ..., "en": ...}, ...] in the order they are asked.
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    schedule_id: Mapped[int | None] = mapped_column(ForeignKey("schedules.id"), index=True)
    started_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)


class PulseParticipation(Base):
    """A keyed hash of (survey, member): refuses a second answer, tells nobody whose it is."""

    __tablename__ = "pulse_participation"
    __table_args__ = NO_ROWID

    hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("pulse_surveys.id"), index=True)


class PulseAnswer(Base):
    __tablename__ = "pulse_answers"
    __table_args__ = NO_ROWID

    id: Mapped[str] = mapped_column(String(22), primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("pulse_surveys.id"), index=True)
    question_code: Mapped[str] = mapped_column(String(64))
    score: Mapped[int] = mapped_column(Integer)


class PulseComment(Base):
    __tablename__ = "pulse_comments"
    __table_args__ = NO_ROWID

    id: Mapped[str] = mapped_column(String(22), primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("pulse_surveys.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
