"""Broadcasts: a coordinator's message to an audience, sent through the outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, utcnow
from storage.types import UTCDateTime


class Broadcast(Base):
    """One broadcast; its deliveries carry the reference `broadcast:<id>` and, once pressed,
    the acknowledgement."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # A member row stays (anonymised) when its person leaves: "a former member of <org>".
    author_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    # Canonical audience code, e.g. `all`, `role:partner`, `organisations:awo,caritas`.
    audience: Mapped[str] = mapped_column(String(500))
    text: Mapped[str] = mapped_column(Text)
    ask_ack: Mapped[bool] = mapped_column(Boolean, default=False)
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when the author's delivery report was enqueued, so it goes out once.
    report_queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
