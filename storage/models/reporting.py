"""Reporting: what each organisation owes per period, and the values it reported."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, utcnow
from storage.types import UTCDateTime


class Obligation(Base):
    """One (indicator, organisation, period) that is owed, written when the period starts.

    Its due time is fixed then (end of the local day of period end + due days, past public
    holidays), so changing the rules later does not rewrite history; an extension moves it.
    """

    __tablename__ = "obligations"
    __table_args__ = (UniqueConstraint("indicator_id", "organisation_id", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    period: Mapped[str] = mapped_column(String(16))
    period_start: Mapped[date] = mapped_column()
    period_end: Mapped[date] = mapped_column()
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Granted by coordinators (the completeness feature); None: the due time holds.
    extended_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Waived by coordinators (who: the audit log): no longer owed, reminded or counted as
    # missing; a value reported anyway still counts as reported.
    waived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ObligationMark(Base):
    """How far the obligations of one (indicator, organisation) are written: every period
    overlapping [owed_from, written_until] has its row. Writing what is owed then only looks
    at what came since (or before a start moved earlier), never at the whole history."""

    __tablename__ = "obligation_marks"

    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    owed_from: Mapped[date] = mapped_column()
    written_until: Mapped[date] = mapped_column()


class ValueSource:
    CHAT = "chat"
    ON_BEHALF = "on_behalf"
    IMPORT = "import"


class IndicatorValue(Base):
    """One revision of a reported value; a correction adds a revision, nothing is overwritten.

    `value` is None when the organisation said "not applicable" (which counts as reported).
    """

    __tablename__ = "indicator_values"
    __table_args__ = (
        UniqueConstraint("indicator_id", "organisation_id", "period", "revision"),
        Index("ix_indicator_values_period", "indicator_id", "period"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    period: Mapped[str] = mapped_column(String(16))
    value: Mapped[float | None] = mapped_column(Float)
    not_applicable: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    revision: Mapped[int] = mapped_column(Integer, default=1)
    # The member who entered it (a coordinator when on behalf, or who confirmed a file sent in
    # chat); None for imports from the command line.
    reported_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    source: Mapped[str] = mapped_column(String(16), default=ValueSource.CHAT)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
