"""Early-warning signals (issue 16): computed from what other features store.

`refresh` looks for the traces, opens a signal for each new one, updates the figures of those
still there, re-opens snoozed ones whose time is up and resolves those whose trace is gone.
An acknowledged signal stays acknowledged while its trace lasts, so it does not nag.
Each kind's detector lives in the module of its area (see DETECTORS); here are the engine
and what a coordinator does with a signal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.errors import DomainError, NotFound
from bot.services.signals.activities_climate import (
    ActivityLimits,
    ConcernLimits,
    PulseLimits,
    detect_activities_stopped,
    detect_concerns_rising,
    detect_pulse_fell,
)
from bot.services.signals.engagement import EngagementLimits, detect_acks, detect_rsvps
from bot.services.signals.membership import (
    detect_contacts_left,
    detect_no_members,
    detect_silent,
)
from bot.services.signals.reporting import OnTimeLimits, detect_on_time, detect_overdue
from bot.services.signals.signal_types import Detector, Finding, Thresholds
from storage.models import Organisation, Signal, SignalStatus

__all__ = ["Detector", "Finding", "Thresholds"]

# Most serious first in /signale.
WEIGHT = {
    "overdue": 0,
    "on_time_fell": 1,
    "silent": 2,
    "contacts_left": 2,
    "no_members": 2,
    "acks_fell": 3,
    "rsvps_fell": 3,
    "activities_stopped": 4,
    "pulse_fell": 5,
    "concerns_rising": 5,
}


async def _on_time(session: AsyncSession, today: date, limits: Thresholds) -> list[Finding]:
    own = OnTimeLimits(periods=limits.on_time_periods, drop=limits.on_time_drop)
    return await detect_on_time(session, today, limits, own=own)


def _engagement(limits: Thresholds) -> EngagementLimits:
    return EngagementLimits(weeks=limits.engagement_weeks, drop=limits.engagement_drop)


async def _acks(session: AsyncSession, today: date, limits: Thresholds) -> list[Finding]:
    return await detect_acks(session, today, limits, own=_engagement(limits))


async def _rsvps(session: AsyncSession, today: date, limits: Thresholds) -> list[Finding]:
    return await detect_rsvps(session, today, limits, own=_engagement(limits))


async def _stopped(session: AsyncSession, today: date, limits: Thresholds) -> list[Finding]:
    own = ActivityLimits(quiet_weeks=limits.activity_quiet_weeks)
    return await detect_activities_stopped(session, today, limits, own=own)


async def _pulse(session: AsyncSession, today: date, limits: Thresholds) -> list[Finding]:
    return await detect_pulse_fell(session, today, limits, own=PulseLimits(drop=limits.pulse_drop))


async def _concerns(session: AsyncSession, today: date, limits: Thresholds) -> list[Finding]:
    own = ConcernLimits(window_days=limits.concern_window_days, factor=limits.concern_factor)
    return await detect_concerns_rising(session, today, limits, own=own)


# Every kind of trace, each kind's detector in the module of its area.
DETECTORS: list[Detector] = [
    detect_overdue,
    _on_time,
    detect_silent,
    detect_contacts_left,
    detect_no_members,
    _acks,
    _rsvps,
    _stopped,
    _pulse,
    _concerns,
]


async def detect(session: AsyncSession, today: date, limits: Thresholds) -> list[Finding]:
    found: list[Finding] = []
    for detector in DETECTORS:
        found += await detector(session, today, limits)
    return found


async def refresh(session: AsyncSession, today: date, limits: Thresholds) -> None:
    found = {(f.reason_code, f.organisation_id): f for f in await detect(session, today, limits)}
    current = (
        await session.scalars(select(Signal).where(Signal.status != SignalStatus.RESOLVED.value))
    ).all()
    known = set()
    for signal in current:
        key = (signal.reason_code, signal.organisation_id)
        finding = found.get(key)
        if finding is None:
            signal.status, signal.resolved_on = SignalStatus.RESOLVED.value, today
            continue
        known.add(key)
        signal.value, signal.baseline_value = finding.value, finding.baseline_value
        signal.details = finding.details
        if signal.status == SignalStatus.SNOOZED.value and (
            signal.snoozed_until is None or signal.snoozed_until <= today
        ):
            signal.status, signal.snoozed_until = SignalStatus.OPEN.value, None
    for key, finding in found.items():
        if key in known:
            continue
        session.add(
            Signal(
                kind=finding.kind,
                reason_code=finding.reason_code,
                organisation_id=finding.organisation_id,
                opened_on=today,
                status=SignalStatus.OPEN.value,
                value=finding.value,
                baseline_value=finding.baseline_value,
                details=finding.details,
            )
        )
    await session.flush()


@dataclass(frozen=True)
class OpenSignal:
    id: int
    kind: str
    reason_code: str
    organisation: str | None
    opened_on: date
    value: float | None
    baseline_value: float | None
    details: dict[str, Any]


@dataclass(frozen=True)
class Overview:
    open: list[OpenSignal]
    acknowledged: int
    snoozed: int


async def overview(session: AsyncSession) -> Overview:
    rows = (
        await session.execute(
            select(Signal, Organisation.name)
            .outerjoin(Organisation, Organisation.id == Signal.organisation_id)
            .where(Signal.status != SignalStatus.RESOLVED.value)
        )
    ).all()
    signals = [
        OpenSignal(
            s.id,
            s.kind,
            s.reason_code,
            name,
            s.opened_on,
            s.value,
            s.baseline_value,
            dict(s.details or {}),
        )
        for s, name in rows
        if s.status == SignalStatus.OPEN.value
    ]
    signals.sort(key=lambda s: (WEIGHT.get(s.reason_code, 9), -(s.value or 0), s.id))
    statuses = [s.status for s, _ in rows]
    return Overview(
        signals,
        statuses.count(SignalStatus.ACKNOWLEDGED.value),
        statuses.count(SignalStatus.SNOOZED.value),
    )


async def _unresolved(session: AsyncSession, signal_id: int) -> Signal:
    signal = await session.get(Signal, signal_id)
    if signal is None or signal.status == SignalStatus.RESOLVED.value:
        raise NotFound("signals.gone")
    return signal


async def acknowledge(session: AsyncSession, signal_id: int) -> None:
    signal = await _unresolved(session, signal_id)
    if signal.status == SignalStatus.ACKNOWLEDGED.value:
        raise DomainError("signals.already")
    signal.status, signal.snoozed_until = SignalStatus.ACKNOWLEDGED.value, None


async def snooze(session: AsyncSession, signal_id: int, today: date, days: int) -> date:
    signal = await _unresolved(session, signal_id)
    signal.status = SignalStatus.SNOOZED.value
    signal.snoozed_until = today + timedelta(days=days)
    return signal.snoozed_until
