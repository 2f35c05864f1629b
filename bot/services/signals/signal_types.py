"""The shapes every signal detector shares (bot/services/signals/signals.py runs them all)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Organisation


@dataclass(frozen=True)
class Thresholds:
    """The configurable limits of every kind ([signals] in the configuration)."""

    overdue_days: int = 14
    silent_weeks: int = 4
    snooze_days: int = 14
    on_time_periods: int = 3
    on_time_drop: float = 0.3
    engagement_weeks: int = 6
    engagement_drop: float = 0.3
    activity_quiet_weeks: int = 4
    pulse_drop: float = 0.5
    concern_window_days: int = 28
    concern_factor: float = 2.0


@dataclass(frozen=True)
class Finding:
    """A trace in the data: what kind, about which organisation (None: the whole initiative),
    the figure and what it is compared with, and details for the reason's text."""

    kind: str
    reason_code: str
    organisation_id: int | None
    value: float | None
    baseline_value: float | None
    details: dict[str, Any] = field(default_factory=dict)


Detector = Callable[[AsyncSession, date, Thresholds], Awaitable[list[Finding]]]


def partner_organisation() -> ColumnElement[bool]:
    """Signals are about the active partner organisations, never the coordination office."""
    return and_(Organisation.active.is_(True), Organisation.backbone.is_(False))
