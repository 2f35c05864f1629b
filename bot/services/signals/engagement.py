"""Early-warning signals (issue 16): members stop confirming broadcasts or answering meeting
reminders.

Each detector fits `signals.Detector`; its own thresholds come as a keyword with defaults.
Rates are compared as shares (0-1); `value` and `baseline_value` are stored as whole percents
(0-100). Signals are per organisation and never name a person.

- `acks_fell` (engagement): the share of broadcast deliveries that asked for an
  acknowledgement and that the organisation's members confirmed, in the last `weeks` against
  the `weeks` before; only deliveries that reached the member count (sent, or confirmed).
- `rsvps_fell` (engagement): the share of meeting reminders the organisation's members
  answered (yes or no) in the last `weeks` against the `weeks` before. A meeting reminder is a
  delivery of kind `meeting` with reference `schedule:<id>`; it belongs to the latest firing
  (`ScheduleRun`) of that schedule at or before its send time, whose local day is the meeting
  day an RSVP names - the same day `reminders.rsvp` checks.

Both engagement windows end `grace_days` before today, so members have time to answer.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.outbox import local_zone
from bot.services.signals.rates import fell, percent, share_of
from bot.services.signals.signal_types import Finding, Thresholds, partner_organisation
from storage.models import (
    Broadcast,
    Delivery,
    DeliveryState,
    Member,
    Organisation,
    Rsvp,
    Schedule,
    ScheduleRun,
)

BROADCAST_KIND = "broadcast"
MEETING_KIND = "meeting"
# Shares are compared after rounding, so 0.7 - 0.4 counts as the 0.3 it is.
_PRECISION = 9


@dataclass(frozen=True)
class EngagementLimits:
    # Each window's length; the recent one ends `grace_days` before today.
    weeks: int = 6
    # At least this much lower than the window before (a share).
    drop: float = 0.3
    # Deliveries (or meeting invitations) needed in each window.
    min_deliveries: int = 5
    grace_days: int = 3


def _to_partners(*columns: Any) -> Select[Any]:
    """Deliveries to members of the partner organisations."""
    return (
        select(*columns)
        .select_from(Delivery)
        .join(Member, Member.id == Delivery.member_id)
        .join(Organisation, Organisation.id == Member.organisation_id)
        .where(partner_organisation())
    )


# --- engagement: acknowledgements and RSVPs ------------------------------------------------


@dataclass(frozen=True)
class _Windows:
    start: date
    middle: date
    end: date

    @classmethod
    def of(cls, today: date, own: EngagementLimits) -> _Windows:
        end = today - timedelta(days=own.grace_days)
        middle = end - timedelta(weeks=own.weeks)
        return cls(middle - timedelta(weeks=own.weeks), middle, end)

    def recent(self, day: date) -> bool | None:
        """True in the recent window, False in the one before, None outside both."""
        if self.start <= day < self.end:
            return day >= self.middle
        return None

    def at(self, day: date) -> datetime:
        return datetime.combine(day, time.min, tzinfo=UTC)


# (organisation, recent?) -> the outcome of each delivery: answered or not.
Outcomes = dict[tuple[int, bool], list[bool]]


def _compare(
    outcomes: Outcomes, reason_code: str, own: EngagementLimits, windows: _Windows
) -> list[Finding]:
    findings = []
    for organisation_id in sorted({o for o, _ in outcomes}):
        rate, recent_count = share_of(outcomes.get((organisation_id, True), []))
        baseline, earlier_count = share_of(outcomes.get((organisation_id, False), []))
        if min(recent_count, earlier_count) < own.min_deliveries:
            continue
        if not fell(rate, baseline, own.drop):
            continue
        findings.append(
            Finding(
                "engagement",
                reason_code,
                organisation_id,
                percent(rate),
                percent(baseline),
                {
                    "recent": recent_count,
                    "earlier": earlier_count,
                    "weeks": own.weeks,
                    "from": windows.middle.isoformat(),
                    "until": windows.end.isoformat(),
                },
            )
        )
    return findings


async def detect_acks(
    session: AsyncSession,
    today: date,
    limits: Thresholds,
    *,
    own: EngagementLimits = EngagementLimits(),
) -> list[Finding]:
    """`acks_fell`: an organisation's members confirmed a clearly smaller share of the
    broadcasts that asked for it than in the weeks before."""
    windows = _Windows.of(today, own)
    broadcasts = await session.execute(
        select(Broadcast.id, Broadcast.created_at).where(
            Broadcast.ask_ack.is_(True),
            Broadcast.created_at >= windows.at(windows.start),
            Broadcast.created_at < windows.at(windows.end),
        )
    )
    recent = {f"broadcast:{i}": created >= windows.at(windows.middle) for i, created in broadcasts}
    if not recent:
        return []
    rows = await session.execute(
        _to_partners(
            Member.organisation_id, Delivery.reference, Delivery.acknowledged_at.is_not(None)
        ).where(
            Delivery.kind == BROADCAST_KIND,
            Delivery.reference.in_(sorted(recent)),
            or_(
                Delivery.state == DeliveryState.SENT.value,
                Delivery.acknowledged_at.is_not(None),
            ),
        )
    )
    outcomes: Outcomes = defaultdict(list)
    for organisation_id, reference, acknowledged in rows:
        outcomes[(organisation_id, recent[reference or ""])].append(bool(acknowledged))
    return _compare(outcomes, "acks_fell", own, windows)


async def detect_rsvps(
    session: AsyncSession,
    today: date,
    limits: Thresholds,
    *,
    own: EngagementLimits = EngagementLimits(),
) -> list[Finding]:
    """`rsvps_fell`: an organisation's members answered a clearly smaller share of the meeting
    reminders they got than in the weeks before."""
    windows = _Windows.of(today, own)
    zone = await local_zone(session)
    # Firings a little before the first window too: a reminder held back by quiet hours
    # belongs to the firing before it, not to a later one.
    runs = await session.execute(
        select(ScheduleRun.schedule_id, ScheduleRun.occurrence)
        .join(Schedule, Schedule.id == ScheduleRun.schedule_id)
        .where(
            Schedule.kind == MEETING_KIND,
            ScheduleRun.occurrence >= windows.at(windows.start - timedelta(days=2)),
            ScheduleRun.occurrence < windows.at(windows.end + timedelta(days=2)),
        )
    )
    firings: dict[str, list[datetime]] = defaultdict(list)
    for schedule_id, occurrence in runs:
        firings[f"schedule:{schedule_id}"].append(occurrence)
    if not firings:
        return []
    for occurrences in firings.values():
        occurrences.sort()
    rows = await session.execute(
        _to_partners(
            Member.organisation_id, Member.id, Delivery.reference, Delivery.not_before
        ).where(
            Delivery.kind == MEETING_KIND,
            Delivery.reference.in_(sorted(firings)),
            Delivery.state == DeliveryState.SENT.value,
            Delivery.not_before >= windows.at(windows.start - timedelta(days=2)),
        )
    )
    # (schedule, meeting day, member) -> (organisation, recent?)
    invited: dict[tuple[int, date, int], tuple[int, bool]] = {}
    for organisation_id, member_id, reference, not_before in rows:
        fired = [o for o in firings[reference or ""] if o <= not_before]
        if not fired:
            continue
        day = fired[-1].astimezone(zone).date()
        window = windows.recent(day)
        if window is not None:
            invited[(int((reference or "").split(":")[1]), day, member_id)] = (
                organisation_id,
                window,
            )
    answered = {
        (schedule_id, day, member_id)
        for schedule_id, day, member_id in await session.execute(
            select(Rsvp.schedule_id, Rsvp.meeting_on, Rsvp.member_id).where(
                Rsvp.meeting_on >= windows.start, Rsvp.meeting_on < windows.end
            )
        )
    }
    outcomes: Outcomes = defaultdict(list)
    for key, (organisation_id, window) in invited.items():
        outcomes[(organisation_id, window)].append(key in answered)
    return _compare(outcomes, "rsvps_fell", own, windows)
