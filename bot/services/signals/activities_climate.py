"""Early-warning signals (issue 16): activities that stopped, and the climate.

Three detectors for `bot.services.signals.signals.DETECTORS`, each with its own limits:

- `detect_activities_stopped` (kind "activities"): an organisation that logged activities in
  at least `min_active_weeks` ISO weeks of the `lookback_weeks` before the quiet window has
  logged none for `quiet_weeks` up to today. One quiet week is noise.
- `detect_pulse_fell` (kind "climate", initiative-wide): a pulse question's mean in the latest
  closed survey fell by at least `drop` against the previous closed survey in which that
  question reached the survey's k. The k rule is the one of `bot.services.pulse.results`
  (the only place it lives): a question below k in either survey leaves no trace here.
- `detect_concerns_rising` (kind "climate", initiative-wide): concerns of one category opened
  in the last `window_days` are at least `factor` times those of the window before, and at
  least `min_count`; counted by day, never naming a reporter.

No finding names a person; the climate findings carry only figures that reached k (pulse) or
`min_count` (concerns) and days, never times. The engine keys signals by (reason_code,
organisation_id), so each initiative-wide detector emits at most one finding: the largest
change, with the other categories or questions in `details["others"]`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.pulse.results import survey_results
from bot.services.signals.signal_types import Finding, Thresholds, partner_organisation
from storage.models import Activity, Concern, Organisation, PulseSurvey


@dataclass(frozen=True)
class ActivityLimits:
    # Weeks without any activity, up to today, that make an organisation "stopped".
    quiet_weeks: int = 4
    # How far back, before the quiet window, regularity is judged ...
    lookback_weeks: int = 12
    # ... and in how many distinct ISO weeks of it the organisation logged an activity.
    min_active_weeks: int = 4


@dataclass(frozen=True)
class PulseLimits:
    # How far a question's mean (scores 1-5, rounded to 2 decimals) must fall.
    drop: float = 0.5


@dataclass(frozen=True)
class ConcernLimits:
    window_days: int = 28
    # The last window holds at least `factor` times the concerns of the window before ...
    factor: float = 2.0
    # ... and at least this many, so a count never points to a single reporter.
    min_count: int = 3


async def detect_activities_stopped(
    session: AsyncSession,
    today: date,
    limits: Thresholds,
    *,
    own: ActivityLimits = ActivityLimits(),
) -> list[Finding]:
    """Active partner organisations that logged regularly and then stopped.

    A sign of life is an activity dated in the quiet window or logged (created) in it, so an
    organisation that enters last month's activities today is not quiet. Regularity counts the
    ISO weeks of the activities' own dates. Dates and times after `today` are ignored, so the
    result depends only on `today`."""
    since = today - timedelta(weeks=own.quiet_weeks)
    lookback_start = since - timedelta(weeks=own.lookback_weeks)
    tomorrow = datetime.combine(today + timedelta(days=1), time.min, tzinfo=UTC)
    partners = and_(Organisation.id == Activity.organisation_id, partner_organisation())

    weeks: dict[int, set[tuple[int, int]]] = {}
    rows = await session.execute(
        select(Activity.organisation_id, Activity.activity_date)
        .join(Organisation, partners)
        .where(Activity.activity_date > lookback_start, Activity.activity_date <= since)
        .distinct()
    )
    for organisation_id, day in rows:
        iso = day.isocalendar()
        weeks.setdefault(organisation_id, set()).add((iso.year, iso.week))
    regular = {org: len(w) for org, w in weeks.items() if len(w) >= own.min_active_weeks}
    if not regular:
        return []

    latest = await session.execute(
        select(
            Activity.organisation_id,
            func.max(case((Activity.activity_date <= today, Activity.activity_date))),
            func.max(case((Activity.created_at < tomorrow, Activity.created_at))),
        )
        .where(Activity.organisation_id.in_(regular))
        .group_by(Activity.organisation_id)
    )
    findings = []
    for organisation_id, last_dated, last_logged in latest:
        last = max(d for d in (last_dated, _day(last_logged)) if d is not None)
        if last > since:
            continue
        findings.append(
            Finding(
                "activities",
                "activities_stopped",
                organisation_id,
                (today - last).days // 7,
                own.quiet_weeks,
                {
                    "active_weeks": regular[organisation_id],
                    "lookback_weeks": own.lookback_weeks,
                    "last": last.isoformat(),
                },
            )
        )
    return findings


def _day(value: datetime | date | str | None) -> date | None:
    """The UTC day of a stored time (a UTC datetime; text or a date only if a backend gave one)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.date()
    return value


