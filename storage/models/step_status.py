"""How the timed steps and the outbox dispatcher fared last, per process kind."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.types import UTCDateTime


class StepStatus(Base):
    """One timed step (or the outbox dispatcher) in one kind of process (`run`, `worker`):
    when it last succeeded, when it last failed and with what kind of error, how many runs in a
    row failed, when admins were last told. For `gwbot status` and the admins' alert.

    Names, times and counts only: the error is its class name, never its message, which may
    quote rows (a member's name, what someone wrote) or a request (the token)."""

    __tablename__ = "step_status"

    process: Mapped[str] = mapped_column(String(16), primary_key=True)
    step: Mapped[str] = mapped_column(String(48), primary_key=True)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(120))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
