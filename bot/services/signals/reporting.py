"""Early-warning signals (issue 16): an organisation's reports are overdue or keep coming late.

- `overdue` (reporting): obligations unreported more than `overdue_days` after their due day.

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
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.services.signals.rates import fell, percent, share_of
from bot.services.signals.signal_types import Finding, Thresholds
from storage.models import (
    ClosedPeriod,
    IndicatorValue,
    Obligation,
    Organisation,
    ValueSource,
)


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
        # A waived obligation is not owed: neither late nor on time, unless reported anyway.
        .where(or_(Obligation.waived_at.is_(None), first.id.is_not(None)))
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
        rate, recent_count = share_of(i.on_time for i in recent)
        candidates = []
        own_rate, earlier_count = share_of(i.on_time for i in items if i.period in earlier_periods)
        if earlier_count >= own.min_obligations:
            candidates.append((own_rate, earlier_count, "own"))
        # The rest of the initiative over the same periods.
        others_count = sum(totals[p][0] for p in recent_periods) - recent_count
        others_on_time = sum(totals[p][1] for p in recent_periods) - sum(i.on_time for i in recent)
        if others_count >= own.min_obligations:
            candidates.append((others_on_time / others_count, others_count, "initiative"))
        fallen = [c for c in candidates if fell(rate, c[0], own.drop)]
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


async def detect_overdue(session: AsyncSession, today: date, limits: Thresholds) -> list[Finding]:
    """`overdue`: per organisation, obligations still unreported `overdue_days` after their
    due day (or extension), in periods not closed."""
    days = limits.overdue_days
    limit = datetime.combine(today - timedelta(days=days), time.min, tzinfo=UTC)
    due = func.coalesce(Obligation.extended_until, Obligation.due_at)
    reported = (
        select(IndicatorValue.id)
        .where(
            IndicatorValue.indicator_id == Obligation.indicator_id,
            IndicatorValue.organisation_id == Obligation.organisation_id,
            IndicatorValue.period == Obligation.period,
        )
        .exists()
    )
    closed = select(ClosedPeriod.period).where(ClosedPeriod.period == Obligation.period).exists()
    rows = await session.execute(
        select(Obligation.organisation_id, func.count(), func.min(due))
        .where(due < limit, ~reported, ~closed, Obligation.waived_at.is_(None))
        .group_by(Obligation.organisation_id)
    )
    findings = []
    for organisation_id, count, oldest in rows:
        late = (today - oldest.date()).days
        findings.append(
            Finding("reporting", "overdue", organisation_id, late, days, {"count": count})
        )
    return findings
