"""The audit log: who (a member id) changed what."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEntry


def record(
    session: AsyncSession,
    actor_id: int | None,
    action: str,
    subject: str = "",
    *,
    at: datetime | None = None,
    **details: Any,
) -> None:
    """`at` is the caller's clock (services take `now`); without it, the database default."""
    entry = AuditEntry(actor_id=actor_id, action=action, subject=subject, details=details)
    if at is not None:
        entry.at = at
    session.add(entry)