async def detect_pulse_fell(
    session: AsyncSession,
    today: date,
    limits: Thresholds,
    *,
    own: PulseLimits = PulseLimits(),
) -> list[Finding]:
    """Questions of the latest closed survey whose mean fell by at least `own.drop` against
    the previous closed survey where the question reached k; one finding, the largest drop.

    Surveys opened after `today` are not looked at. Means come from `survey_results`, which
    gives nothing for a survey below its k and a trend of only the surveys that reached it."""
    closed = list(
        await session.scalars(
            select(PulseSurvey.id)
            .where(PulseSurvey.closed.is_(True), PulseSurvey.opened_on <= today)
            .order_by(PulseSurvey.opened_on.desc(), PulseSurvey.id.desc())
        )
    )
    if len(closed) < 2:
        return []
    latest = await survey_results(session, closed[0])
    if not latest.shown:
        return []
    closed_ids = set(closed)
    opened = {
        survey_id: day
        for survey_id, day in await session.execute(
            select(PulseSurvey.id, PulseSurvey.opened_on).where(PulseSurvey.id.in_(closed_ids))
        )
    }
    fallen: list[dict[str, Any]] = []
    for question in latest.questions:
        points = [p for p in question.trend if p.survey_id in closed_ids]
        if len(points) < 2 or points[-1].survey_id != latest.survey_id:
            continue
        previous = points[-2]
        mean, baseline = round(question.mean, 2), round(previous.mean, 2)
        if round(baseline - mean, 2) < own.drop:
            continue
        fallen.append(
            {
                "question": question.code,
                "question_de": question.text_de,
                "question_en": question.text_en,
                "value": mean,
                "baseline": baseline,
                "previous_day": opened[previous.survey_id].isoformat(),
            }
        )
    if not fallen:
        return []
    # Largest drop first; on a tie the order the questions are asked in.
    fallen.sort(key=lambda q: -round(q["baseline"] - q["value"], 2))
    top, others = fallen[0], fallen[1:]
    details = {
        "question": top["question"],
        "question_de": top["question_de"],
        "question_en": top["question_en"],
        "survey_day": latest.opened_on.isoformat(),
        "previous_day": top["previous_day"],
        "others": others,
        "others_count": len(others),
    }
    # Only ONE pulse_fell finding: signals are keyed by (reason_code, organisation_id), and
    # these are all initiative-wide (organisation None); the other fallen questions ride along.
    return [Finding("climate", "pulse_fell", None, top["value"], top["baseline"], details)]


async def detect_concerns_rising(
    session: AsyncSession,
    today: date,
    limits: Thresholds,
    *,
    own: ConcernLimits = ConcernLimits(),
) -> list[Finding]:
    """A concern category opened clearly more often in the last `window_days` (up to today)
    than in the window before; one finding, the largest rise.

    Counts only, by the concerns' day: a category counts only with at least `own.min_count`
    concerns in the last window, so no figure here is about a single reporter."""
    window = timedelta(days=own.window_days)
    recent = await _concern_counts(session, today - window, today)
    before = await _concern_counts(session, today - 2 * window, today - window)
    rising = [
        (category, count, before.get(category, 0))
        for category, count in recent.items()
        if count >= own.min_count and count >= own.factor * before.get(category, 0)
    ]
    if not rising:
        return []
    # Largest rise first: the most additional concerns, then the most concerns, then by name.
    rising.sort(key=lambda r: (-(r[1] - r[2]), -r[1], r[0]))
    (category, count, earlier), others = rising[0], rising[1:]
    details = {
        "category": category,
        "window_days": own.window_days,
        "others": [{"category": c, "value": n, "baseline": b} for c, n, b in others],
        "others_count": len(others),
    }
    # Only ONE concerns_rising finding, for the same reason as pulse_fell.
    return [Finding("climate", "concerns_rising", None, count, earlier, details)]


async def _concern_counts(session: AsyncSession, after: date, until: date) -> dict[str, int]:
    """Concerns per category opened on a day in (after, until]."""
    rows = await session.execute(
        select(Concern.category, func.count())
        .where(Concern.opened_on > after, Concern.opened_on <= until)
        .group_by(Concern.category)
    )
    return {category: count for category, count in rows}
