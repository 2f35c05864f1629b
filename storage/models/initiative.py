"""The initiative as the file describes it: goals, indicators, glossary, schedules."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base

if TYPE_CHECKING:
    from storage.models.people import Organisation
from storage.types import UTCDateTime


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
    # For buttons (/melden); empty: the name.
    short_de: Mapped[str] = mapped_column(String(60), default="", server_default="")
    short_en: Mapped[str] = mapped_column(String(60), default="", server_default="")
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
