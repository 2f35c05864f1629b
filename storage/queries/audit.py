"""The audit log: who (a member id) changed what."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEntry


def record(
    session: AsyncSession,
    actor_id: int | None,
    action: str,
    subject: str = "",
    **details: Any,
) -> None:
    session.add(AuditEntry(actor_id=actor_id, action=action, subject=subject, details=details))
