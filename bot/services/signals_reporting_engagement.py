"""Early-warning signals (issue 16): an organisation's reporting gets late, its members stop
confirming broadcasts or answering meeting reminders.

Each detector fits `signals.Detector`; its own thresholds come as a keyword with defaults.
Rates are compared as shares (0-1); `value` and `baseline_value` are stored as whole percents
(0-100). Signals are per organisation and never name a person.

- `on_time_fell` (reporting): the on-time rate of an organisation's last `periods` due (or
  closed) periods fell at least `drop` below its own rate in the periods before, or below the
  rest of the initiative's rate in the same periods. On time as in `completeness` and
  `v_reporting_completeness`: the first revision arrived no later than the due time (or the
  extension); a due obligation still unreported is late; imported values are left out. Noise
  is kept out by sample sizes (`min_obligations` on each side) and by asking for late reports
  in at least `min_late_periods` of the recent periods: one late report (even one late period
  with several indicators) raises nothing.
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
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.services.outbox import local_zone
from bot.services.signal_types import Finding, Thresholds
from storage.models import (
    Broadcast,
    ClosedPeriod,
    Delivery,
    DeliveryState,
    IndicatorValue,
    Member,
    Obligation,
    Organisation,
    Rsvp,
    Schedule,
    ScheduleRun,
    ValueSource,
)

BROADCAST_KIND = "broadcast"
MEETING_KIND = "meeting"
# Shares are compared after rounding, so 0.7 - 0.4 counts as the 0.3 it is.
_PRECISION = 9


@dataclass(frozen=True)
class OnTimeLimits:
    # The recent window: the organisation's last so many due or closed periods.
    periods: int = 3
    # Its own earlier rate: over at most so many periods before those.
    earlier_periods: int = 6
    # "Clearly below": at least this much lower (a share: 0.3 = 30 percentage points).
    drop: float = 0.3
    # Due obligations needed on each side of the comparison.
    min_obligations: int = 3
    # Late (or missing) reports needed in at least so many of the recent periods.
    min_late_periods: int = 2


@dataclass(frozen=True)
class EngagementLimits:
    # Each window's length; the recent one ends `grace_days` before today.
    weeks: int = 6
    # At least this much lower than the window before (a share).
    drop: float = 0.3
    # Deliveries (or meeting invitations) needed in each window.
    min_deliveries: int = 5
    grace_days: int = 3


def percent(share: float) -> float:
    """A share as a whole percent, rounded half up as people do."""
    return float(int(share * 100 + 0.5))


def _fell(recent: float, baseline: float, drop: float) -> bool:
    return round(baseline - recent, _PRECISION) >= drop


def _rate(outcomes: Iterable[bool]) -> tuple[float, int]:
    values = list(outcomes)
    return (sum(values) / len(values) if values else 0.0), len(values)


# --- reporting: on-time rate ---------------------------------------------------------------


@dataclass(frozen=True)
class _Due:
    organisation_id: int
    period: str
    period_end: date
    on_time: bool


async def _due_obligations(session: AsyncSession, today: date) -> list[_Due]:
    """Every obligation of an active organisation that is due before today or whose period is
    closed, with whether it was reported on time; imported first revisions are left out."""
    cutoff = datetime.combine(today, time.min, tzinfo=UTC)
    first = aliased(IndicatorValue)
    closed = select(ClosedPeriod.period).where(ClosedPeriod.period == Obligation.period).exists()
    due = Obligation.extended_until.is_(None) & (Obligation.due_at < cutoff)
    extended = Obligation.extended_until.is_not(None) & (Obligation.extended_until < cutoff)
    rows = await session.execute(
        select(
            Obligation.organisation_id,
            Obligation.period,
            Obligation.period_end,
            Obligation.due_at,
            Obligation.extended_until,
            first.reported_at,
            first.source,
        )
        .join(Organisation, Organisation.id == Obligation.organisation_id)
        .outerjoin(
            first,
            and_(
                first.indicator_id == Obligation.indicator_id,
                first.organisation_id == Obligation.organisation_id,
                first.period == Obligation.period,
                first.revision == 1,
            ),
        )
        .where(Organisation.active.is_(True), or_(due, extended, closed))
    )
    found = []
    for organisation_id, period, period_end, due_at, extended_until, reported_at, source in rows:
        if source == ValueSource.IMPORT:
            continue
        on_time = reported_at is not None and reported_at <= (extended_until or due_at)
        found.append(_Due(organisation_id, period, period_end, on_time))
    return found


async def detect_on_time(
    session: AsyncSession,
    today: date,
    limits: Thresholds,
    *,
    own: OnTimeLimits = OnTimeLimits(),
) -> list[Finding]:
    """`on_time_fell`: an organisation's recent on-time rate fell clearly below its own
    earlier rate or the rest of the initiative's rate over the same periods."""
    obligations = await _due_obligations(session, today)
    by_organisation: dict[int, list[_Due]] = defaultdict(list)
    # Per period, everyone's due obligations and how many of them were on time.
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for item in obligations:
        by_organisation[item.organisation_id].append(item)
        totals[item.period][0] += 1
        totals[item.period][1] += item.on_time
    findings = []
    for organisation_id, items in sorted(by_organisation.items()):
        periods = sorted({(i.period_end, i.period) for i in items}, reverse=True)
        recent_periods = {p for _, p in periods[: own.periods]}
        earlier_periods = {p for _, p in periods[own.periods : own.periods + own.earlier_periods]}
        recent = [i for i in items if i.period in recent_periods]
        late_periods = {i.period for i in recent if not i.on_time}
        if len(recent) < own.min_obligations or len(late_periods) < own.min_late_periods:
            continue
        rate, recent_count = _rate(i.on_time for i in recent)
        candidates = []
        own_rate, earlier_count = _rate(i.on_time for i in items if i.period in earlier_periods)
        if earlier_count >= own.min_obligations:
            candidates.append((own_rate, earlier_count, "own"))
        # The rest of the initiative over the same periods.
        others_count = sum(totals[p][0] for p in recent_periods) - recent_count
        others_on_time = sum(totals[p][1] for p in recent_periods) - sum(i.on_time for i in recent)
        if others_count >= own.min_obligations:
            candidates.append((others_on_time / others_count, others_count, "initiative"))
        fallen = [c for c in candidates if _fell(rate, c[0], own.drop)]
        if not fallen:
            continue
        # The clearer drop; on a tie the organisation's own history.
        baseline, compared_count, compared = max(fallen, key=lambda c: (c[0], c[2] == "own"))
        findings.append(
            Finding(
                "reporting",
                "on_time_fell",
                organisation_id,
                percent(rate),
                percent(baseline),
                {"recent": recent_count, "earlier": compared_count, "compared": compared},
            )
        )
    return findings


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
        rate, recent_count = _rate(outcomes.get((organisation_id, True), []))
        baseline, earlier_count = _rate(outcomes.get((organisation_id, False), []))
        if min(recent_count, earlier_count) < own.min_deliveries:
            continue
        if not _fell(rate, baseline, own.drop):
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
    outcomes: Outcomes = defaultdict(list)
    if not recent:
        return []
    rows = await session.execute(
        select(Member.organisation_id, Delivery.reference, Delivery.acknowledged_at.is_not(None))
        .select_from(Delivery)
        .join(Member, Member.id == Delivery.member_id)
        .join(Organisation, Organisation.id == Member.organisation_id)
        .where(
            Organisation.active.is_(True),
            Organisation.backbone.is_(False),
            Delivery.kind == BROADCAST_KIND,
            Delivery.reference.in_(sorted(recent)),
            or_(
                Delivery.state == DeliveryState.SENT.value,
                Delivery.acknowledged_at.is_not(None),
            ),
        )
    )
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
        select(Member.organisation_id, Member.id, Delivery.reference, Delivery.not_before)
        .select_from(Delivery)
        .join(Member, Member.id == Delivery.member_id)
        .join(Organisation, Organisation.id == Member.organisation_id)
        .where(
            Organisation.active.is_(True),
            Organisation.backbone.is_(False),
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
