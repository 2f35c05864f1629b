"""Closed reporting periods: no more reports except corrections by coordinators."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.types import UTCDateTime


class ClosedPeriod(Base):
    """A period code (`2026-11`, `2026-W48`, ...) the coordinators closed."""

    __tablename__ = "closed_periods"

    period: Mapped[str] = mapped_column(String(16), primary_key=True)
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
