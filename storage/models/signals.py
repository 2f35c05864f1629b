"""Early-warning signals (issue 16): traces in the data that a partnership cools down."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class SignalStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    SNOOZED = "snoozed"
    RESOLVED = "resolved"


class Signal(Base):
    __tablename__ = "signals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # reporting | engagement | activities | climate
    kind: Mapped[str] = mapped_column(String(16))
    reason_code: Mapped[str] = mapped_column(String(48), index=True)
    # NULL: about the whole initiative.
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    opened_on: Mapped[date] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default=SignalStatus.OPEN)
    snoozed_until: Mapped[date | None] = mapped_column()
    resolved_on: Mapped[date | None] = mapped_column()
    value: Mapped[float | None] = mapped_column(Float)
    baseline_value: Mapped[float | None] = mapped_column(Float)
    # The figures behind the reason, for its plain-language text.
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
